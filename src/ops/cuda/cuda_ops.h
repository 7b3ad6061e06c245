/* CUDA twins of the kernels of ops/ops.h (and reduce.h's sum of squares),
 * callable from C. Same shapes, layouts and accumulate/overwrite rules as
 * the CPU kernel of the same name; every pointer is DEVICE memory
 * (cuda_mem.h), including positions and targets. Each returns 0, or -1
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

/* linear: cuBLAS sgemm, fp32 (TF32 off). */
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

/* The objectives' losses (ops.h); results come back to HOST memory: nll,
 * pbar [B], the totals, and coef [B] is read from the host. */
int cuda_sequence_nll(double *nll, const float *logits, const int *targets, int B, int T, int V);
int cuda_sequence_mean_prob(double *pbar, const float *logits, const int *labels, int B, int T, int V);
int cuda_sequence_nll_grad(float *dlogits, const float *logits, const int *targets, int B, int T, int V,
                           const float *coef);
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
