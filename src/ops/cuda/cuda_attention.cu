/* Causal scaled-dot-product attention with grouped-query heads, as
 * ops/attention.c, flash-attention style: keys and values stream through
 * shared memory in tiles and each query row keeps an online softmax, so no
 * T x T matrix is ever stored; forward saves each row's log-sum-exp.
 *
 * Layout (see ops.h): q, out, dq [B*T, nh*hd]; k, v, dk, dv [B*T, nkv*hd];
 * lse [B, nh, T]. Query head h reads kv head h / (nh / nkv).
 *
 * Work split: one warp per query row (forward, dQ) or per key row (dK, dV);
 * a block of ATT_WARPS warps shares each tile of ATT_TILE rows. In a tile,
 * lane j owns the score of tile row j; lane x owns output dimensions
 * x, x + 32, ... Backward is two kernels, dQ by query rows and dK/dV by key
 * rows, so every gradient element is written by one thread, summed in a
 * fixed order: no atomics, the same bits on every run. Written for
 * correctness first (fp32, one pass per tile); a tensor-core version is the
 * next step. */
#include <math.h>
#include "ops/cuda/cuda_common.cuh"
extern "C" {
#include "ops/cuda/cuda_ops.h"
}

#define ATT_TILE 32 /* rows per tile = lanes of a warp */
#define ATT_WARPS 8 /* query (or key) rows per block */
#define ATT_DPL (CUDA_ATTENTION_MAX_HD / 32) /* output dims per lane */
#define FULL_MASK 0xffffffffu

/* dst[r * ld + d] = src row (row0 + r) of a [T, lds] matrix, d < hd, r < ATT_TILE;
 * rows past T read as 0. All threads of the block take part. */
__device__ void load_tile(float *dst, int ld, const float *src, int lds, int row0, int T, int hd) {
    for (int idx = threadIdx.x; idx < ATT_TILE * hd; idx += blockDim.x) {
        int r = idx / hd, d = idx % hd, row = row0 + r;
        dst[r * ld + d] = row < T ? src[(size_t)row * lds + d] : 0.0f;
    }
}

/* Two tiles (K and V, or Q and dO) of rows row0.. of the [T, lds] matrices
 * a and b, between barriers: the block has finished with the previous
 * tiles before they are overwritten, and sees the new ones complete. */
__device__ void load_tile_pair(float *dst_a, float *dst_b, int ld, const float *a, const float *b, int lds, int row0,
                               int T, int hd) {
    __syncthreads();
    load_tile(dst_a, ld, a, lds, row0, T, hd);
    load_tile(dst_b, ld, b, lds, row0, T, hd);
    __syncthreads();
}

/* acc += x * row, over the dims this lane owns (lane, lane + 32, ...). */
__device__ inline void add_scaled_row(float (&acc)[ATT_DPL], float x, const float *row, int lane, int hd) {
#pragma unroll
    for (int c = 0; c < ATT_DPL; c++) {
        int d = lane + 32 * c;
        if (d < hd) acc[c] += x * row[d];
    }
}

/* dst[d] = mul * acc over the dims this lane owns. */
__device__ inline void store_row(float *dst, const float (&acc)[ATT_DPL], float mul, int lane, int hd) {
#pragma unroll
    for (int c = 0; c < ATT_DPL; c++) {
        int d = lane + 32 * c;
        if (d < hd) dst[d] = mul * acc[c];
    }
}

/* Row-vector dot product over hd of a (per-warp row) and tile row b. */
__device__ inline float dot_hd(const float *a, const float *b, int hd) {
    float s = 0.0f;
    for (int d = 0; d < hd; d++) s += a[d] * b[d];
    return s;
}

/* grid (ceil(T / ATT_WARPS), nh, B), block 32 * ATT_WARPS.
 * shared: K, V tiles [ATT_TILE, hd + 1] (padded: lanes read different banks),
 * the block's query rows [ATT_WARPS, hd]. */
__global__ void attention_forward_kernel(float *out, float *lse, const float *q, const float *k, const float *v,
                                         int T, int nh, int nkv, int hd, float scale) {
    extern __shared__ float sh[];
    const int ld = hd + 1, ldq = nh * hd, ldkv = nkv * hd;
    float *ks = sh, *vs = ks + ATT_TILE * ld, *qs = vs + ATT_TILE * ld;
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int b = blockIdx.z, h = blockIdx.y, g = h / (nh / nkv);
    const int i0 = blockIdx.x * ATT_WARPS, i = i0 + warp, last = min(i0 + ATT_WARPS, T) - 1;
    const bool active = i < T;
    const float *qb = q + (size_t)b * T * ldq + h * hd;
    const float *kb = k + (size_t)b * T * ldkv + g * hd, *vb = v + (size_t)b * T * ldkv + g * hd;
    float *qrow = qs + warp * hd;
    if (active)
        for (int d = lane; d < hd; d += 32) qrow[d] = qb[(size_t)i * ldq + d];
    float m = -INFINITY, l = 0.0f, acc[ATT_DPL] = {0};
    for (int j0 = 0; j0 <= last; j0 += ATT_TILE) { /* same trip count for the whole block */
        load_tile_pair(ks, vs, ld, kb, vb, ldkv, j0, T, hd);
        if (!active || j0 > i) continue;
        const int j = j0 + lane;
        const float s = j <= i ? scale * dot_hd(qrow, ks + lane * ld, hd) : -INFINITY;
        const float m_new = fmaxf(m, warp_max(s)); /* finite: key j0 <= i is in */
        const float p = j <= i ? expf(s - m_new) : 0.0f, corr = expf(m - m_new);
        l = l * corr + warp_sum(p);
        const int valid = min(ATT_TILE, i - j0 + 1);
#pragma unroll
        for (int c = 0; c < ATT_DPL; c++) acc[c] *= corr;
        for (int r = 0; r < valid; r++) add_scaled_row(acc, __shfl_sync(FULL_MASK, p, r), vs + r * ld, lane, hd);
        m = m_new;
    }
    if (!active) return;
    store_row(out + (size_t)b * T * ldq + (size_t)i * ldq + h * hd, acc, 1.0f / l, lane, hd);
    if (lane == 0) lse[((size_t)b * nh + h) * T + i] = m + logf(l);
}

/* rowdot[b, h, i] = sum_d dout[b, i, h, d] * out[b, i, h, d] (flash-attention's
 * D). One warp per row: grid (ceil(T / ATT_WARPS), nh, B). */
__global__ void attention_rowdot_kernel(float *rowdot, const float *dout, const float *out, int T, int nh, int hd) {
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, b = blockIdx.z, h = blockIdx.y;
    const int i = blockIdx.x * ATT_WARPS + warp;
    if (i >= T) return;
    size_t at = ((size_t)b * T + i) * nh * hd + h * hd;
    float s = 0.0f;
    for (int d = lane; d < hd; d += 32) s += dout[at + d] * out[at + d];
    s = warp_sum(s);
    if (lane == 0) rowdot[((size_t)b * nh + h) * T + i] = s;
}

/* dQ, one warp per query row: P = exp(scale q.k - lse), dS = P (dO.v - D),
 * dq = scale sum_j dS_j k_j. grid (ceil(T / ATT_WARPS), nh, B).
 * shared: K, V tiles [ATT_TILE, hd + 1], query and dO rows [ATT_WARPS, hd] each. */
__global__ void attention_backward_dq_kernel(float *dq, const float *dout, const float *q, const float *k,
                                             const float *v, const float *lse, const float *rowdot, int T, int nh,
                                             int nkv, int hd, float scale) {
    extern __shared__ float sh[];
    const int ld = hd + 1, ldq = nh * hd, ldkv = nkv * hd;
    float *ks = sh, *vs = ks + ATT_TILE * ld, *qs = vs + ATT_TILE * ld, *dos = qs + ATT_WARPS * hd;
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int b = blockIdx.z, h = blockIdx.y, g = h / (nh / nkv);
    const int i0 = blockIdx.x * ATT_WARPS, i = i0 + warp, last = min(i0 + ATT_WARPS, T) - 1;
    const bool active = i < T;
    const size_t row_at = (size_t)b * T * ldq + (size_t)i * ldq + h * hd;
    const float *kb = k + (size_t)b * T * ldkv + g * hd, *vb = v + (size_t)b * T * ldkv + g * hd;
    float *qrow = qs + warp * hd, *dorow = dos + warp * hd;
    float row_lse = 0.0f, row_d = 0.0f;
    if (active) {
        for (int d = lane; d < hd; d += 32) {
            qrow[d] = q[row_at + d];
            dorow[d] = dout[row_at + d];
        }
        row_lse = lse[((size_t)b * nh + h) * T + i];
        row_d = rowdot[((size_t)b * nh + h) * T + i];
    }
    float acc[ATT_DPL] = {0};
    for (int j0 = 0; j0 <= last; j0 += ATT_TILE) {
        load_tile_pair(ks, vs, ld, kb, vb, ldkv, j0, T, hd);
        if (!active || j0 > i) continue;
        const int j = j0 + lane;
        float ds = 0.0f;
        if (j <= i) {
            float p = expf(scale * dot_hd(qrow, ks + lane * ld, hd) - row_lse);
            ds = p * (dot_hd(dorow, vs + lane * ld, hd) - row_d);
        }
        const int valid = min(ATT_TILE, i - j0 + 1);
        for (int r = 0; r < valid; r++) add_scaled_row(acc, __shfl_sync(FULL_MASK, ds, r), ks + r * ld, lane, hd);
    }
    if (active) store_row(dq + row_at, acc, scale, lane, hd);
}

/* dK, dV, one warp per key row j of kv head g: over the query heads of the
 * group in order, and query rows i >= j in order,
 * dv += P_ij dO_i and dk += scale dS_ij q_i. grid (ceil(T / ATT_WARPS), nkv, B).
 * shared: Q, dO tiles [ATT_TILE, hd + 1], the block's k and v rows [ATT_WARPS, hd]
 * each; lane x reads its query row's lse and D from global memory. */
__global__ void attention_backward_dkv_kernel(float *dk, float *dv, const float *dout, const float *q,
                                              const float *k, const float *v, const float *lse,
                                              const float *rowdot, int T, int nh, int nkv, int hd, float scale) {
    extern __shared__ float sh[];
    const int ld = hd + 1, ldq = nh * hd, ldkv = nkv * hd, rep = nh / nkv;
    float *qt = sh, *dot_ = qt + ATT_TILE * ld, *krows = dot_ + ATT_TILE * ld, *vrows = krows + ATT_WARPS * hd;
    const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
    const int b = blockIdx.z, g = blockIdx.y;
    const int j_first = blockIdx.x * ATT_WARPS, j = j_first + warp;
    const bool active = j < T;
    const size_t kv_at = (size_t)b * T * ldkv + (size_t)j * ldkv + g * hd;
    float *krow = krows + warp * hd, *vrow = vrows + warp * hd;
    if (active)
        for (int d = lane; d < hd; d += 32) {
            krow[d] = k[kv_at + d];
            vrow[d] = v[kv_at + d];
        }
    float acc_k[ATT_DPL] = {0}, acc_v[ATT_DPL] = {0};
    for (int r = 0; r < rep; r++) {
        const int h = g * rep + r;
        const float *qb = q + (size_t)b * T * ldq + h * hd, *dob = dout + (size_t)b * T * ldq + h * hd;
        const float *lse_h = lse + ((size_t)b * nh + h) * T, *d_h = rowdot + ((size_t)b * nh + h) * T;
        for (int i0 = j_first; i0 < T; i0 += ATT_TILE) { /* rows i < j_first see none of the block's keys */
            load_tile_pair(qt, dot_, ld, qb, dob, ldq, i0, T, hd);
            if (!active) continue;
            const int i = i0 + lane;
            float p = 0.0f, ds = 0.0f;
            if (i >= j && i < T) {
                p = expf(scale * dot_hd(qt + lane * ld, krow, hd) - lse_h[i]);
                ds = p * (dot_hd(dot_ + lane * ld, vrow, hd) - d_h[i]);
            }
            const int first = max(0, j - i0), end = min(ATT_TILE, T - i0); /* warp-uniform */
            for (int x = first; x < end; x++) {
                add_scaled_row(acc_v, __shfl_sync(FULL_MASK, p, x), dot_ + x * ld, lane, hd);
                add_scaled_row(acc_k, __shfl_sync(FULL_MASK, ds, x), qt + x * ld, lane, hd);
            }
        }
    }
    if (!active) return;
    store_row(dk + kv_at, acc_k, scale, lane, hd);
    store_row(dv + kv_at, acc_v, 1.0f, lane, hd);
}

static int attention_shape_ok(int B, int T, int nh, int nkv, int hd, const char *who) {
    if (B <= 0 || T <= 0 || nh <= 0 || nkv <= 0 || hd <= 0 || nh % nkv != 0)
        return dusk_error("%s: bad shape B %d T %d heads %d kv heads %d head_dim %d", who, B, T, nh, nkv, hd);
    if (hd > CUDA_ATTENTION_MAX_HD)
        return dusk_error("%s: head_dim %d is over the CUDA kernel's limit of %d", who, hd, CUDA_ATTENTION_MAX_HD);
    if (nh > 65535 || nkv > 65535 || B > 65535) return dusk_error("%s: too many heads or batch rows", who);
    return 0;
}

extern "C" int cuda_attention_forward(float *out, float *lse, const float *q, const float *k, const float *v,
                                      int B, int T, int nh, int nkv, int hd) {
    if (attention_shape_ok(B, T, nh, nkv, hd, "attention_forward")) return -1;
    dim3 grid((T + ATT_WARPS - 1) / ATT_WARPS, nh, B);
    size_t shmem = sizeof(float) * (2 * ATT_TILE * (hd + 1) + ATT_WARPS * hd);
    attention_forward_kernel<<<grid, 32 * ATT_WARPS, shmem>>>(out, lse, q, k, v, T, nh, nkv, hd,
                                                               1.0f / sqrtf((float)hd));
    return cuda_check_launch("attention_forward_kernel");
}

extern "C" int cuda_attention_backward(float *dq, float *dk, float *dv, const float *dout, const float *q,
                                       const float *k, const float *v, const float *out, const float *lse, int B,
                                       int T, int nh, int nkv, int hd) {
    if (attention_shape_ok(B, T, nh, nkv, hd, "attention_backward")) return -1;
    float *rowdot = (float *)cuda_workspace(sizeof(float) * (size_t)B * nh * T, "attention_backward");
    if (!rowdot) return -1;
    const float scale = 1.0f / sqrtf((float)hd);
    const int blocks = (T + ATT_WARPS - 1) / ATT_WARPS;
    attention_rowdot_kernel<<<dim3(blocks, nh, B), 32 * ATT_WARPS>>>(rowdot, dout, out, T, nh, hd);
    if (cuda_check_launch("attention_rowdot_kernel")) return -1;
    size_t shmem_dq = sizeof(float) * (2 * ATT_TILE * (hd + 1) + 2 * ATT_WARPS * hd);
    attention_backward_dq_kernel<<<dim3(blocks, nh, B), 32 * ATT_WARPS, shmem_dq>>>(dq, dout, q, k, v, lse, rowdot,
                                                                                  T, nh, nkv, hd, scale);
    if (cuda_check_launch("attention_backward_dq_kernel")) return -1;
    size_t shmem_dkv = sizeof(float) * (2 * ATT_TILE * (hd + 1) + 2 * ATT_WARPS * hd);
    attention_backward_dkv_kernel<<<dim3(blocks, nkv, B), 32 * ATT_WARPS, shmem_dkv>>>(dk, dv, dout, q, k, v, lse,
                                                                                     rowdot, T, nh, nkv, hd, scale);
    return cuda_check_launch("attention_backward_dkv_kernel");
}
