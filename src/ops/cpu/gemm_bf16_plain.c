/* The portable bf16 kernel: packing and micro-kernel in plain C, for CPUs
 * without AVX512_BF16 (and forced with DUSK_GEMM_BF16_KERNEL=plain so that
 * it is tested everywhere). Same packed layout and the same arithmetic as the
 * AVX512_BF16 kernel: each product of two bf16 values is exact in fp32, and
 * each k pair is added to the fp32 accumulator odd k first, then even k, one
 * rounding per addition - the order vdpbf16ps adds them in, so both kernels
 * give the same bits, except that vdpbf16ps flushes subnormal inputs,
 * products and sums to zero (measured on Zen 5) where this kernel keeps them. */
#include "ops/cpu/gemm_bf16.h"
#include "util/dtype.h"

static uint32_t pair_word(float lo, float hi, int has_hi) {
    return f32_to_bf16(lo) | (has_hi ? (uint32_t)f32_to_bf16(hi) << 16 : 0u);
}

/* The rounding fp32 -> bf16 happens here: the panel is the bf16 copy of the
 * weights or activations that the micro-kernel multiplies. */
static void pack_panels_plain(const float *src, ptrdiff_t ld, int pairs_contiguous, int rows, int k, int R,
                              uint32_t *dst) {
    int kpairs = (k + 1) / 2;
    for (int q = 0; q * R < rows; q++, dst += (size_t)R * kpairs)
        for (int p = 0; p < kpairs; p++) {
            int k0 = 2 * p, has_hi = k0 + 1 < k;
            for (int i = 0; i < R; i++) {
                int r = q * R + i;
                uint32_t w = 0;
                if (r < rows) {
                    const float *lo = pairs_contiguous ? src + r * ld + k0 : src + k0 * ld + r;
                    w = pair_word(lo[0], has_hi ? (pairs_contiguous ? lo[1] : lo[ld]) : 0.0f, has_hi);
                }
                dst[(size_t)p * R + i] = w;
            }
        }
}

static float low_half(uint32_t w) { return bf16_to_f32((uint16_t)(w & 0xFFFFu)); }
static float high_half(uint32_t w) { return bf16_to_f32((uint16_t)(w >> 16)); }

static void kernel_strided_plain(int kpairs, const uint32_t *pa, ptrdiff_t a_row, ptrdiff_t a_pair,
                                 const uint32_t *pb, float *c, ptrdiff_t ldc, int mr, int nr, float alpha,
                                 float beta) {
    float acc[BF16_MR][BF16_NR] = {{0}};
    float b_lo[BF16_NR], b_hi[BF16_NR];
    for (int p = 0; p < kpairs; p++) {
        for (int j = 0; j < BF16_NR; j++) {
            b_lo[j] = low_half(pb[(size_t)p * BF16_NR + j]);
            b_hi[j] = high_half(pb[(size_t)p * BF16_NR + j]);
        }
        for (int i = 0; i < BF16_MR; i++) {
            /* rows past mr reach only accumulators that are never stored
             * (and words in place may end at row mr) */
            uint32_t w = i < mr ? pa[i * a_row + p * a_pair] : 0u;
            float a_lo = low_half(w), a_hi = high_half(w);
            for (int j = 0; j < BF16_NR; j++) {
                acc[i][j] += a_hi * b_hi[j];
                acc[i][j] += a_lo * b_lo[j];
            }
        }
    }
    for (int i = 0; i < mr; i++) {
        float *row = c + i * ldc;
        for (int j = 0; j < nr; j++) {
            float v = alpha * acc[i][j];
            row[j] = beta == 0.0f ? v : v + beta * row[j];
        }
    }
}

static void kernel_plain(int kpairs, const uint32_t *pa, const uint32_t *pb, float *c, ptrdiff_t ldc, int mr,
                         int nr, float alpha, float beta) {
    kernel_strided_plain(kpairs, pa, 1, BF16_MR, pb, c, ldc, mr, nr, alpha, beta);
}

static void row_words_plain(const float *src, ptrdiff_t ld, int rows, int k, uint32_t *dst, ptrdiff_t ldw) {
    for (int r = 0; r < rows; r++)
        for (int p = 0; 2 * p < k; p++) {
            const float *x = src + r * ld + 2 * p;
            dst[r * ldw + p] = pair_word(x[0], 2 * p + 1 < k ? x[1] : 0.0f, 2 * p + 1 < k);
        }
}

static int always(void) { return 1; }

const Bf16Kernel bf16_kernel_plain = {"plain", pack_panels_plain, kernel_plain, kernel_strided_plain, row_words_plain,
                                     always};
