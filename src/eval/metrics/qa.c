/* UFK / SK / URK: the few-shot prompt is every icl.jsonl pair as
 * "Question: {q}\nAnswer: {a}\n\n", then "Question: {q}\nAnswer: "; greedy 32
 * new tokens (BOS-encoded prompt), decoded with skip_special + cleanup, cut
 * at the first "\n\n", then "\nQuestion", then "Question:". ROUGE against the
 * gold answer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/dusk_data.h"
#include "data/eval_data.h"
#include "eval/metrics/eval_gen.h"
#include "eval/metrics/eval_metrics.h"
#include "eval/rouge.h"
#include "util/err.h"

static void cut_at(char *s, const char *word) {
    char *p = strstr(s, word);
    if (p) *p = '\0';
}

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
    char **prompts = xcalloc((size_t)q->n, sizeof(char *)), **outs = xcalloc((size_t)q->n, sizeof(char *));
    for (int i = 0; i < q->n; i++) {
        size_t n = strlen(prefix) + strlen(q->a[i]) + 32;
        prompts[i] = xmalloc(n);
        snprintf(prompts[i], n, "%sQuestion: %s\nAnswer: ", prefix, q->a[i]);
    }
    int rc = eval_generate(ctx->model, ctx->tok, prompts, q->n, ctx->qa_new_tokens, ctx->gen_batch, ctx->gen_cleanup, outs);
    *items = cJSON_CreateArray();
    for (int i = 0; i < q->n && rc == 0; i++) {
        cut_at(outs[i], "\n\n");
        cut_at(outs[i], "\nQuestion");
        cut_at(outs[i], "Question:");
        RougeScores r;
        rc = rouge_score_ex(q->b[i], strlen(q->b[i]), outs[i], strlen(outs[i]), ctx->use_stemmer, &r);
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "question", q->a[i]);
        cJSON_AddStringToObject(d, "gt", q->b[i]);
        cJSON_AddStringToObject(d, "response", outs[i]);
        cJSON_AddNumberToObject(d, "rougeL", r.rougeL.fmeasure);
        cJSON_AddNumberToObject(d, "rougeL_recall", r.rougeL.recall);
        cJSON_AddNumberToObject(d, "rouge1", r.rouge1.fmeasure);
        cJSON_AddNumberToObject(d, "rouge1_recall", r.rouge1.recall);
        cJSON_AddItemToArray(*items, d);
    }
    for (int i = 0; i < q->n; i++) free(prompts[i]), free(outs[i]);
    free(prompts), free(outs), free(prefix);
    if (rc) {
        cJSON_Delete(*items);
        return dusk_error_prefix("QA %s", kQaSetNames[set]);
    }
    *agg = rouge_aggregate(*items, ctx->seed);
    const char *key = ctx->use_recall ? "mean_rougeL_recall" : "mean_rougeL";
    *headline = 100.0 * cJSON_GetObjectItemCaseSensitive(*agg, key)->valuedouble;
    return 0;
}

