/* The bf16 GEMM (src/ops/cpu/gemm_bf16*.c), for each kernel this CPU runs
 * (AVX512_BF16 where present, and always the plain C one):
 *  - fp32 -> bf16 rounding of both packers against known bit patterns (ties to
 *    even, NaN, infinities, overflow, subnormals) and against an independent
 *    round-to-nearest-even in double (nearbyint on the scaled value);
 *  - products against a double-precision reference computed on the
 *    bf16-rounded inputs: |got - ref| <= 2^-24 (8 + 2 sqrt(k)) S per element,
 *    S = |alpha| sum_k |a b| + |beta c| (fp32 accumulation error only; a
 *    missing operand rounding is ~2^-8 / sqrt(k) S, far above it - checked);
 *  - products against the fp32 product in double: |got - ref| <= (2^-7 +
 *    2^-16 + (k + 2) 2^-24) S, the worst case of rounding both operands
 *    (each by at most half a bf16 ulp, 2^-8 relative) plus fp32 sums;
 *  - NN/NT/TN/TT, alpha/beta (beta 0 never reads C: NaN there), lda/ldb/ldc
 *    wider than the matrix (the padding is NaN, so reading it shows), edge
 *    sizes 1, 7, 17, 255, 1000 and others that are not multiples of the
 *    8 x 32 tile;
 *  - the same bits from both kernels, run after run, at 1 and 2 threads, and
 *    inside an OpenMP parallel region;
 *  - a B packed once and an A rounded to words and read where it lies
 *    (attention's products): the bits of gemm_bf16. */
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "ops/cpu/gemm_bf16.h"
#include "util/rng.h"

static Rng g_rng;
/* Worst error / tolerance seen, printed at the end. */
static double g_worst_rounded, g_worst_fp32;

static float from_bits(uint32_t u) {
    float f;
    memcpy(&f, &u, 4);
    return f;
}
static uint32_t to_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

/* Independent reference rounding: scale to an integer number of bf16 ulps
 * (8 significant bits; spacing 2^-133 below 2^-126) and let nearbyint
 * round half to even. */
static double ref_round_bf16(float x) {
    if (isnan(x) || isinf(x) || x == 0.0f) return x;
    int e;
    frexp(x, &e); /* |x| in [2^(e-1), 2^e) */
    double ulp = ldexp(1.0, (e - 1 < -126 ? -126 : e - 1) - 7);
    double r = nearbyint((double)x / ulp) * ulp;
    return fabs(r) >= ldexp(1.0, 128) ? copysign(INFINITY, x) : r;
}

/* ---- rounding: both packers, both layouts ---- */

static uint16_t packed_half(const Bf16Kernel *kern, float x, int pairs_contiguous, int high) {
    float src[2 * 32] = {0}; /* one row of 2 k values, or 2 rows of 1: X[0][0..1] */
    uint32_t dst[32];
    if (pairs_contiguous) src[high] = x;
    else src[high * 32] = x;
    kern->pack(src, pairs_contiguous ? 2 : 32, pairs_contiguous, 1, 2, BF16_NR, dst);
    return high ? (uint16_t)(dst[0] >> 16) : (uint16_t)(dst[0] & 0xFFFF);
}

static void check_rounding(const Bf16Kernel *kern) {
    static const struct {
        uint32_t in;
        uint16_t out;
    } known[] = {
        {0x3F800000, 0x3F80}, /* 1 */
        {0x3F808000, 0x3F80}, /* 1 + 2^-8: tie, even stays */
        {0x3F818000, 0x3F82}, /* tie, odd rounds up */
        {0x3F808001, 0x3F81}, /* just above the tie */
        {0x3F807FFF, 0x3F80}, /* just below */
        {0xBF818000, 0xBF82}, /* negative tie */
        {0x80000000, 0x8000}, /* -0 */
        {0x7F800000, 0x7F80}, {0xFF800000, 0xFF80},             /* +-inf */
        {0x7F7FFFFF, 0x7F80},                                   /* FLT_MAX overflows to inf */
        {0x7F7F7FFF, 0x7F7F},                                   /* largest finite bf16 */
        {0x00018000, 0x0002}, {0x00008000, 0x0000},             /* subnormal ties */
        {0x7FC00000, 0x7FC0}, {0x7F800001, 0x7FC0},             /* NaN stays NaN, made quiet, */
        {0xFFC00001, 0xFFC0}, {0x7FFFFFFF, 0x7FFF},             /* its sign and top payload kept */
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        for (int layout = 0; layout < 2; layout++)
            for (int high = 0; high < 2; high++) {
                uint16_t got = packed_half(kern, from_bits(known[i].in), layout, high);
                CHECK_MSG(got == known[i].out, "%s: 0x%08X -> 0x%04X, want 0x%04X", kern->name, known[i].in, got,
                          known[i].out);
            }
    int bad = 0;
    for (int t = 0; t < 20000; t++) {
        uint32_t u = (uint32_t)rng_below(&g_rng, 1ull << 32);
        float x = from_bits(u);
        if (isnan(x)) continue;
        double want = ref_round_bf16(x);
        float got = from_bits((uint32_t)packed_half(kern, x, t & 1, (t >> 1) & 1) << 16);
        if (!(got == want && !signbit(got) == !signbit(want))) bad++;
    }
    CHECK_MSG(bad == 0, "%s: %d of 20000 random floats rounded unlike round-half-even", kern->name, bad);
}

/* ---- products ---- */

typedef struct {
    int ta, tb, m, n, k;
    float alpha, beta;
} Case;

typedef struct {
    float *a, *b, *c0; /* c0: C before the call */
    int lda, ldb, ldc;
} Operands;

static float *matrix(int rows, int cols, int ld) {
    float *x = malloc(sizeof(float) * (size_t)rows * ld);
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < ld; j++) x[(size_t)i * ld + j] = j < cols ? (float)rng_normal(&g_rng) : NAN;
    return x;
}

static void operands_make(Operands *o, const Case *t, int pad) {
    int ar = t->ta ? t->k : t->m, ac = t->ta ? t->m : t->k, br = t->tb ? t->n : t->k, bc = t->tb ? t->k : t->n;
    o->lda = ac + pad, o->ldb = bc + pad, o->ldc = t->n + pad;
    o->a = matrix(ar, ac, o->lda), o->b = matrix(br, bc, o->ldb), o->c0 = matrix(t->m, t->n, o->ldc);
    if (t->beta == 0.0f)
        for (size_t i = 0; i < (size_t)t->m * o->ldc; i++) o->c0[i] = NAN;
}

static void operands_free(Operands *o) { free(o->a), free(o->b), free(o->c0); }

static float *run(const Case *t, const Operands *o) {
    float *c = malloc(sizeof(float) * (size_t)t->m * o->ldc);
    memcpy(c, o->c0, sizeof(float) * (size_t)t->m * o->ldc);
    gemm_bf16(t->ta, t->tb, t->m, t->n, t->k, t->alpha, o->a, o->lda, o->b, o->ldb, t->beta, c, o->ldc);
    return c;
}

static float op_a(const Case *t, const Operands *o, int i, int p) {
    return t->ta ? o->a[(size_t)p * o->lda + i] : o->a[(size_t)i * o->lda + p];
}
static float op_b(const Case *t, const Operands *o, int p, int j) {
    return t->tb ? o->b[(size_t)j * o->ldb + p] : o->b[(size_t)p * o->ldb + j];
}

/* Worst errors of c against the references, in units of S. */
typedef struct {
    double vs_rounded, vs_fp32;
    int padding_changed;
} Errors;

static Errors compare(const Case *t, const Operands *o, const float *c) {
    Errors e = {0, 0, 0};
    for (int i = 0; i < t->m; i++) {
        for (int j = 0; j < o->ldc; j++) {
            float got = c[(size_t)i * o->ldc + j], before = o->c0[(size_t)i * o->ldc + j];
            if (j >= t->n) { /* padding of C: must be left as it was (NaN) */
                e.padding_changed += !isnan(got);
                continue;
            }
            double rounded = 0, exact = 0, scale = 0;
            for (int p = 0; p < t->k; p++) {
                double x = op_a(t, o, i, p), y = op_b(t, o, p, j);
                rounded += ref_round_bf16((float)x) * ref_round_bf16((float)y);
                exact += x * y, scale += fabs(x * y);
            }
            double cterm = t->beta == 0.0f ? 0.0 : (double)t->beta * before;
            scale = fabs(t->alpha) * scale + fabs(cterm) + 1e-30;
            double d1 = fabs(got - (t->alpha * rounded + cterm)) / scale;
            double d2 = fabs(got - (t->alpha * exact + cterm)) / scale;
            if (!(d1 <= 1e30)) d1 = INFINITY; /* NaN counts as infinitely wrong */
            if (!(d2 <= 1e30)) d2 = INFINITY;
            e.vs_rounded = fmax(e.vs_rounded, d1), e.vs_fp32 = fmax(e.vs_fp32, d2);
        }
    }
    return e;
}

static int same_bits(const float *x, const float *y, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (to_bits(x[i]) != to_bits(y[i])) return 0;
    return 1;
}

static void check_case(const Case *t, int pad, const Bf16Kernel **kerns, int nk) {
    Operands o;
    operands_make(&o, t, pad);
    size_t csize = (size_t)t->m * o.ldc;
    double tol_rounded = ldexp(8 + 2 * sqrt(t->k), -24), tol_fp32 = ldexp(1, -7) + ldexp(1, -16) + ldexp(t->k + 2, -24);
    float *first = NULL;
    for (int q = 0; q < nk; q++) {
        gemm_bf16_set_kernel(kerns[q]->name);
        omp_set_num_threads(2);
        float *c = run(t, &o), *again = run(t, &o);
        omp_set_num_threads(1);
        float *one = run(t, &o);
        omp_set_num_threads(2);
        Errors e = compare(t, &o, c);
        g_worst_rounded = fmax(g_worst_rounded, e.vs_rounded / tol_rounded);
        g_worst_fp32 = fmax(g_worst_fp32, e.vs_fp32 / tol_fp32);
        const char *tr = t->ta ? (t->tb ? "TT" : "TN") : (t->tb ? "NT" : "NN");
        CHECK_MSG(e.vs_rounded <= tol_rounded, "%s %s m%d n%d k%d: vs bf16-rounded reference %.3g S > %.3g S",
                  kerns[q]->name, tr, t->m, t->n, t->k, e.vs_rounded, tol_rounded);
        CHECK_MSG(e.vs_fp32 <= tol_fp32, "%s %s m%d n%d k%d: vs fp32 product %.3g S > %.3g S", kerns[q]->name, tr,
                  t->m, t->n, t->k, e.vs_fp32, tol_fp32);
        CHECK_MSG(e.padding_changed == 0, "%s %s: %d padding entries of C written", kerns[q]->name, tr,
                  e.padding_changed);
        CHECK_MSG(same_bits(c, again, csize), "%s %s m%d n%d k%d: a repeat gave other bits", kerns[q]->name, tr,
                  t->m, t->n, t->k);
        CHECK_MSG(same_bits(c, one, csize), "%s %s m%d n%d k%d: 1 and 2 threads differ", kerns[q]->name, tr, t->m,
                  t->n, t->k);
        if (first)
            CHECK_MSG(same_bits(c, first, csize), "%s %s m%d n%d k%d: kernels %s and %s differ", kerns[q]->name, tr,
                      t->m, t->n, t->k, kerns[0]->name, kerns[q]->name);
        free(again), free(one);
        if (first) free(c);
        else first = c;
    }
    free(first);
    operands_free(&o);
}

/* The rounding is really applied: with k large the bf16 product is farther
 * from the fp32 one than the tight tolerance allows. */
static void check_rounding_matters(const Bf16Kernel *kern) {
    Case t = {0, 1, 16, 40, 1000, 1.0f, 0.0f};
    Operands o;
    operands_make(&o, &t, 0);
    gemm_bf16_set_kernel(kern->name);
    float *c = run(&t, &o);
    Errors e = compare(&t, &o, c);
    printf("%s, k %d: bf16 vs fp32 product %.3g S (tight tolerance %.3g S)\n", kern->name, t.k, e.vs_fp32,
           ldexp(8 + 2 * sqrt(t.k), -24));
    CHECK_MSG(e.vs_fp32 > 20 * ldexp(8 + 2 * sqrt(t.k), -24), "%s: bf16 product too close to fp32 (%.3g S)",
              kern->name, e.vs_fp32);
    free(c);
    operands_free(&o);
}

/* Inside a parallel region each thread's call runs on its own: the same
 * bits as the same call made outside. */
static void check_in_parallel(void) {
    Case t = {0, 1, 70, 100, 64, 0.125f, 1.0f};
    Operands o;
    operands_make(&o, &t, 3);
    float *want = run(&t, &o);
    size_t csize = (size_t)t.m * o.ldc;
    int bad = 0;
#pragma omp parallel num_threads(2) reduction(+ : bad)
    for (int r = 0; r < 4; r++) {
        float *c = run(&t, &o);
        bad += !same_bits(c, want, csize);
        free(c);
    }
    CHECK_MSG(bad == 0, "%d calls inside a parallel region differ from the call outside", bad);
    free(want);
    operands_free(&o);
}

static const Bf16Band NO_BAND = {BAND_NONE, 0};

/* Words that end exactly where an unmapped page begins: reading one past
 * them faults. */
static uint32_t *words_before_guard(size_t count, void **map, size_t *map_bytes) {
    size_t page = (size_t)sysconf(_SC_PAGESIZE), bytes = count * sizeof(uint32_t);
    size_t body = (bytes + page - 1) / page * page;
    *map_bytes = body + page;
    char *base = mmap(NULL, *map_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(base != MAP_FAILED);
    CHECK(mprotect(base + body, page, PROT_NONE) == 0);
    *map = base;
    return (uint32_t *)(base + body - bytes);
}

/* bf16_row_words gives, word for word, what pack puts into panels (special
 * values included, nothing written past a row's words); and the product on
 * those words as they lie with a B packed once (as attention packs a head's
 * keys and values: gemm_bf16_words_prepacked) gives, for each prefix of that
 * B (full, odd full depth, even shorter depths, fewer columns; B stored
 * either way), the bits of gemm_bf16 on the fp32 A and that prefix of the
 * unpacked B. m 37: a last tile of 5 rows, where the kernel must not read
 * past the words' last row, which ends at an unmapped page here. */
static void check_words(const Bf16Kernel *kern) {
    gemm_bf16_set_kernel(kern->name);
    static const int ks[] = {1, 2, 31, 32, 33, 64, 101};
    static const uint32_t special[] = {0x00018000, 0x00008000, 0x80000001, 0x7FC00000, 0x7F800001, 0xFF800000,
                                       0x80000000, 0x3F808000, 0x3F818000, 0x7F7FFFFF};
    int bad_words = 0, bad_pad = 0;
    for (size_t q = 0; q < sizeof ks / sizeof ks[0]; q++) {
        int rows = 13, k = ks[q], kpairs = (k + 1) / 2, ld = k + 3, ldw = kpairs + 2;
        float *src = matrix(rows, k, ld);
        for (size_t i = 0; i < sizeof special / sizeof special[0]; i++)
            src[(i * 7) % rows * ld + (i * 5) % k] = from_bits(special[i]);
        uint32_t *panels = calloc((size_t)2 * BF16_MR * kpairs, sizeof(uint32_t));
        uint32_t *words = malloc(sizeof(uint32_t) * (size_t)rows * ldw);
        for (int i = 0; i < rows * ldw; i++) words[i] = 0xDEADBEEFu;
        kern->pack(src, ld, 1, rows, k, BF16_MR, panels);
        bf16_row_words(src, ld, rows, k, words, ldw);
        for (int r = 0; r < rows; r++) {
            for (int p = 0; p < kpairs; p++)
                bad_words += words[r * ldw + p] != panels[(size_t)(r / BF16_MR) * BF16_MR * kpairs + p * BF16_MR + r % BF16_MR];
            for (int p = kpairs; p < ldw; p++) bad_pad += words[r * ldw + p] != 0xDEADBEEFu;
        }
        free(src), free(panels), free(words);
    }
    CHECK_MSG(bad_words == 0, "%s: %d row words differ from the packed panels' words", kern->name, bad_words);
    CHECK_MSG(bad_pad == 0, "%s: row words wrote %d words past their rows", kern->name, bad_pad);

    static const int full[][2] = {{130, 70}, {131, 33}};
    static const int use[][2] = {{0, 0}, {64, 33}, {2, 1}, {128, 64}};
    int cases = 0, differ = 0;
    for (int f = 0; f < 2; f++)
        for (int tb = 0; tb < 2; tb++) {
            Case whole = {0, tb, 37, full[f][1], full[f][0], 0.75f, 0.5f};
            Operands o;
            operands_make(&o, &whole, 1 + tb);
            Bf16PackedB packed = {0};
            bf16_packed_b_set(&packed, whole.tb, whole.n, whole.k, o.b, o.ldb);
            for (size_t u = 0; u < sizeof use / sizeof use[0]; u++, cases++) {
                Case t = whole;
                if (use[u][0]) t.k = use[u][0] < whole.k ? use[u][0] : whole.k - 1 - whole.k % 2;
                if (use[u][1]) t.n = use[u][1] < whole.n ? use[u][1] : whole.n;
                int ldw = (t.k + 1) / 2;
                void *map;
                size_t map_bytes;
                uint32_t *w = words_before_guard((size_t)t.m * ldw, &map, &map_bytes);
                bf16_row_words(o.a, o.lda, t.m, t.k, w, ldw);
                float *want = run(&t, &o), *got = malloc(sizeof(float) * (size_t)t.m * o.ldc);
                memcpy(got, o.c0, sizeof(float) * (size_t)t.m * o.ldc);
                gemm_bf16_words_prepacked(t.m, t.n, t.k, t.alpha, w, ldw, &packed, t.beta, got, o.ldc, NO_BAND);
                differ += !same_bits(got, want, (size_t)t.m * o.ldc);
                free(want), free(got);
                munmap(map, map_bytes);
            }
            bf16_packed_b_free(&packed);
            operands_free(&o);
        }
    CHECK_MSG(differ == 0, "%s: words as they lie differ from gemm_bf16 on %d of %d cases", kern->name, differ, cases);
    printf("%s: row words vs panels, words-in-place products vs gemm_bf16: %d cases, %d differ\n", kern->name, cases,
           differ);
}

/* A packed already (attention's dV and dK: P^T and dS^T come from the row
 * steps in the kernel's panels): gemm_bf16_panels_prepacked on A packed by
 * the kernel's pack (A stored [k, m], pairs across its rows, as gemm_bf16
 * packs a transposed A) and a B packed once gives the bits of gemm_bf16
 * (trans_a 1) on the fp32 operands: m with a short last panel, n narrower
 * and wider than one panel, odd k, beta 0 and 1. */
static void check_panels(const Bf16Kernel *kern) {
    gemm_bf16_set_kernel(kern->name);
    static const int sizes[][3] = {{37, 32, 64}, {256, 32, 63}, {9, 40, 2}, {64, 13, 1}, {130, 70, 37}};
    static const float ab[][2] = {{1.0f, 1.0f}, {0.176f, 1.0f}, {-0.5f, 0.0f}};
    int cases = 0, differ = 0;
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (size_t q = 0; q < sizeof ab / sizeof ab[0]; q++, cases++) {
            Case t = {1, 0, sizes[s][0], sizes[s][1], sizes[s][2], ab[q][0], ab[q][1]};
            Operands o;
            operands_make(&o, &t, (int)q);
            int kpairs = (t.k + 1) / 2, panels = (t.m + BF16_MR - 1) / BF16_MR;
            uint32_t *a = malloc(sizeof(uint32_t) * (size_t)panels * BF16_MR * kpairs);
            kern->pack(o.a, o.lda, 0, t.m, t.k, BF16_MR, a);
            Bf16PackedB packed = {0};
            bf16_packed_b_set(&packed, 0, t.n, t.k, o.b, o.ldb);
            float *want = run(&t, &o), *got = malloc(sizeof(float) * (size_t)t.m * o.ldc);
            memcpy(got, o.c0, sizeof(float) * (size_t)t.m * o.ldc);
            gemm_bf16_panels_prepacked(t.m, t.n, a, kpairs, t.alpha, &packed, t.beta, got, o.ldc, NO_BAND);
            differ += !same_bits(got, want, (size_t)t.m * o.ldc);
            free(want), free(got), free(a);
            bf16_packed_b_free(&packed);
            operands_free(&o);
        }
    CHECK_MSG(differ == 0, "%s: products on packed A panels differ from gemm_bf16 on %d of %d cases", kern->name,
              differ, cases);
    printf("%s: packed-A-panel products vs gemm_bf16: %d cases, %d differ\n", kern->name, cases, differ);
}

/* The causal bands (gemm_bf16.h) against gemm_bf16 on the same operands,
 * whose masked parts hold zeros, as attention's do (some of them -0, and B
 * negative there, so that a product of zeros is -0 too): the elements a
 * band computes have gemm_bf16's bits, and with BAND_OUT_COLS the elements
 * past the diagonal are not written where a whole tile lies past it. Block
 * shapes of attention (64 query rows at diagonals 0, 64 and 192 against
 * their keys) and edge ones. */
static int band_case(const Bf16Kernel *kern, Bf16BandKind kind, int m, int keys, int other, int diag) {
    /* OUT_COLS: C [m, keys] = A [m, other] B [other, keys]; K_UPTO: C [m,
     * other] = A [m, keys] B [keys, other], A zero past the diagonal;
     * K_FROM: C [keys, other] = A^T B with A stored [m, keys] (zero before
     * the diagonal), B [m, other] */
    int k_upto = kind == BAND_K_UPTO, k_from = kind == BAND_K_FROM;
    Case t = {k_from, 0, k_from ? keys : m, k_upto || k_from ? other : keys, k_upto ? keys : k_from ? m : other,
              0.75f, k_from ? 1.0f : 0.0f};
    Operands o;
    operands_make(&o, &t, 1);
    /* zeros in A where the mask puts them, -0 in every third: row i of the
     * stored A against column x (k_upto: query i, key x; k_from: query i,
     * key x, A stored [queries, keys]) */
    for (int i = 0; i < (k_from ? t.k : t.m); i++)
        for (int x = 0; x < (k_from ? t.m : t.k); x++) {
            int masked = k_upto ? x > diag + i : k_from ? i < x - diag : 0;
            if (masked) o.a[(size_t)i * o.lda + x] = x % 3 ? 0.0f : -0.0f;
        }
    for (size_t i = 0; i < (size_t)t.k * o.ldb; i++)
        if (i % 5 == 0) o.b[i] = -fabsf(o.b[i]);
    float *want = run(&t, &o), *got = malloc(sizeof(float) * (size_t)t.m * o.ldc);
    memcpy(got, o.c0, sizeof(float) * (size_t)t.m * o.ldc);
    Bf16Band band = {kind, diag};
    int differ = 0, kpairs = (t.k + 1) / 2;
    Bf16PackedB packed = {0};
    bf16_packed_b_set(&packed, 0, t.n, t.k, o.b, o.ldb);
    if (k_from) {
        uint32_t *a = calloc((size_t)(t.m + BF16_MR) * kpairs, sizeof(uint32_t));
        kern->pack(o.a, o.lda, 0, t.m, t.k, BF16_MR, a);
        gemm_bf16_panels_prepacked(t.m, t.n, a, kpairs, t.alpha, &packed, t.beta, got, o.ldc, band);
        free(a);
    } else {
        uint32_t *w = malloc(sizeof(uint32_t) * (size_t)t.m * kpairs);
        bf16_row_words(o.a, o.lda, t.m, t.k, w, kpairs);
        gemm_bf16_words_prepacked(t.m, t.n, t.k, t.alpha, w, kpairs, &packed, t.beta, got, o.ldc, band);
        free(w);
    }
    for (int i = 0; i < t.m; i++)
        for (int j = 0; j < t.n; j++) {
            size_t at = (size_t)i * o.ldc + j;
            if (kind == BAND_OUT_COLS && j > diag + i) { /* not wanted: computed, or left as it was */
                int tile_past = j / BF16_NR * BF16_NR > diag + (i / BF16_MR * BF16_MR + BF16_MR - 1 < t.m - 1
                                                                      ? i / BF16_MR * BF16_MR + BF16_MR - 1
                                                                      : t.m - 1);
                differ += tile_past ? !same_bits(&got[at], &o.c0[at], 1) : !same_bits(&got[at], &want[at], 1);
                continue;
            }
            differ += !same_bits(&got[at], &want[at], 1);
        }
    bf16_packed_b_free(&packed);
    free(want), free(got);
    operands_free(&o);
    return differ;
}

static void check_bands(const Bf16Kernel *kern) {
    gemm_bf16_set_kernel(kern->name);
    /* rows, keys, diagonal: attention's blocks, then edges and diagonals
     * that are not multiples of the tile (a tile's last diagonal on a
     * column panel's first column; an odd first live k) */
    static const int blocks[][3] = {{64, 64, 0}, {64, 128, 64}, {64, 256, 192}, {37, 101, 64},
                                    {5, 5, 0},   {40, 90, 25},  {20, 45, 13}};
    static const Bf16BandKind kinds[] = {BAND_OUT_COLS, BAND_K_UPTO, BAND_K_FROM};
    int cases = 0, differ = 0;
    for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++)
        for (size_t q = 0; q < sizeof kinds / sizeof kinds[0]; q++, cases++)
            differ += band_case(kern, kinds[q], blocks[b][0], blocks[b][1], 32 + (int)b % 2, blocks[b][2]) != 0;
    CHECK_MSG(differ == 0, "%s: banded products differ from gemm_bf16 on %d of %d cases", kern->name, differ, cases);
    printf("%s: causal-band products vs gemm_bf16: %d cases, %d differ\n", kern->name, cases, differ);
}

static void check_degenerate(void) {
    float a[4] = {NAN, NAN, NAN, NAN}, c[4] = {1, 2, NAN, 4};
    gemm_bf16(0, 0, 2, 2, 0, 1.0f, a, 2, a, 2, 0.0f, c, 2); /* k = 0, beta 0: zeros */
    CHECK(c[0] == 0 && c[1] == 0 && c[2] == 0 && c[3] == 0);
    float d[4] = {1, 2, 3, 4};
    gemm_bf16(0, 0, 2, 2, 2, 0.0f, a, 2, a, 2, 0.5f, d, 2); /* alpha 0: A, B not read */
    CHECK(d[0] == 0.5f && d[1] == 1.0f && d[2] == 1.5f && d[3] == 2.0f);
}

int main(void) {
    rng_seed(&g_rng, 12);
    const Bf16Kernel *kerns[2];
    int nk = 0;
    if (bf16_kernel_avx512.cpu_has()) kerns[nk++] = &bf16_kernel_avx512;
    else printf("note: this CPU lacks AVX512_BF16; only the plain kernel is tested\n");
    kerns[nk++] = &bf16_kernel_plain;
    for (int q = 0; q < nk; q++) {
        check_rounding(kerns[q]);
        check_rounding_matters(kerns[q]);
    }
    static const int sizes[][3] = {{1, 1, 1},     {7, 17, 1},   {17, 7, 255}, {1, 1000, 17}, {1000, 1, 7},
                                   {255, 33, 64}, {9, 31, 1000}, {63, 65, 2}, {40, 96, 33},  {130, 257, 96},
                                   /* above the 4M multiply-adds where threads start: */ {200, 300, 80}, {64, 160, 1000},
                                   /* K in 2 and 3 slices of at most 4096 (the last one odd): */ {33, 70, 4097},
                                   {9, 40, 9001}};
    static const float ab[][2] = {{1.0f, 0.0f}, {0.5f, 1.0f}, {-1.25f, 0.75f}, {1.0f, 1.0f}};
    int idx = 0;
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (int tr = 0; tr < 4; tr++, idx++) {
            Case t = {tr >> 1, tr & 1, sizes[s][0], sizes[s][1], sizes[s][2], ab[idx % 4][0], ab[idx % 4][1]};
            check_case(&t, idx % 3 == 0 ? 0 : 1 + idx % 5, kerns, nk);
        }
    for (int q = 0; q < nk; q++) check_words(kerns[q]), check_panels(kerns[q]), check_bands(kerns[q]);
    gemm_bf16_set_kernel(NULL);
    check_in_parallel();
    check_degenerate();
    printf("worst error / tolerance: %.3f vs the bf16-rounded reference, %.3f vs the fp32 product\n",
           g_worst_rounded, g_worst_fp32);
    return check_report("test_gemm_bf16");
}
