/* VerbMem: for each verbatim.json record, greedy 128 new tokens after
 * BOS + prompt, decoded with skip_special_tokens + cleanup; the reference is
 * the decode (same flags) of the first 128 tokens of BOS + gt. ROUGE with
 * target = reference, prediction = output; plus word-level LCS length and
 * character Levenshtein distance/similarity. */
#include <stdlib.h>
#include <string.h>

#include "data/eval_data.h"
#include "data/dusk_data.h"
#include "eval/metrics/eval_gen.h"
#include "eval/metrics/eval_metrics.h"
#include "eval/rouge.h"
#include "eval/verbatim_similarity.h"
#include "util/err.h"

static char *reference_text(const Tokenizer *tok, const char *gt, int max_tokens, int cleanup) {
    int *ids, n;
    if (tokenizer_encode(tok, gt, strlen(gt), 1, &ids, &n) != 0) return NULL;
    size_t len;
    char *s = tokenizer_decode_text(tok, ids, n < max_tokens ? n : max_tokens, 1, cleanup, &len);
    free(ids);
    return s;
}

static cJSON *verbmem_item(const char *prompt, const char *gt, const char *out, int use_stemmer, int *rc) {
    RougeScores r;
    size_t lcs = 0, dist = 0;
    double sim = 0;
    *rc = rouge_score_ex(gt, strlen(gt), out, strlen(out), use_stemmer, &r);
    if (*rc == 0) *rc = word_lcs_length(gt, strlen(gt), out, strlen(out), &lcs);
    if (*rc == 0) *rc = char_levenshtein(gt, strlen(gt), out, strlen(out), &dist, &sim);
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "prompt", prompt);
    cJSON_AddStringToObject(d, "gt", gt);
    cJSON_AddStringToObject(d, "response", out);
    cJSON_AddNumberToObject(d, "rougeL", r.rougeL.fmeasure);
    cJSON_AddNumberToObject(d, "rougeL_recall", r.rougeL.recall);
    cJSON_AddNumberToObject(d, "rouge1", r.rouge1.fmeasure);
    cJSON_AddNumberToObject(d, "rouge1_recall", r.rouge1.recall);
    cJSON_AddNumberToObject(d, "rouge2", r.rouge2.fmeasure);
    cJSON_AddNumberToObject(d, "rougeLsum", r.rougeLsum.fmeasure);
    cJSON_AddNumberToObject(d, "word_lcs", (double)lcs);
    cJSON_AddNumberToObject(d, "levenshtein_distance", (double)dist);
    cJSON_AddNumberToObject(d, "levenshtein_similarity", sim);
    return d;
}

static double mean_of(const cJSON *items, const char *key) {
    double sum = 0;
    int n = cJSON_GetArraySize(items);
    const cJSON *it;
    cJSON_ArrayForEach(it, items) sum += cJSON_GetObjectItemCaseSensitive(it, key)->valuedouble;
    return n ? sum / n : 0;
}

/* The release's lcs_agg.json and levenshtein_agg.json means, under its
 * names; the second is, despite its name, the mean Levenshtein distance
 * (the release appends lev_dist, not lev_sim, to the averaged list). */
static void add_release_means(cJSON *agg, const cJSON *items) {
    cJSON_AddNumberToObject(agg, "mean_lcs_score", mean_of(items, "word_lcs"));
    cJSON_AddNumberToObject(agg, "mean_levenshtein_similarity", mean_of(items, "levenshtein_distance"));
    cJSON_AddStringToObject(agg, "release_means_note",
                            "mean_lcs_score: mean word-level LCS length (str.split() words, a count, not a ratio); "
                            "mean_levenshtein_similarity: named as in the DUSK release, whose value is the mean "
                            "character Levenshtein DISTANCE (edits), not a similarity; the per-item "
                            "levenshtein_similarity (1 - d / max length) is averaged nowhere");
}

int metric_verbmem(const EvalContext *ctx, cJSON **items, cJSON **agg, double *headline) {
    const TextPairs *data = &ctx->inputs->verbatim;
    char **outs = xcalloc((size_t)data->n, sizeof(char *));
    int rc = eval_generate(ctx->model, ctx->tok, data->a, data->n, ctx->verbatim_new_tokens, ctx->gen_batch,
                           ctx->gen_cleanup, outs);
    *items = cJSON_CreateArray();
    for (int i = 0; i < data->n && rc == 0; i++) {
        char *ref = reference_text(ctx->tok, data->b[i], ctx->verbatim_new_tokens, ctx->gen_cleanup);
        if (!ref) rc = -1;
        else cJSON_AddItemToArray(*items, verbmem_item(data->a[i], ref, outs[i], ctx->use_stemmer, &rc));
        free(ref);
    }
    for (int i = 0; i < data->n; i++) free(outs[i]);
    free(outs);
    if (rc) {
        cJSON_Delete(*items);
        return dusk_error_prefix("VerbMem");
    }
    *agg = rouge_aggregate(*items, ctx->seed);
    add_release_means(*agg, *items);
    const char *key = ctx->use_recall ? "mean_rougeL_recall" : "mean_rougeL";
    *headline = 100.0 * cJSON_GetObjectItemCaseSensitive(*agg, key)->valuedouble;
    return 0;
}
