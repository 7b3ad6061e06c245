/* UFK / SK / URK: the few-shot prompt is every icl.jsonl pair as
 * "Question: {q}\nAnswer: {a}\n\n", then "Question: {q}\nAnswer: "; greedy 32
 * new tokens (BOS-encoded prompt, not truncated; EOS ids stop), decoded with
 * skip_special + the context's cleanup choice, cut at the first "\n\n", then
 * "\nQuestion", then "Question:" (the release's split(word)[0] in turn).
 * Through the downstream tasks' generate-until with those three as stop
 * strings: a prompt stops early once its cut is settled, same text. ROUGE
 * against the gold answer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/dusk_data.h"
#include "data/eval_data.h"
#include "eval/metrics/eval_metrics.h"
#include "eval/rouge.h"
#include "eval/tasks/lm_requests.h"
#include "util/err.h"

static const char *const kQaStops[] = {"\n\n", "\nQuestion", "Question:"};

static char *icl_prefix(const TextPairs *icl) {
    size_t cap = 64;
    for (int i = 0; i < icl->n; i++) cap += strlen(icl->a[i]) + strlen(icl->b[i]) + 32;
    char *s = xmalloc(cap);
    s[0] = '\0';
    size_t len = 0;
    for (int i = 0; i < icl->n; i++) len += (size_t)snprintf(s + len, cap - len, "Question: %s\nAnswer: %s\n\n", icl->a[i], icl->b[i]);
    return s;
}

int metric_qa(const EvalContext *ctx, int set, cJSON **items, cJSON **agg, double *headline) {
    if (set < 0 || set >= QA_N_SETS) return dusk_error("unknown QA set %d", set);
    const TextPairs *q = &ctx->inputs->qa[set];
    char *prefix = icl_prefix(&ctx->inputs->icl);
    GenRequest *reqs = xcalloc((size_t)q->n, sizeof *reqs);
    int rc = 0;
    for (int i = 0; i < q->n && rc == 0; i++) {
        size_t n = strlen(prefix) + strlen(q->a[i]) + 32;
        char *prompt = xmalloc(n);
        snprintf(prompt, n, "%sQuestion: %s\nAnswer: ", prefix, q->a[i]);
        rc = gen_request_init(ctx->tok, prompt, kQaStops, 3, ctx->qa_new_tokens, 1, &reqs[i]);
        free(prompt);
    }
    if (rc == 0) rc = gen_run_requests(ctx->model, ctx->tok, reqs, q->n, ctx->gen_batch, ctx->gen_cleanup);
    *items = cJSON_CreateArray();
    for (int i = 0; i < q->n && rc == 0; i++) {
        const char *out = reqs[i].text;
        RougeScores r;
        rc = rouge_score_ex(q->b[i], strlen(q->b[i]), out, strlen(out), ctx->use_stemmer, &r);
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "question", q->a[i]);
        cJSON_AddStringToObject(d, "gt", q->b[i]);
        cJSON_AddStringToObject(d, "response", out);
        cJSON_AddNumberToObject(d, "rougeL", r.rougeL.fmeasure);
        cJSON_AddNumberToObject(d, "rougeL_recall", r.rougeL.recall);
        cJSON_AddNumberToObject(d, "rouge1", r.rouge1.fmeasure);
        cJSON_AddNumberToObject(d, "rouge1_recall", r.rouge1.recall);
        cJSON_AddItemToArray(*items, d);
    }
    for (int i = 0; i < q->n; i++) gen_request_free(&reqs[i]);
    free(reqs), free(prefix);
    if (rc) {
        cJSON_Delete(*items);
        return dusk_error_prefix("QA %s", kQaSetNames[set]);
    }
    *agg = rouge_aggregate(*items, ctx->seed);
    const char *key = ctx->use_recall ? "mean_rougeL_recall" : "mean_rougeL";
    *headline = 100.0 * cJSON_GetObjectItemCaseSensitive(*agg, key)->valuedouble;
    return 0;
}

