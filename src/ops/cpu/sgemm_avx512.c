/* The AVX-512 micro-kernel: a 14x32 tile in 28 zmm accumulators; per k step
 * two vector loads of packed B and 14 broadcasts of A. Edge tiles of fewer
 * rows get their own copies with as many accumulators (a 2-row edge costs a
 * seventh of a full tile, not a whole one). Compiled for AVX-512 through the
 * target attribute only, so the file builds (and the dispatcher skips it) on
 * any x86-64 without -march flags. */
#include <immintrin.h>

#include "ops/cpu/sgemm.h"

enum { AVX512_MR = 14, AVX512_NR = 32 };

/* rows is a constant in each copy (SGEMM_DEFINE_TILES). */
__attribute__((target("avx512f"), always_inline)) static inline void
tile_avx512(int rows, int kc, const float *a, ptrdiff_t a_row, ptrdiff_t a_col, const float *pb, ptrdiff_t b_step,
            float *c, ptrdiff_t ldc, float alpha, float beta) {
    __m512 acc[AVX512_MR][2];
#pragma GCC unroll 14
    for (int i = 0; i < rows; i++) {
        acc[i][0] = acc[i][1] = _mm512_setzero_ps();
        /* C's tile is written at the end: start fetching its lines now. */
        _mm_prefetch((const char *)(c + i * ldc), _MM_HINT_T0);
        _mm_prefetch((const char *)(c + i * ldc + 16), _MM_HINT_T0);
    }
    for (int p = 0; p < kc; p++, a += a_col, pb += b_step) {
        __m512 b0 = _mm512_loadu_ps(pb), b1 = _mm512_loadu_ps(pb + 16);
#pragma GCC unroll 14
        for (int i = 0; i < rows; i++) {
            __m512 ai = _mm512_set1_ps(a[i * a_row]);
            acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
            acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
        }
    }
    __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
#pragma GCC unroll 14
    for (int i = 0; i < rows; i++) {
        float *row = c + i * ldc;
        __m512 r0 = acc[i][0], r1 = acc[i][1];
        if (alpha != 1.0f) /* times 1 is exact: the same bits without the multiply */
            r0 = _mm512_mul_ps(va, r0), r1 = _mm512_mul_ps(va, r1);
        if (beta != 0.0f) {
            r0 = _mm512_fmadd_ps(vb, _mm512_loadu_ps(row), r0);
            r1 = _mm512_fmadd_ps(vb, _mm512_loadu_ps(row + 16), r1);
        }
        _mm512_storeu_ps(row, r0);
        _mm512_storeu_ps(row + 16, r1);
    }
}

#define AVX512_TILES(R) SGEMM_DEFINE_TILES(__attribute__((target("avx512f"))), tile_avx512, R)
AVX512_TILES(1) AVX512_TILES(2) AVX512_TILES(3) AVX512_TILES(4) AVX512_TILES(5) AVX512_TILES(6) AVX512_TILES(7)
AVX512_TILES(8) AVX512_TILES(9) AVX512_TILES(10) AVX512_TILES(11) AVX512_TILES(12) AVX512_TILES(13) AVX512_TILES(14)

static const SgemmMicroKernel tiles_unit[AVX512_MR + 1] = {NULL, SGEMM_TILES_14(tile_avx512, unit)};
static const SgemmMicroKernel tiles_rowmajor[AVX512_MR + 1] = {NULL, SGEMM_TILES_14(tile_avx512, rowmajor)};

static void kernel_avx512(int rows, int kc, const float *a, ptrdiff_t a_row, ptrdiff_t a_col, const float *pb,
                          ptrdiff_t b_step, float *c, ptrdiff_t ldc, float alpha, float beta) {
    (a_row == 1 ? tiles_unit : tiles_rowmajor)[rows](rows, kc, a, a_row, a_col, pb, b_step, c, ldc, alpha, beta);
}

static int cpu_has_avx512(void) { return __builtin_cpu_supports("avx512f"); }

const SgemmKernel sgemm_kernel_avx512 = {"avx512", AVX512_MR, AVX512_NR, kernel_avx512, cpu_has_avx512};
