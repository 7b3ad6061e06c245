/* Log-softmax and fused softmax cross-entropy over the vocabulary. */
#include <math.h>

#include "ops/fast_exp.h"
#include "ops/ops.h"
#include "ops/reduce.h"

double log_softmax_row(float *out, const float *logits, int v) {
    float mx = logits[0];
    for (int j = 1; j < v; j++) mx = logits[j] > mx ? logits[j] : mx;
    /* float exponentials (the costly part), summed in double */
    double sum = 0.0;
#pragma omp simd reduction(+ : sum)
    for (int j = 0; j < v; j++) sum += fast_expf(logits[j] - mx);
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

/* One row: its loss, and its gradient written in place when asked. */
static double ce_row(const void *ctx, size_t i) {
    const CeArgs *a = ctx;
    const float *row = a->logits + i * a->v;
    float *d = a->dlogits ? a->dlogits + i * a->v : NULL;
    int t = a->targets[i];
    if (t < 0) {
        if (d)
            for (int j = 0; j < a->v; j++) d[j] = 0.0f;
        return 0.0;
    }
    double lse = log_softmax_row(NULL, row, a->v);
    double loss = lse - row[t];
    if (d) {
        float l = (float)lse, sc = a->scale;
#pragma omp simd
        for (int j = 0; j < a->v; j++) d[j] = sc * fast_expf(row[j] - l);
        d[t] -= a->scale;
    }
    return loss;
}

double cross_entropy_forward_backward(float *dlogits, const float *logits, const int *targets, int n, int v,
                                      float scale) {
    CeArgs a = {dlogits, logits, targets, v, scale};
    return det_sum((size_t)n, ce_row, &a);
}
