/* loglikelihood requests as lm-eval's HF backend builds and scores them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/tasks/lm_requests.h"
#include "model/generate.h"
#include "ops/ops.h"
#include "util/err.h"

/* Python's str.isspace() code points (the ones rstrip() removes). */
static int py_isspace(unsigned cp) {
    if ((cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x20) || cp == 0x85 || cp == 0xa0) return 1;
    if (cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029) return 1;
    return cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

/* The code point ending at s[end-1] and where it starts (invalid bytes count
 * as one non-space character). */
static unsigned last_code_point(const char *s, size_t end, size_t *start) {
    size_t b = end - 1;
    while (b > 0 && end - b < 4 && ((unsigned char)s[b] & 0xc0) == 0x80) b--;
    const unsigned char *p = (const unsigned char *)s + b;
    size_t n = end - b;
    unsigned cp = 0xfffd;
    if (n == 1 && p[0] < 0x80) cp = p[0];
    else if (n == 2 && (p[0] & 0xe0) == 0xc0) cp = ((p[0] & 0x1fu) << 6) | (p[1] & 0x3fu);
    else if (n == 3 && (p[0] & 0xf0) == 0xe0) cp = ((p[0] & 0x0fu) << 12) | ((p[1] & 0x3fu) << 6) | (p[2] & 0x3fu);
    else b = end - 1;
    *start = b;
    return cp;
}

size_t lm_rstrip_len(const char *s, size_t len) {
    while (len > 0) {
        size_t start;
        if (!py_isspace(last_code_point(s, len, &start))) break;
        len = start;
    }
    return len;
}

static int encode(const Tokenizer *tok, const char *s, size_t n, int add_bos, int **ids, int *n_ids) {
    return tokenizer_encode(tok, s, n, add_bos, ids, n_ids);
}

int lm_request_encode(const Tokenizer *tok, const char *context, const char *continuation, int add_bos,
                      LLRequest *r) {
    memset(r, 0, sizeof *r);
    size_t n_ctx = strlen(context), n_cont = strlen(continuation);
    if (n_ctx == 0) {
        int prefix = tokenizer_bos_id(tok) >= 0 ? tokenizer_bos_id(tok) : tokenizer_eos_id(tok);
        if (prefix < 0) return dusk_error("empty context and the tokenizer has neither BOS nor EOS");
        r->ctx = xmalloc(sizeof(int));
        r->ctx[0] = prefix;
        r->n_ctx = 1;
        if (encode(tok, continuation, n_cont, add_bos, &r->cont, &r->n_cont) != 0) return -1;
    } else {
        size_t keep = lm_rstrip_len(context, n_ctx);
        char *whole = xmalloc(n_ctx + n_cont + 1);
        memcpy(whole, context, n_ctx);
        memcpy(whole + n_ctx, continuation, n_cont + 1);
        int *all = NULL, n_all = 0;
        int rc = encode(tok, whole, n_ctx + n_cont, add_bos, &all, &n_all);
        if (rc == 0) rc = encode(tok, whole, keep, add_bos, &r->ctx, &r->n_ctx);
        free(whole);
        if (rc != 0) return free(all), -1;
        r->n_cont = n_all > r->n_ctx ? n_all - r->n_ctx : 0;
        r->cont = xmalloc(sizeof(int) * (size_t)(r->n_cont > 0 ? r->n_cont : 1));
        if (r->n_cont) memcpy(r->cont, all + r->n_ctx, sizeof(int) * (size_t)r->n_cont);
        free(all);
    }
    if (r->n_cont == 0) return dusk_error("the continuation %.40s has no tokens after the context's", continuation);
    return 0;
}

void lm_request_free(LLRequest *r) {
    free(r->ctx);
    free(r->cont);
    memset(r, 0, sizeof *r);
}

int *lm_request_input(const LLRequest *r, int max_len, int *n_in) {
    int total = r->n_ctx + r->n_cont, start = total - (max_len + 1);
    if (start < 0) start = 0;
    int *ids = xmalloc(sizeof(int) * (size_t)total);
    memcpy(ids, r->ctx, sizeof(int) * (size_t)r->n_ctx);
    memcpy(ids + r->n_ctx, r->cont, sizeof(int) * (size_t)r->n_cont);
    *n_in = total - 1 - start;
    if (start) memmove(ids, ids + start, sizeof(int) * (size_t)*n_in);
    return ids;
}

typedef struct {
    const LLRequest *r;
    int index, n_in;
} Order;

/* Longest first, as lm-eval's Collator orders them (ties by the ids). */
static int by_length_desc(const void *pa, const void *pb) {
    const Order *a = pa, *b = pb;
    int la = a->r->n_ctx + a->r->n_cont, lb = b->r->n_ctx + b->r->n_cont;
    if (la != lb) return lb - la;
    return a->index - b->index;
}

enum { ROW_BLOCK = 64 }; /* continuation rows projected onto the vocabulary at once */

/* Log-probability and greedy flag of every continuation token of the batch:
 * the final-norm hidden rows of all continuations go through lm_head in
 * blocks of ROW_BLOCK rows (one GEMM each, never more logits than that). */
static void score_continuations(const Model *m, const float *xf, int T, Order *o, int nb) {
    int V = m->cfg.vocab_size, d = m->cfg.hidden_size, n_rows = 0;
    for (int b = 0; b < nb; b++) n_rows += o[b].r->n_cont;
    const float **src = xmalloc(sizeof(float *) * (size_t)n_rows);
    int *target = xmalloc(sizeof(int) * (size_t)n_rows), *greedy = xmalloc(sizeof(int) * (size_t)n_rows);
    double *lp = xmalloc(sizeof(double) * (size_t)n_rows);
    for (int b = 0, k = 0; b < nb; b++)
        for (int t = 0; t < o[b].r->n_cont; t++, k++) {
            src[k] = xf + ((size_t)b * T + (size_t)(o[b].n_in - o[b].r->n_cont + t)) * d;
            target[k] = o[b].r->cont[t];
        }
    float *rows = xmalloc(sizeof(float) * (size_t)ROW_BLOCK * d);
    float *logits = xmalloc(sizeof(float) * (size_t)ROW_BLOCK * V);
    for (int r0 = 0; r0 < n_rows; r0 += ROW_BLOCK) {
        int n = n_rows - r0 < ROW_BLOCK ? n_rows - r0 : ROW_BLOCK;
        for (int i = 0; i < n; i++) memcpy(rows + (size_t)i * d, src[r0 + i], sizeof(float) * d);
        linear_forward(logits, rows, m->lm_head, NULL, n, d, V);
#pragma omp parallel for schedule(static)
        for (int i = 0; i < n; i++) {
            const float *row = logits + (size_t)i * V;
            lp[r0 + i] = (double)row[target[r0 + i]] - log_softmax_row(NULL, row, V);
            greedy[r0 + i] = argmax_f32(row, V) == target[r0 + i];
        }
    }
    for (int b = 0, k = 0; b < nb; b++) { /* summed in token order: the same for any thread count */
        LLRequest *r = (LLRequest *)o[b].r;
        r->ll = 0.0, r->is_greedy = 1;
        for (int t = 0; t < r->n_cont; t++, k++) r->ll += lp[k], r->is_greedy &= greedy[k];
    }
    free(rows), free(logits), free(src), free(target), free(greedy), free(lp);
}

static void run_batch(Model *m, Order *o, int nb, int max_len) {
    int T = o[0].n_in;
    int *ids = xcalloc((size_t)nb * T, sizeof(int));
    for (int b = 0; b < nb; b++) {
        int n_in;
        int *in = lm_request_input(o[b].r, max_len, &n_in);
        memcpy(ids + (size_t)b * T, in, sizeof(int) * (size_t)n_in); /* right padding: causal rows never see it */
        free(in);
    }
    Activations a;
    activations_alloc_hidden(&a, m, nb, T);
    model_forward(m, &a, ids, m->cfg.num_hidden_layers);
    score_continuations(m, a.xf, T, o, nb);
    activations_free(&a);
    free(ids);
}

static int ids_outside(const int *ids, int n, int V) {
    for (int t = 0; t < n; t++)
        if (ids[t] < 0 || ids[t] >= V) return 1;
    return 0;
}

int lm_score_requests(Model *m, LLRequest *reqs, int n, int batch, int max_len) {
    if (batch < 1) batch = 1;
    Order *o = xmalloc(sizeof(Order) * (size_t)(n > 0 ? n : 1));
    for (int i = 0; i < n; i++) {
        if (reqs[i].n_cont > max_len) {
            free(o);
            return dusk_error("request %d: %d continuation tokens exceed the maximum length %d", i, reqs[i].n_cont,
                              max_len);
        }
        if (ids_outside(reqs[i].ctx, reqs[i].n_ctx, m->cfg.vocab_size) ||
            ids_outside(reqs[i].cont, reqs[i].n_cont, m->cfg.vocab_size)) {
            free(o);
            return dusk_error("request %d: a token id outside the model's vocabulary (%d)", i, m->cfg.vocab_size);
        }
        o[i].r = &reqs[i];
        o[i].index = i;
        int total = reqs[i].n_ctx + reqs[i].n_cont;
        o[i].n_in = (total > max_len + 1 ? max_len + 1 : total) - 1;
    }
    qsort(o, (size_t)n, sizeof(Order), by_length_desc);
    for (int i = 0; i < n; i += batch) run_batch(m, o + i, n - i < batch ? n - i : batch, max_len);
    free(o);
    return 0;
}
