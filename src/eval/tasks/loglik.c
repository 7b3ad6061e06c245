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
        if (tokenizer_encode(tok, continuation, n_cont, add_bos, &r->cont, &r->n_cont) != 0) return -1;
    } else {
        size_t keep = lm_rstrip_len(context, n_ctx);
        char *whole = xmalloc(n_ctx + n_cont + 1);
        memcpy(whole, context, n_ctx);
        memcpy(whole + n_ctx, continuation, n_cont + 1);
        int *all = NULL, n_all = 0;
        int rc = tokenizer_encode(tok, whole, n_ctx + n_cont, add_bos, &all, &n_all);
        if (rc == 0) rc = tokenizer_encode(tok, whole, keep, add_bos, &r->ctx, &r->n_ctx);
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
    LLRequest *r;
    int index, n_in;
    int *in;    /* the ids the model reads */
    int group;  /* requests with the same input share one forward row set */
} Order;

/* Longest first, as lm-eval's Collator orders them; equal inputs side by side. */
static int by_length_desc(const void *pa, const void *pb) {
    const Order *a = pa, *b = pb;
    if (a->n_in != b->n_in) return b->n_in - a->n_in;
    int c = memcmp(a->in, b->in, sizeof(int) * (size_t)a->n_in);
    if (c) return c;
    return a->index - b->index;
}

enum { ROW_BLOCK = 64 }; /* hidden rows projected onto the vocabulary at once */

/* The rows of a batch that some continuation token reads: per group the last
 * max_cont positions. Each (request, token) is an entry chained to its row. */
typedef struct {
    int n_rows, n_entries;
    const float *xf;     /* the batch's final hidden states [groups * T, d] (backend) */
    int *src;            /* [n_rows] the row of xf each scored row is */
    int *head;           /* [n_rows] first entry of the row, -1 none */
    int *next, *target;  /* [n_entries] */
    double *lp;          /* [n_entries] */
    int *greedy;         /* [n_entries] */
} RowPlan;

static void plan_rows(RowPlan *p, const float *xf, int T, Order *o, int n, int n_groups) {
    int *max_cont = xcalloc((size_t)n_groups, sizeof(int)), *start = xmalloc(sizeof(int) * (size_t)n_groups);
    int *n_in = xmalloc(sizeof(int) * (size_t)n_groups);
    memset(p, 0, sizeof *p);
    for (int i = 0; i < n; i++) {
        int g = o[i].group;
        if (o[i].r->n_cont > max_cont[g]) max_cont[g] = o[i].r->n_cont;
        n_in[g] = o[i].n_in;
        p->n_entries += o[i].r->n_cont;
    }
    for (int g = 0; g < n_groups; g++) start[g] = p->n_rows, p->n_rows += max_cont[g];
    p->xf = xf;
    p->src = xmalloc(sizeof(int) * (size_t)p->n_rows);
    p->head = xmalloc(sizeof(int) * (size_t)p->n_rows);
    for (int g = 0; g < n_groups; g++)
        for (int k = 0; k < max_cont[g]; k++) {
            p->src[start[g] + k] = g * T + n_in[g] - max_cont[g] + k;
            p->head[start[g] + k] = -1;
        }
    p->next = xmalloc(sizeof(int) * (size_t)p->n_entries);
    p->target = xmalloc(sizeof(int) * (size_t)p->n_entries);
    p->lp = xmalloc(sizeof(double) * (size_t)p->n_entries);
    p->greedy = xmalloc(sizeof(int) * (size_t)p->n_entries);
    for (int i = 0, e = 0; i < n; i++) {
        int g = o[i].group;
        for (int t = 0; t < o[i].r->n_cont; t++, e++) {
            int row = start[g] + max_cont[g] - o[i].r->n_cont + t;
            p->target[e] = o[i].r->cont[t];
            p->next[e] = p->head[row];
            p->head[row] = e;
        }
    }
    free(max_cont), free(start), free(n_in);
}

/* Every row through lm_head (blocks of ROW_BLOCK: one GEMM each, never more
 * logits than that); logsumexp and argmax once per row, shared by its
 * entries, whose target logits are gathered in one call per block. */
static void score_rows(const Model *m, RowPlan *p) {
    int V = m->cfg.vocab_size, d = m->cfg.hidden_size;
    float *rows = ops_alloc(sizeof(float) * (size_t)ROW_BLOCK * d);
    float *logits = ops_alloc(sizeof(float) * (size_t)ROW_BLOCK * V);
    double lse[ROW_BLOCK];
    int best[ROW_BLOCK];
    size_t cap = p->n_entries ? (size_t)p->n_entries : 1; /* a block's entries: row, target, entry, logit */
    int *e_row = xmalloc(sizeof(int) * cap), *e_col = xmalloc(sizeof(int) * cap), *e_id = xmalloc(sizeof(int) * cap);
    float *value = xmalloc(sizeof(float) * cap);
    for (int r0 = 0; r0 < p->n_rows; r0 += ROW_BLOCK) {
        int n = p->n_rows - r0 < ROW_BLOCK ? p->n_rows - r0 : ROW_BLOCK, k = 0;
        gather_rows(rows, p->xf, p->src + r0, n, d);
        linear_forward(logits, rows, m->lm_head, NULL, n, d, V);
        logsumexp_rows(lse, logits, n, V);
        argmax_rows(best, logits, n, V);
        for (int i = 0; i < n; i++)
            for (int e = p->head[r0 + i]; e >= 0; e = p->next[e]) e_row[k] = i, e_col[k] = p->target[e], e_id[k++] = e;
        gather_values(value, logits, e_row, e_col, k, (size_t)V);
        for (int j = 0; j < k; j++) {
            int i = e_row[j], e = e_id[j];
            p->lp[e] = (double)value[j] - lse[i], p->greedy[e] = best[i] == p->target[e];
        }
    }
    ops_free(rows), ops_free(logits);
    free(e_row), free(e_col), free(e_id), free(value);
}

static void plan_free(RowPlan *p) {
    free(p->src), free(p->head), free(p->next), free(p->target), free(p->lp), free(p->greedy);
}

/* Requests o[0..n) covering n_groups distinct inputs (group ids 0..n_groups-1):
 * one padded forward over the distinct inputs, then the continuation rows. */
static void run_batch(Model *m, Order *o, int n, int n_groups) {
    int T = o[0].n_in;
    int *ids = xcalloc((size_t)n_groups * T, sizeof(int));
    for (int i = 0; i < n; i++) /* right padding: causal rows never see it */
        memcpy(ids + (size_t)o[i].group * T, o[i].in, sizeof(int) * (size_t)o[i].n_in);
    Activations a;
    activations_alloc_hidden(&a, m, n_groups, T);
    model_forward(m, &a, ids, m->cfg.num_hidden_layers);
    RowPlan p;
    plan_rows(&p, a.xf, T, o, n, n_groups);
    score_rows(m, &p);
    for (int i = 0, e = 0; i < n; i++) { /* summed in token order: the same for any thread count */
        LLRequest *r = o[i].r;
        r->ll = 0.0, r->is_greedy = 1;
        for (int t = 0; t < r->n_cont; t++, e++) r->ll += p.lp[e], r->is_greedy &= p.greedy[e];
    }
    plan_free(&p);
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
    for (int i = 0; i < n; i++) {
        if (reqs[i].n_cont > max_len)
            return dusk_error("request %d: %d continuation tokens exceed the maximum length %d", i, reqs[i].n_cont,
                              max_len);
        if (ids_outside(reqs[i].ctx, reqs[i].n_ctx, m->cfg.vocab_size) ||
            ids_outside(reqs[i].cont, reqs[i].n_cont, m->cfg.vocab_size))
            return dusk_error("request %d: a token id outside the model's vocabulary (%d)", i, m->cfg.vocab_size);
    }
    Order *o = xmalloc(sizeof(Order) * (size_t)(n > 0 ? n : 1));
    for (int i = 0; i < n; i++) {
        o[i].r = &reqs[i];
        o[i].index = i;
        o[i].in = lm_request_input(&reqs[i], max_len, &o[i].n_in);
    }
    qsort(o, (size_t)n, sizeof(Order), by_length_desc);
    /* batches of up to `batch` distinct inputs; lm-eval shares the forward of
     * equal inputs too (one-token continuations of one context, as MMLU's) */
    for (int i = 0; i < n;) {
        int j = i, groups = 0;
        while (j < n && (groups < batch || (o[j].n_in == o[j - 1].n_in &&
                                            !memcmp(o[j].in, o[j - 1].in, sizeof(int) * (size_t)o[j].n_in)))) {
            if (j == i || o[j].n_in != o[j - 1].n_in || memcmp(o[j].in, o[j - 1].in, sizeof(int) * (size_t)o[j].n_in))
                groups++;
            o[j].group = groups - 1;
            j++;
        }
        run_batch(m, o + i, j - i, groups);
        i = j;
    }
    for (int i = 0; i < n; i++) free(o[i].in);
    free(o);
    return 0;
}
