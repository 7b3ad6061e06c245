/* Parameter layout, activation layout, forward and backward of the decoder. */
#include "model/llama.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/parallel.h"
#include "util/err.h"
#include "util/rng.h"

/* ------------------------------------------------------------------ */
/* parameters                                                          */

static void add_tensor(Model *m, int *cap, const char *name, int64_t rows, int64_t cols, int no_decay) {
    if (m->n_tensors == *cap) {
        *cap = *cap ? 2 * *cap : 64;
        m->tensors = xrealloc(m->tensors, sizeof(ParamInfo) * (size_t)*cap);
    }
    ParamInfo *p = &m->tensors[m->n_tensors++];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    p->ndim = cols > 0 ? 2 : 1;
    p->shape[0] = rows;
    p->shape[1] = cols;
    p->numel = (size_t)rows * (size_t)(cols > 0 ? cols : 1);
    p->offset = m->n_params;
    p->no_decay = no_decay;
    p->trainable = 1;
    m->n_params += p->numel;
}

static void build_table(Model *m) {
    const ModelConfig *c = &m->cfg;
    int cap = 0, d = c->hidden_size, qd = c->num_attention_heads * c->head_dim;
    int kvd = c->num_key_value_heads * c->head_dim, ff = c->intermediate_size;
    char name[96];
    add_tensor(m, &cap, "model.embed_tokens.weight", c->vocab_size, d, 0);
    for (int l = 0; l < c->num_hidden_layers; l++) {
#define T2(suffix, r, cc, nd)                                        \
    snprintf(name, sizeof name, "model.layers.%d.%s", l, suffix); \
    add_tensor(m, &cap, name, r, cc, nd)
        T2("input_layernorm.weight", d, 0, 1);
        T2("self_attn.q_proj.weight", qd, d, 0);
        if (c->qkv_bias) { T2("self_attn.q_proj.bias", qd, 0, 1); }
        T2("self_attn.k_proj.weight", kvd, d, 0);
        if (c->qkv_bias) { T2("self_attn.k_proj.bias", kvd, 0, 1); }
        T2("self_attn.v_proj.weight", kvd, d, 0);
        if (c->qkv_bias) { T2("self_attn.v_proj.bias", kvd, 0, 1); }
        T2("self_attn.o_proj.weight", d, qd, 0);
        if (c->o_bias) { T2("self_attn.o_proj.bias", d, 0, 1); }
        T2("post_attention_layernorm.weight", d, 0, 1);
        T2("mlp.gate_proj.weight", ff, d, 0);
        T2("mlp.up_proj.weight", ff, d, 0);
        T2("mlp.down_proj.weight", d, ff, 0);
#undef T2
    }
    add_tensor(m, &cap, "model.norm.weight", d, 0, 1);
    if (!c->tie_word_embeddings) add_tensor(m, &cap, "lm_head.weight", c->vocab_size, d, 0);
}

const ParamInfo *model_find_tensor(const Model *m, const char *name) {
    for (int i = 0; i < m->n_tensors; i++)
        if (strcmp(m->tensors[i].name, name) == 0) return &m->tensors[i];
    return NULL;
}

static float *tensor_or_null(const Model *m, const char *fmt, int layer) {
    char name[96];
    snprintf(name, sizeof name, fmt, layer);
    const ParamInfo *p = model_find_tensor(m, name);
    return p ? m->params + p->offset : NULL;
}

static void bind_pointers(Model *m) {
    const ModelConfig *c = &m->cfg;
    m->embed = m->params + model_find_tensor(m, "model.embed_tokens.weight")->offset;
    m->final_norm = m->params + model_find_tensor(m, "model.norm.weight")->offset;
    m->lm_head = c->tie_word_embeddings ? m->embed : m->params + model_find_tensor(m, "lm_head.weight")->offset;
    m->layers = xcalloc((size_t)c->num_hidden_layers, sizeof(LayerWeights));
    for (int l = 0; l < c->num_hidden_layers; l++) {
        LayerWeights *w = &m->layers[l];
        w->input_norm = tensor_or_null(m, "model.layers.%d.input_layernorm.weight", l);
        w->q = tensor_or_null(m, "model.layers.%d.self_attn.q_proj.weight", l);
        w->q_bias = tensor_or_null(m, "model.layers.%d.self_attn.q_proj.bias", l);
        w->k = tensor_or_null(m, "model.layers.%d.self_attn.k_proj.weight", l);
        w->k_bias = tensor_or_null(m, "model.layers.%d.self_attn.k_proj.bias", l);
        w->v = tensor_or_null(m, "model.layers.%d.self_attn.v_proj.weight", l);
        w->v_bias = tensor_or_null(m, "model.layers.%d.self_attn.v_proj.bias", l);
        w->o = tensor_or_null(m, "model.layers.%d.self_attn.o_proj.weight", l);
        w->o_bias = tensor_or_null(m, "model.layers.%d.self_attn.o_proj.bias", l);
        w->post_norm = tensor_or_null(m, "model.layers.%d.post_attention_layernorm.weight", l);
        w->gate = tensor_or_null(m, "model.layers.%d.mlp.gate_proj.weight", l);
        w->up = tensor_or_null(m, "model.layers.%d.mlp.up_proj.weight", l);
        w->down = tensor_or_null(m, "model.layers.%d.mlp.down_proj.weight", l);
    }
}

int model_create(Model *m, const ModelConfig *cfg) {
    memset(m, 0, sizeof *m);
    if (config_validate(cfg, "model config") != 0) return -1;
    m->cfg = *cfg;
    m->cfg.source_json = cfg->source_json ? xstrdup(cfg->source_json) : NULL; /* the model owns its copy */
    build_table(m);
    m->params = ops_alloc(m->n_params * sizeof(float));
    bind_pointers(m);
    float *inv_freq = xmalloc(sizeof(float) * (size_t)(cfg->head_dim / 2));
    config_rope_inv_freq(cfg, inv_freq);
    rope_table_init(&m->rope, inv_freq, cfg->head_dim, cfg->max_position_embeddings);
    free(inv_freq);
    return 0;
}

void model_free(Model *m) {
    free(m->tensors);
    ops_free(m->params);
    ops_free(m->grads);
    free(m->layers);
    rope_table_free(&m->rope);
    config_free(&m->cfg);
    memset(m, 0, sizeof *m);
}

int model_clone(Model *dst, const Model *src) {
    if (model_create(dst, &src->cfg) != 0) return -1;
    ops_copy(dst->params, src->params, sizeof(float) * src->n_params);
    return 0;
}

void model_init_random(Model *m, uint64_t seed) {
    Rng rng;
    rng_seed(&rng, seed);
    float *host = xmalloc(m->n_params * sizeof(float));
    for (int i = 0; i < m->n_tensors; i++) {
        ParamInfo *p = &m->tensors[i];
        float *w = host + p->offset;
        int is_norm = strstr(p->name, "norm") != NULL, is_bias = strstr(p->name, ".bias") != NULL;
        for (size_t j = 0; j < p->numel; j++)
            w[j] = is_norm ? 1.0f : is_bias ? 0.0f : (float)(rng_normal(&rng) * m->cfg.initializer_range);
    }
    model_params_from_host(m, host);
    free(host);
}

float *model_params_to_host(const Model *m) {
    float *host = xmalloc(m->n_params * sizeof(float));
    ops_download(host, m->params, m->n_params * sizeof(float));
    return host;
}

void model_params_from_host(Model *m, const float *host) {
    ops_upload(m->params, host, m->n_params * sizeof(float));
}

void model_zero_grads(Model *m) {
    if (!m->grads) m->grads = ops_alloc(m->n_params * sizeof(float));
    else ops_zero(m->grads, m->n_params * sizeof(float));
}

void model_set_all_trainable(Model *m, int trainable) {
    for (int i = 0; i < m->n_tensors; i++) m->tensors[i].trainable = trainable;
}

int model_set_trainable(Model *m, const char *name, int trainable) {
    for (int i = 0; i < m->n_tensors; i++)
        if (strcmp(m->tensors[i].name, name) == 0) {
            m->tensors[i].trainable = trainable;
            return 0;
        }
    return dusk_error("no tensor named '%s'", name);
}

/* The gradient of parameter w, or NULL when w is absent or frozen. */
static float *grad_of(const Model *m, const float *w) {
    if (!w) return NULL;
    size_t off = (size_t)(w - m->params);
    for (int i = 0; i < m->n_tensors; i++)
        if (m->tensors[i].offset == off) return m->tensors[i].trainable ? m->grads + off : NULL;
    return NULL;
}

/* ------------------------------------------------------------------ */
/* activations                                                         */

/* Rows of one logits block of the fused head: as many as fit in 2^24 floats
 * (64 MiB) on the CPU, at least 256 (the GEMM's efficiency), at most all. A
 * Llama-3 vocabulary gets 256-row blocks of 131 MB instead of 2 GiB of
 * logits at B 4 x T 1024; a small vocabulary gets one block, the plain
 * path's bits. On a GPU the budget is 2^27 floats (512 MiB, 1046 rows of a
 * Llama-3 vocabulary: 4 blocks at B 4 x T 1024 instead of 16): in bf16 every
 * block's products round the whole lm_head (263M weights at 1B) to bf16
 * again, forward and backward, ~50 GB of memory traffic a step in 16 blocks
 * (~12 ms of a ~60 ms step), ~12 GB in 4. DUSK_FUSED_HEAD_ROWS=n sets it
 * (the tests use a few rows, so that tiny models run many blocks). */
static size_t head_block_rows(size_t N, size_t V) {
    size_t r = ((size_t)1 << (ops_device() == DEVICE_CUDA ? 27 : 24)) / V;
    if (r < 256) r = 256;
    const char *forced = getenv("DUSK_FUSED_HEAD_ROWS");
    if (forced && atol(forced) > 0) r = (size_t)atol(forced);
    return r < N ? r : N;
}

/* logit_rows: 0 (no logits), N (all), or a fused head's block rows. */
static void activations_alloc_impl(Activations *a, const Model *m, int B, int T, int recompute, size_t logit_rows,
                                   int with_backward) {
    const ModelConfig *c = &m->cfg;
    size_t N = (size_t)B * T, d = c->hidden_size, L = c->num_hidden_layers, ff = c->intermediate_size;
    size_t qd = (size_t)c->num_attention_heads * c->head_dim, kvd = (size_t)c->num_key_value_heads * c->head_dim;
    size_t nh = c->num_attention_heads, V = (size_t)c->vocab_size;
    memset(a, 0, sizeof *a);
    a->B = B;
    a->T = T;
    a->recompute = recompute;
    a->logits_block_r0 = -1;
    a->n_slots = recompute ? 1 : (int)L;
    size_t S = a->n_slots;
    size_t per_slot = N * (2 + 3 * d + 2 * qd + 2 * kvd + 3 * ff) + (size_t)B * nh * T;
    size_t back = with_backward ? N * (2 * d + 2 * qd + 2 * kvd + 3 * ff) : 0;
    size_t total = (L + 1) * N * d + S * per_slot + N * (1 + d) + logit_rows * V + back;
    a->buffer = ops_alloc(total * sizeof(float));
    float *p = a->buffer;
#define TAKE(n) (p += (n), p - (n))
    a->x = xmalloc(sizeof(float *) * (L + 1));
    for (size_t l = 0; l <= L; l++) a->x[l] = TAKE(N * d);
    float ***slots[] = {&a->rstd1, &a->xn1, &a->q, &a->k, &a->v, &a->att, &a->lse,
                        &a->x_mid, &a->rstd2, &a->xn2, &a->gate, &a->up, &a->h};
    size_t sizes[] = {N, N * d, N * qd, N * kvd, N * kvd, N * qd, (size_t)B * nh * T, N * d, N, N * d, N * ff, N * ff, N * ff};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        *slots[i] = xmalloc(sizeof(float *) * S);
        for (size_t s = 0; s < S; s++) (*slots[i])[s] = TAKE(sizes[i]);
    }
    a->rstd_f = TAKE(N);
    a->xf = TAKE(N * d);
    a->logits = logit_rows ? TAKE(logit_rows * V) : NULL;
    if (back) {
        a->dx = TAKE(N * d);
        a->dxn = TAKE(N * d);
        a->dq = TAKE(N * qd);
        a->datt = TAKE(N * qd);
        a->dk = TAKE(N * kvd);
        a->dv = TAKE(N * kvd);
        a->dgate = TAKE(N * ff);
        a->dup = TAKE(N * ff);
        a->dh = TAKE(N * ff);
    }
#undef TAKE
    int *pos = xmalloc(sizeof(int) * N);
    for (size_t i = 0; i < N; i++) pos[i] = (int)(i % (size_t)T);
    a->pos = ops_alloc(sizeof(int) * N);
    ops_upload(a->pos, pos, sizeof(int) * N);
    free(pos);
    a->ids = ops_alloc(sizeof(int) * N);
    a->targets = ops_alloc(sizeof(int) * N);
}

void activations_alloc(Activations *a, const Model *m, int B, int T, int recompute) {
    activations_alloc_impl(a, m, B, T, recompute, (size_t)B * T, 1);
}

/* Fused-head activations: a logits block of head_block_rows rows. */
static void fused_head_alloc(Activations *a, const Model *m, int B, int T, int recompute, int with_backward) {
    size_t rows = head_block_rows((size_t)B * T, (size_t)m->cfg.vocab_size);
    activations_alloc_impl(a, m, B, T, recompute, rows, with_backward);
    a->head_rows = (int)rows;
}

void activations_alloc_fused_head(Activations *a, const Model *m, int B, int T, int recompute) {
    fused_head_alloc(a, m, B, T, recompute, 1);
}

void activations_alloc_reference(Activations *a, const Model *m, int B, int T) {
    fused_head_alloc(a, m, B, T, 1, 0);
}

void activations_alloc_hidden(Activations *a, const Model *m, int B, int T) {
    activations_alloc_impl(a, m, B, T, 1, 0, 0);
}

void activations_alloc_scoring(Activations *a, const Model *m, int B, int T) {
    activations_alloc_impl(a, m, B, T, 1, (size_t)B * T, 0);
}

void activations_free(Activations *a) {
    if (!a->buffer) return;
    ops_free(a->buffer);
    free(a->x);
    float **lists[] = {a->rstd1, a->xn1, a->q, a->k, a->v, a->att, a->lse, a->x_mid, a->rstd2, a->xn2, a->gate, a->up, a->h};
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) free(lists[i]);
    ops_free(a->pos);
    ops_free(a->ids);
    ops_free(a->targets);
    memset(a, 0, sizeof *a);
}

void activations_ensure(Activations *a, const Model *m, int B, int T, int recompute) {
    int forward_only = a->buffer && !a->dx; /* no recompute mode to match */
    if (a->buffer && a->B == B && a->T == T && (forward_only || a->recompute == recompute)) return;
    /* a reallocation keeps the kind */
    int fused = a->head_rows > 0, all_logits = a->logits && !fused;
    activations_free(a);
    if (!forward_only) {
        if (fused) activations_alloc_fused_head(a, m, B, T, recompute);
        else activations_alloc(a, m, B, T, recompute);
    } else if (fused) {
        activations_alloc_reference(a, m, B, T);
    } else if (all_logits) {
        activations_alloc_scoring(a, m, B, T);
    } else {
        activations_alloc_hidden(a, m, B, T);
    }
}

const float *model_hidden(const Activations *a, int layer) { return a->x[layer + 1]; }

/* ------------------------------------------------------------------ */
/* forward                                                             */

void model_embed(const Model *m, float *x, const int *ids, size_t n) {
    embedding_forward(x, m->embed, ids, n, m->cfg.hidden_size);
}

void kv_cache_alloc(KvCache *c, const Model *m, int n_seq, int max_len, int max_rows) {
    const ModelConfig *cfg = &m->cfg;
    size_t kvd = (size_t)cfg->num_key_value_heads * cfg->head_dim;
    size_t n = (size_t)cfg->num_hidden_layers * n_seq * max_len * kvd;
    c->n_seq = n_seq;
    c->max_len = max_len;
    c->k = ops_alloc(n * sizeof(float));
    c->v = ops_alloc(n * sizeof(float));
    c->scores = ops_alloc((size_t)max_rows * cfg->num_attention_heads * max_len * sizeof(float));
}

void kv_cache_free(KvCache *c) {
    ops_free(c->k);
    ops_free(c->v);
    ops_free(c->scores);
    memset(c, 0, sizeof *c);
}

/* Store the rows' keys and values at (seq, pos) of layer l's cache, then
 * attend over it. */
static void cached_attention(const Model *m, int l, const LayerRows *r, KvCache *c, const int *seq) {
    const ModelConfig *cfg = &m->cfg;
    int nh = cfg->num_attention_heads, nkv = cfg->num_key_value_heads, hd = cfg->head_dim, kvd = nkv * hd;
    size_t layer = (size_t)l * c->n_seq * c->max_len * kvd;
    float *kc = c->k + layer, *vc = c->v + layer;
    kv_store_rows(kc, r->k, seq, r->pos, r->n, c->max_len, kvd);
    kv_store_rows(vc, r->v, seq, r->pos, r->n, c->max_len, kvd);
    attention_forward_cached(r->att, r->q, kc, vc, seq, r->pos, r->n, c->max_len, nh, nkv, hd, c->scores);
}

void layer_forward(const Model *m, int l, const LayerRows *r, int B, int T, KvCache *cache, const int *seq) {
    const ModelConfig *c = &m->cfg;
    const LayerWeights *w = &m->layers[l];
    int N = r->n, d = c->hidden_size, ff = c->intermediate_size;
    int nh = c->num_attention_heads, nkv = c->num_key_value_heads, hd = c->head_dim;
    rmsnorm_forward(r->xn1, r->rstd1, r->x, w->input_norm, N, d, c->rms_norm_eps);
    linear_forward(r->q, r->xn1, w->q, w->q_bias, N, d, nh * hd);
    linear_forward(r->k, r->xn1, w->k, w->k_bias, N, d, nkv * hd);
    linear_forward(r->v, r->xn1, w->v, w->v_bias, N, d, nkv * hd);
    rope_forward(r->q, r->pos, N, nh, &m->rope);
    rope_forward(r->k, r->pos, N, nkv, &m->rope);
    if (cache) cached_attention(m, l, r, cache, seq);
    else attention_forward(r->att, r->lse, r->q, r->k, r->v, B, T, nh, nkv, hd);
    linear_forward(r->x_mid, r->att, w->o, w->o_bias, N, nh * hd, d);
    add_inplace(r->x_mid, r->x, (size_t)N * d);
    rmsnorm_forward(r->xn2, r->rstd2, r->x_mid, w->post_norm, N, d, c->rms_norm_eps);
    linear_forward(r->gate, r->xn2, w->gate, NULL, N, d, ff);
    linear_forward(r->up, r->xn2, w->up, NULL, N, d, ff);
    swiglu_forward(r->h, r->gate, r->up, (size_t)N * ff);
    linear_forward(r->out, r->h, w->down, NULL, N, ff, d);
    add_inplace(r->out, r->x_mid, (size_t)N * d);
}

/* Layer l of the training forward, on activation slot s. */
static void train_layer_forward(const Model *m, Activations *a, int l, int s) {
    LayerRows r = {a->B * a->T, a->pos, a->x[l], a->x[l + 1], a->rstd1[s], a->xn1[s], a->q[s], a->k[s], a->v[s],
                   a->att[s], a->lse[s], a->x_mid[s], a->rstd2[s], a->xn2[s], a->gate[s], a->up[s], a->h[s]};
    layer_forward(m, l, &r, a->B, a->T, NULL, NULL);
}

/* a->ids = ids and a->targets = each row's next id (-1 at a sequence's end). */
static void set_ids(Activations *a, const int *ids) {
    size_t N = (size_t)a->B * a->T;
    int *targets = xmalloc(sizeof(int) * N);
    for (size_t i = 0; i < N; i++) targets[i] = (int)(i % (size_t)a->T) + 1 < a->T ? ids[i + 1] : -1;
    ops_upload(a->ids, ids, sizeof(int) * N);
    ops_upload(a->targets, targets, sizeof(int) * N);
    free(targets);
}

void model_forward(Model *m, Activations *a, const int *ids, int n_layers) {
    const ModelConfig *c = &m->cfg;
    int N = a->B * a->T, L = c->num_hidden_layers;
    if (n_layers > L) n_layers = L;
    set_ids(a, ids);
    a->logits_block_r0 = -1;
    model_embed(m, a->x[0], a->ids, (size_t)N);
    for (int l = 0; l < n_layers; l++) train_layer_forward(m, a, l, a->recompute ? 0 : l);
    if (n_layers < L) return;
    rmsnorm_forward(a->xf, a->rstd_f, a->x[L], m->final_norm, N, c->hidden_size, c->rms_norm_eps);
    /* activations_alloc_hidden: the caller projects the rows it needs; a
     * fused head projects its blocks in model_head_pass */
    if (!a->logits || a->head_rows) return;
    linear_forward(a->logits, a->xf, m->lm_head, NULL, N, c->hidden_size, c->vocab_size);
}

/* ------------------------------------------------------------------ */
/* backward                                                            */

static int any_trainable_in_layer(const Model *m, int l, int attention_only) {
    char prefix[64];
    snprintf(prefix, sizeof prefix, "model.layers.%d.", l);
    size_t n = strlen(prefix);
    for (int i = 0; i < m->n_tensors; i++) {
        const ParamInfo *p = &m->tensors[i];
        if (!p->trainable || strncmp(p->name, prefix, n) != 0) continue;
        if (!attention_only || strstr(p->name, "self_attn") || strstr(p->name, "input_layernorm")) return 1;
    }
    return 0;
}

static int embed_trainable(const Model *m) { return model_find_tensor(m, "model.embed_tokens.weight")->trainable; }

/* On entry a->dx holds dLoss/d(out of layer l); on exit dLoss/d(x[l]).
 * need_dinput == 0 lets the lowest useful layer stop early. */
static void layer_backward(Model *m, Activations *a, int l, int s, int need_dinput) {
    const ModelConfig *c = &m->cfg;
    const LayerWeights *w = &m->layers[l];
    int B = a->B, T = a->T, N = B * T, d = c->hidden_size, ff = c->intermediate_size;
    int nh = c->num_attention_heads, nkv = c->num_key_value_heads, hd = c->head_dim;
    /* MLP: out = x_mid + down(h) */
    linear_backward(a->dh, grad_of(m, w->down), NULL, a->dx, a->h[s], w->down, N, ff, d, 0);
    int need_attention = need_dinput || any_trainable_in_layer(m, l, 1);
    float *dgate_w = grad_of(m, w->gate), *dup_w = grad_of(m, w->up), *dpost = grad_of(m, w->post_norm);
    if (!need_attention && !dgate_w && !dup_w && !dpost) return;
    swiglu_backward(a->dgate, a->dup, a->dh, a->gate[s], a->up[s], (size_t)N * ff);
    linear_backward(a->dxn, dgate_w, NULL, a->dgate, a->xn2[s], w->gate, N, d, ff, 0);
    linear_backward(a->dxn, dup_w, NULL, a->dup, a->xn2[s], w->up, N, d, ff, 1);
    rmsnorm_backward(need_attention ? a->dx : NULL, dpost, a->dxn, a->x_mid[s], w->post_norm, a->rstd2[s], N, d);
    if (!need_attention) return;
    /* attention: x_mid = x + o(att) */
    linear_backward(a->datt, grad_of(m, w->o), grad_of(m, w->o_bias), a->dx, a->att[s], w->o, N, nh * hd, d, 0);
    attention_backward(a->dq, a->dk, a->dv, a->datt, a->q[s], a->k[s], a->v[s], a->att[s], a->lse[s], B, T, nh, nkv, hd);
    rope_backward(a->dq, a->pos, N, nh, &m->rope);
    rope_backward(a->dk, a->pos, N, nkv, &m->rope);
    linear_backward(a->dxn, grad_of(m, w->q), grad_of(m, w->q_bias), a->dq, a->xn1[s], w->q, N, d, nh * hd, 0);
    linear_backward(a->dxn, grad_of(m, w->k), grad_of(m, w->k_bias), a->dk, a->xn1[s], w->k, N, d, nkv * hd, 1);
    linear_backward(a->dxn, grad_of(m, w->v), grad_of(m, w->v_bias), a->dv, a->xn1[s], w->v, N, d, nkv * hd, 1);
    rmsnorm_backward(need_dinput ? a->dx : NULL, grad_of(m, w->input_norm), a->dxn, a->x[l], w->input_norm,
                     a->rstd1[s], N, d);
}

/* Layers top..0 after a->dx holds the gradient on layer top's output (a
 * hidden-state gradient is added at inject_layer). */
static void backward_layers(Model *m, Activations *a, int top, int inject_layer, const float *dhidden) {
    int N = a->B * a->T, d = m->cfg.hidden_size;
    /* The lowest layer whose backward can still reach a trainable tensor. */
    int bottom = 0;
    if (!embed_trainable(m)) {
        bottom = top + 1;
        for (int l = 0; l <= top; l++)
            if (any_trainable_in_layer(m, l, 0)) {
                bottom = l;
                break;
            }
    }
    for (int l = top; l >= bottom; l--) {
        if (dhidden && l == inject_layer) add_inplace(a->dx, dhidden, (size_t)N * d);
        int s = a->recompute ? 0 : l;
        if (a->recompute) train_layer_forward(m, a, l, 0);
        layer_backward(m, a, l, s, l > bottom || embed_trainable(m));
    }
    if (bottom == 0 && embed_trainable(m)) embedding_backward(grad_of(m, m->embed), a->dx, a->ids, (size_t)N, d);
}

/* dx = the final norm's backward of a->dxn (the gradient on its output). */
static void final_norm_backward(Model *m, Activations *a) {
    int N = a->B * a->T, d = m->cfg.hidden_size, L = m->cfg.num_hidden_layers;
    ops_zero(a->dx, sizeof(float) * (size_t)N * d);
    rmsnorm_backward(a->dx, grad_of(m, m->final_norm), a->dxn, a->x[L], m->final_norm, a->rstd_f, N, d);
}

void model_backward(Model *m, Activations *a, float *dlogits, int inject_layer, const float *dhidden) {
    const ModelConfig *c = &m->cfg;
    int N = a->B * a->T, d = c->hidden_size, L = c->num_hidden_layers;
    if (!m->grads) model_zero_grads(m);
    if (dlogits) {
        linear_backward(a->dxn, grad_of(m, m->lm_head), NULL, dlogits, a->xf, m->lm_head, N, d, c->vocab_size, 0);
        final_norm_backward(m, a);
    } else {
        ops_zero(a->dx, sizeof(float) * (size_t)N * d);
    }
    backward_layers(m, a, dlogits ? L - 1 : inject_layer, inject_layer, dhidden);
}

float *model_head_logits(const Model *m, Activations *a, int r0, int n) {
    const ModelConfig *c = &m->cfg;
    if (!a->head_rows || n > a->head_rows || r0 < 0 || r0 + n > a->B * a->T)
        dusk_die("model_head_logits: rows %d..%d do not fit a fused head of %d rows over %d", r0, r0 + n - 1,
                 a->head_rows, a->B * a->T);
    linear_forward(a->logits, a->xf + (size_t)r0 * c->hidden_size, m->lm_head, NULL, n, c->hidden_size, c->vocab_size);
    a->logits_block_r0 = r0;
    return a->logits;
}

void model_head_pass(Model *m, Activations *a, HeadBlockFn fn, void *ctx, int backward) {
    const ModelConfig *c = &m->cfg;
    int N = a->B * a->T, d = c->hidden_size, V = c->vocab_size, R = a->head_rows;
    if (!R) dusk_die("model_head_pass: the activations have no fused head");
    if (backward && !m->grads) model_zero_grads(m);
    float *dhead = backward ? grad_of(m, m->lm_head) : NULL;
    /* The block the buffer still holds goes first (it needs no projection:
     * a two-pass objective then projects one block fewer), then the rest in
     * order; the order is fixed by the passes before, so the sums of the
     * head's gradient repeat their bits. */
    int blocks = (N + R - 1) / R, first = a->logits_block_r0 >= 0 ? a->logits_block_r0 / R : 0;
    for (int i = 0; i < blocks; i++) {
        int r0 = (first + i) % blocks * R, n = N - r0 < R ? N - r0 : R;
        if (a->logits_block_r0 != r0) model_head_logits(m, a, r0, n);
        fn(ctx, a->logits, r0, n, backward);
        if (!backward) continue; /* the block's logits stay for the next pass */
        /* the logits are now their gradient: no longer a block to reuse; the
         * head's backward for these rows runs before the next block */
        a->logits_block_r0 = -1;
        const float *xf = a->xf + (size_t)r0 * d;
        linear_backward(a->dxn + (size_t)r0 * d, dhead, NULL, a->logits, xf, m->lm_head, n, d, V, 0);
    }
    if (backward) {
        final_norm_backward(m, a);
        backward_layers(m, a, c->num_hidden_layers - 1, -1, NULL);
    }
}

typedef struct {
    const int *targets;
    int V;
    float scale;
    double total;
} CrossEntropyPass;

static void cross_entropy_block(void *ctx, float *logits, int r0, int n, int grad) {
    CrossEntropyPass *p = ctx;
    p->total += cross_entropy_forward_backward(grad ? logits : NULL, logits, p->targets + r0, n, p->V, p->scale);
}

double model_cross_entropy(Model *m, Activations *a, float scale, int backward) {
    CrossEntropyPass p = {a->targets, m->cfg.vocab_size, scale, 0.0};
    model_head_pass(m, a, cross_entropy_block, &p, backward);
    return p.total;
}
