/* Log-softmax and fused softmax cross-entropy over the vocabulary. */
#include <math.h>

#include "ops/fast_exp.h"
#include "ops/cpu/cpu_ops.h"
#include "ops/reduce.h"

/* max over a row (vectorised: max is exact, so the order does not matter). */
static float row_max(const float *x, int v) {
    float mx = x[0];
#pragma omp simd reduction(max : mx)
    for (int j = 1; j < v; j++) mx = x[j] > mx ? x[j] : mx;
    return mx;
}

/* e[j] = exp(x[j] - mx) for j < n, then their sum in double. Two loops on
 * purpose: GCC vectorises each, but not the fused one (a float exp feeding
 * a double sum). */
static double exp_shifted_sum(float *e, const float *x, int n, float mx) {
#pragma omp simd
    for (int j = 0; j < n; j++) e[j] = fast_expf(x[j] - mx);
    double sum = 0.0;
#pragma omp simd reduction(+ : sum)
    for (int j = 0; j < n; j++) sum += e[j];
    return sum;
}

double cpu_log_softmax_row(float *out, const float *logits, int v) {
    float mx = row_max(logits, v);
    /* float exponentials (the costly part), summed in double, a stack chunk at a time */
    float chunk[1024];
    double sum = 0.0;
    for (int j0 = 0; j0 < v; j0 += 1024)
        sum += exp_shifted_sum(chunk, logits + j0, v - j0 < 1024 ? v - j0 : 1024, mx);
    double lse = mx + log(sum);
    if (out)
        for (int j = 0; j < v; j++) out[j] = (float)(logits[j] - lse);
    return lse;
}

typedef struct {
    float *dlogits;
    const float *logits;
    const int *targets;
    int v;
    float scale;
} CeArgs;

double cpu_cross_entropy_row(float *d, const float *row, int t, int v, float scale) {
    if (t < 0) {
        if (d)
            for (int j = 0; j < v; j++) d[j] = 0.0f;
        return 0.0;
    }
    if (!d) return cpu_log_softmax_row(NULL, row, v) - row[t];
    /* the exponentials are computed once, into d (which may be the row
     * itself, so the target's logit is read first), then scaled by 1/sum */
    float target_logit = row[t], mx = row_max(row, v);
    double sum = exp_shifted_sum(d, row, v, mx);
    float k = (float)(scale / sum);
#pragma omp simd
    for (int j = 0; j < v; j++) d[j] *= k;
    d[t] -= scale;
    return mx + log(sum) - target_logit;
}

static double ce_row(const void *ctx, size_t i) {
    const CeArgs *a = ctx;
    return cpu_cross_entropy_row(a->dlogits ? a->dlogits + i * a->v : NULL, a->logits + i * a->v, a->targets[i],
                                 a->v, a->scale);
}

double cpu_cross_entropy_forward_backward(float *dlogits, const float *logits, const int *targets, int n, int v,
                                      float scale) {
    CeArgs a = {dlogits, logits, targets, v, scale};
    return det_sum((size_t)n, ce_row, &a);
}
