/* Scoring rows of logits on the device (ops.h "scoring rows of logits",
 * cpu/rows.c): the greedy token, the log-sum-exp and Min-K%++'s log-softmax
 * statistics of each row. One block per row; a row's values are reduced by
 * the block in a fixed order (strided per thread, then a tree), and only a
 * few numbers per row come back to the host. */
#include <math.h>
#include "ops/cuda/cuda_common.cuh"
extern "C" {
#include "ops/cuda/cuda_ops.h"
}

/* n per-row results (device) copied to the host array dst. */
template <typename T> static int rows_to_host(T *dst, const T *src, int n) {
    return cuda_copy_to_host(dst, src, sizeof(T) * (size_t)n);
}

/* One result per row: kernel (one block per row of x [n, v]) writes them into
 * the workspace, then they come back to host [n]; who names the operation. */
template <typename T>
static int one_result_per_row(T *host, void (*kernel)(T *, const float *, int), const float *x, int n, int v,
                              const char *who) {
    if (n < 0 || v <= 0) return dusk_error("%s: bad shape rows %d vocab %d", who, n, v);
    if (n == 0) return 0;
    T *dev = (T *)cuda_workspace(sizeof(T) * (size_t)n, who);
    if (!dev) return -1;
    kernel<<<(unsigned)n, CUDA_BLOCK>>>(dev, x, v);
    if (cuda_check_launch(who)) return -1;
    return rows_to_host(host, dev, n);
}

/* best [n]: first index of row i's maximum, -1 for a row holding a NaN or an
 * infinity. grid n. Each thread keeps the first maximum of its strided
 * entries; the tree keeps the larger value, on a tie the smaller index. */
__global__ void argmax_rows_kernel(int *best, const float *x, int v) {
    __shared__ float shv[CUDA_BLOCK];
    __shared__ int shi[CUDA_BLOCK];
    __shared__ int shbad[CUDA_BLOCK];
    const float *row = x + (size_t)blockIdx.x * v;
    float bv = -INFINITY;
    int bi = -1, bad = 0;
    for (int j = threadIdx.x; j < v; j += blockDim.x) {
        float e = row[j];
        if (!isfinite(e)) bad = 1;
        else if (bi < 0 || e > bv) bv = e, bi = j;
    }
    bad = block_max(bad, shbad);
    shv[threadIdx.x] = bv;
    shi[threadIdx.x] = bi;
    __syncthreads();
    for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) {
            int oi = shi[threadIdx.x + s], mi = shi[threadIdx.x];
            float ov = shv[threadIdx.x + s], mv = shv[threadIdx.x];
            if (oi >= 0 && (mi < 0 || ov > mv || (ov == mv && oi < mi))) shv[threadIdx.x] = ov, shi[threadIdx.x] = oi;
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) best[blockIdx.x] = bad ? -1 : shi[0];
}

extern "C" int cuda_argmax_rows(int *best, const float *x, int n, int v) {
    return one_result_per_row(best, argmax_rows_kernel, x, n, v, "argmax_rows");
}

/* lse [n] = log sum exp of each row (row_logsumexp: float max, double sum). grid n. */
__global__ void logsumexp_rows_kernel(double *lse, const float *x, int v) {
    __shared__ float shf[CUDA_BLOCK];
    __shared__ double shd[CUDA_BLOCK];
    double l = row_logsumexp(x + (size_t)blockIdx.x * v, v, shf, shd);
    if (threadIdx.x == 0) lse[blockIdx.x] = l;
}

extern "C" int cuda_logsumexp_rows(double *lse, const float *x, int n, int v) {
    return one_result_per_row(lse, logsumexp_rows_kernel, x, n, v, "logsumexp_rows");
}

/* stats [3, n]: lp, mu, sigma of each row of logits (see cuda_ops.h). grid n.
 * y = x - max and its exponential in double; a term whose exponential
 * underflows to 0 (y = -inf included) adds nothing, so 0 * -inf never
 * makes a NaN. */
__global__ void logprob_row_stats_kernel(double *stats, const float *logits, const int *targets, int n, int v) {
    __shared__ float shf[CUDA_BLOCK];
    __shared__ int shbad[CUDA_BLOCK];
    __shared__ double shd[CUDA_BLOCK];
    const float *row = logits + (size_t)blockIdx.x * v;
    double *lp = stats + blockIdx.x, *mu = lp + n, *sigma = mu + n;
    float mx = -INFINITY;
    int has_nan = 0;
    for (int j = threadIdx.x; j < v; j += blockDim.x) {
        float e = row[j];
        if (isnan(e)) has_nan = 1;
        else mx = fmaxf(mx, e);
    }
    mx = block_max(mx, shf);
    has_nan = block_max(has_nan, shbad);
    if (has_nan || !isfinite(mx)) { /* block-uniform */
        if (threadIdx.x == 0) *lp = *mu = *sigma = NAN;
        return;
    }
    double s = 0.0, s_y = 0.0, s_yy = 0.0;
    for (int j = threadIdx.x; j < v; j += blockDim.x) {
        double y = (double)row[j] - mx, e = exp(y);
        if (e > 0.0) {
            s += e;
            s_y += e * y;
            s_yy += e * y * y;
        }
    }
    s = block_sum(s, shd); /* >= 1: the max's own term is exp(0) */
    s_y = block_sum(s_y, shd);
    s_yy = block_sum(s_yy, shd);
    if (threadIdx.x != 0) return;
    const int t = targets[blockIdx.x];
    const double log_s = log(s), mean_y = s_y / s, var = s_yy / s - mean_y * mean_y;
    *lp = t >= 0 && t < v ? ((double)row[t] - mx) - log_s : NAN;
    *mu = mean_y - log_s;
    *sigma = sqrt(var > 0.0 ? var : 0.0);
}

extern "C" int cuda_logprob_row_stats(double *lp, double *mu, double *sigma, const float *logits, const int *targets,
                                      int n, int v) {
    if (n < 0 || v <= 0) return dusk_error("logprob_row_stats: bad shape rows %d vocab %d", n, v);
    if (n == 0) return 0;
    double *dev = (double *)cuda_workspace(sizeof(double) * 3 * (size_t)n, "logprob_row_stats");
    if (!dev) return -1;
    logprob_row_stats_kernel<<<(unsigned)n, CUDA_BLOCK>>>(dev, logits, targets, n, v);
    if (cuda_check_launch("logprob_row_stats_kernel")) return -1;
    if (rows_to_host(lp, dev, n) || rows_to_host(mu, dev + n, n)) return -1;
    return rows_to_host(sigma, dev + 2 * (size_t)n, n);
}
