/* generate_until requests as lm-eval's HF backend runs them (greedy). */
#include <stdlib.h>
#include <string.h>

#include "eval/tasks/lm_requests.h"
#include "model/generate.h"
#include "util/err.h"

int gen_request_encode(const Tokenizer *tok, const char *context, const char *const *until, int n_until,
                       int max_gen, int add_bos, int max_len, GenRequest *g) {
    memset(g, 0, sizeof *g);
    int *ids = NULL, n = 0;
    if (tokenizer_encode(tok, context, strlen(context), add_bos, &ids, &n) != 0) return -1;
    int keep = max_len - max_gen;
    if (keep < 1) return free(ids), dusk_error("max_gen_toks %d leaves no room in the maximum length %d", max_gen, max_len);
    if (n > keep) { /* left truncation, as tok_batch_encode(left_truncate_len=max_length - max_gen_toks) */
        memmove(ids, ids + (n - keep), sizeof(int) * (size_t)keep);
        n = keep;
    }
    if (n == 0) return free(ids), dusk_error("the context %.40s has no tokens", context);
    g->ctx = ids;
    g->n_ctx = n;
    g->max_gen = max_gen;
    g->until = xmalloc(sizeof(char *) * (size_t)(n_until + 1));
    for (int i = 0; i < n_until; i++) g->until[g->n_until++] = xstrdup(until[i]);
    int eos = tokenizer_eos_id(tok);
    if (eos >= 0) { /* lm-eval appends the EOS token's text to the stop strings */
        size_t len;
        char *s = tokenizer_decode(tok, &eos, 1, 0, 0, &len);
        if (!s) return -1;
        g->until[g->n_until++] = s;
    }
    return 0;
}

void gen_request_free(GenRequest *g) {
    free(g->ctx);
    for (int i = 0; i < g->n_until; i++) free(g->until[i]);
    free(g->until);
    free(g->text);
    memset(g, 0, sizeof *g);
}

void gen_cut_at_stops(char *s, const char *const *until, int n_until) {
    for (int i = 0; i < n_until; i++) {
        if (!until[i][0]) continue;
        char *hit = strstr(s, until[i]);
        if (hit) *hit = '\0';
    }
}

/* Greedy decoding is deterministic, so generating up to max_gen tokens and
 * cutting at the first stop string gives the text HF's stopping criteria
 * would (they only end the loop earlier). */
static int run_group(Model *m, const Tokenizer *tok, GenRequest *g, int n) {
    const int **prompts = xmalloc(sizeof(int *) * (size_t)n);
    int *lens = xmalloc(sizeof(int) * (size_t)n);
    Generation *out = xcalloc((size_t)n, sizeof(Generation));
    for (int i = 0; i < n; i++) prompts[i] = g[i].ctx, lens[i] = g[i].n_ctx;
    int rc = generate_greedy(m, n, prompts, lens, g[0].max_gen, 1, out);
    for (int i = 0; i < n && rc == 0; i++) {
        size_t len;
        g[i].text = tokenizer_decode_text(tok, out[i].tokens, out[i].n, 1, 1, &len);
        if (!g[i].text) rc = -1;
        else gen_cut_at_stops(g[i].text, (const char *const *)g[i].until, g[i].n_until);
    }
    for (int i = 0; i < n; i++) generation_free(&out[i]);
    free(out), free(lens), free(prompts);
    return rc;
}

int gen_run_requests(Model *m, const Tokenizer *tok, GenRequest *reqs, int n, int batch) {
    if (batch < 1) batch = 1;
    for (int i = 0; i < n;) { /* consecutive requests with the same budget go together */
        int j = i + 1;
        while (j < n && j - i < batch && reqs[j].max_gen == reqs[i].max_gen) j++;
        if (run_group(m, tok, reqs + i, j - i) != 0) return -1;
        i = j;
    }
    return 0;
}
