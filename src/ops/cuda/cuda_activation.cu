/* SwiGLU as ops/activation.c: h = silu(gate) * up. Element-wise, [n]. */
#include "ops/cuda/cuda_common.cuh"
extern "C" {
#include "ops/cuda/cuda_ops.h"
}

__global__ void swiglu_forward_kernel(float *h, const float *gate, const float *up, size_t n) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float g = gate[i];
    h[i] = g / (1.0f + expf(-g)) * up[i];
}

__global__ void swiglu_backward_kernel(float *dgate, float *dup, const float *dh, const float *gate, const float *up,
                                       size_t n) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float g = gate[i], s = 1.0f / (1.0f + expf(-g));
    if (dup) dup[i] = dh[i] * g * s;
    if (dgate) dgate[i] = dh[i] * up[i] * s * (1.0f + g * (1.0f - s));
}

extern "C" int cuda_swiglu_forward(float *h, const float *gate, const float *up, size_t n) {
    if (n == 0) return 0;
    swiglu_forward_kernel<<<cuda_grid_for(n), CUDA_BLOCK>>>(h, gate, up, n);
    return cuda_check_launch("swiglu_forward_kernel");
}

extern "C" int cuda_swiglu_backward(float *dgate, float *dup, const float *dh, const float *gate, const float *up,
                                    size_t n) {
    if (n == 0) return 0;
    swiglu_backward_kernel<<<cuda_grid_for(n), CUDA_BLOCK>>>(dgate, dup, dh, gate, up, n);
    return cuda_check_launch("swiglu_backward_kernel");
}
