/* generate_until requests as lm-eval's HF backend runs them (greedy). */
#include <stdlib.h>
#include <string.h>

#include "eval/tasks/lm_requests.h"
#include "model/generate.h"
#include "util/err.h"

int gen_request_init(const Tokenizer *tok, const char *context, const char *const *until, int n_until, int max_gen,
                     int add_bos, GenRequest *g) {
    memset(g, 0, sizeof *g);
    if (tokenizer_encode(tok, context, strlen(context), add_bos, &g->ctx, &g->n_ctx) != 0) return -1;
    if (g->n_ctx == 0) return gen_request_free(g), dusk_error("the context %.40s has no tokens", context);
    g->max_gen = max_gen;
    g->until = xmalloc(sizeof(char *) * (size_t)(n_until + 1)); /* room for gen_request_encode's EOS string */
    for (int i = 0; i < n_until; i++) g->until[g->n_until++] = xstrdup(until[i]);
    return 0;
}

int gen_request_encode(const Tokenizer *tok, const char *context, const char *const *until, int n_until,
                       int max_gen, int add_bos, int max_len, GenRequest *g) {
    int keep = max_len - max_gen;
    if (keep < 1) {
        memset(g, 0, sizeof *g);
        return dusk_error("max_gen_toks %d leaves no room in the maximum length %d", max_gen, max_len);
    }
    if (gen_request_init(tok, context, until, n_until, max_gen, add_bos, g) != 0) return -1;
    if (g->n_ctx > keep) { /* left truncation, as tok_batch_encode(left_truncate_len=max_length - max_gen_toks) */
        memmove(g->ctx, g->ctx + (g->n_ctx - keep), sizeof(int) * (size_t)keep);
        g->n_ctx = keep;
    }
    int eos = tokenizer_eos_id(tok);
    if (eos >= 0) { /* lm-eval appends the EOS token's text to the stop strings */
        size_t len;
        char *s = tokenizer_decode(tok, &eos, 1, 0, 0, &len);
        if (!s) return gen_request_free(g), -1;
        g->until[g->n_until++] = s;
    }
    return 0;
}

void gen_request_free(GenRequest *g) {
    free(g->ctx);
    for (int i = 0; i < g->n_until; i++) free(g->until[i]);
    free(g->until);
    free(g->text);
    free(g->gen);
    memset(g, 0, sizeof *g);
}

void gen_cut_at_stops(char *s, const char *const *until, int n_until) {
    for (int i = 0; i < n_until; i++) {
        if (!until[i][0]) continue;
        char *hit = strstr(s, until[i]);
        if (hit) *hit = '\0';
    }
}

/* Does the text of the tokens so far already hold a stop string, far enough
 * from its end that later tokens (HF's clean-up joins " ." and the like
 * across a token boundary) cannot change it? Then greedy decoding further
 * cannot change the cut text either. */
static int stop_settled(const Tokenizer *tok, const GenRequest *g, const int *ids, int n, int cleanup) {
    size_t len;
    char *text = tokenizer_decode_text(tok, ids, n, 1, cleanup, &len);
    int hit = 0;
    for (int i = 0; text && i < g->n_until && !hit; i++) {
        const char *p = g->until[i][0] ? strstr(text, g->until[i]) : NULL;
        hit = p && (size_t)(p - text) + strlen(g->until[i]) + 4 <= len;
    }
    free(text);
    return hit;
}

typedef struct {
    int *ids, n, done;
} Progress;

/* One round for the unfinished requests: `step` more tokens each, the
 * prompt being the context plus what was generated so far. */
static int generate_round(Model *m, GenRequest *g, Progress *p, int n, int step) {
    const int **prompts = xmalloc(sizeof(int *) * (size_t)n);
    int *lens = xmalloc(sizeof(int) * (size_t)n), *which = xmalloc(sizeof(int) * (size_t)n), k = 0;
    for (int i = 0; i < n; i++) {
        if (p[i].done) continue;
        int *full = xmalloc(sizeof(int) * (size_t)(g[i].n_ctx + p[i].n + 1));
        memcpy(full, g[i].ctx, sizeof(int) * (size_t)g[i].n_ctx);
        if (p[i].n) memcpy(full + g[i].n_ctx, p[i].ids, sizeof(int) * (size_t)p[i].n);
        prompts[k] = full, lens[k] = g[i].n_ctx + p[i].n, which[k++] = i;
    }
    Generation *out = xcalloc((size_t)(k > 0 ? k : 1), sizeof(Generation));
    int rc = generate_greedy(m, k, prompts, lens, step, 1, out);
    for (int j = 0; j < k && rc == 0; j++) {
        Progress *q = &p[which[j]];
        q->ids = xrealloc(q->ids, sizeof(int) * (size_t)(q->n + out[j].n + 1));
        memcpy(q->ids + q->n, out[j].tokens, sizeof(int) * (size_t)out[j].n);
        q->n += out[j].n;
        if (out[j].hit_eos || q->n >= g[which[j]].max_gen) q->done = 1;
    }
    for (int j = 0; j < k; j++) generation_free(&out[j]), free((void *)prompts[j]);
    free(out), free(prompts), free(lens), free(which);
    return rc;
}

/* Greedy decoding is deterministic, so generating up to max_gen tokens and
 * cutting at the first stop string gives the text HF's stopping criteria
 * would. Rounds of 16, 32, 64, ... tokens let a request stop early once a
 * stop string has settled. */
static int run_group(Model *m, const Tokenizer *tok, GenRequest *g, int n, int cleanup) {
    Progress *p = xcalloc((size_t)n, sizeof(Progress));
    int rc = 0, generated = 0;
    for (int step = 16; rc == 0; step *= 2) {
        int left = g[0].max_gen - generated, any = 0;
        if (step > left) step = left;
        for (int i = 0; i < n; i++) any |= !p[i].done;
        if (!any || step <= 0) break;
        rc = generate_round(m, g, p, n, step);
        generated += step;
        for (int i = 0; i < n && rc == 0; i++)
            if (!p[i].done && stop_settled(tok, &g[i], p[i].ids, p[i].n, cleanup)) p[i].done = 1;
    }
    for (int i = 0; i < n && rc == 0; i++) {
        size_t len;
        g[i].text = tokenizer_decode_text(tok, p[i].ids, p[i].n, 1, cleanup, &len);
        if (!g[i].text) rc = -1;
        else gen_cut_at_stops(g[i].text, (const char *const *)g[i].until, g[i].n_until);
    }
    for (int i = 0; i < n; i++) g[i].gen = p[i].ids, g[i].n_gen = p[i].n;
    free(p);
    return rc;
}

/* Every request's prompt and budget must fit the model's positions: checked
 * here, before any work, since the rounds would only meet the limit later. */
static int check_requests_fit(const Model *m, const GenRequest *reqs, int n) {
    int max_pos = m->cfg.max_position_embeddings;
    for (int i = 0; i < n; i++)
        if (reqs[i].n_ctx + reqs[i].max_gen > max_pos)
            return dusk_error("prompt %d: %d prompt tokens + %d new exceed max_position_embeddings (%d)", i,
                              reqs[i].n_ctx, reqs[i].max_gen, max_pos);
    return 0;
}

int gen_run_requests(Model *m, const Tokenizer *tok, GenRequest *reqs, int n, int batch, int cleanup) {
    if (batch < 1) batch = 1;
    if (check_requests_fit(m, reqs, n) != 0) return -1;
    for (int i = 0; i < n;) { /* consecutive requests with the same budget go together */
        int j = i + 1;
        while (j < n && j - i < batch && reqs[j].max_gen == reqs[i].max_gen) j++;
        if (run_group(m, tok, reqs + i, j - i, cleanup) != 0) return -1;
        i = j;
    }
    return 0;
}
