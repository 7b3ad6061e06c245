/* Attention's row-wise steps (attention_rows.h). Each block row i has i + 1
 * live entries, a count that is rarely a multiple of the vector width: the
 * AVX-512 versions end every row with one masked vector instead of GCC's
 * 8-wide and scalar epilogues (on the tiny train step the softmax took 2.5%
 * of the step in the forward alone). Both versions give the same bits: the
 * exponentials are fast_expf's, and sums run in lane_sum.h's order. */
#include <immintrin.h>
#include <math.h>
#include <string.h>

#include "ops/cpu/attention_rows.h"
#include "ops/cpu/lane_sum.h"
#include "ops/cpu/row_portable.h"
#include "ops/cpu/vec_avx512.h"
#include "ops/cpu/sgemm.h"
#include "ops/fast_exp.h"

/* ---- portable ---- */

static void softmax_block_portable(float *p, int ld, int i0, int i1, const float *lse_in, float *lse_out) {
    for (int i = i0; i < i1; i++) {
        float *row = p + (size_t)(i - i0) * ld;
        int n = i + 1;
        if (lse_in) {
            float l = lse_in[i];
#pragma omp simd
            for (int j = 0; j < n; j++) row[j] = fast_expf(row[j] - l);
        } else {
            /* one pass of exponentials: e^(s - max), then normalise */
            float mx = row_max_portable(row, n);
#pragma omp simd
            for (int j = 0; j < n; j++) row[j] = fast_expf(row[j] - mx);
            float sum = lane_sum(row, n);
            scale_row_portable(row, n, 1.0f / sum);
            lse_out[i] = mx + logf(sum);
        }
        for (int j = n; j < i1; j++) row[j] = 0.0f;
    }
}

static void dscores_block_portable(float *dp, const float *p, int ld, const float *o, const float *dout, int ldo,
                                   int hd, int i0, int i1) {
    for (int i = i0; i < i1; i++) {
        const float *oi = o + (size_t)(i - i0) * ldo, *di = dout + (size_t)(i - i0) * ldo;
        float dot = lane_dot(oi, di, hd);
        const float *pr = p + (size_t)(i - i0) * ld;
        float *dpr = dp + (size_t)(i - i0) * ld;
        for (int j = 0; j <= i; j++) dpr[j] = pr[j] * (dpr[j] - dot);
        for (int j = i + 1; j < i1; j++) dpr[j] = 0.0f;
    }
}

/* ---- AVX-512 ---- */

/* row[j] = e^(row[j] - shift) for j < n; returns the sum of the results. */
__attribute__((target("avx512f"))) static float exp_shifted_row_avx512(float *row, int n, float shift) {
    __m512 s = _mm512_set1_ps(shift), sum = _mm512_setzero_ps();
    int j = 0;
    for (; j + 16 <= n; j += 16) {
        __m512 e = exp_avx512(_mm512_sub_ps(_mm512_loadu_ps(row + j), s));
        sum = _mm512_add_ps(sum, e);
        _mm512_storeu_ps(row + j, e);
    }
    if (j < n) {
        __mmask16 m = first_lanes(n - j);
        __m512 e = exp_avx512(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, row + j), s));
        sum = _mm512_mask_add_ps(sum, m, sum, e);
        _mm512_mask_storeu_ps(row + j, m, e);
    }
    return tree_sum_avx512(sum);
}

__attribute__((target("avx512f"))) static void softmax_block_avx512(float *p, int ld, int i0, int i1,
                                                                    const float *lse_in, float *lse_out) {
    for (int i = i0; i < i1; i++) {
        float *row = p + (size_t)(i - i0) * ld;
        int n = i + 1;
        if (lse_in) {
            exp_shifted_row_avx512(row, n, lse_in[i]);
        } else {
            float mx = row_max_avx512(row, n);
            float sum = exp_shifted_row_avx512(row, n, mx);
            scale_row_avx512(row, n, 1.0f / sum);
            lse_out[i] = mx + logf(sum);
        }
        if (n < i1) memset(row + n, 0, sizeof(float) * (size_t)(i1 - n));
    }
}

__attribute__((target("avx512f"))) static void dscores_block_avx512(float *dp, const float *p, int ld,
                                                                    const float *o, const float *dout, int ldo,
                                                                    int hd, int i0, int i1) {
    for (int i = i0; i < i1; i++) {
        __m512 dot = _mm512_set1_ps(dot_avx512(o + (size_t)(i - i0) * ldo, dout + (size_t)(i - i0) * ldo, hd));
        const float *pr = p + (size_t)(i - i0) * ld;
        float *dpr = dp + (size_t)(i - i0) * ld;
        int n = i + 1, j = 0;
        for (; j + 16 <= n; j += 16)
            _mm512_storeu_ps(dpr + j, _mm512_mul_ps(_mm512_loadu_ps(pr + j), _mm512_sub_ps(_mm512_loadu_ps(dpr + j), dot)));
        if (j < n) {
            __mmask16 m = first_lanes(n - j);
            __m512 d = _mm512_sub_ps(_mm512_maskz_loadu_ps(m, dpr + j), dot);
            _mm512_mask_storeu_ps(dpr + j, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, pr + j), d));
        }
        if (n < i1) memset(dpr + n, 0, sizeof(float) * (size_t)(i1 - n));
    }
}

/* ---- dispatch ---- */

void attention_softmax_block(float *p, int ld, int i0, int i1, const float *lse_in, float *lse_out) {
    if (sgemm_uses_avx512()) softmax_block_avx512(p, ld, i0, i1, lse_in, lse_out);
    else softmax_block_portable(p, ld, i0, i1, lse_in, lse_out);
}

void attention_dscores_block(float *dp, const float *p, int ld, const float *o, const float *dout, int ldo, int hd,
                             int i0, int i1) {
    if (sgemm_uses_avx512()) dscores_block_avx512(dp, p, ld, o, dout, ldo, hd, i0, i1);
    else dscores_block_portable(dp, p, ld, o, dout, ldo, hd, i0, i1);
}
