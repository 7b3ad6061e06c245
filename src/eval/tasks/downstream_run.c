#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "eval/tasks/downstream.h"
#include "eval/tasks/lm_requests.h"
#include "util/err.h"

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One loglikelihood request per choice: continuation " " + choice. */
static int encode_choices(const Tokenizer *tok, const Doc *d, int add_bos, LLRequest *out) {
    for (int c = 0; c < d->n_choices; c++) {
        char *cont = str_printf(" %s", d->choices[c]);
        int rc = lm_request_encode(tok, d->context, cont, add_bos, &out[c]);
        free(cont);
        if (rc != 0) return -1;
    }
    return 0;
}

static int run_loglikelihood(Model *m, const Tokenizer *tok, const TaskList *tl, DownstreamOptions *opt,
                             TaskScore *scores) {
    int n = 0;
    for (int t = 0; t < tl->n_tasks; t++)
        if (!tl->tasks[t].is_generate)
            for (int i = 0; i < tl->tasks[t].n_docs; i++) n += tl->tasks[t].docs[i].n_choices;
    LLRequest *reqs = xcalloc((size_t)(n > 0 ? n : 1), sizeof(LLRequest));
    int k = 0, rc = 0;
    for (int t = 0; t < tl->n_tasks && rc == 0; t++) {
        const Task *task = &tl->tasks[t];
        for (int i = 0; i < task->n_docs && !task->is_generate && rc == 0; i++) {
            if (encode_choices(tok, &task->docs[i], opt->add_bos, reqs + k) != 0)
                rc = dusk_error_prefix("task %s: document %d", task->name, i);
            k += task->docs[i].n_choices;
        }
    }
    double t0 = now_seconds();
    if (rc == 0) rc = lm_score_requests(m, reqs, n, opt->batch, opt->max_len);
    opt->ll_seconds = now_seconds() - t0;
    opt->n_ll_requests = n;
    k = 0;
    for (int t = 0; t < tl->n_tasks && rc == 0; t++) {
        const Task *task = &tl->tasks[t];
        for (int i = 0; i < task->n_docs && !task->is_generate; i++) {
            int nc = task->docs[i].n_choices;
            DocScore *ds = &scores[t].docs[i];
            ds->ll = xmalloc(sizeof(double) * (size_t)nc);
            ds->greedy = xmalloc(sizeof(int) * (size_t)nc);
            for (int c = 0; c < nc; c++) {
                LLRequest *r = &reqs[k + c];
                ds->ll[c] = r->ll, ds->greedy[c] = r->is_greedy;
                if (opt->log_ids) doc_score_keep_ids(ds, r->ctx, r->n_ctx, r->cont, r->n_cont), r->ctx = r->cont = NULL;
            }
            k += nc;
        }
    }
    for (int i = 0; i < n; i++) lm_request_free(&reqs[i]);
    free(reqs);
    return rc;
}

static int run_generation(Model *m, const Tokenizer *tok, const TaskList *tl, DownstreamOptions *opt,
                          TaskScore *scores) {
    int n = 0, k = 0, rc = 0;
    for (int t = 0; t < tl->n_tasks; t++)
        if (tl->tasks[t].is_generate) n += tl->tasks[t].n_docs;
    GenRequest *reqs = xcalloc((size_t)(n > 0 ? n : 1), sizeof(GenRequest));
    for (int t = 0; t < tl->n_tasks && rc == 0; t++) {
        const Task *task = &tl->tasks[t];
        for (int i = 0; i < task->n_docs && task->is_generate && rc == 0; i++) {
            const Doc *d = &task->docs[i];
            if (gen_request_encode(tok, d->context, (const char *const *)d->until, d->n_until, d->max_gen, opt->add_bos,
                                   opt->max_len, &reqs[k++]) != 0)
                rc = dusk_error_prefix("task %s: document %d", task->name, i);
        }
    }
    double t0 = now_seconds();
    if (rc == 0) rc = gen_run_requests(m, tok, reqs, n, opt->batch, 1);
    opt->gen_seconds = now_seconds() - t0;
    opt->n_gen_requests = n;
    k = 0;
    for (int t = 0; t < tl->n_tasks && rc == 0; t++)
        for (int i = 0; i < tl->tasks[t].n_docs && tl->tasks[t].is_generate; i++) {
            scores[t].docs[i].response = reqs[k].text;
            reqs[k].text = NULL;
            if (opt->log_ids) { /* context ids and the generated ids */
                doc_score_keep_ids(&scores[t].docs[i], reqs[k].ctx, reqs[k].n_ctx, reqs[k].gen, reqs[k].n_gen);
                reqs[k].ctx = reqs[k].gen = NULL;
            }
            k++;
        }
    for (int i = 0; i < n; i++) gen_request_free(&reqs[i]);
    free(reqs);
    return rc;
}

int downstream_run(Model *m, const Tokenizer *tok, const TaskList *tl, DownstreamOptions *opt, TaskScore *scores) {
    for (int t = 0; t < tl->n_tasks; t++) {
        memset(&scores[t], 0, sizeof scores[t]);
        task_metric_keys(&tl->tasks[t], &scores[t]);
        scores[t].n_docs = tl->tasks[t].n_docs;
        scores[t].docs = xcalloc((size_t)(tl->tasks[t].n_docs > 0 ? tl->tasks[t].n_docs : 1), sizeof(DocScore));
    }
    if (run_loglikelihood(m, tok, tl, opt, scores) != 0) return -1;
    if (run_generation(m, tok, tl, opt, scores) != 0) return -1;
    for (int t = 0; t < tl->n_tasks; t++)
        if (task_score_docs(&tl->tasks[t], &scores[t]) != 0) return -1;
    return 0;
}
