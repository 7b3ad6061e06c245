/* RMSNorm as HF LlamaRMSNorm: statistics in fp32, weight applied after. */
#include <math.h>

#include "ops/ops.h"

void rmsnorm_forward(float *out, float *rstd, const float *inp, const float *w, int n, int c, float eps) {
#pragma omp parallel for schedule(static)
    for (int i = 0; i < n; i++) {
        const float *x = inp + (size_t)i * c;
        float *y = out + (size_t)i * c;
        float ss = 0.0f;
        for (int j = 0; j < c; j++) ss += x[j] * x[j];
        float r = 1.0f / sqrtf(ss / (float)c + eps);
        for (int j = 0; j < c; j++) y[j] = x[j] * r * w[j];
        if (rstd) rstd[i] = r;
    }
}

/* y_j = w_j r x_j with r = (mean(x^2)+eps)^-1/2, so
 * dx_k = r w_k dy_k - r^3 x_k / c * sum_j dy_j w_j x_j. */
void rmsnorm_backward(float *dinp, float *dw, const float *dout, const float *inp, const float *w,
                      const float *rstd, int n, int c) {
    if (dinp) {
#pragma omp parallel for schedule(static)
        for (int i = 0; i < n; i++) {
            const float *x = inp + (size_t)i * c, *dy = dout + (size_t)i * c;
            float *dx = dinp + (size_t)i * c;
            float r = rstd[i], dot = 0.0f;
            for (int j = 0; j < c; j++) dot += dy[j] * w[j] * x[j];
            float coef = r * r * r * dot / (float)c;
            for (int j = 0; j < c; j++) dx[j] += r * w[j] * dy[j] - coef * x[j];
        }
    }
    if (dw) {
        /* Column sums over rows; split columns across threads so the order of
         * additions (and so the result) never depends on the thread count. */
#pragma omp parallel for schedule(static)
        for (int j = 0; j < c; j++) {
            float acc = 0.0f;
            for (int i = 0; i < n; i++) acc += dout[(size_t)i * c + j] * inp[(size_t)i * c + j] * rstd[i];
            dw[j] += acc;
        }
    }
}
