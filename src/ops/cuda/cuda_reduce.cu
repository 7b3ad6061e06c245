/* Deterministic reductions shared by the kernels: column sums over rows and
 * the sum of a vector of doubles, both in a fixed order (no atomics). */
#include "ops/cuda/cuda_common.cuh"

/* Rows are split into at most this many contiguous chunks. */
#define COLSUM_CHUNKS 64

/* part[chunk, c] = sum over the chunk's rows; grid (ceil(c / CUDA_BLOCK), chunks),
 * one thread per column (neighbouring threads read neighbouring floats). */
__global__ void colsum_partial_kernel(float *part, const float *a, const float *b, const float *row_scale, int n,
                                      int c, int per) {
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= c) return;
    int lo = blockIdx.y * per, hi = min(n, lo + per);
    float acc = 0.0f;
    for (int i = lo; i < hi; i++) {
        size_t at = (size_t)i * c + j;
        float term = a[at];
        if (b) term *= b[at];
        if (row_scale) term *= row_scale[i];
        acc += term;
    }
    part[(size_t)blockIdx.y * c + j] = acc;
}

/* out[c] += part[0..chunks, c] in chunk order. */
__global__ void colsum_finish_kernel(float *out, const float *part, int chunks, int c) {
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= c) return;
    float acc = 0.0f;
    for (int k = 0; k < chunks; k++) acc += part[(size_t)k * c + j];
    out[j] += acc;
}

int cuda_column_sums_acc(float *out, const float *a, const float *b, const float *row_scale, int n, int c,
                         const char *who) {
    if (n <= 0 || c <= 0) return 0;
    int chunks = n < COLSUM_CHUNKS ? n : COLSUM_CHUNKS, per = (n + chunks - 1) / chunks;
    chunks = (n + per - 1) / per;
    float *part = (float *)cuda_workspace(sizeof(float) * (size_t)chunks * c, who);
    if (!part) return -1;
    dim3 grid(cuda_grid_for((size_t)c), chunks);
    colsum_partial_kernel<<<grid, CUDA_BLOCK>>>(part, a, b, row_scale, n, c, per);
    if (cuda_check_launch(who)) return -1;
    colsum_finish_kernel<<<cuda_grid_for((size_t)c), CUDA_BLOCK>>>(out, part, chunks, c);
    return cuda_check_launch(who);
}

/* One block: thread t adds x[t], x[t + blockDim], ... in order, then a tree. */
__global__ void sum_doubles_kernel(double *result, const double *x, size_t n) {
    __shared__ double sh[CUDA_BLOCK];
    double acc = 0.0;
    for (size_t i = threadIdx.x; i < n; i += blockDim.x) acc += x[i];
    acc = block_sum(acc, sh);
    if (threadIdx.x == 0) *result = acc;
}

int cuda_sum_doubles(double *result, const double *x, size_t n, const char *who) {
    double *d = cuda_result_slot();
    if (!d) return -1;
    sum_doubles_kernel<<<1, CUDA_BLOCK>>>(d, x, n);
    if (cuda_check_launch(who)) return -1;
    return cuda_copy_to_host(result, d, sizeof(double));
}
