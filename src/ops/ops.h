/* The numeric kernels of the engine and the memory they work on, behind one
 * small interface, so that the model, trainer, objectives and metrics run
 * unchanged on the CPU (ops/cpu/) or a GPU (ops/cuda/); ops.c picks one.
 *
 * Conventions: row-major fp32; "N" rows of a [N, C] activation; linear weights
 * are stored as HF does, W[out, in], so y = x W^T + b. Backward functions
 * ACCUMULATE (+=) into parameter gradients and, unless stated otherwise,
 * OVERWRITE input gradients. A NULL gradient pointer means "not needed".
 * Every pointer a kernel takes is BACKEND memory (ops_alloc), ids, targets
 * and positions included, unless its comment says HOST: results of a few
 * numbers per row (losses, argmax, scores) come back to the host. */
#ifndef DUSK_OPS_H
#define DUSK_OPS_H

#include <stddef.h>

/* ---- the backend and its memory (ops.c) ----
 * One process-wide device, chosen once before any model exists (as the
 * precision below): "cpu" (the default) or "cuda" (only a make CUDA=1 build,
 * on a machine with an NVIDIA GPU). On the CPU backend memory is host memory;
 * DUSK_OPS_GUARD=1 makes it behave like a device's: it is unreadable outside
 * ops calls and every kernel checks that its pointers are backend memory, so
 * a host loop over device data, or host data handed to a kernel, stops the
 * run with the kernel's name instead of crashing a GPU run later.
 * A failing backend call (a CUDA error, device memory exhausted) prints its
 * message and exits with status 1: every output of dusk is written under a
 * temporary name and renamed, so nothing half-written remains. */
typedef enum { DEVICE_CPU = 0, DEVICE_CUDA = 1 } Device;
/* "cpu" | "cuda"; -1 with dusk_error for another name, a build without CUDA,
 * or no usable GPU. */
int ops_set_device(const char *name);
Device ops_device(void);
const char *ops_device_name(void);
/* Zeroed backend memory of `bytes` (0 allowed; never NULL). */
void *ops_alloc(size_t bytes);
void ops_free(void *p); /* NULL allowed */
void ops_zero(void *p, size_t bytes);
void ops_upload(void *dst, const void *src_host, size_t bytes);
void ops_download(void *dst_host, const void *src, size_t bytes);
void ops_copy(void *dst, const void *src, size_t bytes); /* backend to backend */
/* Waits until every queued kernel has finished (a GPU runs them
 * asynchronously; a timer must call this before reading the clock). */
void ops_sync(void);
/* Highest sum of live backend allocations so far in bytes (cuda only: 0 on
 * the CPU backend, whose memory the benchmarks do not count). */
size_t ops_memory_peak(void);

/* ---- matrix products (cpu/gemm.c; cuda/cuda_matmul.cu) ----
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
GemmImpl ops_gemm_impl(void);
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
    float *cos, *sin; /* backend, [max_pos, head_dim/2] */
} RopeTable;
/* inv_freq[head_dim/2] (HOST) given by the caller (rope scaling lives in the model). */
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
 * Over any block of n rows of logits [n, V] (a fused head's block, or all
 * B*T rows); labels [n] are target ids, < 0 where a row is not scored.
 * Per-row values come back to the HOST (nll [n]; coef [n] is read from it),
 * so the caller forms per-sequence sums in a fixed order. */
/* nll[i] = logsumexp(row i) - row_i[labels[i]] (0 where labels[i] < 0). */
void rows_nll(double *nll, const float *logits, const int *labels, int n, int V);
/* dlogits row i = coef[i] * (softmax(row i) - onehot(labels[i])); zero where
 * labels[i] < 0 or coef[i] == 0. dlogits may alias logits. */
void rows_nll_grad(float *dlogits, const float *logits, const int *labels, int n, int V, const float *coef);
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

/* ---- scoring rows of logits (cpu/rows.c) ---- */
/* best[i] = the index of row i's maximum (the first on ties, as
 * torch.argmax), or -1 when the row holds a NaN or an infinity (greedy
 * decoding must not pick a token from logits that overflowed); best is
 * HOST [n]. */
void argmax_rows(int *best, const float *x, int n, int v);
/* lse[i] = log sum_j exp(x[i, j]), reduced in double; lse is HOST [n]. */
void logsumexp_rows(double *lse, const float *x, int n, int v);
/* out[i] = x[rows[i] * ld + cols[i]]; out, rows, cols are HOST [n]. */
void gather_values(float *out, const float *x, const int *rows, const int *cols, int n, size_t ld);
/* dst[i, :] = src[rows[i], :] for n rows of d; rows is HOST [n]. */
void gather_rows(float *dst, const float *src, const int *rows, int n, int d);
/* The log-softmax statistics of Min-K%++ per row of logits [n, v]:
 * lp = log p(targets[i]), mu = E_p[log p], sigma = sd_p[log p] (HOST [n]
 * each; all three NaN for a row holding a NaN or whose max is infinite). */
void logprob_row_stats(double *lp, double *mu, double *sigma, const float *logits, const int *targets, int n, int v);

/* ---- whole-buffer arithmetic (cpu/elementwise.c, cpu/reduce.c) ---- */
/* 1 when every x[i] is finite. */
int all_finite(const float *x, size_t n);
/* sum of x[i]^2 in double, in a fixed order (the same at any thread count). */
double sum_squares(const float *x, size_t n);
/* out = base - alpha * (finetuned - base): the negated task vector. */
void negated_task_vector(float *out, const float *base, const float *finetuned, size_t n, float alpha);
/* Decoding's KV cache: cache[seq[i]][pos[i]][:] = x[i, :] for n rows of d,
 * cache [n_seq][max_len][d]. */
void kv_store_rows(float *cache, const float *x, const int *seq, const int *pos, int n, int max_len, int d);

/* ---- optimizer updates (optim_kernels.c) ---- */
/* torch.optim.AdamW step for n values; step is 1-based; wd decoupled. */
void adamw_update(float *p, const float *g, float *m, float *v, size_t n, float lr, float beta1, float beta2,
                  float eps, float weight_decay, long step);
void sgd_update(float *p, const float *g, size_t n, float lr, float weight_decay);

#endif
