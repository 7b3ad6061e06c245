/* The general matrix product of ops.h gemm() through cuBLAS, in the
 * process-wide precision (ops_precision()): fp32 is cublasSgemm in true fp32
 * (TF32 off, see cuda_init); bf16 rounds both operands to bfloat16 into the
 * workspace and runs cublasGemmEx with fp32 accumulation and an fp32 C, as
 * the CPU's bf16 GEMM (fp32 master weights, bf16 products).
 *
 * cuBLAS is column-major: a row-major [r, c] matrix with leading dimension ld
 * is the column-major [c, r] matrix with the same ld, its transpose. So the
 * row-major C = op(A) op(B) is the column-major C^T = op(B)^T op(A)^T: the
 * operands swap places and each keeps its own transpose flag. */
#include <stdint.h>
#include "ops/cuda/cuda_common.cuh"
extern "C" {
#include "ops/ops.h"
#include "ops/cuda/cuda_ops.h"
}

/* Offsets into the workspace are rounded up to this many bytes (cudaMalloc's
 * alignment; cuBLAS's fast paths want at least 16). */
#define GEMM_ALIGN 256

/* float -> bfloat16 bits by round-to-nearest-even; a NaN stays a NaN (made
 * quiet, sign and high payload kept), as f32_to_bf16() in util/dtype.c and
 * torch; infinities and subnormals round like any other value. */
__device__ inline uint16_t bf16_bits_rne(float f) {
    uint32_t u = __float_as_uint(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40u);
    return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

/* dst [rows, cols] (packed, leading dimension cols) = bf16 of src [rows, cols]
 * read with leading dimension ld. One thread per element. */
__global__ void round_to_bf16_kernel(uint16_t *dst, const float *src, int rows, int cols, int ld) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (size_t)rows * cols) return;
    size_t r = i / cols, c = i % cols;
    dst[i] = bf16_bits_rne(src[r * ld + c]);
}

/* c [m, n] (leading dimension ldc) = beta * c, reading c only when beta != 0
 * (BLAS's rule: beta 0 overwrites, NaN included). grid over m * n. */
__global__ void scale_matrix_kernel(float *c, int m, int n, int ldc, float beta) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= (size_t)m * n) return;
    float *at = c + (i / n) * ldc + i % n;
    *at = beta == 0.0f ? 0.0f : beta * *at;
}

static size_t align_up(size_t bytes) { return (bytes + GEMM_ALIGN - 1) / GEMM_ALIGN * GEMM_ALIGN; }

/* The stored operand X [rows, cols] (leading dimension ld) rounded into dst,
 * packed with leading dimension cols. */
static int round_operand(uint16_t *dst, const float *src, int rows, int cols, int ld) {
    size_t total = (size_t)rows * cols;
    round_to_bf16_kernel<<<cuda_grid_for(total), CUDA_BLOCK>>>(dst, src, rows, cols, ld);
    return cuda_check_launch("round_to_bf16_kernel (gemm)");
}

/* bf16 operands, fp32 accumulation and C. The stored A is [k, m] when
 * trans_a else [m, k]; B is [n, k] when trans_b else [k, n]. */
static int gemm_bf16(cublasHandle_t h, int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a,
                     int lda, const float *b, int ldb, float beta, float *c, int ldc) {
    const int a_rows = trans_a ? k : m, a_cols = trans_a ? m : k;
    const int b_rows = trans_b ? n : k, b_cols = trans_b ? k : n;
    const size_t a_bytes = align_up(sizeof(uint16_t) * (size_t)a_rows * a_cols);
    const size_t b_bytes = sizeof(uint16_t) * (size_t)b_rows * b_cols;
    char *work = (char *)cuda_workspace(a_bytes + b_bytes, "gemm (bf16 operands)");
    if (!work) return -1;
    uint16_t *a16 = (uint16_t *)work, *b16 = (uint16_t *)(work + a_bytes);
    if (round_operand(a16, a, a_rows, a_cols, lda) || round_operand(b16, b, b_rows, b_cols, ldb)) return -1;
    return cublas_check(cublasGemmEx(h, trans_b ? CUBLAS_OP_T : CUBLAS_OP_N, trans_a ? CUBLAS_OP_T : CUBLAS_OP_N, n,
                                     m, k, &alpha, b16, CUDA_R_16BF, b_cols, a16, CUDA_R_16BF, a_cols, &beta, c,
                                     CUDA_R_32F, ldc, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
                        "gemm (cublasGemmEx bf16)");
}

extern "C" int cuda_gemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                         const float *b, int ldb, float beta, float *c, int ldc) {
    if (m < 0 || n < 0 || k < 0)
        return dusk_error("gemm: bad shape m %d n %d k %d", m, n, k);
    cublasHandle_t h = cuda_blas();
    if (!h) return -1;
    if (m == 0 || n == 0) return 0;
    if (k == 0) { /* no products: C = beta C (cuBLAS would reject the leading dimensions of empty operands) */
        size_t total = (size_t)m * n;
        scale_matrix_kernel<<<cuda_grid_for(total), CUDA_BLOCK>>>(c, m, n, ldc, beta);
        return cuda_check_launch("scale_matrix_kernel (gemm, k 0)");
    }
    if (ops_precision() == PRECISION_BF16)
        return gemm_bf16(h, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return cublas_check(cublasSgemm(h, trans_b ? CUBLAS_OP_T : CUBLAS_OP_N, trans_a ? CUBLAS_OP_T : CUBLAS_OP_N, n, m,
                                    k, &alpha, b, ldb, a, lda, &beta, c, ldc),
                        "gemm (sgemm)");
}
