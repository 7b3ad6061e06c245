/* The CPU implementations of the kernels of ops/ops.h: the same name with
 * cpu_ in front, the same arguments and rules (ops.c calls them when the
 * backend is the CPU). Pointers here are plain host memory. Only ops.c, the
 * CPU kernels themselves and code that scores HOST arrays (the MIA
 * accumulator, tests) include this header. */
#ifndef DUSK_CPU_OPS_H
#define DUSK_CPU_OPS_H

#include <stddef.h>

#include "ops/ops.h"

/* log-softmax of one row, in double for the reductions; returns logsumexp
 * (out may be NULL). */
double cpu_log_softmax_row(float *out, const float *logits, int v);
/* One row of the cross-entropy of ops.h: returns lse(row) - row[t] (0 when
 * t < 0); with d (may be row itself) writes scale * (softmax - onehot(t)),
 * zeros when t < 0. */
double cpu_cross_entropy_row(float *d, const float *row, int t, int v, float scale);
/* The first maximum of x[0..n), or -1 when x holds a NaN or an infinity. */
int cpu_argmax(const float *x, int n);
/* One row of logprob_row_stats. */
void cpu_logprob_stats_row(const float *logits, int v, int target, double *lp, double *mu, double *sigma);
/* cos/sin [max_pos, head_dim/2] of a RopeTable, filled on the host. */
void cpu_rope_table_fill(float *cos_out, float *sin_out, const float *inv_freq, int head_dim, int max_pos);

void cpu_gemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda, const float *b,
    int ldb, float beta, float *c, int ldc);
void cpu_linear_forward(float *out, const float *inp, const float *w, const float *bias, int n, int in, int out_dim);
void cpu_linear_backward(float *dinp, float *dw, float *dbias, const float *dout, const float *inp,
    const float *w, int n, int in, int out_dim, int accumulate_dinp);
void cpu_rmsnorm_forward(float *out, float *rstd, const float *inp, const float *w, int n, int c, float eps);
void cpu_rmsnorm_backward(float *dinp, float *dw, const float *dout, const float *inp, const float *w,
    const float *rstd, int n, int c);
void cpu_rope_forward(float *x, const int *pos, int n, int n_heads, const RopeTable *t);
void cpu_rope_backward(float *dx, const int *pos, int n, int n_heads, const RopeTable *t);
void cpu_attention_forward(float *out, float *lse, const float *q, const float *k, const float *v, int B, int T,
    int nh, int nkv, int hd);
void cpu_attention_forward_cached(float *out, const float *q, const float *k_cache, const float *v_cache,
    const int *seq, const int *pos, int n, int max_len, int nh, int nkv, int hd, float *scores);
void cpu_attention_backward(float *dq, float *dk, float *dv, const float *dout, const float *q, const float *k,
    const float *v, const float *out, const float *lse, int B, int T, int nh, int nkv, int hd);
void cpu_swiglu_forward(float *h, const float *gate, const float *up, size_t n);
void cpu_swiglu_backward(float *dgate, float *dup, const float *dh, const float *gate, const float *up, size_t n);
double cpu_cross_entropy_forward_backward(float *dlogits, const float *logits, const int *targets, int n, int v,
    float scale);
void cpu_embedding_forward(float *x, const float *table, const int *ids, size_t n, int d);
void cpu_embedding_backward(float *dtable, const float *dx, const int *ids, size_t n, int d);
void cpu_zero(void *p, size_t bytes);
/* Uninitialised host memory on a 2 MiB boundary, asked onto transparent huge
 * pages (host_memory.c); free() releases it. cpu_alloc_is_large: whether a
 * buffer of that size is worth it (2 MiB or more). */
void *cpu_alloc_large(size_t bytes);
int cpu_alloc_is_large(size_t bytes);
void cpu_add_inplace(float *y, const float *x, size_t n);
void cpu_scale_inplace(float *x, size_t n, float s);
void cpu_rows_nll(double *nll, const float *logits, const int *labels, int n, int V);
void cpu_rows_nll_grad(float *dlogits, const float *logits, const int *labels, int n, int V, const float *coef);
double cpu_kl_rows_forward_backward(float *logits, const float *ref_logits, int n, int v, float w);
double cpu_uniform_kl_rows_forward_backward(float *logits, const int *targets, int n, int v, float w);
double cpu_mse_forward_backward(float *dh, const float *h, const float *target, int target_is_row, size_t rows,
    int d, float w);
void cpu_adamw_update(float *p, const float *g, float *m, float *v, size_t n, float lr, float beta1, float beta2,
    float eps, float weight_decay, long step);
void cpu_sgd_update(float *p, const float *g, size_t n, float lr, float weight_decay);
void cpu_argmax_rows(int *best, const float *x, int n, int v);
void cpu_logsumexp_rows(double *lse, const float *x, int n, int v);
void cpu_gather_values(float *out, const float *x, const int *rows, const int *cols, int n, size_t ld);
void cpu_gather_rows(float *dst, const float *src, const int *rows, int n, int d);
void cpu_logprob_row_stats(double *lp, double *mu, double *sigma, const float *logits, const int *targets, int n,
    int v);
int cpu_all_finite(const float *x, size_t n);
void cpu_negated_task_vector(float *out, const float *base, const float *finetuned, size_t n, float alpha);
void cpu_kv_store_rows(float *cache, const float *x, const int *seq, const int *pos, int n, int max_len, int d);

#endif
