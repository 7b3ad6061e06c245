/* Element-wise optimizer updates with torch.optim semantics. */
#include <math.h>

#include "ops/cpu/cpu_ops.h"

void cpu_adamw_update(float *p, const float *g, float *m, float *v, size_t n, float lr, float beta1, float beta2,
                  float eps, float weight_decay, long step) {
    /* torch: p *= 1 - lr*wd; m, v moving averages; p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps) */
    float bc1 = 1.0f - powf(beta1, (float)step);
    float bc2_sqrt = sqrtf(1.0f - powf(beta2, (float)step));
    float step_size = lr / bc1;
    float decay = 1.0f - lr * weight_decay;
#pragma omp parallel for simd schedule(static)
    for (size_t i = 0; i < n; i++) {
        float gi = g[i];
        p[i] *= decay;
        m[i] = beta1 * m[i] + (1.0f - beta1) * gi;
        v[i] = beta2 * v[i] + (1.0f - beta2) * gi * gi;
        float denom = sqrtf(v[i]) / bc2_sqrt + eps;
        p[i] -= step_size * m[i] / denom;
    }
}

void cpu_sgd_update(float *p, const float *g, size_t n, float lr, float weight_decay) {
#pragma omp parallel for simd schedule(static)
    for (size_t i = 0; i < n; i++) p[i] -= lr * (g[i] + weight_decay * p[i]);
}
