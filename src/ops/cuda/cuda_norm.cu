/* RMSNorm as ops/norm.c: statistics in fp32, weight applied after. One block
 * per row; the row sums are block tree reductions (fixed order). */
#include "ops/cuda/cuda_common.cuh"
extern "C" {
#include "ops/cuda/cuda_ops.h"
}

/* out, inp [n, c]; w [c]; rstd [n] (may be NULL). grid n, block CUDA_BLOCK. */
__global__ void rmsnorm_forward_kernel(float *out, float *rstd, const float *inp, const float *w, int c, float eps) {
    __shared__ float sh[CUDA_BLOCK];
    const float *x = inp + (size_t)blockIdx.x * c;
    float *y = out + (size_t)blockIdx.x * c;
    float ss = 0.0f;
    for (int j = threadIdx.x; j < c; j += blockDim.x) ss += x[j] * x[j];
    ss = block_sum(ss, sh);
    float r = 1.0f / sqrtf(ss / (float)c + eps);
    for (int j = threadIdx.x; j < c; j += blockDim.x) y[j] = x[j] * r * w[j];
    if (rstd && threadIdx.x == 0) rstd[blockIdx.x] = r;
}

/* dinp[n, c] += r w dy - r^3 x / c * sum_j dy_j w_j x_j (see norm.c). grid n. */
__global__ void rmsnorm_backward_dinp_kernel(float *dinp, const float *dout, const float *inp, const float *w,
                                             const float *rstd, int c) {
    __shared__ float sh[CUDA_BLOCK];
    size_t row = (size_t)blockIdx.x * c;
    const float *x = inp + row, *dy = dout + row;
    float *dx = dinp + row;
    float r = rstd[blockIdx.x], dot = 0.0f;
    for (int j = threadIdx.x; j < c; j += blockDim.x) dot += dy[j] * w[j] * x[j];
    dot = block_sum(dot, sh);
    float coef = r * r * r * dot / (float)c;
    for (int j = threadIdx.x; j < c; j += blockDim.x) dx[j] += r * w[j] * dy[j] - coef * x[j];
}

extern "C" int cuda_rmsnorm_forward(float *out, float *rstd, const float *inp, const float *w, int n, int c,
                                    float eps) {
    if (n <= 0) return 0;
    rmsnorm_forward_kernel<<<n, CUDA_BLOCK>>>(out, rstd, inp, w, c, eps);
    return cuda_check_launch("rmsnorm_forward_kernel");
}

extern "C" int cuda_rmsnorm_backward(float *dinp, float *dw, const float *dout, const float *inp, const float *w,
                                     const float *rstd, int n, int c) {
    if (n <= 0) return 0;
    if (dinp) {
        rmsnorm_backward_dinp_kernel<<<n, CUDA_BLOCK>>>(dinp, dout, inp, w, rstd, c);
        if (cuda_check_launch("rmsnorm_backward_dinp_kernel")) return -1;
    }
    /* dw[j] += sum_i dy[i, j] x[i, j] r[i] */
    if (dw) return cuda_column_sums_acc(dw, dout, inp, rstd, n, c, "rmsnorm_backward (dw)");
    return 0;
}
