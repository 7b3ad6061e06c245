/* SwiGLU: h = silu(gate) * up, silu(x) = x * sigmoid(x). */
#include <math.h>

#include "ops/fast_exp.h"
#include "ops/cpu/cpu_ops.h"
#include "ops/parallel.h"

void cpu_swiglu_forward(float *h, const float *gate, const float *up, size_t n) {
#pragma omp parallel for simd schedule(static) if (n >= OPS_PARALLEL_MIN)
    for (size_t i = 0; i < n; i++) {
        float g = gate[i];
        h[i] = g / (1.0f + fast_expf(-g)) * up[i];
    }
}

void cpu_swiglu_backward(float *dgate, float *dup, const float *dh, const float *gate, const float *up, size_t n) {
#pragma omp parallel for simd schedule(static)
    for (size_t i = 0; i < n; i++) {
        float g = gate[i], s = 1.0f / (1.0f + fast_expf(-g));
        float silu = g * s;
        if (dup) dup[i] = dh[i] * silu;
        if (dgate) dgate[i] = dh[i] * up[i] * s * (1.0f + g * (1.0f - s));
    }
}
