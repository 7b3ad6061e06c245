/* Decoding attention over a KV cache: each query row attends to the cached
 * keys/values of its own sequence, positions 0..pos. The rows of one call
 * belong to any mix of sequences and positions (a prefill chunk, or one new
 * token per sequence), so each (row, head) is its own small dot-products and
 * softmax. The q.k dot products run in SIMD lanes (a serial sum of hd
 * products is a chain of dependent adds: 4x slower at hd 64). */
#include <math.h>
#include <string.h>

#include "ops/cpu/cpu_ops.h"
#include "ops/parallel.h"

void cpu_attention_forward_cached(float *out, const float *q, const float *k_cache, const float *v_cache,
                              const int *seq, const int *pos, int n, int max_len, int nh, int nkv, int hd,
                              float *scores) {
    int rep = nh / nkv, kvd = nkv * hd;
    float scale = 1.0f / sqrtf((float)hd);
#pragma omp parallel for schedule(dynamic, 4) if ((long)n * nh * hd * (max_len / 2) >= OPS_PARALLEL_MIN)
    for (int rh = 0; rh < n * nh; rh++) {
        int r = rh / nh, h = rh % nh, g = h / rep, len = pos[r] + 1;
        const float *qv = q + ((size_t)r * nh + h) * hd;
        const float *kc = k_cache + (size_t)seq[r] * max_len * kvd + (size_t)g * hd;
        const float *vc = v_cache + (size_t)seq[r] * max_len * kvd + (size_t)g * hd;
        float *sc = scores + (size_t)rh * max_len;
        float mx = -INFINITY;
        for (int t = 0; t < len; t++) {
            const float *kv = kc + (size_t)t * kvd;
            float dot = 0.0f;
#pragma omp simd reduction(+ : dot)
            for (int i = 0; i < hd; i++) dot += qv[i] * kv[i];
            sc[t] = dot * scale;
            mx = sc[t] > mx ? sc[t] : mx;
        }
        double sum = 0.0;
        for (int t = 0; t < len; t++) sum += exp((double)(sc[t] - mx));
        float lse = mx + (float)log(sum);
        float *o = out + ((size_t)r * nh + h) * hd;
        memset(o, 0, sizeof(float) * hd);
        for (int t = 0; t < len; t++) {
            float p = expf(sc[t] - lse);
            const float *vv = vc + (size_t)t * kvd;
            for (int i = 0; i < hd; i++) o[i] += p * vv[i];
        }
    }
}
