/* Embedding lookup and its gradient, y += x and x *= s on the device
 * (ops/cpu/elementwise.c). */
#include "ops/cuda/cuda_common.cuh"
extern "C" {
#include "ops/cuda/cuda_ops.h"
}

/* x [n, d], table [V, d]; grid (ceil(d / block), n). */
__global__ void embedding_forward_kernel(float *x, const float *table, const int *ids, int d) {
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j < d) x[(size_t)blockIdx.y * d + j] = table[(size_t)ids[blockIdx.y] * d + j];
}

/* One thread per column walks the rows in order, so a repeated id adds its
 * rows in row order with no atomics (the CPU kernel's order). grid ceil(d / block). */
__global__ void embedding_backward_kernel(float *dtable, const float *dx, const int *ids, size_t n, int d) {
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= d) return;
    for (size_t i = 0; i < n; i++) dtable[(size_t)ids[i] * d + j] += dx[i * d + j];
}

__global__ void add_inplace_kernel(float *y, const float *x, size_t n) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) y[i] += x[i];
}

__global__ void scale_inplace_kernel(float *x, size_t n, float s) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) x[i] *= s;
}

extern "C" int cuda_embedding_forward(float *x, const float *table, const int *ids, size_t n, int d) {
    if (n == 0 || d <= 0) return 0;
    if (n > 65535) return dusk_error("cuda_embedding_forward: %zu rows (at most 65535 per call)", n);
    embedding_forward_kernel<<<dim3(cuda_grid_for((size_t)d), (unsigned)n), CUDA_BLOCK>>>(x, table, ids, d);
    return cuda_check_launch("embedding_forward_kernel");
}

extern "C" int cuda_embedding_backward(float *dtable, const float *dx, const int *ids, size_t n, int d) {
    if (n == 0 || d <= 0) return 0;
    embedding_backward_kernel<<<cuda_grid_for((size_t)d), CUDA_BLOCK>>>(dtable, dx, ids, n, d);
    return cuda_check_launch("embedding_backward_kernel");
}

extern "C" int cuda_add_inplace(float *y, const float *x, size_t n) {
    if (n == 0) return 0;
    add_inplace_kernel<<<cuda_grid_for(n), CUDA_BLOCK>>>(y, x, n);
    return cuda_check_launch("add_inplace_kernel");
}

extern "C" int cuda_scale_inplace(float *x, size_t n, float s) {
    if (n == 0) return 0;
    scale_inplace_kernel<<<cuda_grid_for(n), CUDA_BLOCK>>>(x, n, s);
    return cuda_check_launch("scale_inplace_kernel");
}
