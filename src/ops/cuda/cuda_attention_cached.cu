/* Decoding attention over a KV cache (ops.h attention_forward_cached, as
 * cpu/attention_cached.c) and the store of new rows into that cache. The
 * rows of one call are any mix of sequences and positions (a prefill chunk,
 * or one new token per sequence), so each (row, head) is one block: its
 * scores go to the caller's scratch, then a softmax and the weighted sum of
 * value rows, every sum in a fixed order (the same bits on every run).
 *
 * Layout: q, out [n, nh*hd]; k_cache, v_cache [n_seq, max_len, nkv*hd];
 * scores [n*nh, max_len]. Query head h reads kv head h / (nh / nkv). */
#include <math.h>
#include "ops/cuda/cuda_common.cuh"
extern "C" {
#include "ops/cuda/cuda_ops.h"
}

#define CACHED_WARPS (CUDA_BLOCK / 32)

/* One block per (row r, head h), blockIdx.x = r * nh + h; block CUDA_BLOCK;
 * shared: the query row [hd]. Scores: warp w takes keys w, w + CACHED_WARPS,
 * ...; its lanes split the dot product over hd and add it as a butterfly.
 * Output: thread d sums p_t v_t[d] over t in order. */
__global__ void attention_cached_kernel(float *out, const float *q, const float *k_cache, const float *v_cache,
                                        const int *seq, const int *pos, int max_len, int nh, int nkv, int hd,
                                        float scale, float *scores) {
    extern __shared__ float qrow[];
    __shared__ float shf[CUDA_BLOCK];
    __shared__ double shd[CUDA_BLOCK];
    const int rh = blockIdx.x, r = rh / nh, h = rh % nh, g = h / (nh / nkv), kvd = nkv * hd;
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, p_last = pos[r];
    float *o = out + (size_t)rh * hd;
    if (p_last < 0 || p_last >= max_len) { /* outside the cache: visible, never out of bounds */
        for (int d = threadIdx.x; d < hd; d += blockDim.x) o[d] = NAN;
        return;
    }
    const int len = p_last + 1;
    const size_t seq_at = (size_t)seq[r] * max_len * kvd + (size_t)g * hd;
    const float *kc = k_cache + seq_at, *vc = v_cache + seq_at;
    float *sc = scores + (size_t)rh * max_len;
    for (int d = threadIdx.x; d < hd; d += blockDim.x) qrow[d] = q[(size_t)rh * hd + d];
    __syncthreads();

    for (int t = warp; t < len; t += CACHED_WARPS) {
        const float *kt = kc + (size_t)t * kvd;
        float dot = 0.0f;
        for (int d = lane; d < hd; d += 32) dot += qrow[d] * kt[d];
        dot = warp_sum(dot);
        if (lane == 0) sc[t] = dot * scale;
    }
    __syncthreads(); /* the block's global writes to sc are visible to it after the barrier */

    float mx = -INFINITY;
    for (int t = threadIdx.x; t < len; t += blockDim.x) mx = fmaxf(mx, sc[t]);
    mx = block_max(mx, shf);
    double sum = 0.0;
    for (int t = threadIdx.x; t < len; t += blockDim.x) sum += exp((double)(sc[t] - mx));
    sum = block_sum(sum, shd);
    const float lse = mx + (float)log(sum);
    for (int t = threadIdx.x; t < len; t += blockDim.x) sc[t] = expf(sc[t] - lse); /* each thread its own t */
    __syncthreads();

    for (int d = threadIdx.x; d < hd; d += blockDim.x) {
        float acc = 0.0f;
        for (int t = 0; t < len; t++) acc += sc[t] * vc[(size_t)t * kvd + d];
        o[d] = acc;
    }
}

extern "C" int cuda_attention_forward_cached(float *out, const float *q, const float *k_cache, const float *v_cache,
                                             const int *seq, const int *pos, int n, int max_len, int nh, int nkv,
                                             int hd, float *scores) {
    if (n < 0 || max_len <= 0 || nh <= 0 || nkv <= 0 || hd <= 0 || nh % nkv != 0)
        return dusk_error("attention_forward_cached: bad shape rows %d max_len %d heads %d kv heads %d head_dim %d",
                          n, max_len, nh, nkv, hd);
    if ((size_t)hd * sizeof(float) > 32768)
        return dusk_error("attention_forward_cached: head_dim %d is over the CUDA kernel's limit of 8192", hd);
    if (n == 0) return 0;
    if ((long long)n * nh > 2147483647LL) return dusk_error("attention_forward_cached: too many rows x heads");
    attention_cached_kernel<<<(unsigned)(n * nh), CUDA_BLOCK, sizeof(float) * (size_t)hd>>>(
        out, q, k_cache, v_cache, seq, pos, max_len, nh, nkv, hd, 1.0f / sqrtf((float)hd), scores);
    return cuda_check_launch("attention_cached_kernel");
}

/* cache[seq[i], pos[i], j] = x[i, j]: one thread per element of x [n, d]. */
__global__ void kv_store_rows_kernel(float *cache, const float *x, const int *seq, const int *pos, int max_len, int d,
                                     size_t total) {
    size_t e = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (e >= total) return;
    size_t i = e / d, j = e % d;
    cache[((size_t)seq[i] * max_len + pos[i]) * d + j] = x[e];
}

extern "C" int cuda_kv_store_rows(float *cache, const float *x, const int *seq, const int *pos, int n, int max_len,
                                  int d) {
    if (n < 0 || max_len <= 0 || d < 0)
        return dusk_error("kv_store_rows: bad shape rows %d max_len %d width %d", n, max_len, d);
    size_t total = (size_t)n * d;
    if (total == 0) return 0;
    kv_store_rows_kernel<<<cuda_grid_for(total), CUDA_BLOCK>>>(cache, x, seq, pos, max_len, d, total);
    return cuda_check_launch("kv_store_rows_kernel");
}
