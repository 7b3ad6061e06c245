/* Linear layers as products of cuda_gemm() (cuda_gemm.cu), so they follow the
 * process-wide precision (fp32, or bf16 operands with fp32 accumulation) as
 * the CPU's linear layers follow gemm(); the bias is added in fp32. */
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
    if (n <= 0 || out_dim <= 0) return 0;
    /* out[n, out] = inp[n, in] w[out, in]^T */
    if (cuda_gemm(0, 1, n, out_dim, in, 1.0f, inp, in, w, in, 0.0f, out, out_dim)) return -1;
    if (!bias) return 0;
    size_t total = (size_t)n * out_dim;
    add_bias_kernel<<<cuda_grid_for(total), CUDA_BLOCK>>>(out, bias, total, out_dim);
    return cuda_check_launch("add_bias_kernel");
}

extern "C" int cuda_linear_backward(float *dinp, float *dw, float *dbias, const float *dout, const float *inp,
                                    const float *w, int n, int in, int out_dim, int accumulate_dinp) {
    if (n <= 0) return 0;
    /* dinp[n, in] = dout[n, out] w[out, in] (+ dinp) */
    if (dinp && cuda_gemm(0, 0, n, in, out_dim, 1.0f, dout, out_dim, w, in, accumulate_dinp ? 1.0f : 0.0f, dinp, in))
        return -1;
    /* dw[out, in] += dout^T[out, n] inp[n, in] */
    if (dw && cuda_gemm(1, 0, out_dim, in, n, 1.0f, dout, out_dim, inp, in, 1.0f, dw, in)) return -1;
    if (dbias) return cuda_column_sums_acc(dbias, dout, NULL, NULL, n, out_dim, "linear_backward (dbias)");
    return 0;
}
