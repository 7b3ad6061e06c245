/* CUDA twins of the kernels of ops/ops.h (and reduce.h's sum of squares),
 * callable from C. Same shapes, layouts and accumulate/overwrite rules as
 * the CPU kernel of the same name; every pointer is DEVICE memory
 * (cuda_mem.h), including positions and targets, unless its comment says
 * HOST (indices from the host are uploaded into the workspace, results for
 * the host copied back before the call returns). Each returns 0, or -1
 * after dusk_error ("CUDA error: <message> in <kernel>", or a shape the
 * kernel does not support). Results are the same bits on every run: no
 * atomics, reductions in a fixed order. Only built with make CUDA=1.
 *
 * Not verified on a GPU yet (see README, "CUDA backend"). */
#ifndef DUSK_CUDA_OPS_H
#define DUSK_CUDA_OPS_H

#include <stddef.h>
#include "ops/ops.h"

#ifdef __cplusplus
extern "C" {
#endif

/* gemm(): row-major C[m, n] = alpha op(A) op(B) + beta C, A stored [k, m]
 * when trans_a else [m, k], B stored [n, k] when trans_b else [k, n]; beta 0
 * overwrites C. In ops_precision(): fp32 is cuBLAS sgemm (TF32 off); bf16
 * rounds both operands to bfloat16 (nearest-even) and accumulates in fp32. */
int cuda_gemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda, const float *b,
              int ldb, float beta, float *c, int ldc);

/* linear: products through cuda_gemm (so in ops_precision()), bias in fp32. */
int cuda_linear_forward(float *out, const float *inp, const float *w, const float *bias, int n, int in, int out_dim);
int cuda_linear_backward(float *dinp, float *dw, float *dbias, const float *dout, const float *inp, const float *w,
                         int n, int in, int out_dim, int accumulate_dinp);

int cuda_rmsnorm_forward(float *out, float *rstd, const float *inp, const float *w, int n, int c, float eps);
int cuda_rmsnorm_backward(float *dinp, float *dw, const float *dout, const float *inp, const float *w,
                          const float *rstd, int n, int c);

/* A RopeTable's cos/sin copied to the device. */
typedef struct {
    int head_dim;
    int max_pos;
    float *cos, *sin; /* device, [max_pos, head_dim/2] */
} CudaRopeTable;
int cuda_rope_table_upload(CudaRopeTable *dev, const RopeTable *host);
void cuda_rope_table_free(CudaRopeTable *dev);
int cuda_rope_forward(float *x, const int *pos, int n, int n_heads, const CudaRopeTable *t);
int cuda_rope_backward(float *dx, const int *pos, int n, int n_heads, const CudaRopeTable *t);

/* Causal GQA attention; head_dim up to CUDA_ATTENTION_MAX_HD. Forward keeps
 * out and lse [B, nh, T] only (never a T x T matrix); backward rebuilds the
 * probabilities from lse, computing dQ per query row and dK, dV per key row
 * (so nothing is added by two threads at once). */
#define CUDA_ATTENTION_MAX_HD 128
int cuda_attention_forward(float *out, float *lse, const float *q, const float *k, const float *v, int B, int T,
                           int nh, int nkv, int hd);
int cuda_attention_backward(float *dq, float *dk, float *dv, const float *dout, const float *q, const float *k,
                            const float *v, const float *out, const float *lse, int B, int T, int nh, int nkv,
                            int hd);

int cuda_swiglu_forward(float *h, const float *gate, const float *up, size_t n);
int cuda_swiglu_backward(float *dgate, float *dup, const float *dh, const float *gate, const float *up, size_t n);

/* log_softmax_row over n rows of v: out [n, v] (may be NULL), lse [n] doubles. */
int cuda_log_softmax_rows(float *out, double *lse, const float *logits, int n, int v);
/* cross_entropy_forward_backward; the summed loss goes to *loss (HOST). */
int cuda_cross_entropy_forward_backward(double *loss, float *dlogits, const float *logits, const int *targets,
                                        int n, int v, float scale);

/* Embedding and element-wise (ops.h); embedding_forward takes up to 65535 rows a call. */
int cuda_embedding_forward(float *x, const float *table, const int *ids, size_t n, int d);
int cuda_embedding_backward(float *dtable, const float *dx, const int *ids, size_t n, int d);
int cuda_add_inplace(float *y, const float *x, size_t n);
int cuda_scale_inplace(float *x, size_t n, float s);

/* attention_forward_cached: decoding attention over a KV cache. q, out
 * [n, nh*hd]; k_cache, v_cache [n_seq, max_len, nkv*hd]; seq, pos [n]
 * (device ints): row r attends to positions 0..pos[r] of sequence seq[r];
 * scores: scratch of n*nh*max_len floats. A row whose pos is outside
 * [0, max_len) gets NaN outputs (the kernel cannot report it). */
int cuda_attention_forward_cached(float *out, const float *q, const float *k_cache, const float *v_cache,
                                  const int *seq, const int *pos, int n, int max_len, int nh, int nkv, int hd,
                                  float *scores);
/* kv_store_rows: cache[seq[i], pos[i], :] = x[i, :] for n rows of d,
 * cache [n_seq, max_len, d]; seq, pos device ints [n]. The (seq, pos) slots
 * of one call must differ (rows run in parallel: two rows for one slot race,
 * where the CPU keeps the last). */
int cuda_kv_store_rows(float *cache, const float *x, const int *seq, const int *pos, int n, int max_len, int d);

/* Scoring rows of logits x [n, v] (ops.h, cpu/rows.c); results are HOST [n].
 * argmax_rows: best[i] = first index of row i's maximum, -1 when the row holds
 * a NaN or an infinity. */
int cuda_argmax_rows(int *best, const float *x, int n, int v);
/* logsumexp_rows: lse[i] = log sum_j exp(x[i, j]), max-shifted, summed in double. */
int cuda_logsumexp_rows(double *lse, const float *x, int n, int v);
/* logprob_row_stats (Min-K%++): with y = x - max and S = sum exp(y) per row,
 * lp = y[t] - log S, mu = E_p[y] - log S, sigma = sd_p[y] (p = exp(y) / S),
 * moments in double; all three NaN for a row with a NaN or an infinite max
 * (and lp NaN for a target outside [0, v)). targets [n] device ints. */
int cuda_logprob_row_stats(double *lp, double *mu, double *sigma, const float *logits, const int *targets, int n,
                           int v);

/* gather_values: out[i] = x[rows[i] * ld + cols[i]]; out, rows, cols HOST [n]. */
int cuda_gather_values(float *out, const float *x, const int *rows, const int *cols, int n, size_t ld);
/* gather_rows: dst[i, :] = src[rows[i], :] for n rows of d; rows HOST [n]. */
int cuda_gather_rows(float *dst, const float *src, const int *rows, int n, int d);

/* all_finite: *result (HOST) = 1 when every x[i] is finite, else 0. */
int cuda_all_finite(int *result, const float *x, size_t n);
/* negated_task_vector: out = base - alpha * (finetuned - base), rounded as
 * the CPU's float expression (no fused multiply-add). */
int cuda_negated_task_vector(float *out, const float *base, const float *finetuned, size_t n, float alpha);

/* The objectives' losses (ops.h); results come back to HOST memory: nll
 * [n], the totals, and coef [n] is read from the host. */
int cuda_rows_nll(double *nll, const float *logits, const int *labels, int n, int V);
int cuda_rows_nll_grad(float *dlogits, const float *logits, const int *labels, int n, int V, const float *coef);
int cuda_kl_rows_forward_backward(double *total, float *logits, const float *ref_logits, int n, int v, float w);
int cuda_uniform_kl_rows_forward_backward(double *total, float *logits, const int *targets, int n, int v, float w);
int cuda_mse_forward_backward(double *mse, float *dh, const float *h, const float *target, int target_is_row,
                              size_t rows, int d, float w);

int cuda_adamw_update(float *p, const float *g, float *m, float *v, size_t n, float lr, float beta1, float beta2,
                      float eps, float weight_decay, long step);
int cuda_sgd_update(float *p, const float *g, size_t n, float lr, float weight_decay);

/* det_sum_squares: sum of x[i]^2 in double, into *result (HOST). */
int cuda_sum_squares(double *result, const float *x, size_t n);

#ifdef __cplusplus
}
#endif

#endif
