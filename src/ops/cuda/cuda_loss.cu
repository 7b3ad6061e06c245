/* The unlearning objectives' losses (ops/cpu/loss.c) on the device: one
 * block per row; per-row values go to a workspace and are summed in a fixed
 * order (the KL and MSE totals) or copied back as they are (the per-row
 * NLL, which the objectives sum per sequence on the host). */
#include "ops/cuda/cuda_common.cuh"
extern "C" {
#include "ops/cuda/cuda_ops.h"
}

/* Per-row NLL and its gradient: the cross-entropy kernel (cuda_softmax.cu)
 * on any block of rows, the row values into the workspace and back to the
 * host in one copy. */
extern "C" int cuda_rows_nll(double *nll, const float *logits, const int *labels, int n, int V) {
    if (n <= 0) return 0;
    double *rows = (double *)cuda_workspace(sizeof(double) * (size_t)n, "rows_nll");
    if (!rows || cuda_cross_entropy_rows(rows, NULL, logits, labels, n, V, 1.0f, NULL)) return -1;
    return cuda_copy_to_host(nll, rows, sizeof(double) * (size_t)n);
}

/* coef is HOST memory [n] (the objectives compute it from per-sequence
 * numbers): uploaded into the workspace after the row losses' doubles. */
extern "C" int cuda_rows_nll_grad(float *dlogits, const float *logits, const int *labels, int n, int V,
                                  const float *coef) {
    if (n <= 0) return 0;
    double *rows = (double *)cuda_workspace((sizeof(double) + sizeof(float)) * (size_t)n, "rows_nll_grad");
    if (!rows) return -1;
    float *coef_dev = (float *)(rows + n);
    if (cuda_copy_to_device(coef_dev, coef, sizeof(float) * (size_t)n)) return -1;
    return cuda_cross_entropy_rows(rows, dlogits, logits, labels, n, V, 0.0f, coef_dev);
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
