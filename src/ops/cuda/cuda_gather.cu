/* Gathers whose indices come from the host (ops.h gather_values,
 * gather_rows): the indices are uploaded into the workspace, a kernel reads
 * the chosen values or rows, and gather_values copies its n values back. */
#include "ops/cuda/cuda_common.cuh"
extern "C" {
#include "ops/cuda/cuda_ops.h"
}

/* out [n] = x[rows[i] * ld + cols[i]]; one thread per value. */
__global__ void gather_values_kernel(float *out, const float *x, const int *rows, const int *cols, int n, size_t ld) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = x[(size_t)rows[i] * ld + cols[i]];
}

extern "C" int cuda_gather_values(float *out, const float *x, const int *rows, const int *cols, int n, size_t ld) {
    if (n < 0) return dusk_error("gather_values: %d values", n);
    if (n == 0) return 0;
    /* workspace: rows [n], cols [n] (ints), then the values [n] */
    int *idx = (int *)cuda_workspace((2 * sizeof(int) + sizeof(float)) * (size_t)n, "gather_values");
    if (!idx) return -1;
    float *vals = (float *)(idx + 2 * (size_t)n);
    if (cuda_copy_to_device(idx, rows, sizeof(int) * (size_t)n) ||
        cuda_copy_to_device(idx + n, cols, sizeof(int) * (size_t)n))
        return -1;
    gather_values_kernel<<<cuda_grid_for((size_t)n), CUDA_BLOCK>>>(vals, x, idx, idx + n, n, ld);
    if (cuda_check_launch("gather_values_kernel")) return -1;
    return cuda_copy_to_host(out, vals, sizeof(float) * (size_t)n);
}

/* dst [n, d] = src[rows[i], :]; one thread per element of dst. */
__global__ void gather_rows_kernel(float *dst, const float *src, const int *rows, int d, size_t total) {
    size_t e = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (e >= total) return;
    size_t i = e / d, j = e % d;
    dst[e] = src[(size_t)rows[i] * d + j];
}

extern "C" int cuda_gather_rows(float *dst, const float *src, const int *rows, int n, int d) {
    if (n < 0 || d < 0) return dusk_error("gather_rows: bad shape rows %d width %d", n, d);
    size_t total = (size_t)n * d;
    if (total == 0) return 0;
    int *idx = (int *)cuda_workspace(sizeof(int) * (size_t)n, "gather_rows");
    if (!idx || cuda_copy_to_device(idx, rows, sizeof(int) * (size_t)n)) return -1;
    gather_rows_kernel<<<cuda_grid_for(total), CUDA_BLOCK>>>(dst, src, idx, d, total);
    return cuda_check_launch("gather_rows_kernel");
}
