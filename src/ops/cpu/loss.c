/* The losses of the unlearning objectives over logits rows and hidden
 * states (ops.h, "the unlearning objectives' losses"). Rows run in
 * parallel; every sum is formed in a fixed order (det_sum), and per-row
 * values go back to the caller, so results repeat their bits. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/cpu/cpu_ops.h"
#include "ops/parallel.h"
#include "ops/reduce.h"
#include "util/err.h"

/* Both are the cross-entropy of ops.h row by row, each row independent
 * (so any block of rows gives the same per-row values): its loss is the
 * row's NLL, and with scale coef[i] its gradient coef[i] * (softmax - onehot). */
void cpu_rows_nll(double *nll, const float *logits, const int *labels, int n, int V) {
#pragma omp parallel for schedule(static) if ((long)n * V >= OPS_PARALLEL_MIN)
    for (int i = 0; i < n; i++) nll[i] = cpu_cross_entropy_row(NULL, logits + (size_t)i * V, labels[i], V, 1.0f);
}

void cpu_rows_nll_grad(float *dlogits, const float *logits, const int *labels, int n, int V, const float *coef) {
#pragma omp parallel for schedule(static) if ((long)n * V >= OPS_PARALLEL_MIN)
    for (int i = 0; i < n; i++) {
        float *d = dlogits + (size_t)i * V;
        if (coef[i] == 0.0f) /* a row left out (an SGA sequence not selected): no softmax to compute */
            memset(d, 0, sizeof(float) * (size_t)V);
        else
            cpu_cross_entropy_row(d, logits + (size_t)i * V, labels[i], V, coef[i]);
    }
}

typedef struct {
    float *logits;
    const float *ref;
    const int *targets;
    int v;
    float w;
} RowLossArgs;

/* KL(p_ref || p) of one row; the row becomes w * (p - p_ref). */
static double kl_row(const void *ctx, size_t r) {
    const RowLossArgs *a = ctx;
    float *row = a->logits + r * a->v;
    const float *ref = a->ref + r * a->v;
    double lse = cpu_log_softmax_row(NULL, row, a->v), lse_ref = cpu_log_softmax_row(NULL, ref, a->v), kl = 0.0;
    for (int j = 0; j < a->v; j++) {
        double lr = ref[j] - lse_ref, lt = row[j] - lse, pr = exp(lr);
        kl += pr * (lr - lt);
        row[j] = a->w * (float)(exp(lt) - pr);
    }
    return kl;
}

double cpu_kl_rows_forward_backward(float *logits, const float *ref_logits, int n, int v, float w) {
    RowLossArgs a = {logits, ref_logits, NULL, v, w};
    return det_sum((size_t)n, kl_row, &a);
}

/* KL(uniform || p) = -log V - mean_v log p_v of one row; the row becomes w * (p - 1/V). */
static double uniform_kl_row(const void *ctx, size_t r) {
    const RowLossArgs *a = ctx;
    float *row = a->logits + r * a->v;
    if (a->targets[r] < 0) {
        memset(row, 0, sizeof(float) * a->v);
        return 0.0;
    }
    double lse = cpu_log_softmax_row(NULL, row, a->v), sum_logp = 0.0;
    for (int j = 0; j < a->v; j++) {
        double lp = row[j] - lse;
        sum_logp += lp;
        row[j] = a->w * (float)(exp(lp) - 1.0 / a->v);
    }
    return -log((double)a->v) - sum_logp / a->v;
}

double cpu_uniform_kl_rows_forward_backward(float *logits, const int *targets, int n, int v, float w) {
    RowLossArgs a = {logits, NULL, targets, v, w};
    return det_sum((size_t)n, uniform_kl_row, &a);
}

typedef struct {
    float *dh;
    const float *h, *target;
    int target_is_row, d;
    double grad_scale;
} MseArgs;

static double mse_row(const void *ctx, size_t r) {
    const MseArgs *a = ctx;
    const float *t = a->target_is_row ? a->target : a->target + r * a->d;
    double total = 0.0;
    for (int j = 0; j < a->d; j++) {
        size_t i = r * a->d + j;
        double diff = (double)a->h[i] - t[j];
        total += diff * diff;
        a->dh[i] = (float)(a->grad_scale * diff);
    }
    return total;
}

double cpu_mse_forward_backward(float *dh, const float *h, const float *target, int target_is_row, size_t rows, int d,
                            float w) {
    double count = (double)rows * d;
    MseArgs a = {dh, h, target, target_is_row, d, w * 2.0 / count};
    return det_sum(rows, mse_row, &a) / count;
}
