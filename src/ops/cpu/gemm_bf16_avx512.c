/* The AVX512_BF16 bf16 kernel: vectorised packing (fp32 -> bf16 rounding,
 * k pairs interleaved) and an 8 x 32 micro-kernel on vdpbf16ps, which adds
 * 32 bf16 products into 16 fp32 lanes per instruction. Compiled with target
 * attributes, not compiler flags, so the same binary runs anywhere; the
 * driver calls it only when cpuid reports AVX512_BF16 (and the OS saves the
 * zmm state). */
#include <immintrin.h>

#include "ops/cpu/bf16_avx512.h"
#include "ops/cpu/gemm_bf16.h"
#include "ops/cpu/vec_avx512.h"

enum { PREFETCH_PAIRS = 8 }; /* pack_across reads this many pairs ahead */

/* X[r][kk] = src[kk * ld + r]: rows 2p and 2p+1 of src give pair p for 16
 * consecutive r at once. */
BF16_TARGET static void pack_across(const float *src, ptrdiff_t ld, int rows, int k, int R, uint32_t *dst) {
    int kpairs = (k + 1) / 2, panels = (rows + R - 1) / R;
    for (int p = 0; p < kpairs; p++) {
        const float *lo = src + 2 * p * ld, *hi = lo + ld;
        int has_hi = 2 * p + 1 < k;
        /* rows a few pairs ahead: each pair reads a short piece of two
         * rows, a stride the hardware prefetcher does not follow across
         * pages (tiny bf16 train step: the weight gradients' B packing took
         * 2.5x as long without this, and the step 11% longer; 4 and 16
         * pairs ahead measured the same as 8) */
        int ahead = 2 * (p + PREFETCH_PAIRS) + 1 < k;
        for (int r0 = 0; r0 < panels * R; r0 += 16) {
            if (ahead && r0 < rows) {
                _mm_prefetch((const char *)(lo + 2 * PREFETCH_PAIRS * ld + r0), _MM_HINT_T0);
                _mm_prefetch((const char *)(hi + 2 * PREFETCH_PAIRS * ld + r0), _MM_HINT_T0);
            }
            __m512 l, h = _mm512_setzero_ps();
            if (r0 + 16 <= rows) { /* whole: plain loads, no mask to set up */
                l = _mm512_loadu_ps(lo + r0);
                if (has_hi) h = _mm512_loadu_ps(hi + r0);
            } else {
                __mmask16 valid = first_lanes(rows - r0);
                l = _mm512_maskz_loadu_ps(valid, lo + r0);
                if (has_hi) h = _mm512_maskz_loadu_ps(valid, hi + r0);
            }
            __m512i both = round_32(l, h); /* lo 0..15, hi 0..15 */
            store_16_rows(dst, R, kpairs, panels, r0, p, interleave_rows(both));
        }
    }
}

/* v[i] holds row i's words for 16 consecutive pairs; stores, for each pair p
 * < count, the 8 rows' words of that pair together (8 words) at dst + p *
 * stride. An 8 x 16 transpose in three rounds of 8 shuffles, everything in
 * registers. (A 16 x 16 transpose, as this was, kept 48 vectors live, and
 * GCC put its arrays on the stack: packing 128 x 256 hot floats took 0.27
 * time-stamp cycles a float, 0.19 with its loops unrolled, 0.14 so; the
 * train step, whose packing mostly waits on memory, measured the same.) */
BF16_TARGET __attribute__((always_inline)) static inline void store_8_rows_by_pair(const __m512i v[8], uint32_t *dst,
                                                                                   size_t stride, int count) {
    __m512i a[8], b[8];
    /* in each 128-bit lane L: a[2i] words 4L, 4L+1 and a[2i+1] words 4L+2,
     * 4L+3 of rows 2i and 2i+1, interleaved */
#pragma GCC unroll 4
    for (int i = 0; i < 4; i++) {
        a[2 * i] = _mm512_unpacklo_epi32(v[2 * i], v[2 * i + 1]);
        a[2 * i + 1] = _mm512_unpackhi_epi32(v[2 * i], v[2 * i + 1]);
    }
    /* in lane L of b[4h + c]: word 4L + c of rows 4h .. 4h+3 */
#pragma GCC unroll 2
    for (int h = 0; h < 2; h++) {
        b[4 * h] = _mm512_unpacklo_epi64(a[4 * h], a[4 * h + 2]);
        b[4 * h + 1] = _mm512_unpackhi_epi64(a[4 * h], a[4 * h + 2]);
        b[4 * h + 2] = _mm512_unpacklo_epi64(a[4 * h + 1], a[4 * h + 3]);
        b[4 * h + 3] = _mm512_unpackhi_epi64(a[4 * h + 1], a[4 * h + 3]);
    }
    /* lanes 0, 1 (and 2, 3) of b[c] and b[4 + c] side by side: the 8 rows of
     * pairs c and 4 + c (8 + c and 12 + c) */
    const __m512i lanes_01 = _mm512_set_epi64(11, 10, 3, 2, 9, 8, 1, 0);
    const __m512i lanes_23 = _mm512_set_epi64(15, 14, 7, 6, 13, 12, 5, 4);
#pragma GCC unroll 4
    for (int c = 0; c < 4; c++) {
        __m512i lo = _mm512_permutex2var_epi64(b[c], lanes_01, b[4 + c]);
        __m512i hi = _mm512_permutex2var_epi64(b[c], lanes_23, b[4 + c]);
        __m256i pair[4] = {_mm512_castsi512_si256(lo), _mm512_extracti64x4_epi64(lo, 1), _mm512_castsi512_si256(hi),
                           _mm512_extracti64x4_epi64(hi, 1)};
#pragma GCC unroll 4
        for (int q = 0; q < 4; q++) {
            int p = 4 * q + c;
            if (p < count) _mm256_storeu_si256((__m256i *)(dst + (size_t)p * stride), pair[q]);
        }
    }
}

/* X[r][kk] = src[r * ld + kk]: each row holds its pairs side by side. 8
 * rows are rounded 16 pairs at a time, then regrouped by pair in registers
 * (store_8_rows_by_pair): 8 rows' words of a pair fill half a panel's row
 * of 16 (R 32: a quarter). */
BF16_TARGET static void pack_along(const float *src, ptrdiff_t ld, int rows, int k, int R, uint32_t *dst) {
    int kpairs = (k + 1) / 2, panels = (rows + R - 1) / R;
    for (int r0 = 0; r0 < panels * R; r0 += 8)
        for (int p0 = 0; p0 < kpairs; p0 += 16) {
            int k0 = 2 * p0;
            __m512i w[8];
#pragma GCC unroll 8
            for (int i = 0; i < 8; i++) {
                w[i] = _mm512_setzero_si512();
                if (r0 + i >= rows) continue;
                const float *row = src + (r0 + i) * ld + k0;
                /* the piece two on (8 rows' streams at once are more than
                 * the hardware prefetcher follows), or, near the row's end,
                 * the start of the row 8 on */
                const float *ahead = k0 + 64 < k            ? row + 64
                                     : r0 + 8 + i < rows ? src + (r0 + 8 + i) * ld + (k0 + 64 - k)
                                                         : NULL;
                if (ahead) {
                    _mm_prefetch((const char *)ahead, _MM_HINT_T0);
                    _mm_prefetch((const char *)(ahead + 16), _MM_HINT_T0);
                }
                w[i] = round_32(_mm512_maskz_loadu_ps(first_lanes(k - k0), row),
                                _mm512_maskz_loadu_ps(first_lanes(k - k0 - 16), row + 16));
            }
            store_8_rows_by_pair(w, dst + ((size_t)(r0 / R) * kpairs + p0) * R + r0 % R, (size_t)R,
                                 kpairs - p0 < 16 ? kpairs - p0 : 16);
        }
}

/* The rounding fp32 -> bf16 happens here: the panels are the bf16 copy of
 * the weights or activations that the micro-kernel multiplies. */
BF16_TARGET static void pack_panels_avx512(const float *src, ptrdiff_t ld, int pairs_contiguous, int rows, int k,
                                           int R, uint32_t *dst) {
    if (pairs_contiguous) pack_along(src, ld, rows, k, R, dst);
    else pack_across(src, ld, rows, k, R, dst);
}

BF16_TARGET static void store_row(float *c, __m512 acc, __mmask16 mask, __m512 alpha, float beta) {
    __m512 v = _mm512_mul_ps(alpha, acc);
    if (beta != 0.0f) v = _mm512_add_ps(v, _mm512_mul_ps(_mm512_set1_ps(beta), _mm512_maskz_loadu_ps(mask, c)));
    _mm512_mask_storeu_ps(c, mask, v);
}

/* The micro-kernel, A's words at pa[i * a_row + p * a_pair]: packed panels
 * (kernel_avx512, constant strides) or words where they lie
 * (kernel_strided_avx512); the same instructions on the same words. A
 * packed panel has zero rows up to MR; words in place may end at row mr, so
 * there the rows past it read row mr - 1 again (into accumulators that are
 * never stored). */
BF16_TARGET __attribute__((always_inline)) static inline void
tile_bf16(int kpairs, const uint32_t *pa, ptrdiff_t a_row, ptrdiff_t a_pair, int in_place, const uint32_t *pb,
          float *c, ptrdiff_t ldc, int mr, int nr, float alpha, float beta) {
    ptrdiff_t row_at[BF16_MR];
#pragma GCC unroll 8
    for (int i = 0; i < BF16_MR; i++) row_at[i] = (in_place && i >= mr ? mr - 1 : i) * a_row;
    __m512 acc[BF16_MR][2];
#pragma GCC unroll 8
    for (int i = 0; i < BF16_MR; i++) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
    /* C's lines are on their way while the products run (a fresh
     * activation is written from memory: small step ~3% faster) */
    for (int i = 0; i < mr; i++) {
        _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0);
        if (nr > 16) _mm_prefetch((const char *)(c + i * ldc + 16), _MM_HINT_T0);
    }
    for (int p = 0; p < kpairs; p++) {
        __m512bh b0 = (__m512bh)_mm512_loadu_si512(pb), b1 = (__m512bh)_mm512_loadu_si512(pb + 16);
#pragma GCC unroll 8
        for (int i = 0; i < BF16_MR; i++) {
            __m512bh a = (__m512bh)_mm512_set1_epi32((int)pa[row_at[i]]);
            acc[i][0] = _mm512_dpbf16_ps(acc[i][0], a, b0);
            acc[i][1] = _mm512_dpbf16_ps(acc[i][1], a, b1);
        }
        pa += a_pair, pb += BF16_NR;
    }
    __mmask16 m0 = first_lanes(nr), m1 = first_lanes(nr - 16);
    __m512 va = _mm512_set1_ps(alpha);
    /* stores unrolled, rows past mr skipped, so that every accumulator is
     * named by a constant and stays in its register (a loop over the rows
     * spilled all 16 to the stack first) */
#pragma GCC unroll 8
    for (int i = 0; i < BF16_MR; i++) {
        if (i >= mr) break;
        store_row(c + i * ldc, acc[i][0], m0, va, beta);
        if (m1) store_row(c + i * ldc + 16, acc[i][1], m1, va, beta);
    }
}

BF16_TARGET static void kernel_avx512(int kpairs, const uint32_t *pa, const uint32_t *pb, float *c, ptrdiff_t ldc,
                                      int mr, int nr, float alpha, float beta) {
    tile_bf16(kpairs, pa, 1, BF16_MR, 0, pb, c, ldc, mr, nr, alpha, beta);
}

BF16_TARGET static void kernel_strided_avx512(int kpairs, const uint32_t *pa, ptrdiff_t a_row, ptrdiff_t a_pair,
                                              const uint32_t *pb, float *c, ptrdiff_t ldc, int mr, int nr,
                                              float alpha, float beta) {
    tile_bf16(kpairs, pa, a_row, a_pair, 1, pb, c, ldc, mr, nr, alpha, beta);
}

/* Rows as words: 32 floats of a row rounded to 16 words (round_32 keeps the
 * order, so word p is the pair (2p, 2p + 1)); no transpose, unlike pack. */
BF16_TARGET static void row_words_avx512(const float *src, ptrdiff_t ld, int rows, int k, uint32_t *dst,
                                         ptrdiff_t ldw) {
    int kpairs = (k + 1) / 2;
    for (int r = 0; r < rows; r++) {
        const float *row = src + r * ld;
        uint32_t *out = dst + r * ldw;
        for (int k0 = 0; k0 < k; k0 += 32) {
            __m512i w = round_32(_mm512_maskz_loadu_ps(first_lanes(k - k0), row + k0),
                                 _mm512_maskz_loadu_ps(first_lanes(k - k0 - 16), row + k0 + 16));
            _mm512_mask_storeu_epi32(out + k0 / 2, first_lanes(kpairs - k0 / 2), w);
        }
    }
}

static int cpu_has_avx512bf16(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
           __builtin_cpu_supports("avx512bf16");
}

const Bf16Kernel bf16_kernel_avx512 = {"avx512bf16",          pack_panels_avx512, kernel_avx512,
                                      kernel_strided_avx512, row_words_avx512,   cpu_has_avx512bf16};
