/* Rotary embeddings, HF rotate_half convention, as ops/rope.c. */
#include "ops/cuda/cuda_common.cuh"
extern "C" {
#include "ops/cuda/cuda_ops.h"
}

/* x [n, n_heads * hd] rotated in place by pos[n]; cos, sin [max_pos, hd/2].
 * One thread per (row, head, pair i < hd/2); sign -1 is the inverse rotation. */
__global__ void rope_kernel(float *x, const int *pos, const float *cos_t, const float *sin_t, int n, int n_heads,
                            int hd, float sign) {
    int half = hd / 2;
    size_t idx = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (idx >= (size_t)n * n_heads * half) return;
    int i = (int)(idx % half);
    size_t rh = idx / half; /* row * n_heads + head */
    int r = (int)(rh / n_heads);
    size_t t = (size_t)pos[r] * half + i;
    float c = cos_t[t], sn = sign * sin_t[t];
    float *v = x + rh * hd;
    float a = v[i], b = v[i + half];
    v[i] = a * c - b * sn;
    v[i + half] = b * c + a * sn;
}

extern "C" int cuda_rope_table_upload(CudaRopeTable *dev, const RopeTable *host) {
    size_t bytes = sizeof(float) * (size_t)host->max_pos * (host->head_dim / 2);
    dev->head_dim = host->head_dim;
    dev->max_pos = host->max_pos;
    dev->cos = dev->sin = NULL;
    if (cuda_alloc((void **)&dev->cos, bytes) || cuda_alloc((void **)&dev->sin, bytes) ||
        cuda_copy_to_device(dev->cos, host->cos, bytes) || cuda_copy_to_device(dev->sin, host->sin, bytes)) {
        cuda_rope_table_free(dev);
        return dusk_error_prefix("rope table upload");
    }
    return 0;
}

extern "C" void cuda_rope_table_free(CudaRopeTable *dev) {
    cuda_free(dev->cos);
    cuda_free(dev->sin);
    dev->cos = dev->sin = NULL;
}

static int rope_launch(float *x, const int *pos, int n, int n_heads, const CudaRopeTable *t, float sign) {
    size_t total = (size_t)n * n_heads * (t->head_dim / 2);
    if (total == 0) return 0;
    rope_kernel<<<cuda_grid_for(total), CUDA_BLOCK>>>(x, pos, t->cos, t->sin, n, n_heads, t->head_dim, sign);
    return cuda_check_launch("rope_kernel");
}

extern "C" int cuda_rope_forward(float *x, const int *pos, int n, int n_heads, const CudaRopeTable *t) {
    return rope_launch(x, pos, n, n_heads, t, 1.0f);
}

extern "C" int cuda_rope_backward(float *dx, const int *pos, int n, int n_heads, const CudaRopeTable *t) {
    return rope_launch(dx, pos, n, n_heads, t, -1.0f);
}
