/* The AVX2+FMA micro-kernel: a 6x16 tile in 12 ymm accumulators (of the 16
 * registers, leaving two for B and one for the broadcast of A), with copies
 * for edge tiles of fewer rows. Compiled for AVX2 through the target
 * attribute only (see sgemm_avx512.c). */
#include <immintrin.h>

#include "ops/cpu/sgemm.h"

enum { AVX2_MR = 6, AVX2_NR = 16 };

/* rows is a constant in each copy (SGEMM_DEFINE_TILES). */
__attribute__((target("avx2,fma"), always_inline)) static inline void
tile_avx2(int rows, int kc, const float *a, ptrdiff_t a_row, ptrdiff_t a_col, const float *pb, ptrdiff_t b_step,
          float *c, ptrdiff_t ldc, float alpha, float beta) {
    __m256 acc[AVX2_MR][2];
#pragma GCC unroll 6
    for (int i = 0; i < rows; i++) acc[i][0] = acc[i][1] = _mm256_setzero_ps();
    for (int p = 0; p < kc; p++, a += a_col, pb += b_step) {
        __m256 b0 = _mm256_loadu_ps(pb), b1 = _mm256_loadu_ps(pb + 8);
#pragma GCC unroll 6
        for (int i = 0; i < rows; i++) {
            __m256 ai = _mm256_broadcast_ss(a + i * a_row);
            acc[i][0] = _mm256_fmadd_ps(ai, b0, acc[i][0]);
            acc[i][1] = _mm256_fmadd_ps(ai, b1, acc[i][1]);
        }
    }
    __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
#pragma GCC unroll 6
    for (int i = 0; i < rows; i++) {
        float *row = c + i * ldc;
        __m256 r0 = acc[i][0], r1 = acc[i][1];
        if (alpha != 1.0f) /* times 1 is exact: the same bits without the multiply */
            r0 = _mm256_mul_ps(va, r0), r1 = _mm256_mul_ps(va, r1);
        if (beta != 0.0f) {
            r0 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(row), r0);
            r1 = _mm256_fmadd_ps(vb, _mm256_loadu_ps(row + 8), r1);
        }
        _mm256_storeu_ps(row, r0);
        _mm256_storeu_ps(row + 8, r1);
    }
}

#define AVX2_TILES(R) SGEMM_DEFINE_TILES(__attribute__((target("avx2,fma"))), tile_avx2, R)
AVX2_TILES(1) AVX2_TILES(2) AVX2_TILES(3) AVX2_TILES(4) AVX2_TILES(5) AVX2_TILES(6)

static const SgemmMicroKernel tiles_unit[AVX2_MR + 1] = {NULL, SGEMM_TILES_6(tile_avx2, unit)};
static const SgemmMicroKernel tiles_rowmajor[AVX2_MR + 1] = {NULL, SGEMM_TILES_6(tile_avx2, rowmajor)};

static void kernel_avx2(int rows, int kc, const float *a, ptrdiff_t a_row, ptrdiff_t a_col, const float *pb,
                        ptrdiff_t b_step, float *c, ptrdiff_t ldc, float alpha, float beta) {
    (a_row == 1 ? tiles_unit : tiles_rowmajor)[rows](rows, kc, a, a_row, a_col, pb, b_step, c, ldc, alpha, beta);
}

static int cpu_has_avx2(void) { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }

const SgemmKernel sgemm_kernel_avx2 = {"avx2", AVX2_MR, AVX2_NR, kernel_avx2, cpu_has_avx2};
