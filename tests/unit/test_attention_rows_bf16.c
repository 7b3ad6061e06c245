/* Attention's bf16 row steps (attention_rows_bf16.h), on the AVX512_BF16
 * path where the CPU has it and on the portable one (the bf16 kernel chosen
 * decides), for blocks of 64 query rows, edge blocks, odd row counts (the
 * last pair has no second row) and odd key counts (the last word no second
 * column):
 * - against a double reference: both halves of every word (row words and
 *   transposed panels) within bf16 rounding of the double P or dS; exact
 *   zeros above the diagonal, past the keys and in the panels' padding rows;
 *   nothing written past the rows' words or the panels;
 * - against the path they replace: the words are, bit for bit, what
 *   bf16_row_words and the kernel's packing make of the fp32 blocks of
 *   attention_softmax_block's recompute and attention_dscores_block, and the
 *   fp32 P is that recompute's;
 * - both paths give the same words. */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ops/cpu/attention_rows.h"
#include "ops/cpu/attention_rows_bf16.h"
#include "ops/cpu/gemm_bf16.h"
#include "util/dtype.h"
#include "util/rng.h"

static Rng g_rng;

static void fill(float *x, size_t n, float lo, float hi) {
    for (size_t i = 0; i < n; i++) x[i] = lo + (hi - lo) * rng_uniform(&g_rng);
}

static float low_half(uint32_t w) { return bf16_to_f32((uint16_t)(w & 0xFFFFu)); }
static float high_half(uint32_t w) { return bf16_to_f32((uint16_t)(w >> 16)); }

/* a bf16 value within rounding of the double it stands for (round to
 * nearest: half a bf16 ulp, up to 2^-8 of the value (8 significant bits),
 * plus the fp32 work before it) */
static int near_bf16(float got, double want, double fp32_tol) {
    return fabs(got - want) <= fabs(want) * (1.0 / 256) * 1.01 + fp32_tol;
}

typedef struct {
    int i0, i1, ld, hd;
} Block;

static int ceil_div(int a, int b) { return (a + b - 1) / b; }

/* Words in a block's layouts, with a sentinel past what may be written. */
typedef struct {
    uint32_t *rows, *panels;
    int ldw, row_words, kpairs, panel_words;
} Words;

enum { SENTINEL = 0xDEADBEEF, PAD = 8 };

static Words words_alloc(const Block *b) {
    int rows = b->i1 - b->i0;
    Words w = {.row_words = (b->i1 + 1) / 2, .kpairs = (rows + 1) / 2};
    w.ldw = w.row_words + 3;
    w.panel_words = ceil_div(b->i1, BF16_MR) * BF16_MR * w.kpairs;
    w.rows = malloc(sizeof(uint32_t) * (size_t)rows * w.ldw);
    w.panels = malloc(sizeof(uint32_t) * (size_t)(w.panel_words + PAD));
    for (size_t i = 0; i < (size_t)rows * w.ldw; i++) w.rows[i] = SENTINEL;
    for (int i = 0; i < w.panel_words + PAD; i++) w.panels[i] = SENTINEL;
    return w;
}

static void words_free(Words *w) { free(w->rows), free(w->panels); }

static int sentinels_touched(const Words *w, int rows, int with_rows, int with_panels) {
    int bad = 0;
    for (int r = 0; with_rows && r < rows; r++)
        for (int p = w->row_words; p < w->ldw; p++) bad += w->rows[(size_t)r * w->ldw + p] != SENTINEL;
    for (int i = w->panel_words; with_panels && i < w->panel_words + PAD; i++) bad += w->panels[i] != SENTINEL;
    return bad;
}

static uint32_t panel_word(const Words *w, int j, int q) {
    return w->panels[((size_t)(j / BF16_MR) * w->kpairs + q) * BF16_MR + j % BF16_MR];
}

/* The double softmax of block row i of s (ld apart), and its lse. */
static double ref_lse(const float *srow, int i) {
    double mx = srow[0], sum = 0;
    for (int j = 1; j <= i; j++) mx = srow[j] > mx ? srow[j] : mx;
    for (int j = 0; j <= i; j++) sum += exp(srow[j] - mx);
    return mx + log(sum);
}

/* Row words and panels against values want(row r, key j) (0 above the
 * diagonal): both halves of every word. */
typedef double (*Want)(const void *ctx, int r, int j);

static int check_layouts(const Words *w, const Block *b, Want want, const void *ctx, int with_rows, int with_panels,
                         double tol) {
    int rows = b->i1 - b->i0, bad = 0;
    for (int r = 0; with_rows && r < rows; r++)
        for (int p = 0; p < w->row_words; p++) {
            uint32_t x = w->rows[(size_t)r * w->ldw + p];
            int j = 2 * p;
            bad += !near_bf16(low_half(x), want(ctx, r, j), tol);
            bad += j + 1 < b->i1 ? !near_bf16(high_half(x), want(ctx, r, j + 1), tol) : (x >> 16) != 0;
        }
    for (int j = 0; with_panels && j < ceil_div(b->i1, BF16_MR) * BF16_MR; j++)
        for (int q = 0; q < w->kpairs; q++) {
            uint32_t x = panel_word(w, j, q);
            if (j >= b->i1) { /* padding rows of the last panel */
                bad += x != 0;
                continue;
            }
            bad += !near_bf16(low_half(x), want(ctx, 2 * q, j), tol);
            bad += 2 * q + 1 < rows ? !near_bf16(high_half(x), want(ctx, 2 * q + 1, j), tol) : (x >> 16) != 0;
        }
    return bad;
}

typedef struct {
    const float *s;
    const double *lse;
    int i0, ld;
} ProbsCtx;

static double want_prob(const void *ctx, int r, int j) {
    const ProbsCtx *c = ctx;
    int i = c->i0 + r;
    return j > i ? 0.0 : exp(c->s[(size_t)r * c->ld + j] - c->lse[r]);
}

typedef struct {
    const float *p, *dp, *o, *dout;
    int i0, ld, ldo, hd;
} DsCtx;

static double want_dscore(const void *ctx, int r, int j) {
    const DsCtx *c = ctx;
    if (j > c->i0 + r) return 0.0;
    double dot = 0;
    for (int x = 0; x < c->hd; x++) dot += (double)c->o[(size_t)r * c->ldo + x] * c->dout[(size_t)r * c->ldo + x];
    size_t at = (size_t)r * c->ld + j;
    return c->p[at] * (c->dp[at] - dot);
}

/* Outputs of one path, kept to compare the paths. */
typedef struct {
    uint32_t *p_panels, *ds_words, *ds_panels;
    float *probs;
} PathOut;

static void path_out_free(PathOut *o) { free(o->p_panels), free(o->ds_words), free(o->ds_panels), free(o->probs); }

static uint32_t *copy_words(const uint32_t *w, size_t n) {
    uint32_t *c = malloc(sizeof(uint32_t) * n);
    memcpy(c, w, sizeof(uint32_t) * n);
    return c;
}

/* The two steps on block b: failures counted into *bad (double reference)
 * and *unlike (the fp32 path's words); outputs kept in out. */
static void check_block(const Block *b, const Bf16Kernel *kern, int *bad, int *unlike, PathOut *out) {
    int rows = b->i1 - b->i0, ld = b->ld, ldo = b->hd + 2;
    size_t sz = (size_t)rows * ld;
    float *s = malloc(sizeof(float) * sz), *p = malloc(sizeof(float) * sz), *p32 = malloc(sizeof(float) * sz);
    float *lse = malloc(sizeof(float) * b->i1);
    double *lse_ref = malloc(sizeof(double) * rows);
    fill(s, sz, -8.0f, 8.0f);
    for (int r = 0; r < rows; r++) lse_ref[r] = ref_lse(s + (size_t)r * ld, b->i0 + r);
    ProbsCtx pc = {s, lse_ref, b->i0, ld};

    /* the forward's log-sum-exp, as the backward gets it */
    memcpy(p32, s, sizeof(float) * sz);
    attention_softmax_block(p32, ld, b->i0, b->i1, NULL, lse);

    /* backward: P from lse, and P^T panels */
    Words bw = words_alloc(b);
    memcpy(p, s, sizeof(float) * sz);
    attention_probs_panels(p, ld, b->i0, b->i1, lse, bw.panels);
    *bad += check_layouts(&bw, b, want_prob, &pc, 0, 1, 1e-6) + sentinels_touched(&bw, rows, 0, 1);
    memcpy(p32, s, sizeof(float) * sz);
    attention_softmax_block(p32, ld, b->i0, b->i1, lse, NULL);
    for (int r = 0; r < rows; r++) *unlike += memcmp(p + (size_t)r * ld, p32 + (size_t)r * ld, sizeof(float) * b->i1) != 0;
    uint32_t *ref_panels = calloc((size_t)bw.panel_words, sizeof(uint32_t));
    kern->pack(p32, ld, 0, b->i1, rows, BF16_MR, ref_panels);
    *unlike += memcmp(bw.panels, ref_panels, sizeof(uint32_t) * bw.panel_words) != 0;

    /* backward: dS from dP, P, O and dO */
    float *dp = malloc(sizeof(float) * sz), *o = malloc(sizeof(float) * rows * ldo), *dout = malloc(sizeof(float) * rows * ldo);
    fill(dp, sz, -1.0f, 1.0f);
    fill(o, (size_t)rows * ldo, -1.0f, 1.0f);
    fill(dout, (size_t)rows * ldo, -1.0f, 1.0f);
    Words dw = words_alloc(b);
    attention_dscores_words(dp, p, ld, o, dout, ldo, b->hd, b->i0, b->i1, dw.rows, dw.ldw, dw.panels);
    DsCtx dc = {p, dp, o, dout, b->i0, ld, ldo, b->hd};
    *bad += check_layouts(&dw, b, want_dscore, &dc, 1, 1, (b->hd + 2) * 2 * (double)FLT_EPSILON) +
            sentinels_touched(&dw, rows, 1, 1);
    float *ds32 = malloc(sizeof(float) * sz);
    memcpy(ds32, dp, sizeof(float) * sz);
    attention_dscores_block(ds32, p, ld, o, dout, ldo, b->hd, b->i0, b->i1);
    uint32_t *ref_words = malloc(sizeof(uint32_t) * (size_t)rows * dw.ldw);
    bf16_row_words(ds32, ld, rows, b->i1, ref_words, dw.ldw);
    for (int r = 0; r < rows; r++)
        *unlike += memcmp(dw.rows + (size_t)r * dw.ldw, ref_words + (size_t)r * dw.ldw, sizeof(uint32_t) * dw.row_words) != 0;
    memset(ref_panels, 0, sizeof(uint32_t) * dw.panel_words);
    kern->pack(ds32, ld, 0, b->i1, rows, BF16_MR, ref_panels);
    *unlike += memcmp(dw.panels, ref_panels, sizeof(uint32_t) * dw.panel_words) != 0;

    *out = (PathOut){copy_words(bw.panels, bw.panel_words), copy_words(dw.rows, (size_t)rows * dw.ldw),
                     copy_words(dw.panels, dw.panel_words), p};
    words_free(&bw), words_free(&dw);
    free(s), free(p32), free(lse), free(lse_ref), free(ref_words), free(ref_panels), free(dp), free(o), free(dout);
    free(ds32);
}

static const Block g_blocks[] = {{0, 64, 256, 32},  {64, 128, 256, 32}, {192, 256, 256, 32}, {0, 5, 7, 13},
                                 {13, 50, 61, 17},  {0, 1, 1, 1},       {128, 191, 191, 32}, {0, 37, 40, 64}};
enum { N_BLOCKS = sizeof g_blocks / sizeof g_blocks[0] };

static int same_outputs(const PathOut *a, const PathOut *b, const Block *k) {
    int rows = k->i1 - k->i0, ldw = (k->i1 + 1) / 2 + 3, kp = (rows + 1) / 2;
    size_t pw = (size_t)ceil_div(k->i1, BF16_MR) * BF16_MR * kp, rw = (size_t)rows * ldw;
    return !memcmp(a->ds_words, b->ds_words, 4 * rw) && !memcmp(a->p_panels, b->p_panels, 4 * pw) &&
           !memcmp(a->ds_panels, b->ds_panels, 4 * pw) && !memcmp(a->probs, b->probs, sizeof(float) * (size_t)rows * k->ld);
}

int main(void) {
    const Bf16Kernel *kerns[2];
    int nk = 0;
    if (bf16_kernel_avx512.cpu_has()) kerns[nk++] = &bf16_kernel_avx512;
    else printf("note: this CPU lacks AVX512_BF16; only the portable path is tested\n");
    kerns[nk++] = &bf16_kernel_plain;
    PathOut outs[2][N_BLOCKS];
    for (int q = 0; q < nk; q++) {
        CHECK(gemm_bf16_set_kernel(kerns[q]->name) == 0);
        rng_seed(&g_rng, 31); /* the same inputs on each path */
        int bad = 0, unlike = 0;
        for (int b = 0; b < N_BLOCKS; b++) check_block(&g_blocks[b], kerns[q], &bad, &unlike, &outs[q][b]);
        CHECK_MSG(bad == 0, "%s: %d values off the double reference (or sentinels overwritten)", kerns[q]->name, bad);
        CHECK_MSG(unlike == 0, "%s: %d rows or panels differ from the fp32 path's words", kerns[q]->name, unlike);
        printf("%s: probability panels, dscores words and panels, %d blocks: %d off the reference, %d unlike the "
               "fp32 path\n", kerns[q]->name, N_BLOCKS, bad, unlike);
    }
    if (nk == 2) {
        int differ = 0;
        for (int b = 0; b < N_BLOCKS; b++) differ += !same_outputs(&outs[0][b], &outs[1][b], &g_blocks[b]);
        CHECK_MSG(differ == 0, "avx512bf16 and portable row steps differ on %d of %d blocks", differ, N_BLOCKS);
        printf("avx512bf16 vs portable: %d blocks, %d differ\n", N_BLOCKS, differ);
    }
    for (int q = 0; q < nk; q++)
        for (int b = 0; b < N_BLOCKS; b++) path_out_free(&outs[q][b]);
    gemm_bf16_set_kernel(NULL);
    return check_report("test_attention_rows_bf16");
}
