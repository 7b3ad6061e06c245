/* The portable micro-kernel: plain C the compiler vectorises for whatever
 * baseline it targets. Used where the CPU has neither AVX2+FMA nor AVX-512. */
#include <math.h>

#include "ops/cpu/sgemm.h"

enum { PLAIN_MR = 4, PLAIN_NR = 16 };

static void kernel_plain(int rows, int kc, const float *a, ptrdiff_t a_row, ptrdiff_t a_col, const float *pb,
                         ptrdiff_t b_step, float *c, ptrdiff_t ldc, float alpha, float beta) {
    float acc[PLAIN_MR][PLAIN_NR] = {{0}};
    for (int p = 0; p < kc; p++, a += a_col, pb += b_step)
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < PLAIN_NR; j++) acc[i][j] += a[i * a_row] * pb[j];
    for (int i = 0; i < rows; i++) {
        float *row = c + i * ldc;
        for (int j = 0; j < PLAIN_NR; j++)
            row[j] = beta == 0.0f ? alpha * acc[i][j] : fmaf(beta, row[j], alpha * acc[i][j]);
    }
}

static int cpu_has_plain(void) { return 1; }

const SgemmKernel sgemm_kernel_plain = {"plain", PLAIN_MR, PLAIN_NR, kernel_plain, cpu_has_plain};
