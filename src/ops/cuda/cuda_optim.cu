/* Optimizer updates (torch.optim semantics, as ops/optim_kernels.c) and the
 * sum of squares behind the global gradient norm. */
#include <math.h>
#include "ops/cuda/cuda_common.cuh"
extern "C" {
#include "ops/cuda/cuda_ops.h"
}

/* p, g, m, v [n]; the bias corrections come from the host as in the CPU kernel. */
__global__ void adamw_kernel(float *p, const float *g, float *m, float *v, size_t n, float beta1, float beta2,
                             float eps, float step_size, float decay, float bc2_sqrt) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float gi = g[i], pi = p[i] * decay;
    float mi = beta1 * m[i] + (1.0f - beta1) * gi;
    float vi = beta2 * v[i] + (1.0f - beta2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = pi - step_size * mi / (sqrtf(vi) / bc2_sqrt + eps);
}

__global__ void sgd_kernel(float *p, const float *g, size_t n, float lr, float weight_decay) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) p[i] -= lr * (g[i] + weight_decay * p[i]);
}

extern "C" int cuda_adamw_update(float *p, const float *g, float *m, float *v, size_t n, float lr, float beta1,
                                 float beta2, float eps, float weight_decay, long step) {
    if (n == 0) return 0;
    float bc1 = 1.0f - powf(beta1, (float)step);
    float bc2_sqrt = sqrtf(1.0f - powf(beta2, (float)step));
    adamw_kernel<<<cuda_grid_for(n), CUDA_BLOCK>>>(p, g, m, v, n, beta1, beta2, eps, lr / bc1,
                                                   1.0f - lr * weight_decay, bc2_sqrt);
    return cuda_check_launch("adamw_kernel");
}

extern "C" int cuda_sgd_update(float *p, const float *g, size_t n, float lr, float weight_decay) {
    if (n == 0) return 0;
    sgd_kernel<<<cuda_grid_for(n), CUDA_BLOCK>>>(p, g, n, lr, weight_decay);
    return cuda_check_launch("sgd_kernel");
}

/* A fixed number of blocks, each summing a strided share in double and then
 * a tree: part[blockIdx.x]. The same split on every run. */
#define SUMSQ_BLOCKS 256
__global__ void sum_squares_kernel(double *part, const float *x, size_t n) {
    __shared__ double sh[CUDA_BLOCK];
    double acc = 0.0;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
        acc += (double)x[i] * x[i];
    acc = block_sum(acc, sh);
    if (threadIdx.x == 0) part[blockIdx.x] = acc;
}

extern "C" int cuda_sum_squares(double *result, const float *x, size_t n) {
    double *part = (double *)cuda_workspace(sizeof(double) * SUMSQ_BLOCKS, "sum_squares");
    if (!part) return -1;
    sum_squares_kernel<<<SUMSQ_BLOCKS, CUDA_BLOCK>>>(part, x, n);
    if (cuda_check_launch("sum_squares_kernel")) return -1;
    return cuda_sum_doubles(result, part, SUMSQ_BLOCKS, "sum_squares (total)");
}
