/* Log-softmax rows and fused softmax cross-entropy, as ops/softmax.c: one
 * block per row; the max in float, the sum of exponentials in double, both
 * block tree reductions (fixed order). */
#include "ops/cuda/cuda_common.cuh"
extern "C" {
#include "ops/cuda/cuda_ops.h"
}

/* logits, out [n, v] (out may be NULL); lse [n]. grid n. */
__global__ void log_softmax_rows_kernel(float *out, double *lse, const float *logits, int v) {
    __shared__ float shf[CUDA_BLOCK];
    __shared__ double shd[CUDA_BLOCK];
    const float *row = logits + (size_t)blockIdx.x * v;
    double l = row_logsumexp(row, v, shf, shd);
    if (out) {
        float *o = out + (size_t)blockIdx.x * v;
        for (int j = threadIdx.x; j < v; j += blockDim.x) o[j] = (float)(row[j] - l);
    }
    if (threadIdx.x == 0) lse[blockIdx.x] = l;
}

/* logits, dlogits [n, v] (may alias; dlogits may be NULL); targets [n];
 * row_loss [n]; row_scale [n] (may be NULL: every row's scale is scale).
 * A row with target < 0 gets a zero gradient and loss 0; so does a row whose
 * row_scale is 0 (its softmax is not computed: rows_nll_grad's sequences left
 * out). grid n. Each thread rewrites only the entries it read. */
__global__ void cross_entropy_kernel(double *row_loss, float *dlogits, const float *logits, const int *targets,
                                     int v, float scale, const float *row_scale) {
    __shared__ float shf[CUDA_BLOCK];
    __shared__ double shd[CUDA_BLOCK];
    const float *row = logits + (size_t)blockIdx.x * v;
    float *d = dlogits ? dlogits + (size_t)blockIdx.x * v : NULL;
    int t = targets[blockIdx.x];
    if (row_scale) scale = row_scale[blockIdx.x];
    if (t < 0 || (row_scale && scale == 0.0f)) {
        if (d)
            for (int j = threadIdx.x; j < v; j += blockDim.x) d[j] = 0.0f;
        if (threadIdx.x == 0) row_loss[blockIdx.x] = 0.0;
        return;
    }
    float target_logit = row[t]; /* read before d (maybe the same memory) is written */
    double lse = row_logsumexp(row, v, shf, shd); /* ends with a barrier: all reads done */
    if (threadIdx.x == 0) row_loss[blockIdx.x] = lse - target_logit;
    if (!d) return;
    float l = (float)lse;
    for (int j = threadIdx.x; j < v; j += blockDim.x) d[j] = scale * expf(row[j] - l);
    __syncthreads();
    if (threadIdx.x == 0) d[t] -= scale;
}

int cuda_cross_entropy_rows(double *row_loss, float *dlogits, const float *logits, const int *targets, int n, int v,
                            float scale, const float *row_scale) {
    if (n <= 0) return 0;
    cross_entropy_kernel<<<n, CUDA_BLOCK>>>(row_loss, dlogits, logits, targets, v, scale, row_scale);
    return cuda_check_launch("cross_entropy_kernel");
}

extern "C" int cuda_log_softmax_rows(float *out, double *lse, const float *logits, int n, int v) {
    if (n <= 0) return 0;
    log_softmax_rows_kernel<<<n, CUDA_BLOCK>>>(out, lse, logits, v);
    return cuda_check_launch("log_softmax_rows_kernel");
}

extern "C" int cuda_cross_entropy_forward_backward(double *loss, float *dlogits, const float *logits,
                                                   const int *targets, int n, int v, float scale) {
    *loss = 0.0;
    if (n <= 0) return 0;
    double *row_loss = (double *)cuda_workspace(sizeof(double) * (size_t)n, "cross_entropy");
    if (!row_loss) return -1;
    if (cuda_cross_entropy_rows(row_loss, dlogits, logits, targets, n, v, scale, NULL)) return -1;
    return cuda_sum_doubles(loss, row_loss, (size_t)n, "cross_entropy (total)");
}
