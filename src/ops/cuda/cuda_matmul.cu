/* Linear layers through cuBLAS. cuBLAS is column-major: a row-major [r, c]
 * matrix is its column-major [c, r] transpose, so each row-major product
 * C = A B becomes the column-major C^T = B^T A^T. */
#include "ops/cuda/cuda_common.cuh"
extern "C" {
#include "ops/cuda/cuda_ops.h"
}

/* out[n, out_dim] += bias[out_dim] on every row. */
__global__ void add_bias_kernel(float *out, const float *bias, size_t total, int out_dim) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < total) out[i] += bias[i % out_dim];
}

extern "C" int cuda_linear_forward(float *out, const float *inp, const float *w, const float *bias, int n, int in,
                                   int out_dim) {
    cublasHandle_t h = cuda_blas();
    if (!h) return -1;
    if (n <= 0 || out_dim <= 0) return 0;
    const float one = 1.0f, zero = 0.0f;
    /* out[n, out] = inp[n, in] w[out, in]^T  <=>  out^T = w inp^T (column-major) */
    if (cublas_check(cublasSgemm(h, CUBLAS_OP_T, CUBLAS_OP_N, out_dim, n, in, &one, w, in, inp, in, &zero, out,
                                 out_dim),
                     "linear_forward (sgemm)"))
        return -1;
    if (!bias) return 0;
    size_t total = (size_t)n * out_dim;
    add_bias_kernel<<<cuda_grid_for(total), CUDA_BLOCK>>>(out, bias, total, out_dim);
    return cuda_check_launch("add_bias_kernel");
}

extern "C" int cuda_linear_backward(float *dinp, float *dw, float *dbias, const float *dout, const float *inp,
                                    const float *w, int n, int in, int out_dim, int accumulate_dinp) {
    cublasHandle_t h = cuda_blas();
    if (!h) return -1;
    if (n <= 0) return 0;
    const float one = 1.0f, beta_dinp = accumulate_dinp ? 1.0f : 0.0f;
    /* dinp[n, in] = dout[n, out] w[out, in]  <=>  dinp^T = w^T dout^T */
    if (dinp && cublas_check(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, in, n, out_dim, &one, w, in, dout, out_dim,
                                         &beta_dinp, dinp, in),
                             "linear_backward (sgemm dinp)"))
        return -1;
    /* dw[out, in] += dout^T[out, n] inp[n, in]  <=>  dw^T += inp^T dout */
    if (dw && cublas_check(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_T, in, out_dim, n, &one, inp, in, dout, out_dim,
                                       &one, dw, in),
                           "linear_backward (sgemm dw)"))
        return -1;
    if (dbias) return cuda_column_sums_acc(dbias, dout, NULL, NULL, n, out_dim, "linear_backward (dbias)");
    return 0;
}
