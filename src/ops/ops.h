/* The numeric kernels of the engine, behind one small interface so that a GPU
 * backend can replace them without touching model code.
 *
 * Conventions: row-major fp32; "N" rows of a [N, C] activation; linear weights
 * are stored as HF does, W[out, in], so y = x W^T + b. Backward functions
 * ACCUMULATE (+=) into parameter gradients and, unless stated otherwise,
 * OVERWRITE input gradients. A NULL gradient pointer means "not needed". */
#ifndef DUSK_OPS_H
#define DUSK_OPS_H

#include <stddef.h>

/* ---- matrix products (cpu/gemm.c) ----
 * Process-wide settings, chosen once before any model work (as PyTorch's
 * torch.set_float32_matmul_precision): which GEMM runs, and in what
 * precision its products are formed. */
typedef enum { GEMM_IMPL_DUSK = 0, GEMM_IMPL_OPENBLAS = 1 } GemmImpl;
typedef enum { PRECISION_FP32 = 0, PRECISION_BF16 = 1 } Precision;
/* "dusk" | "openblas"; -1 with dusk_error for another name. */
int ops_set_gemm_impl(const char *name);
/* "fp32" | "bf16"; bf16 rounds both operands of every matmul to bfloat16
 * and accumulates in fp32 (fp32 master weights and everything else). */
int ops_set_precision(const char *name);
Precision ops_precision(void);
const char *ops_gemm_impl_name(void);
const char *ops_precision_name(void);
/* The kernel the GEMM runs: OpenBLAS's core name, or dusk's micro-kernel. */
const char *ops_gemm_kernel_name(void);
/* The micro-kernel of --precision bf16 (cpu/gemm_bf16.c): "avx512bf16" where
 * the CPU has AVX512_BF16, else "plain" (DUSK_GEMM_BF16_KERNEL forces one). */
const char *ops_bf16_kernel_name(void);
/* C[m, n] = alpha * op(A) op(B) + beta * C, row-major; op(X) = X^T when the
 * trans flag is nonzero (A is then stored [k, m], B [n, k]). Follows the
 * settings above. Safe to call inside an OpenMP parallel region (it then
 * runs on the calling thread). */
void gemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda, const float *b,
          int ldb, float beta, float *c, int ldc);

/* ---- linear (matmul.c) ---- */
void linear_forward(float *out, const float *inp, const float *w, const float *bias, int n, int in, int out_dim);
/* dinp: overwritten if accumulate_dinp == 0, else added to. dw, dbias: accumulated. */
void linear_backward(float *dinp, float *dw, float *dbias, const float *dout, const float *inp, const float *w,
                     int n, int in, int out_dim, int accumulate_dinp);

/* ---- RMSNorm (norm.c): out = x / sqrt(mean(x^2) + eps) * w ---- */
void rmsnorm_forward(float *out, float *rstd, const float *inp, const float *w, int n, int c, float eps);
/* dinp is ACCUMULATED (it is the residual stream gradient). dw accumulated. */
void rmsnorm_backward(float *dinp, float *dw, const float *dout, const float *inp, const float *w,
                      const float *rstd, int n, int c);

/* ---- rotary embeddings, HF rotate_half convention (rope.c) ---- */
typedef struct {
    int head_dim;
    int max_pos;
    float *cos, *sin; /* [max_pos, head_dim/2] */
} RopeTable;
/* inv_freq[head_dim/2] given by the caller (rope scaling lives in the model). */
void rope_table_init(RopeTable *t, const float *inv_freq, int head_dim, int max_pos);
void rope_table_free(RopeTable *t);
/* Rotate x[n, n_heads*head_dim] in place; pos[i] is row i's position. */
void rope_forward(float *x, const int *pos, int n, int n_heads, const RopeTable *t);
/* Gradient of rope_forward: the inverse rotation, in place. */
void rope_backward(float *dx, const int *pos, int n, int n_heads, const RopeTable *t);

/* ---- causal self-attention with grouped-query heads (attention.c) ----
 * q [B*T, nh*hd], k,v [B*T, nkv*hd], out [B*T, nh*hd], lse [B, nh, T] (the
 * log-sum-exp of each softmax row, kept so backward can rebuild the
 * probabilities without storing B*nh*T*T floats). Query head h reads kv head
 * h / (nh/nkv), as HF repeat_kv. */
void attention_forward(float *out, float *lse, const float *q, const float *k, const float *v, int B, int T,
                       int nh, int nkv, int hd);
/* Decoding attention over a KV cache (attention_cached.c): row r's query
 * q[r] attends to positions 0..pos[r] of sequence seq[r], whose keys and
 * values are k_cache/v_cache [n_seq][max_len][nkv*hd]. scores: scratch of
 * n * nh * max_len floats. No lse: nothing differentiates through it. */
void attention_forward_cached(float *out, const float *q, const float *k_cache, const float *v_cache,
                              const int *seq, const int *pos, int n, int max_len, int nh, int nkv, int hd,
                              float *scores);
/* dq, dk, dv overwritten. */
void attention_backward(float *dq, float *dk, float *dv, const float *dout, const float *q, const float *k,
                        const float *v, const float *out, const float *lse, int B, int T, int nh, int nkv, int hd);

/* ---- SwiGLU (activation.c): h = silu(gate) * up ---- */
void swiglu_forward(float *h, const float *gate, const float *up, size_t n);
void swiglu_backward(float *dgate, float *dup, const float *dh, const float *gate, const float *up, size_t n);

/* ---- softmax family (softmax.c) ---- */
/* log-softmax of one row, in double for the reductions; returns logsumexp. */
double log_softmax_row(float *out, const float *logits, int v);
/* Mean next-token cross-entropy over n rows: returns sum of -log p(target)
 * over rows with target >= 0; if dlogits != NULL writes
 * scale * (softmax - onehot) (rows with target < 0 get zeros). dlogits may
 * alias logits. */
double cross_entropy_forward_backward(float *dlogits, const float *logits, const int *targets, int n, int v,
                                      float scale);

/* ---- embedding lookup and element-wise updates (cpu/elementwise.c) ---- */
/* x[i, :] = table[ids[i], :] for n rows of d. */
void embedding_forward(float *x, const float *table, const int *ids, size_t n, int d);
/* dtable[ids[i], :] += dx[i, :], rows added in order (a repeated id sums
 * its rows in row order, so the result does not depend on threads). */
void embedding_backward(float *dtable, const float *dx, const int *ids, size_t n, int d);
/* y += x. */
void add_inplace(float *y, const float *x, size_t n);
/* x *= s. */
void scale_inplace(float *x, size_t n, float s);

/* ---- the unlearning objectives' losses (cpu/loss.c) ----
 * Logits [B*T, V] hold B sequences of T rows; targets [B*T] are next-token
 * ids, < 0 where a row is not scored. Per-sequence and total sums are formed
 * in a fixed order, so only B numbers (or one) reach the caller. */
/* nll[s] = sum over the scored rows of sequence s of lse(row) - row[y]. */
void sequence_nll(double *nll, const float *logits, const int *targets, int B, int T, int V);
/* pbar[s] = mean over the rows of sequence s with label y >= 0 of softmax(row)[y] (0 if none). */
void sequence_mean_prob(double *pbar, const float *logits, const int *labels, int B, int T, int V);
/* Rows of sequence s: dlogits = coef[s] * (softmax - onehot(y)); zero where
 * y < 0 or coef[s] == 0. dlogits may alias logits. */
void sequence_nll_grad(float *dlogits, const float *logits, const int *targets, int B, int T, int V,
                       const float *coef);
/* Sum over n rows of KL(softmax(ref) || softmax(logits)); logits are
 * overwritten by their gradient w * (p - p_ref). */
double kl_rows_forward_backward(float *logits, const float *ref_logits, int n, int v, float w);
/* Sum over the rows with target >= 0 of KL(uniform || softmax(logits));
 * logits are overwritten by w * (p - 1/V), zero in unscored rows. */
double uniform_kl_rows_forward_backward(float *logits, const int *targets, int n, int v, float w);
/* mean((h - target)^2) over rows x d, target one row [d] broadcast
 * (target_is_row) or [rows, d]; dh = w * 2 (h - target) / (rows d). */
double mse_forward_backward(float *dh, const float *h, const float *target, int target_is_row, size_t rows, int d,
                            float w);

/* ---- optimizer updates (optim_kernels.c) ---- */
/* torch.optim.AdamW step for n values; step is 1-based; wd decoupled. */
void adamw_update(float *p, const float *g, float *m, float *v, size_t n, float lr, float beta1, float beta2,
                  float eps, float weight_decay, long step);
void sgd_update(float *p, const float *g, size_t n, float lr, float weight_decay);

#endif
