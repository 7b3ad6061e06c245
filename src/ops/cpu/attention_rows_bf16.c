/* Attention's bf16 row steps (attention_rows_bf16.h). The arithmetic is
 * attention_rows.c's, operation for operation (fast_expf's exponentials,
 * lane_sum.h's sums), rounded to bf16 by nearest even as the GEMM's packing
 * rounds (f32_to_bf16): so the words are those the products used to make of
 * the fp32 blocks, on both paths. */
#include <immintrin.h>

#include "ops/cpu/attention_rows.h"
#include "ops/cpu/attention_rows_bf16.h"
#include "ops/cpu/bf16_avx512.h"
#include "ops/cpu/gemm_bf16.h"
#include "ops/cpu/lane_sum.h"
#include "ops/cpu/vec_avx512.h"
#include "util/dtype.h"

static int ceil_div(int a, int b) { return (a + b - 1) / b; }

/* ---- portable ---- */

static uint32_t word_of(float lo, float hi) { return f32_to_bf16(lo) | (uint32_t)f32_to_bf16(hi) << 16; }

/* The transposed panels' word for key j, pair q (layout in the header). */
static uint32_t *panel_word(uint32_t *panels, int kpairs, int j, int q) {
    return panels + ((size_t)(j / BF16_MR) * kpairs + q) * BF16_MR + j % BF16_MR;
}

/* P is the fp32 path's recompute; its panels then built word by word */
static void probs_panels_portable(float *p, int ld, int i0, int i1, const float *lse, uint32_t *panels) {
    int rows = i1 - i0, kpairs = (rows + 1) / 2, keys = ceil_div(i1, BF16_MR) * BF16_MR;
    attention_softmax_block(p, ld, i0, i1, lse, NULL);
    for (int q = 0; q < kpairs; q++) {
        const float *lo = p + (size_t)2 * q * ld, *hi = 2 * q + 1 < rows ? lo + ld : NULL;
        for (int j = 0; j < keys; j++)
            *panel_word(panels, kpairs, j, q) = j < i1 ? word_of(lo[j], hi ? hi[j] : 0.0f) : 0u;
    }
}

/* dS of block row r (row i0 + r) at column j */
static float dscore(const float *dp, const float *p, int ld, int i0, int r, float dot, int j) {
    size_t at = (size_t)r * ld + j;
    return j <= i0 + r ? p[at] * (dp[at] - dot) : 0.0f;
}

static void dscores_words_portable(const float *dp, const float *p, int ld, const float *o, const float *dout,
                                   int ldo, int hd, int i0, int i1, uint32_t *words, int ldw, uint32_t *panels) {
    int rows = i1 - i0, kpairs = (rows + 1) / 2, keys = ceil_div(i1, BF16_MR) * BF16_MR, row_words = (i1 + 1) / 2;
    for (int q = 0; q < kpairs; q++) {
        int a = 2 * q, b = a + 1, has_b = b < rows;
        float dot_a = lane_dot(o + (size_t)a * ldo, dout + (size_t)a * ldo, hd);
        float dot_b = has_b ? lane_dot(o + (size_t)b * ldo, dout + (size_t)b * ldo, hd) : 0.0f;
        for (int r = a; r <= (has_b ? b : a); r++) {
            float dot = r == a ? dot_a : dot_b;
            for (int w = 0; w < row_words; w++)
                words[(size_t)r * ldw + w] = word_of(dscore(dp, p, ld, i0, r, dot, 2 * w),
                                                     2 * w + 1 < i1 ? dscore(dp, p, ld, i0, r, dot, 2 * w + 1) : 0.0f);
        }
        for (int j = 0; j < keys; j++) {
            float lo = j < i1 ? dscore(dp, p, ld, i0, a, dot_a, j) : 0.0f;
            float hi = j < i1 && has_b ? dscore(dp, p, ld, i0, b, dot_b, j) : 0.0f;
            *panel_word(panels, kpairs, j, q) = word_of(lo, hi);
        }
    }
}

/* ---- AVX512_BF16 ---- */

/* Row i's 16 values from column j0 on, lanes past its live columns (j > i)
 * zero: masked loads give 0 there. */
BF16_TARGET static inline __mmask16 live_lanes(int i, int j0) { return first_lanes(i + 1 - j0); }

/* e^(S - l) of row i's 16 columns from j0 (0 past its live ones), stored back
 * over the scores (up to column i1). */
BF16_TARGET static inline __m512 probs_16(float *row, int i, int i1, int j0, __m512 l) {
    __mmask16 live = live_lanes(i, j0);
    __m512 e = live ? _mm512_maskz_mov_ps(live, exp_avx512(_mm512_sub_ps(_mm512_maskz_loadu_ps(live, row + j0), l)))
                    : _mm512_setzero_ps();
    _mm512_mask_storeu_ps(row + j0, first_lanes(i1 - j0), e);
    return e;
}

BF16_TARGET static void probs_panels_avx512(float *p, int ld, int i0, int i1, const float *lse, uint32_t *panels) {
    int rows = i1 - i0, kpairs = (rows + 1) / 2, n_panels = ceil_div(i1, BF16_MR);
    for (int q = 0; q < kpairs; q++) {
        int a = i0 + 2 * q, b = a + 1;
        float *ra = p + (size_t)2 * q * ld, *rb = ra + ld;
        __m512 la = _mm512_set1_ps(lse[a]), lb = b < i1 ? _mm512_set1_ps(lse[b]) : _mm512_setzero_ps();
        for (int j0 = 0; j0 < i1; j0 += 16) {
            __m512 ea = probs_16(ra, a, i1, j0, la);
            __m512 eb = b < i1 ? probs_16(rb, b, i1, j0, lb) : _mm512_setzero_ps();
            store_16_rows(panels, BF16_MR, kpairs, n_panels, j0, q, interleave_rows(round_32(ea, eb)));
        }
    }
}

/* dS of row i's 16 columns from j0 (0 past its live ones; maskz keeps
 * them +0, as the fp32 path's memset) */
BF16_TARGET static inline __m512 dscores_16(const float *dpr, const float *pr, __m512 dot, int i, int j0) {
    __mmask16 live = live_lanes(i, j0);
    return _mm512_maskz_mul_ps(live, _mm512_maskz_loadu_ps(live, pr + j0),
                               _mm512_sub_ps(_mm512_maskz_loadu_ps(live, dpr + j0), dot));
}

BF16_TARGET static void dscores_words_avx512(const float *dp, const float *p, int ld, const float *o,
                                             const float *dout, int ldo, int hd, int i0, int i1, uint32_t *words,
                                             int ldw, uint32_t *panels) {
    int rows = i1 - i0, kpairs = (rows + 1) / 2, n_panels = ceil_div(i1, BF16_MR), row_words = (i1 + 1) / 2;
    for (int q = 0; q < kpairs; q++) {
        int a = i0 + 2 * q, b = a + 1, has_b = b < i1;
        size_t ra = (size_t)2 * q * ld, rb = ra + ld;
        __m512 dot_a = _mm512_set1_ps(dot_avx512(o + (size_t)2 * q * ldo, dout + (size_t)2 * q * ldo, hd));
        __m512 dot_b = has_b ? _mm512_set1_ps(dot_avx512(o + (size_t)(2 * q + 1) * ldo,
                                                         dout + (size_t)(2 * q + 1) * ldo, hd))
                             : _mm512_setzero_ps();
        uint32_t *wa = words + (size_t)2 * q * ldw, *wb = wa + ldw;
        for (int j0 = 0; j0 < i1; j0 += 32) {
            __m512 a0 = dscores_16(dp + ra, p + ra, dot_a, a, j0), a1 = dscores_16(dp + ra, p + ra, dot_a, a, j0 + 16);
            __m512 b0 = _mm512_setzero_ps(), b1 = _mm512_setzero_ps();
            __mmask16 words_left = first_lanes(row_words - j0 / 2);
            _mm512_mask_storeu_epi32(wa + j0 / 2, words_left, round_32(a0, a1));
            if (has_b) {
                b0 = dscores_16(dp + rb, p + rb, dot_b, b, j0), b1 = dscores_16(dp + rb, p + rb, dot_b, b, j0 + 16);
                _mm512_mask_storeu_epi32(wb + j0 / 2, words_left, round_32(b0, b1));
            }
            store_16_rows(panels, BF16_MR, kpairs, n_panels, j0, q, interleave_rows(round_32(a0, b0)));
            if (j0 + 16 < n_panels * BF16_MR)
                store_16_rows(panels, BF16_MR, kpairs, n_panels, j0 + 16, q, interleave_rows(round_32(a1, b1)));
        }
    }
}

/* ---- dispatch ---- */

void attention_probs_panels(float *p, int ld, int i0, int i1, const float *lse, uint32_t *panels) {
    if (gemm_bf16_uses_avx512()) probs_panels_avx512(p, ld, i0, i1, lse, panels);
    else probs_panels_portable(p, ld, i0, i1, lse, panels);
}

void attention_dscores_words(const float *dp, const float *p, int ld, const float *o, const float *dout, int ldo,
                             int hd, int i0, int i1, uint32_t *words, int ldw, uint32_t *panels) {
    if (gemm_bf16_uses_avx512()) dscores_words_avx512(dp, p, ld, o, dout, ldo, hd, i0, i1, words, ldw, panels);
    else dscores_words_portable(dp, p, ld, o, dout, ldo, hd, i0, i1, words, ldw, panels);
}
