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
    const Tokenizer *tok;
    const GenRequest *g; /* the group's requests, indexed as its prompts */
    int cleanup;
} StopCheck;

static int stop_check(void *arg, int prompt, const int *tokens, int n) {
    const StopCheck *c = arg;
    return stop_settled(c->tok, &c->g[prompt], tokens, n, c->cleanup);
}

/* Greedy decoding is deterministic, so generating up to max_gen tokens and
 * cutting at the first stop string gives the text HF's stopping criteria
 * would. The generation (one prefill, KV cache) asks after 16, 32, 64, ...
 * tokens whether a stop string has settled, so a request can end early. */
static int run_group(Model *m, const Tokenizer *tok, GenRequest *g, int n, int cleanup) {
    const int **prompts = xmalloc(sizeof(int *) * (size_t)n);
    int *lens = xmalloc(sizeof(int) * (size_t)n);
    for (int i = 0; i < n; i++) prompts[i] = g[i].ctx, lens[i] = g[i].n_ctx;
    Generation *out = xcalloc((size_t)n, sizeof(Generation));
    StopCheck check = {tok, g, cleanup};
    int rc = generate_greedy_until(m, n, prompts, lens, g[0].max_gen, stop_check, &check, out);
    for (int i = 0; i < n && rc == 0; i++) {
        size_t len;
        g[i].text = tokenizer_decode_text(tok, out[i].tokens, out[i].n, 1, cleanup, &len);
        if (!g[i].text) rc = -1;
        else gen_cut_at_stops(g[i].text, (const char *const *)g[i].until, g[i].n_until);
    }
    for (int i = 0; i < n; i++) g[i].gen = out[i].tokens, g[i].n_gen = out[i].n;
    free(out), free(prompts), free(lens);
    return rc;
}

/* Every request's prompt and budget must fit the model's positions: checked
 * here, before any work, naming the request by its index among all. */
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
