/* dusk's own single-precision GEMM (sgemm.c): packed panels, a register-blocked
 * micro-kernel picked at run time from the CPU's features, OpenMP over blocks
 * of M and N (never K, so the bits do not depend on the thread count).
 * Internal to src/ops/cpu; the rest of the engine calls gemm() in ops.h. */
#ifndef DUSK_OPS_CPU_SGEMM_H
#define DUSK_OPS_CPU_SGEMM_H

#include <stddef.h>

/* C[rows, NR] = alpha * A B + beta * C for 1 <= rows <= MR (beta == 0: C is
 * not read; only rows rows of C are read or written). Element (i, p) of A is
 * a[i * a_row + p * a_col] for i < rows, p < kc, one of the two strides 1: a
 * packed panel (1, MR), an A stored [k, m] read in place (1, lda) or a
 * row-major A read in place (lda, 1). B's element (p, j) is pb[p * b_step
 * + j] for j < NR: packed panels (b_step NR) or B's rows read in place
 * (ldb). Each
 * element of C gets the same operations whatever rows and the strides are,
 * so an edge tile has the bits it would have in a full one. */
typedef void (*SgemmMicroKernel)(int rows, int kc, const float *a, ptrdiff_t a_row, ptrdiff_t a_col,
                                 const float *pb, ptrdiff_t b_step, float *c, ptrdiff_t ldc, float alpha,
                                 float beta);

typedef struct {
    const char *name;         /* "avx512" | "avx2" | "plain" */
    int mr, nr;               /* register tile */
    SgemmMicroKernel kernel;
    int (*cpu_has)(void);     /* 1 when this CPU (and OS) can run it */
} SgemmKernel;

/* For the kernels: a function per row count R and per stride form of A,
 * each TILE(R, kc, a, a_row, a_col, pb, b_step, c, ldc, alpha, beta) with R and one
 * stride the constant 1, so its loops unroll and its accumulators get the
 * registers to themselves (one function holding every copy ran out of zmm
 * registers and spilled an accumulator in the hot loop). TILE##_unit_##R
 * takes a_row 1 (packed panels, A stored [k, m]); TILE##_rowmajor_##R a_col 1.
 * SGEMM_TILES_n lists them for R = 1..n, for a table indexed by rows. */
#define SGEMM_DEFINE_TILES(ATTR, TILE, R)                                                          \
    ATTR static void TILE##_unit_##R(int rows, int kc, const float *a, ptrdiff_t a_row, ptrdiff_t a_col, \
                                     const float *pb, ptrdiff_t b_step, float *c, ptrdiff_t ldc,   \
                                     float alpha, float beta) {                                    \
        (void)rows, (void)a_row;                                                                   \
        TILE(R, kc, a, 1, a_col, pb, b_step, c, ldc, alpha, beta);                                 \
    }                                                                                              \
    ATTR static void TILE##_rowmajor_##R(int rows, int kc, const float *a, ptrdiff_t a_row,        \
                                         ptrdiff_t a_col, const float *pb, ptrdiff_t b_step,       \
                                         float *c, ptrdiff_t ldc, float alpha, float beta) {       \
        (void)rows, (void)a_col;                                                                   \
        TILE(R, kc, a, a_row, 1, pb, b_step, c, ldc, alpha, beta);                                 \
    }
#define SGEMM_TILES_6(TILE, FORM)                                                                  \
    TILE##_##FORM##_1, TILE##_##FORM##_2, TILE##_##FORM##_3, TILE##_##FORM##_4, TILE##_##FORM##_5, \
        TILE##_##FORM##_6
#define SGEMM_TILES_14(TILE, FORM)                                                                 \
    SGEMM_TILES_6(TILE, FORM), TILE##_##FORM##_7, TILE##_##FORM##_8, TILE##_##FORM##_9,            \
        TILE##_##FORM##_10, TILE##_##FORM##_11, TILE##_##FORM##_12, TILE##_##FORM##_13,            \
        TILE##_##FORM##_14

extern const SgemmKernel sgemm_kernel_avx512;
extern const SgemmKernel sgemm_kernel_avx2;
extern const SgemmKernel sgemm_kernel_plain;

/* Force a micro-kernel ("avx512", "avx2", "plain"), or NULL / "auto" for the
 * best this CPU has. -1 with dusk_error for an unknown name or one the CPU
 * lacks. Without a call, DUSK_GEMM_KERNEL (same names) decides, else auto. */
int sgemm_set_kernel(const char *name);
/* The micro-kernel in use (resolving DUSK_GEMM_KERNEL on first use). */
const char *sgemm_kernel_name(void);
/* 1 when that kernel is avx512: the CPU kernels with AVX-512 versions of
 * their loops (attention_rows.c, ...) follow it, so forcing avx2 or plain
 * runs their portable versions too. */
int sgemm_uses_avx512(void);

/* A B operand packed once into the kernel's panels and used by several
 * products on the calling thread (attention: a head's keys serve every block
 * of queries). Zero-initialise; sgemm_packed_b_set packs op(B) [k, n]
 * (trans_b: B stored [n, k]), growing the buffer; k at most one K slice
 * (sgemm_packed_b_fits). */
typedef struct {
    const SgemmKernel *kern; /* whose panel width it was packed for */
    float *panels;
    size_t cap; /* floats */
    int n, k;
} SgemmPackedB;

int sgemm_packed_b_fits(int k);
void sgemm_packed_b_set(SgemmPackedB *pb, int trans_b, int n, int k, const float *b, int ldb);
void sgemm_packed_b_free(SgemmPackedB *pb);
/* sgemm_dusk with op(B) = the first n columns of the packed one (all of its
 * k), on the calling thread, A read in place: the same bits as sgemm_dusk on
 * the unpacked operand. */
void sgemm_prepacked(int trans_a, int m, int n, int k, float alpha, const float *a, int lda, const SgemmPackedB *b,
                     float beta, float *c, int ldc);

/* Same contract as gemm() in ops.h, always with dusk's kernels. */
void sgemm_dusk(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                const float *b, int ldb, float beta, float *c, int ldc);

#endif
