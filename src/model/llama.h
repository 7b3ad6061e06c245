/* A Llama-family decoder (HF LlamaForCausalLM / Qwen2ForCausalLM semantics)
 * in the llm.c manner: one buffer of parameters, one of gradients, one of
 * activations sized per (batch, sequence length), and a forward and backward
 * function per layer. */
#ifndef DUSK_LLAMA_H
#define DUSK_LLAMA_H

#include <stddef.h>
#include <stdint.h>

#include "model/config.h"
#include "ops/ops.h"

typedef struct {
    char name[96];     /* HF tensor name */
    int ndim;
    int64_t shape[2];
    size_t offset;     /* into Model.params / Model.grads (floats) */
    size_t numel;
    int no_decay;      /* biases and norm weights: no weight decay */
    int trainable;     /* 0 = frozen: no gradient is computed for it */
} ParamInfo;

typedef struct {
    float *input_norm, *q, *q_bias, *k, *k_bias, *v, *v_bias, *o, *o_bias;
    float *post_norm, *gate, *up, *down;
} LayerWeights;

typedef struct {
    ModelConfig cfg;
    int n_tensors;
    ParamInfo *tensors;
    size_t n_params;      /* floats in the parameter buffer */
    float *params;        /* the one parameter buffer */
    float *grads;         /* the one gradient buffer (NULL until needed) */
    float *embed, *final_norm, *lm_head; /* lm_head == embed when tied */
    LayerWeights *layers;
    RopeTable rope;
} Model;

/* Activations for one (B, T). With recompute, only each layer's input is
 * kept and a layer's internals are rebuilt during backward. */
typedef struct {
    int B, T, recompute, n_slots;
    int head_rows;        /* > 0: a fused head (activations_alloc_fused_head), logits is one [head_rows, V] block */
    int logits_block_r0;  /* fused head: the first row of the block of logits the buffer holds, -1 when none */
    float *buffer;
    int *pos;             /* [B*T] position of each row */
    int *ids, *targets;   /* [B*T] the ids of the last model_forward, and each row's next id (-1 at the end) */
    float **x;            /* [L+1] residual stream: x[l] is layer l's input */
    /* per slot (L slots, or 1 with recompute): */
    float **rstd1, **xn1, **q, **k, **v, **att, **lse, **x_mid, **rstd2, **xn2, **gate, **up, **h;
    float *rstd_f, *xf, *logits; /* final norm and lm_head */
    /* backward work space */
    float *dx, *dxn, *dq, *dk, *dv, *datt, *dgate, *dup, *dh;
} Activations;

/* One decoder layer's input, output and intermediates over n rows: a slot of
 * the training activations, or the decoder's scratch. rstd1, rstd2 and lse
 * may be NULL where nothing reads them (forward-only use); out may be x
 * itself (x is not read once x_mid is formed), h may be gate, xn2 may be xn1. */
typedef struct {
    int n;
    const int *pos; /* [n] position of each row */
    const float *x;
    float *out;
    float *rstd1, *xn1, *q, *k, *v, *att, *lse, *x_mid, *rstd2, *xn2, *gate, *up, *h;
} LayerRows;

/* Keys and values of earlier positions for decoding, per layer and sequence:
 * k, v [L][n_seq][max_len][nkv*hd] (rotary embedding applied to k). */
typedef struct {
    int n_seq, max_len;
    float *k, *v;
    float *scores; /* attention scratch, [max_rows * nh * max_len] */
} KvCache;

void kv_cache_alloc(KvCache *c, const Model *m, int n_seq, int max_len, int max_rows);
void kv_cache_free(KvCache *c);

/* Decoder layer l over r->n rows: out = x_mid + down(silu(gate(n2)) * up(n2)),
 * x_mid = x + o(attn(rope(q(n1)), rope(k(n1)), v(n1))), n1 = rms(x), n2 = rms(x_mid).
 * Without a cache (training, scoring) the rows are B sequences of T tokens
 * (n = B*T) attending causally among themselves. With one, row i belongs to
 * sequence seq[i]: its key/value are stored in the cache at pos[i] and its
 * query attends to positions 0..pos[i] of that sequence's cache. The same
 * code either way, so decoding computes exactly what training does. */
void layer_forward(const Model *m, int l, const LayerRows *r, int B, int T, KvCache *cache, const int *seq);

/* x[i] = embedding of ids[i], for n rows (ids in backend memory). */
void model_embed(const Model *m, float *x, const int *ids, size_t n);

/* The name of the first tensor holding a NaN or infinity, or NULL (finite.c). */
const char *model_nonfinite_tensor(const Model *m);

/* Build the tensor table and allocate parameters (zeroed) for cfg. */
int model_create(Model *m, const ModelConfig *cfg);
void model_free(Model *m);
/* dst = a copy of src's config and parameters (no gradients). */
int model_clone(Model *dst, const Model *src);
/* Random init as HF _init_weights: N(0, initializer_range) for linear and
 * embedding weights, 1 for norms, 0 for biases. */
void model_init_random(Model *m, uint64_t seed);
const ParamInfo *model_find_tensor(const Model *m, const char *name);
/* Parameters copied to a new host buffer (free() it), and back. On the CPU
 * backend these are plain copies; with a GPU they are the only way the
 * host sees or sets the numbers (checkpoints, initialisation). */
float *model_params_to_host(const Model *m);
void model_params_from_host(Model *m, const float *host);
/* Gradient buffer (allocated and zeroed on first call). */
void model_zero_grads(Model *m);
/* Freeze/unfreeze every tensor, or one by HF name (-1 if unknown). */
void model_set_all_trainable(Model *m, int trainable);
int model_set_trainable(Model *m, const char *name, int trainable);

void activations_alloc(Activations *a, const Model *m, int B, int T, int recompute);
/* Training activations for model_head_pass (every unlearning objective):
 * as activations_alloc, but the logits are one block of rows (never
 * [B*T, V]: 2 GiB for a Llama-3 vocabulary at B 4 x T 1024) and
 * model_forward stops at the final norm. */
void activations_alloc_fused_head(Activations *a, const Model *m, int B, int T, int recompute);
/* A frozen reference model's activations: a fused head's logits block, one
 * recompute slot and no backward work space (it is never differentiated);
 * model_hidden still reads every layer's output. */
void activations_alloc_reference(Activations *a, const Model *m, int B, int T);
/* Forward-only activations (one recompute slot) without the [B*T, V] logits
 * block or the backward work space: model_forward then stops at the final
 * norm, a->xf, and the caller projects only the rows it scores. */
void activations_alloc_hidden(Activations *a, const Model *m, int B, int T);
/* Forward-only activations with the [B*T, V] logits (one slot, no backward
 * work space): what scoring every position needs, a quarter of
 * activations_alloc's memory at 12 layers. */
void activations_alloc_scoring(Activations *a, const Model *m, int B, int T);
void activations_free(Activations *a);
/* Make a (zeroed, or allocated by an activations_alloc*) fit B x T
 * sequences: kept as it is when its shape and recompute mode already match
 * (forward-only activations have no recompute mode: theirs is kept),
 * reallocated otherwise as the same kind (a zeroed one: activations_alloc),
 * so a loop over batches allocates only when the shape changes. */
void activations_ensure(Activations *a, const Model *m, int B, int T, int recompute);

/* Forward over ids[B*T] (HOST; each row of T tokens one sequence, positions
 * 0..T-1), which it copies to a->ids, with their next-token targets to a->targets.
 * Runs layers 0..n_layers-1; when n_layers == L it also applies the final
 * norm and lm_head, filling a->logits [B*T, V]. */
void model_forward(Model *m, Activations *a, const int *ids, int n_layers);

/* Backward after model_forward (over the ids it saw, a->ids). dlogits
 * [B*T, V] (may be a->logits itself, overwritten) is the gradient on the
 * logits, or NULL. dhidden [B*T, d] is a
 * gradient injected at the output hidden state of layer inject_layer (or NULL).
 * Gradients ACCUMULATE into m->grads for trainable tensors only; layers below
 * the lowest trainable tensor are skipped. */
void model_backward(Model *m, Activations *a, float *dlogits, int inject_layer, const float *dhidden);

/* The fused lm_head, after model_forward on fused-head activations: the
 * logits of a->head_rows rows at a time, each block handed to a function
 * before the next reuses the memory. */
/* One block of a fused head's rows r0..r0+n-1: logits [n, V]. With grad the
 * function overwrites them with dLoss/dlogits; without, it must leave them
 * unchanged. */
typedef void (*HeadBlockFn)(void *ctx, float *logits, int r0, int n, int grad);
/* For each block: logits = xf W^T (skipped when the buffer still holds that
 * block's logits from a pass without backward since the last model_forward:
 * a batch of one block is projected once for any number of passes, and a
 * pass starts with the block it finds), then fn; with backward, the block's gradient goes through the head (into the
 * head's gradient and the final hidden states), and after the last block
 * the rest of the backward runs, as model_backward. */
void model_head_pass(Model *m, Activations *a, HeadBlockFn fn, void *ctx, int backward);
/* Projects rows r0..r0+n-1 (n <= a->head_rows) of a->xf through m's
 * lm_head into a->logits and returns it (for a frozen reference's block). */
float *model_head_logits(const Model *m, Activations *a, int r0, int n);
/* The next-token cross-entropy against a->targets by model_head_pass: its
 * sum over scored rows is returned, and with backward its gradient
 * scale * (softmax - onehot) is sent back through the model. */
double model_cross_entropy(Model *m, Activations *a, float scale, int backward);

/* Output hidden state of layer l after model_forward (= a->x[l+1]). */
const float *model_hidden(const Activations *a, int layer);

#endif
