/* The unlearning objectives' losses (ops/cpu/loss.c) on the device: one
 * block per row for the row statistics; per-row values go to a workspace and
 * are summed per sequence (or in total) in a fixed order, so only B numbers
 * (or one) come back. Sequence NLL and its gradient are the cross-entropy
 * (cuda_softmax.cu) one sequence at a time. */
#include "ops/cuda/cuda_common.cuh"
extern "C" {
#include "ops/cuda/cuda_ops.h"
}

/* row_val [n]: softmax(row)[y], 0 where y < 0. grid n. */
__global__ void row_target_prob_kernel(double *row_val, const float *logits, const int *labels, int v) {
    __shared__ float shf[CUDA_BLOCK];
    __shared__ double shd[CUDA_BLOCK];
    int y = labels[blockIdx.x];
    if (y < 0) {
        if (threadIdx.x == 0) row_val[blockIdx.x] = 0.0;
        return;
    }
    const float *row = logits + (size_t)blockIdx.x * v;
    double nll = row_logsumexp(row, v, shf, shd) - row[y];
    if (threadIdx.x == 0) row_val[blockIdx.x] = exp(-nll);
}

/* pbar[s] = sum of row_val over sequence s's T rows in row order, divided by
 * the number of rows with label >= 0 (0 if none). grid ceil(B / block). */
__global__ void per_sequence_mean_kernel(double *pbar, const double *row_val, const int *labels, int B, int T) {
    int s = blockIdx.x * blockDim.x + threadIdx.x;
    if (s >= B) return;
    double sum = 0.0;
    int scored = 0;
    for (int t = 0; t < T; t++) {
        sum += row_val[(size_t)s * T + t];
        scored += labels[(size_t)s * T + t] >= 0;
    }
    pbar[s] = scored ? sum / scored : 0.0;
}

extern "C" int cuda_sequence_mean_prob(double *pbar, const float *logits, const int *labels, int B, int T, int V) {
    size_t n = (size_t)B * T;
    if (B <= 0 || T <= 0) return 0;
    double *work = (double *)cuda_workspace(sizeof(double) * (n + (size_t)B), "sequence_mean_prob");
    if (!work) return -1;
    row_target_prob_kernel<<<(unsigned)n, CUDA_BLOCK>>>(work, logits, labels, V);
    if (cuda_check_launch("row_target_prob_kernel")) return -1;
    per_sequence_mean_kernel<<<cuda_grid_for((size_t)B), CUDA_BLOCK>>>(work + n, work, labels, B, T);
    if (cuda_check_launch("per_sequence_mean_kernel")) return -1;
    return cuda_copy_to_host(pbar, work + n, sizeof(double) * (size_t)B);
}

/* As the CPU kernels: the cross-entropy one sequence (T rows) at a time. */
extern "C" int cuda_sequence_nll(double *nll, const float *logits, const int *targets, int B, int T, int V) {
    for (int s = 0; s < B; s++)
        if (cuda_cross_entropy_forward_backward(&nll[s], NULL, logits + (size_t)s * T * V, targets + (size_t)s * T,
                                                T, V, 1.0f))
            return -1;
    return 0;
}

/* coef is HOST memory [B] (the objectives compute it from B numbers). */
extern "C" int cuda_sequence_nll_grad(float *dlogits, const float *logits, const int *targets, int B, int T, int V,
                                      const float *coef) {
    for (int s = 0; s < B; s++) {
        size_t at = (size_t)s * T * V;
        double unused;
        int rc = coef[s] == 0.0f ? cuda_memset_zero(dlogits + at, sizeof(float) * (size_t)T * V)
                                 : cuda_cross_entropy_forward_backward(&unused, dlogits + at, logits + at,
                                                                       targets + (size_t)s * T, T, V, coef[s]);
        if (rc) return -1;
    }
    return 0;
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
