/* Inference path: rows of tokens, each belonging to some sequence at some
 * position, run through the layers while their keys/values go into a per-
 * sequence cache. Prefill (many rows of one sequence) and decode (one row per
 * sequence) are the same function. */
#include "model/generate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

/* Backend buffers for up to max_rows rows at a time. */
typedef struct {
    const Model *m;
    int max_rows;
    KvCache cache;
    float *x, *x_mid, *xn, *q, *k, *v, *att, *gate, *up;
    float *logits;          /* [max_rows, V] */
    int *tokens, *seq, *pos; /* [max_rows] this call's rows, copied from the host */
    int *picked;            /* [max_rows] host: the rows whose next token is wanted */
} InferState;

static void infer_init(InferState *s, const Model *m, int n_seq, int max_len, int max_rows) {
    const ModelConfig *c = &m->cfg;
    size_t kvd = (size_t)c->num_key_value_heads * c->head_dim, qd = (size_t)c->num_attention_heads * c->head_dim;
    size_t d = c->hidden_size, ff = c->intermediate_size, R = max_rows;
    memset(s, 0, sizeof *s);
    s->m = m;
    s->max_rows = max_rows;
    kv_cache_alloc(&s->cache, m, n_seq, max_len, max_rows);
    s->x = ops_alloc(R * d * sizeof(float));
    s->x_mid = ops_alloc(R * d * sizeof(float));
    s->xn = ops_alloc(R * d * sizeof(float));
    s->q = ops_alloc(R * qd * sizeof(float));
    s->att = ops_alloc(R * qd * sizeof(float));
    s->k = ops_alloc(R * kvd * sizeof(float));
    s->v = ops_alloc(R * kvd * sizeof(float));
    s->gate = ops_alloc(R * ff * sizeof(float));
    s->up = ops_alloc(R * ff * sizeof(float));
    s->logits = ops_alloc(R * (size_t)c->vocab_size * sizeof(float));
    s->tokens = ops_alloc(R * sizeof(int));
    s->seq = ops_alloc(R * sizeof(int));
    s->pos = ops_alloc(R * sizeof(int));
    s->picked = xmalloc(R * sizeof(int));
}

static void infer_free(InferState *s) {
    void *bufs[] = {s->x, s->x_mid, s->xn, s->q, s->att, s->k, s->v, s->gate, s->up, s->logits, s->tokens, s->seq, s->pos};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) ops_free(bufs[i]);
    free(s->picked);
    kv_cache_free(&s->cache);
}

/* Run n rows (HOST tokens, sequences, positions) through the model (the
 * training code's layer_forward, reading and filling the KV cache); for the
 * rows flagged in want_logits, in row order, next[j] is the greedy next
 * token (-1 if the row's logits are not finite). Returns how many. */
static int infer_rows(InferState *s, int n, const int *tokens, const int *seq, const int *pos, const int *want_logits,
                      int *next) {
    const Model *m = s->m;
    const ModelConfig *c = &m->cfg;
    int d = c->hidden_size;
    ops_upload(s->tokens, tokens, sizeof(int) * (size_t)n);
    ops_upload(s->seq, seq, sizeof(int) * (size_t)n);
    ops_upload(s->pos, pos, sizeof(int) * (size_t)n);
    model_embed(m, s->x, s->tokens, (size_t)n);
    /* in place: out = x, h = gate, one normalised buffer for both norms */
    LayerRows r = {n, s->pos, s->x, s->x, NULL, s->xn, s->q, s->k, s->v, s->att, NULL, s->x_mid, NULL, s->xn,
                   s->gate, s->up, s->gate};
    for (int l = 0; l < c->num_hidden_layers; l++) layer_forward(m, l, &r, 1, n, &s->cache, s->seq);
    int k = 0;
    for (int i = 0; i < n; i++)
        if (want_logits[i]) s->picked[k++] = i;
    if (k == 0) return 0;
    gather_rows(s->xn, s->x, s->picked, k, d);
    rmsnorm_forward(s->x_mid, NULL, s->xn, m->final_norm, k, d, c->rms_norm_eps);
    linear_forward(s->logits, s->x_mid, m->lm_head, NULL, k, d, c->vocab_size);
    argmax_rows(next, s->logits, k, c->vocab_size);
    return k;
}

static int nonfinite_logits(int prompt, int step) {
    return dusk_error("prompt %d, new token %d: the logits hold a NaN or infinity (the model overflowed)", prompt,
                      step + 1);
}

static void push_token(Generation *g, int tok, int cap) {
    if (g->n < cap) g->tokens[g->n++] = tok;
}

/* The stop check's schedule: after 16, 32, 64, ... tokens (decoding the
 * text every token would cost more than the tokens it saves). */
static int stop_now(GenerationStop stop, void *arg, int b, const Generation *g) {
    return stop && g->n >= 16 && (g->n & (g->n - 1)) == 0 && stop(arg, b, g->tokens, g->n);
}

static int generate_cached(Model *m, int n_prompts, const int *const *prompts, const int *lens, int max_new,
                           int max_len, GenerationStop stop, void *stop_arg, Generation *out) {
    const int chunk = 256;
    int max_rows = n_prompts > chunk ? n_prompts : chunk;
    InferState s;
    infer_init(&s, m, n_prompts, max_len, max_rows);
    int *tok = xmalloc(sizeof(int) * max_rows), *seq = xmalloc(sizeof(int) * max_rows);
    int *pos = xmalloc(sizeof(int) * max_rows), *want = xmalloc(sizeof(int) * max_rows);
    int *next = xcalloc((size_t)n_prompts, sizeof(int)), *active = xcalloc((size_t)n_prompts, sizeof(int));
    int *best = xmalloc(sizeof(int) * max_rows);
    /* Prefill: all prompt rows, packed across prompts into chunks. */
    int n = 0, k_seen = 0, rc = 0;
    for (int b = 0; b < n_prompts; b++)
        for (int t = 0; t < lens[b]; t++) {
            tok[n] = prompts[b][t], seq[n] = b, pos[n] = t, want[n] = (t == lens[b] - 1);
            n++;
            if (n == chunk || (b == n_prompts - 1 && t == lens[b] - 1)) {
                int k = infer_rows(&s, n, tok, seq, pos, want, best);
                for (int r = 0, j = 0; r < n && j < k; r++)
                    if (want[r] && (next[seq[r]] = best[j++]) < 0) rc = nonfinite_logits(seq[r], 0);
                k_seen += k;
                n = 0;
            }
        }
    for (int b = 0; b < n_prompts; b++) active[b] = max_new > 0;
    for (int step = 0; step < max_new && rc == 0; step++) {
        n = 0;
        for (int b = 0; b < n_prompts; b++) {
            if (!active[b]) continue;
            if (config_is_eos(&m->cfg, next[b])) {
                out[b].hit_eos = 1;
                active[b] = 0;
                continue;
            }
            push_token(&out[b], next[b], max_new);
            if (out[b].n == max_new || stop_now(stop, stop_arg, b, &out[b])) {
                active[b] = 0;
                continue;
            }
            tok[n] = next[b], seq[n] = b, pos[n] = lens[b] + out[b].n - 1, want[n] = 1;
            n++;
        }
        if (n == 0) break;
        infer_rows(&s, n, tok, seq, pos, want, best);
        for (int r = 0; r < n; r++)
            if ((next[seq[r]] = best[r]) < 0) rc = nonfinite_logits(seq[r], step + 1);
    }
    (void)k_seen;
    free(tok), free(seq), free(pos), free(want), free(next), free(active), free(best);
    infer_free(&s);
    return rc;
}

/* Reference path: the full training forward over the whole prefix each step. */
static int generate_uncached(Model *m, int n_prompts, const int *const *prompts, const int *lens, int max_new,
                             Generation *out) {
    int V = m->cfg.vocab_size;
    for (int b = 0; b < n_prompts; b++) {
        int *ids = xmalloc(sizeof(int) * (size_t)(lens[b] + max_new));
        memcpy(ids, prompts[b], sizeof(int) * lens[b]);
        int len = lens[b];
        while (out[b].n < max_new) {
            Activations a;
            activations_alloc(&a, m, 1, len, 0);
            model_forward(m, &a, ids, m->cfg.num_hidden_layers);
            int t;
            argmax_rows(&t, a.logits + (size_t)(len - 1) * V, 1, V);
            activations_free(&a);
            if (t < 0) {
                free(ids);
                return nonfinite_logits(b, out[b].n);
            }
            if (config_is_eos(&m->cfg, t)) {
                out[b].hit_eos = 1;
                break;
            }
            out[b].tokens[out[b].n++] = t;
            ids[len++] = t;
        }
        free(ids);
    }
    return 0;
}

static int check_and_allocate(const Model *m, int n_prompts, const int *const *prompts, const int *prompt_lens,
                              int max_new, int *max_len, Generation *out) {
    *max_len = 0;
    for (int b = 0; b < n_prompts; b++) {
        if (prompt_lens[b] < 1) return dusk_error("prompt %d is empty (it needs at least a BOS token)", b);
        for (int t = 0; t < prompt_lens[b]; t++)
            if (prompts[b][t] < 0 || prompts[b][t] >= m->cfg.vocab_size)
                return dusk_error("prompt %d: token id %d outside the vocabulary (%d)", b, prompts[b][t], m->cfg.vocab_size);
        int need = prompt_lens[b] + max_new;
        if (need > m->cfg.max_position_embeddings)
            return dusk_error("prompt %d: %d prompt tokens + %d new exceed max_position_embeddings (%d)", b,
                              prompt_lens[b], max_new, m->cfg.max_position_embeddings);
        if (need > *max_len) *max_len = need;
    }
    for (int b = 0; b < n_prompts; b++) {
        memset(&out[b], 0, sizeof out[b]);
        out[b].tokens = xmalloc(sizeof(int) * (size_t)(max_new > 0 ? max_new : 1));
    }
    return 0;
}

int generate_greedy(Model *m, int n_prompts, const int *const *prompts, const int *prompt_lens, int max_new,
                    int use_kv_cache, Generation *out) {
    int max_len;
    if (check_and_allocate(m, n_prompts, prompts, prompt_lens, max_new, &max_len, out) != 0) return -1;
    if (use_kv_cache) return generate_cached(m, n_prompts, prompts, prompt_lens, max_new, max_len, NULL, NULL, out);
    return generate_uncached(m, n_prompts, prompts, prompt_lens, max_new, out);
}

int generate_greedy_until(Model *m, int n_prompts, const int *const *prompts, const int *prompt_lens, int max_new,
                          GenerationStop stop, void *stop_arg, Generation *out) {
    int max_len;
    if (check_and_allocate(m, n_prompts, prompts, prompt_lens, max_new, &max_len, out) != 0) return -1;
    return generate_cached(m, n_prompts, prompts, prompt_lens, max_new, max_len, stop, stop_arg, out);
}

void generation_free(Generation *g) {
    free(g->tokens);
    g->tokens = NULL;
    g->n = 0;
}
