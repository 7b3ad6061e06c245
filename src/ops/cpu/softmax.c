/* Log-softmax and fused softmax cross-entropy over the vocabulary. */
#include <immintrin.h>
#include <math.h>

#include "ops/fast_exp.h"
#include "ops/cpu/cpu_ops.h"
#include "ops/cpu/lane_sum.h"
#include "ops/cpu/row_portable.h"
#include "ops/cpu/sgemm.h"
#include "ops/cpu/vec_avx512.h"
#include "ops/reduce.h"

/* e[j] = exp(x[j] - mx) for j < n, then their sum in double, in
 * lane_sum.h's order. Two loops on purpose: GCC vectorises each, but not the
 * fused one (a float exp feeding a double sum). */
static double exp_shifted_sum_portable(float *e, const float *x, int n, float mx) {
#pragma omp simd
    for (int j = 0; j < n; j++) e[j] = fast_expf(x[j] - mx);
    return lane_sum_d(e, n);
}

/* The same bits in one pass over 16 floats at a time, lanes 0..7 and 8..15
 * summed in two double vectors (the vocabulary's 4096..128k terms). */
__attribute__((target("avx512f"))) static double exp_shifted_sum_avx512(float *e, const float *x, int n, float mx) {
    __m512 s = _mm512_set1_ps(mx);
    __m512d lo = _mm512_setzero_pd(), hi = _mm512_setzero_pd();
    int j = 0;
    for (; j + 16 <= n; j += 16) {
        __m512 ej = exp_avx512(_mm512_sub_ps(_mm512_loadu_ps(x + j), s));
        _mm512_storeu_ps(e + j, ej);
        lo = _mm512_add_pd(lo, _mm512_cvtps_pd(_mm512_castps512_ps256(ej)));
        hi = _mm512_add_pd(hi, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(ej), 1))));
    }
    if (j < n) {
        __mmask16 m = first_lanes(n - j);
        __m512 ej = _mm512_maskz_mov_ps(m, exp_avx512(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, x + j), s)));
        _mm512_mask_storeu_ps(e + j, m, ej);
        lo = _mm512_add_pd(lo, _mm512_cvtps_pd(_mm512_castps512_ps256(ej)));
        hi = _mm512_add_pd(hi, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(ej), 1))));
    }
    return tree_sum_pd_avx512(lo, hi);
}

/* The AVX-512 versions where dusk's GEMM kernel is avx512 (sgemm.h). */
static float row_max(const float *x, int v) {
    return sgemm_uses_avx512() ? row_max_avx512(x, v) : row_max_portable(x, v);
}

static double exp_shifted_sum(float *e, const float *x, int n, float mx) {
    return sgemm_uses_avx512() ? exp_shifted_sum_avx512(e, x, n, mx) : exp_shifted_sum_portable(e, x, n, mx);
}

static void scale_row(float *x, int v, float k) {
    if (sgemm_uses_avx512()) scale_row_avx512(x, v, k);
    else scale_row_portable(x, v, k);
}

double cpu_log_softmax_row(float *out, const float *logits, int v) {
    float mx = row_max(logits, v);
    /* float exponentials (the costly part), summed in double, a stack chunk at a time */
    float chunk[1024];
    double sum = 0.0;
    for (int j0 = 0; j0 < v; j0 += 1024)
        sum += exp_shifted_sum(chunk, logits + j0, v - j0 < 1024 ? v - j0 : 1024, mx);
    double lse = mx + log(sum);
    if (out)
        for (int j = 0; j < v; j++) out[j] = (float)(logits[j] - lse);
    return lse;
}

typedef struct {
    float *dlogits;
    const float *logits;
    const int *targets;
    int v;
    float scale;
} CeArgs;

double cpu_cross_entropy_row(float *d, const float *row, int t, int v, float scale) {
    if (t < 0) {
        if (d)
            for (int j = 0; j < v; j++) d[j] = 0.0f;
        return 0.0;
    }
    if (!d) return cpu_log_softmax_row(NULL, row, v) - row[t];
    /* the exponentials are computed once, into d (which may be the row
     * itself, so the target's logit is read first), then scaled by 1/sum */
    float target_logit = row[t], mx = row_max(row, v);
    double sum = exp_shifted_sum(d, row, v, mx);
    scale_row(d, v, (float)(scale / sum));
    d[t] -= scale;
    return mx + log(sum) - target_logit;
}

static double ce_row(const void *ctx, size_t i) {
    const CeArgs *a = ctx;
    return cpu_cross_entropy_row(a->dlogits ? a->dlogits + i * a->v : NULL, a->logits + i * a->v, a->targets[i],
                                 a->v, a->scale);
}

double cpu_cross_entropy_forward_backward(float *dlogits, const float *logits, const int *targets, int n, int v,
                                      float scale) {
    CeArgs a = {dlogits, logits, targets, v, scale};
    return det_sum((size_t)n, ce_row, &a);
}
