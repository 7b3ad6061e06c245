/* dusk's own single-precision GEMM (sgemm.c): packed panels, a register-blocked
 * micro-kernel picked at run time from the CPU's features, OpenMP over blocks
 * of M and N (never K, so the bits do not depend on the thread count).
 * Internal to src/ops/cpu; the rest of the engine calls gemm() in ops.h. */
#ifndef DUSK_OPS_CPU_SGEMM_H
#define DUSK_OPS_CPU_SGEMM_H

#include <stddef.h>

/* C[MR, NR] = alpha * Apanel Bpanel + beta * C (beta == 0: C is not read).
 * Apanel: kc columns of MR contiguous values, a_step floats apart (MR when
 * packed, lda when read in place from an A stored [k, m]); pb: kc rows of NR
 * packed values. */
typedef void (*SgemmMicroKernel)(int kc, const float *pa, ptrdiff_t a_step, const float *pb, float *c,
                                 ptrdiff_t ldc, float alpha, float beta);

/* The same tile with A read in place from a row-major A (MR rows lda apart,
 * K along each row). */
typedef void (*SgemmRowsKernel)(int kc, const float *a, ptrdiff_t lda, const float *pb, float *c, ptrdiff_t ldc,
                                float alpha, float beta);

typedef struct {
    const char *name;         /* "avx512" | "avx2" | "plain" */
    int mr, nr;               /* register tile */
    SgemmMicroKernel kernel;
    SgemmRowsKernel kernel_rows; /* NULL: A is always packed when stored [m, k] */
    int (*cpu_has)(void);     /* 1 when this CPU (and OS) can run it */
} SgemmKernel;

extern const SgemmKernel sgemm_kernel_avx512;
extern const SgemmKernel sgemm_kernel_avx2;
extern const SgemmKernel sgemm_kernel_plain;

/* Force a micro-kernel ("avx512", "avx2", "plain"), or NULL / "auto" for the
 * best this CPU has. -1 with dusk_error for an unknown name or one the CPU
 * lacks. Without a call, DUSK_GEMM_KERNEL (same names) decides, else auto. */
int sgemm_set_kernel(const char *name);
/* The micro-kernel in use (resolving DUSK_GEMM_KERNEL on first use). */
const char *sgemm_kernel_name(void);

/* Same contract as gemm() in ops.h, always with dusk's kernels. */
void sgemm_dusk(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                const float *b, int ldb, float beta, float *c, int ldc);

#endif
