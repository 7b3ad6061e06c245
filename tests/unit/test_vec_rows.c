/* The AVX-512 row loops of the CPU kernels (vec_avx512.h, attention_rows.c,
 * softmax.c, activation.c) against their portable versions and a double
 * reference:
 * - exp_avx512 has fast_expf's bits on every lane, over a sweep of [-100,
 *   100], the clamp points and NaN / inf / -0;
 * - the attention softmax of a block of query rows (forward, with its
 *   log-sum-exp, and the backward's recompute from it) and the scores'
 *   gradient, each path within float rounding of the double reference,
 *   exact zeros above the diagonal, for row counts that end in every lane;
 * - the cross-entropy row (loss and gradient) likewise;
 * - the same bits on both paths for all of these (sums in lane_sum.h's
 *   order) and for SwiGLU forward and backward (the same operations in the
 *   same order).
 * The AVX-512 path runs when dusk's GEMM kernel is avx512 (sgemm.h); on a
 * CPU without it only the portable half runs, said so in the output. */
#include <float.h>
#include <immintrin.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ops/cpu/attention_rows.h"
#include "ops/cpu/cpu_ops.h"
#include "ops/cpu/sgemm.h"
#include "ops/cpu/vec_avx512.h"
#include "ops/fast_exp.h"
#include "util/rng.h"

static int g_avx512;

static void use_path(int avx512) {
    CHECK(sgemm_set_kernel(avx512 ? "avx512" : "plain") == 0);
    CHECK(sgemm_uses_avx512() == avx512);
}

static void fill(Rng *r, float *x, size_t n, float lo, float hi) {
    for (size_t i = 0; i < n; i++) x[i] = lo + (hi - lo) * rng_uniform(r);
}

/* ---- exp ---- */

__attribute__((target("avx512f"))) static void exp16(const float *x, float *y) {
    _mm512_storeu_ps(y, exp_avx512(_mm512_loadu_ps(x)));
}

static int same_bits(float a, float b) { return memcmp(&a, &b, sizeof a) == 0; }

static void check_exp_bits(void) {
    enum { N = 1 << 20 };
    float *x = malloc(sizeof(float) * (N + 32)), y[16];
    for (int i = 0; i < N; i++) x[i] = -100.0f + 200.0f * (float)i / N;
    const float special[] = {-87.3f, nextafterf(-87.3f, 0), nextafterf(-87.3f, -100), 88.7f, nextafterf(88.7f, 0),
                             nextafterf(88.7f, 100), 0.0f, -0.0f, INFINITY, -INFINITY, NAN, 1e-30f, -1e-30f,
                             0.34657359f, -0.34657359f, 1.0f};
    int n = N, differ = 0;
    for (size_t s = 0; s < sizeof special / sizeof special[0]; s++) x[n++] = special[s];
    while (n % 16) x[n++] = 0.5f;
    for (int i = 0; i < n; i += 16) {
        exp16(x + i, y);
        for (int l = 0; l < 16; l++) {
            float want = fast_expf(x[i + l]);
            if (!same_bits(y[l], want) && !(isnan(y[l]) && isnan(want))) {
                if (differ++ == 0) fprintf(stderr, "exp(%.9g): avx512 %.9g, fast_expf %.9g\n", x[i + l], y[l], want);
            }
        }
    }
    CHECK_MSG(differ == 0, "exp_avx512 differs from fast_expf on %d of %d inputs", differ, n);
    printf("exp_avx512 vs fast_expf: %d inputs, %d differ\n", n, differ);
    free(x);
}

/* ---- attention rows ---- */

/* Block rows i0..i1-1 of scores (ld apart) through both softmax forms on the
 * current path; compared with the double softmax and its log-sum-exp. */
static int check_softmax_block(Rng *r, int i0, int i1, int ld) {
    int rows = i1 - i0, bad = 0;
    float *s = malloc(sizeof(float) * rows * ld), *p = malloc(sizeof(float) * rows * ld);
    float *q = malloc(sizeof(float) * rows * ld), *lse = malloc(sizeof(float) * i1);
    fill(r, s, (size_t)rows * ld, -8.0f, 8.0f);
    memcpy(p, s, sizeof(float) * rows * ld);
    memcpy(q, s, sizeof(float) * rows * ld);
    attention_softmax_block(p, ld, i0, i1, NULL, lse);
    attention_softmax_block(q, ld, i0, i1, lse, NULL); /* the recompute from lse */
    for (int i = i0; i < i1; i++) {
        const float *srow = s + (size_t)(i - i0) * ld;
        double mx = srow[0], sum = 0;
        for (int j = 1; j <= i; j++) mx = srow[j] > mx ? srow[j] : mx;
        for (int j = 0; j <= i; j++) sum += exp(srow[j] - mx);
        double want_lse = mx + log(sum);
        bad += !(fabs(lse[i] - want_lse) <= 8 * FLT_EPSILON * fabs(want_lse) + 1e-6);
        for (int j = 0; j < i1; j++) {
            float got_p = p[(size_t)(i - i0) * ld + j], got_q = q[(size_t)(i - i0) * ld + j];
            if (j > i) { /* above the diagonal: exact zeros */
                bad += got_p != 0.0f || got_q != 0.0f;
                continue;
            }
            double want = exp(srow[j] - want_lse), tol = 1e-5 * want + 1e-12; /* fast_expf ~2 ulp, sums of <= 256 terms */
            bad += !(fabs(got_p - want) <= tol) + !(fabs(got_q - want) <= tol);
        }
        for (int j = i1; j < ld; j++) /* past the block: untouched */
            bad += !same_bits(p[(size_t)(i - i0) * ld + j], srow[j]);
    }
    if (bad) fprintf(stderr, "softmax block [%d, %d) ld %d: %d bad\n", i0, i1, ld, bad);
    free(s), free(p), free(q), free(lse);
    return bad;
}

static int check_dscores_block(Rng *r, int i0, int i1, int ld, int hd) {
    int rows = i1 - i0, ldo = hd + 3, bad = 0;
    float *p = malloc(sizeof(float) * rows * ld), *dp = malloc(sizeof(float) * rows * ld);
    float *d0 = malloc(sizeof(float) * rows * ld), *o = malloc(sizeof(float) * rows * ldo);
    float *dout = malloc(sizeof(float) * rows * ldo);
    fill(r, p, (size_t)rows * ld, 0.0f, 1.0f);
    fill(r, d0, (size_t)rows * ld, -1.0f, 1.0f);
    fill(r, o, (size_t)rows * ldo, -1.0f, 1.0f);
    fill(r, dout, (size_t)rows * ldo, -1.0f, 1.0f);
    memcpy(dp, d0, sizeof(float) * rows * ld);
    attention_dscores_block(dp, p, ld, o, dout, ldo, hd, i0, i1);
    for (int i = i0; i < i1; i++) {
        double dot = 0, mag = 0;
        for (int x = 0; x < hd; x++) {
            double t = (double)o[(size_t)(i - i0) * ldo + x] * dout[(size_t)(i - i0) * ldo + x];
            dot += t, mag += fabs(t);
        }
        for (int j = 0; j < i1; j++) {
            size_t at = (size_t)(i - i0) * ld + j;
            if (j > i) {
                bad += dp[at] != 0.0f;
                continue;
            }
            double want = p[at] * (d0[at] - dot);
            double tol = (hd + 2) * (double)FLT_EPSILON * p[at] * (fabs(d0[at]) + mag);
            bad += !(fabs(dp[at] - want) <= tol);
        }
    }
    if (bad) fprintf(stderr, "dscores block [%d, %d) hd %d: %d bad\n", i0, i1, hd, bad);
    free(p), free(dp), free(d0), free(o), free(dout);
    return bad;
}

static void check_attention_rows(Rng *r, const char *path) {
    int bad = 0, cases = 0;
    /* blocks of 64 and edge blocks; row lengths i + 1 end in every lane */
    const int blocks[][3] = {{0, 64, 256}, {64, 128, 256}, {192, 256, 256}, {0, 5, 7}, {13, 50, 61}, {0, 1, 1}};
    for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++, cases += 2) {
        bad += check_softmax_block(r, blocks[b][0], blocks[b][1], blocks[b][2]);
        bad += check_dscores_block(r, blocks[b][0], blocks[b][1], blocks[b][2], b % 2 ? 32 : 13);
    }
    CHECK_MSG(bad == 0, "%s: attention rows: %d bad values", path, bad);
    printf("%s: attention softmax and dscores, %d blocks, %d bad values\n", path, cases, bad);
}

/* ---- cross-entropy row ---- */

static void check_cross_entropy(Rng *r, const char *path) {
    const int vs[] = {1, 15, 16, 17, 4096, 4101};
    int bad = 0;
    for (size_t c = 0; c < sizeof vs / sizeof vs[0]; c++) {
        int v = vs[c], t = (int)rng_below(r, (unsigned)v);
        float *row = malloc(sizeof(float) * v), *d = malloc(sizeof(float) * v);
        fill(r, row, v, -10.0f, 10.0f);
        double loss = cpu_cross_entropy_row(d, row, t, v, 0.5f);
        double mx = row[0], sum = 0;
        for (int j = 1; j < v; j++) mx = row[j] > mx ? row[j] : mx;
        for (int j = 0; j < v; j++) sum += exp(row[j] - mx);
        double lse = mx + log(sum);
        bad += !(fabs(loss - (lse - row[t])) <= 1e-5 * fabs(lse) + 1e-6);
        for (int j = 0; j < v; j++) {
            double want = 0.5 * (exp(row[j] - lse) - (j == t));
            bad += !(fabs(d[j] - want) <= 1e-5 * fabs(want) + 1e-7);
        }
        free(row), free(d);
    }
    CHECK_MSG(bad == 0, "%s: cross-entropy rows: %d bad values", path, bad);
    printf("%s: cross-entropy rows against the double reference, %d bad values\n", path, bad);
}

/* ---- the same bits on both paths ---- */

/* Softmax (both forms), scores' gradient and cross-entropy rows computed on
 * the portable path and on the AVX-512 one from the same inputs: equal bit
 * for bit (a run's numbers do not depend on whether the CPU has AVX-512). */
static int softmax_bits_differ(Rng *r, int i0, int i1, int ld, int hd) {
    int rows = i1 - i0, ldo = hd + 1, differ = 0;
    size_t sz = (size_t)rows * ld;
    float *s = malloc(sizeof(float) * sz), *o = malloc(sizeof(float) * rows * ldo), *d = malloc(sizeof(float) * rows * ldo);
    float *out[2][3], *lse[2];
    fill(r, s, sz, -9.0f, 9.0f);
    fill(r, o, (size_t)rows * ldo, -1.0f, 1.0f);
    fill(r, d, (size_t)rows * ldo, -1.0f, 1.0f);
    for (int path = 0; path < 2; path++) {
        use_path(path);
        lse[path] = malloc(sizeof(float) * i1);
        for (int q = 0; q < 3; q++) out[path][q] = malloc(sizeof(float) * sz), memcpy(out[path][q], s, sizeof(float) * sz);
        attention_softmax_block(out[path][0], ld, i0, i1, NULL, lse[path]);
        attention_softmax_block(out[path][1], ld, i0, i1, lse[path], NULL);
        attention_dscores_block(out[path][2], out[path][1], ld, o, d, ldo, hd, i0, i1);
    }
    differ += memcmp(lse[0] + i0, lse[1] + i0, sizeof(float) * rows) != 0;
    for (int q = 0; q < 3; q++) differ += memcmp(out[0][q], out[1][q], sizeof(float) * sz) != 0;
    for (int path = 0; path < 2; path++) {
        free(lse[path]);
        for (int q = 0; q < 3; q++) free(out[path][q]);
    }
    free(s), free(o), free(d);
    return differ;
}

static int cross_entropy_bits_differ(Rng *r, int v) {
    float *row = malloc(sizeof(float) * v), *g[2];
    double loss[2];
    fill(r, row, v, -12.0f, 12.0f);
    int t = (int)rng_below(r, (unsigned)v);
    for (int path = 0; path < 2; path++) {
        use_path(path);
        g[path] = malloc(sizeof(float) * v);
        loss[path] = cpu_cross_entropy_row(g[path], row, t, v, 0.25f);
    }
    int differ = memcmp(&loss[0], &loss[1], sizeof loss[0]) != 0 || memcmp(g[0], g[1], sizeof(float) * v) != 0;
    free(row), free(g[0]), free(g[1]);
    return differ;
}

static void check_paths_same_bits(Rng *r) {
    const int blocks[][4] = {{0, 64, 256, 32}, {64, 128, 256, 64}, {192, 256, 256, 32}, {0, 5, 7, 13},
                             {13, 50, 61, 17}, {0, 1, 1, 1}};
    const int vs[] = {1, 15, 16, 17, 4096, 32000, 4101};
    int differ = 0, cases = 0;
    for (size_t b = 0; b < sizeof blocks / sizeof blocks[0]; b++, cases++)
        differ += softmax_bits_differ(r, blocks[b][0], blocks[b][1], blocks[b][2], blocks[b][3]) != 0;
    for (size_t c = 0; c < sizeof vs / sizeof vs[0]; c++, cases++) differ += cross_entropy_bits_differ(r, vs[c]);
    CHECK_MSG(differ == 0, "avx512 and portable row loops differ on %d of %d cases", differ, cases);
    printf("attention rows and cross-entropy, avx512 vs portable bits: %d cases, %d differ\n", cases, differ);
}

/* ---- SwiGLU ---- */

static void swiglu_both(int avx512, const float *gate, const float *up, const float *dh, size_t n, int skip,
                        float *h, float *dgate, float *dup) {
    use_path(avx512);
    cpu_swiglu_forward(h, gate, up, n);
    cpu_swiglu_backward(skip == 1 ? NULL : dgate, skip == 2 ? NULL : dup, dh, gate, up, n);
}

static void check_swiglu_bits(Rng *r) {
    const size_t ns[] = {1, 15, 17, 4096 + 5, 40000 + 3};
    int differ = 0, cases = 0;
    for (size_t c = 0; c < sizeof ns / sizeof ns[0]; c++)
        for (int skip = 0; skip < 3; skip++, cases++) {
            size_t n = ns[c];
            float *in = malloc(sizeof(float) * 3 * n), *out = calloc(6 * n, sizeof(float));
            fill(r, in, 3 * n, -12.0f, 12.0f);
            swiglu_both(0, in, in + n, in + 2 * n, n, skip, out, out + n, out + 2 * n);
            swiglu_both(1, in, in + n, in + 2 * n, n, skip, out + 3 * n, out + 4 * n, out + 5 * n);
            differ += memcmp(out, out + 3 * n, sizeof(float) * 3 * n) != 0;
            free(in), free(out);
        }
    CHECK_MSG(differ == 0, "SwiGLU: avx512 and portable differ on %d of %d cases", differ, cases);
    printf("SwiGLU avx512 vs portable bits: %d cases, %d differ\n", cases, differ);
}

int main(void) {
    Rng r;
    rng_seed(&r, 7);
    g_avx512 = __builtin_cpu_supports("avx512f");
    for (int avx512 = 0; avx512 < 2; avx512++) {
        const char *path = avx512 ? "avx512" : "portable";
        if (avx512 && !g_avx512) {
            printf("avx512: not run (this CPU lacks AVX-512F)\n");
            break;
        }
        use_path(avx512);
        check_attention_rows(&r, path);
        check_cross_entropy(&r, path);
    }
    if (g_avx512) {
        check_exp_bits();
        check_paths_same_bits(&r);
        check_swiglu_bits(&r);
    }
    return check_report("test_vec_rows");
}
