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

/* ---- optimizer updates (optim_kernels.c) ---- */
/* torch.optim.AdamW step for n values; step is 1-based; wd decoupled. */
void adamw_update(float *p, const float *g, float *m, float *v, size_t n, float lr, float beta1, float beta2,
                  float eps, float weight_decay, long step);
void sgd_update(float *p, const float *g, size_t n, float lr, float weight_decay);

#endif
