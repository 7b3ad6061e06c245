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
            __mmask16 valid = first_lanes(rows - r0);
            __m512 h = has_hi ? _mm512_maskz_loadu_ps(valid, hi + r0) : _mm512_setzero_ps();
            __m512i both = round_32(_mm512_maskz_loadu_ps(valid, lo + r0), h); /* lo 0..15, hi 0..15 */
            store_16_rows(dst, R, kpairs, panels, r0, p, interleave_rows(both));
        }
    }
}

/* Transposes a 16 x 16 block of 32-bit words in registers. */
BF16_TARGET static void transpose_16x16(__m512i r[16]) {
    __m512i a[16], b[16];
    for (int i = 0; i < 8; i++) {
        a[2 * i] = _mm512_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
        a[2 * i + 1] = _mm512_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
    }
    /* in each 128-bit lane L of b[4i + c]: rows 4i .. 4i+3 of column 4L + c */
    for (int i = 0; i < 4; i++) {
        b[4 * i] = _mm512_unpacklo_epi64(a[4 * i], a[4 * i + 2]);
        b[4 * i + 1] = _mm512_unpackhi_epi64(a[4 * i], a[4 * i + 2]);
        b[4 * i + 2] = _mm512_unpacklo_epi64(a[4 * i + 1], a[4 * i + 3]);
        b[4 * i + 3] = _mm512_unpackhi_epi64(a[4 * i + 1], a[4 * i + 3]);
    }
    for (int c = 0; c < 4; c++) {
        __m512i p0 = _mm512_shuffle_i32x4(b[c], b[4 + c], 0x44), p1 = _mm512_shuffle_i32x4(b[c], b[4 + c], 0xEE);
        __m512i q0 = _mm512_shuffle_i32x4(b[8 + c], b[12 + c], 0x44), q1 = _mm512_shuffle_i32x4(b[8 + c], b[12 + c], 0xEE);
        r[c] = _mm512_shuffle_i32x4(p0, q0, 0x88);
        r[4 + c] = _mm512_shuffle_i32x4(p0, q0, 0xDD);
        r[8 + c] = _mm512_shuffle_i32x4(p1, q1, 0x88);
        r[12 + c] = _mm512_shuffle_i32x4(p1, q1, 0xDD);
    }
}

/* X[r][kk] = src[r * ld + kk]: each row holds its pairs side by side. 16
 * rows are rounded 16 pairs at a time, then transposed in registers so that
 * each pair's 16 rows are stored together. */
BF16_TARGET static void pack_along(const float *src, ptrdiff_t ld, int rows, int k, int R, uint32_t *dst) {
    int kpairs = (k + 1) / 2, panels = (rows + R - 1) / R;
    for (int r0 = 0; r0 < panels * R; r0 += 16)
        for (int p0 = 0; p0 < kpairs; p0 += 16) {
            int k0 = 2 * p0;
            __m512i w[16];
            for (int i = 0; i < 16; i++) {
                w[i] = _mm512_setzero_si512();
                if (r0 + i >= rows) continue;
                const float *row = src + (r0 + i) * ld + k0;
                /* the piece two on (16 rows' streams at once are more than
                 * the hardware prefetcher follows), or, near the row's end,
                 * the start of the row 16 on */
                const float *ahead = k0 + 64 < k              ? row + 64
                                     : r0 + 16 + i < rows ? src + (r0 + 16 + i) * ld + (k0 + 64 - k)
                                                          : NULL;
                if (ahead) {
                    _mm_prefetch((const char *)ahead, _MM_HINT_T0);
                    _mm_prefetch((const char *)(ahead + 16), _MM_HINT_T0);
                }
                w[i] = round_32(_mm512_maskz_loadu_ps(first_lanes(k - k0), row),
                                _mm512_maskz_loadu_ps(first_lanes(k - k0 - 16), row + 16));
            }
            transpose_16x16(w);
            for (int j = 0; j < 16 && p0 + j < kpairs; j++) store_16_rows(dst, R, kpairs, panels, r0, p0 + j, w[j]);
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
