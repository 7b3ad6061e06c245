/* Internal helpers shared by the .cu files of the CUDA backend (C++ only). */
#ifndef DUSK_CUDA_COMMON_CUH
#define DUSK_CUDA_COMMON_CUH

#include <cublas_v2.h>
#include <cuda_runtime.h>

extern "C" {
#include "ops/cuda/cuda_mem.h"
#include "util/err.h"
}

/* Records "CUDA error: <message> in <where>" and returns -1 (0 on success). */
int cuda_check(cudaError_t err, const char *where);
int cublas_check(cublasStatus_t status, const char *where);
/* After a launch: a bad configuration is reported at once, naming the kernel. */
int cuda_check_launch(const char *kernel);
/* The cuBLAS handle, initialising the backend on first use; NULL after dusk_error. */
cublasHandle_t cuda_blas(void);
/* A device scratch buffer of at least bytes, owned by the backend and reused
 * by the next call that asks for one (kernels run in stream order, so a
 * function may use it until it returns). NULL after dusk_error. */
void *cuda_workspace(size_t bytes, const char *who);
/* A device double apart from the workspace, for a reduction's final value. */
double *cuda_result_slot(void);

/* out[j] += sum over rows i of a[i,j] * (b ? b[i,j] : 1) * (row_scale ? row_scale[i] : 1),
 * for a, b [n, c]: partial sums over fixed row chunks, then added in chunk
 * order, so the result is the same on every run (no atomics). */
int cuda_column_sums_acc(float *out, const float *a, const float *b, const float *row_scale, int n, int c,
                         const char *who);
/* *result (host) = sum of x[0..n) (device doubles), in a fixed order. */
int cuda_sum_doubles(double *result, const double *x, size_t n, const char *who);

/* The cross-entropy of ops.h over n rows (cuda_softmax.cu), one block per
 * row: row_loss [n] (device) = lse - row[target] (0 where target < 0); with
 * dlogits (may alias logits) the gradient scale_i * (softmax - onehot),
 * scale_i = row_scale[i] (device [n]) or scale when row_scale is NULL; zero
 * where the target is < 0, and where row_scale[i] == 0 (whose loss is then
 * not computed: 0). */
int cuda_cross_entropy_rows(double *row_loss, float *dlogits, const float *logits, const int *targets, int n, int v,
                            float scale, const float *row_scale);

/* Blocks of this many threads for the element-wise and row kernels; the
 * block reductions below need a power of two. */
#define CUDA_BLOCK 256

static inline unsigned cuda_grid_for(size_t n) {
    return (unsigned)((n + CUDA_BLOCK - 1) / CUDA_BLOCK);
}

/* Sum over the block, as a fixed binary tree in shared memory (the same
 * order on every run); every thread gets the result. sh holds blockDim.x T. */
template <typename T> __device__ T block_sum(T v, T *sh) {
    sh[threadIdx.x] = v;
    __syncthreads();
    for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) sh[threadIdx.x] += sh[threadIdx.x + s];
        __syncthreads();
    }
    T r = sh[0];
    __syncthreads();
    return r;
}

template <typename T> __device__ T block_max(T v, T *sh) {
    sh[threadIdx.x] = v;
    __syncthreads();
    for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) sh[threadIdx.x] = sh[threadIdx.x + s] > sh[threadIdx.x] ? sh[threadIdx.x + s] : sh[threadIdx.x];
        __syncthreads();
    }
    T r = sh[0];
    __syncthreads();
    return r;
}

/* Butterfly reductions over a warp: every lane combines the same pairs
 * (a + b == b + a exactly), so all lanes end with the same bits. */
__device__ inline float warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}
__device__ inline float warp_max(float v) {
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

/* A row's log-sum-exp over a block: the max in float, the sum of
 * exponentials in double; every thread of the block gets it. */
__device__ inline double row_logsumexp(const float *row, int v, float *shf, double *shd) {
    float mx = -INFINITY;
    for (int j = threadIdx.x; j < v; j += blockDim.x) mx = fmaxf(mx, row[j]);
    mx = block_max(mx, shf);
    double sum = 0.0;
    for (int j = threadIdx.x; j < v; j += blockDim.x) sum += (double)expf(row[j] - mx);
    sum = block_sum(sum, shd);
    return (double)mx + log(sum);
}

#endif
