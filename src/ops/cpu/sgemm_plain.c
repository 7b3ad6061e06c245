/* The portable micro-kernel: plain C the compiler vectorises for whatever
 * baseline it targets. Used where the CPU has neither AVX2+FMA nor AVX-512. */
#include <math.h>

#include "ops/cpu/sgemm.h"

enum { PLAIN_MR = 4, PLAIN_NR = 16 };

static void kernel_plain(int kc, const float *pa, ptrdiff_t a_step, const float *pb, float *c, ptrdiff_t ldc, float alpha,
                         float beta) {
    float acc[PLAIN_MR][PLAIN_NR] = {{0}};
    for (int p = 0; p < kc; p++, pa += a_step, pb += PLAIN_NR)
        for (int i = 0; i < PLAIN_MR; i++)
            for (int j = 0; j < PLAIN_NR; j++) acc[i][j] += pa[i] * pb[j];
    for (int i = 0; i < PLAIN_MR; i++) {
        float *row = c + i * ldc;
        for (int j = 0; j < PLAIN_NR; j++)
            row[j] = beta == 0.0f ? alpha * acc[i][j] : fmaf(beta, row[j], alpha * acc[i][j]);
    }
}

static int cpu_has_plain(void) { return 1; }

const SgemmKernel sgemm_kernel_plain = {"plain", PLAIN_MR, PLAIN_NR, kernel_plain, NULL, cpu_has_plain};
