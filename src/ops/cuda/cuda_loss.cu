/* The unlearning objectives' losses (ops/cpu/loss.c) on the device: one
 * block per logits row for the row statistics, one thread per element for
 * the MSE; per-row values go to a workspace and are summed per sequence (or
 * in total) in a fixed order, so only B numbers (or one) come back. */
#include "ops/cuda/cuda_common.cuh"
extern "C" {
#include "ops/cuda/cuda_ops.h"
}

/* row_val [n]: lse - row[y] (want_prob 0) or softmax(row)[y] (want_prob 1); 0 where y < 0. grid n. */
__global__ void row_target_stat_kernel(double *row_val, const float *logits, const int *labels, int v,
                                       int want_prob) {
    __shared__ float shf[CUDA_BLOCK];
    __shared__ double shd[CUDA_BLOCK];
    int y = labels[blockIdx.x];
    if (y < 0) {
        if (threadIdx.x == 0) row_val[blockIdx.x] = 0.0;
        return;
    }
    const float *row = logits + (size_t)blockIdx.x * v;
    double nll = row_logsumexp(row, v, shf, shd) - row[y];
    if (threadIdx.x == 0) row_val[blockIdx.x] = want_prob ? exp(-nll) : nll;
}

/* out[s] = sum of row_val over sequence s's T rows in row order, divided by
 * the number of rows with label >= 0 when mean (0 if none). grid ceil(B / block). */
__global__ void per_sequence_sum_kernel(double *out, const double *row_val, const int *labels, int B, int T,
                                        int mean) {
    int s = blockIdx.x * blockDim.x + threadIdx.x;
    if (s >= B) return;
    double sum = 0.0;
    int scored = 0;
    for (int t = 0; t < T; t++) {
        sum += row_val[(size_t)s * T + t];
        scored += labels[(size_t)s * T + t] >= 0;
    }
    out[s] = mean ? (scored ? sum / scored : 0.0) : sum;
}

static int sequence_stat(double *host_out, const float *logits, const int *labels, int B, int T, int V,
                         int want_prob, const char *who) {
    size_t n = (size_t)B * T;
    if (B <= 0 || T <= 0) return 0;
    double *work = (double *)cuda_workspace(sizeof(double) * (n + (size_t)B), who);
    if (!work) return -1;
    row_target_stat_kernel<<<(unsigned)n, CUDA_BLOCK>>>(work, logits, labels, V, want_prob);
    if (cuda_check_launch(who)) return -1;
    per_sequence_sum_kernel<<<cuda_grid_for((size_t)B), CUDA_BLOCK>>>(work + n, work, labels, B, T, want_prob);
    if (cuda_check_launch(who)) return -1;
    return cuda_copy_to_host(host_out, work + n, sizeof(double) * (size_t)B);
}

extern "C" int cuda_sequence_nll(double *nll, const float *logits, const int *targets, int B, int T, int V) {
    return sequence_stat(nll, logits, targets, B, T, V, 0, "sequence_nll");
}

extern "C" int cuda_sequence_mean_prob(double *pbar, const float *logits, const int *labels, int B, int T, int V) {
    return sequence_stat(pbar, logits, labels, B, T, V, 1, "sequence_mean_prob");
}

/* dlogits row r = coef[r / T] * (softmax - onehot(y)); zero where y < 0 or
 * the coefficient is 0. May alias logits: each thread rewrites what it read
 * after the log-sum-exp's final barrier. grid n. */
__global__ void sequence_nll_grad_kernel(float *dlogits, const float *logits, const int *targets, const float *coef,
                                         int T, int v) {
    __shared__ float shf[CUDA_BLOCK];
    __shared__ double shd[CUDA_BLOCK];
    const float *row = logits + (size_t)blockIdx.x * v;
    float *d = dlogits + (size_t)blockIdx.x * v;
    int y = targets[blockIdx.x];
    float c = coef[blockIdx.x / T];
    if (y < 0 || c == 0.0f) {
        for (int j = threadIdx.x; j < v; j += blockDim.x) d[j] = 0.0f;
        return;
    }
    float lse = (float)row_logsumexp(row, v, shf, shd);
    for (int j = threadIdx.x; j < v; j += blockDim.x) d[j] = c * expf(row[j] - lse);
    __syncthreads();
    if (threadIdx.x == 0) d[y] -= c;
}

/* coef is HOST memory [B] (the objectives compute it from B numbers). */
extern "C" int cuda_sequence_nll_grad(float *dlogits, const float *logits, const int *targets, int B, int T, int V,
                                      const float *coef) {
    if (B <= 0 || T <= 0) return 0;
    float *d_coef = (float *)cuda_workspace(sizeof(float) * (size_t)B, "sequence_nll_grad");
    if (!d_coef || cuda_copy_to_device(d_coef, coef, sizeof(float) * (size_t)B)) return -1;
    sequence_nll_grad_kernel<<<(unsigned)((size_t)B * T), CUDA_BLOCK>>>(dlogits, logits, targets, d_coef, T, V);
    return cuda_check_launch("sequence_nll_grad_kernel");
}

/* row_val[r] = KL(p_ref || p) (ref != NULL) or KL(uniform || p) (targets
 * != NULL; rows with target < 0 give 0 and a zero gradient); the row is
 * overwritten by w * (p - p_ref) or w * (p - 1/V). grid n. */
__global__ void kl_rows_kernel(double *row_val, float *logits, const float *ref_logits, const int *targets, int v,
                               float w) {
    __shared__ float shf[CUDA_BLOCK];
    __shared__ double shd[CUDA_BLOCK];
    float *row = logits + (size_t)blockIdx.x * v;
    if (targets && targets[blockIdx.x] < 0) {
        for (int j = threadIdx.x; j < v; j += blockDim.x) row[j] = 0.0f;
        if (threadIdx.x == 0) row_val[blockIdx.x] = 0.0;
        return;
    }
    const float *ref = ref_logits ? ref_logits + (size_t)blockIdx.x * v : NULL;
    double lse = row_logsumexp(row, v, shf, shd);
    double lse_ref = ref ? row_logsumexp(ref, v, shf, shd) : 0.0; /* uniformly taken by the whole block */
    double acc = 0.0;
    for (int j = threadIdx.x; j < v; j += blockDim.x) {
        double lt = row[j] - lse;
        if (ref) {
            double lr = ref[j] - lse_ref, pr = exp(lr);
            acc += pr * (lr - lt);
            row[j] = w * (float)(exp(lt) - pr);
        } else {
            acc += lt;
            row[j] = w * (float)(exp(lt) - 1.0 / v);
        }
    }
    acc = block_sum(acc, shd);
    if (threadIdx.x == 0) row_val[blockIdx.x] = ref ? acc : -log((double)v) - acc / v;
}

static int kl_rows(double *total, float *logits, const float *ref, const int *targets, int n, int v, float w,
                   const char *who) {
    *total = 0.0;
    if (n <= 0) return 0;
    double *rows = (double *)cuda_workspace(sizeof(double) * (size_t)n, who);
    if (!rows) return -1;
    kl_rows_kernel<<<(unsigned)n, CUDA_BLOCK>>>(rows, logits, ref, targets, v, w);
    if (cuda_check_launch(who)) return -1;
    return cuda_sum_doubles(total, rows, (size_t)n, who);
}

extern "C" int cuda_kl_rows_forward_backward(double *total, float *logits, const float *ref_logits, int n, int v,
                                             float w) {
    return kl_rows(total, logits, ref_logits, NULL, n, v, w, "kl_rows");
}

extern "C" int cuda_uniform_kl_rows_forward_backward(double *total, float *logits, const int *targets, int n, int v,
                                                     float w) {
    return kl_rows(total, logits, NULL, targets, n, v, w, "uniform_kl_rows");
}

/* row_sq[r] = sum_j (h - t)^2 over row r; dh = grad_scale * (h - t). grid rows. */
__global__ void mse_rows_kernel(double *row_sq, float *dh, const float *h, const float *target, int target_is_row,
                                int d, double grad_scale) {
    __shared__ double shd[CUDA_BLOCK];
    size_t base = (size_t)blockIdx.x * d;
    const float *t = target_is_row ? target : target + base;
    double acc = 0.0;
    for (int j = threadIdx.x; j < d; j += blockDim.x) {
        double diff = (double)h[base + j] - t[j];
        acc += diff * diff;
        dh[base + j] = (float)(grad_scale * diff);
    }
    acc = block_sum(acc, shd);
    if (threadIdx.x == 0) row_sq[blockIdx.x] = acc;
}

extern "C" int cuda_mse_forward_backward(double *mse, float *dh, const float *h, const float *target,
                                         int target_is_row, size_t rows, int d, float w) {
    *mse = 0.0;
    if (rows == 0 || d <= 0) return 0;
    double count = (double)rows * d;
    double *row_sq = (double *)cuda_workspace(sizeof(double) * rows, "mse");
    if (!row_sq) return -1;
    mse_rows_kernel<<<(unsigned)rows, CUDA_BLOCK>>>(row_sq, dh, h, target, target_is_row, d, w * 2.0 / count);
    if (cuda_check_launch("mse_rows_kernel") || cuda_sum_doubles(mse, row_sq, rows, "mse")) return -1;
    *mse /= count;
    return 0;
}
