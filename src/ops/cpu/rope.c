/* Rotary position embeddings in HF's rotate_half convention: dimension i of
 * a head pairs with i + hd/2 (llama2.c's interleaved pairs are permuted into
 * this layout when its checkpoints are imported). */
#include <math.h>

#include "ops/cpu/cpu_ops.h"
#include "ops/parallel.h"

void cpu_rope_table_fill(float *cos_out, float *sin_out, const float *inv_freq, int head_dim, int max_pos) {
    int half = head_dim / 2;
    for (int p = 0; p < max_pos; p++)
        for (int i = 0; i < half; i++) {
            /* fp32 product, as HF computes position * inv_freq in float32 */
            float angle = (float)p * inv_freq[i];
            cos_out[(size_t)p * half + i] = cosf(angle);
            sin_out[(size_t)p * half + i] = sinf(angle);
        }
}

static void rotate(float *x, const int *pos, int n, int n_heads, const RopeTable *t, float sign) {
    int hd = t->head_dim, half = hd / 2;
#pragma omp parallel for schedule(static) if ((long)n * n_heads * hd >= OPS_PARALLEL_MIN)
    for (int r = 0; r < n; r++) {
        const float *c = t->cos + (size_t)pos[r] * half, *s = t->sin + (size_t)pos[r] * half;
        for (int h = 0; h < n_heads; h++) {
            float *v = x + ((size_t)r * n_heads + h) * hd;
            for (int i = 0; i < half; i++) {
                float a = v[i], b = v[i + half], sn = sign * s[i];
                v[i] = a * c[i] - b * sn;
                v[i + half] = b * c[i] + a * sn;
            }
        }
    }
}

void cpu_rope_forward(float *x, const int *pos, int n, int n_heads, const RopeTable *t) {
    rotate(x, pos, n, n_heads, t, 1.0f);
}

/* The rotation is orthogonal, so its gradient is the rotation by -angle. */
void cpu_rope_backward(float *dx, const int *pos, int n, int n_heads, const RopeTable *t) {
    rotate(dx, pos, n, n_heads, t, -1.0f);
}
