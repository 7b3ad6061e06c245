/* MIA: windows of the forget documents, the retain documents and
 * eval/holdout.txt (data/chunks.c cuts them as the reference does); every
 * score of eval/mia_scores.h per window from one forward pass; AUROC for
 * each ordered pair of sets and every score key, keyed as the reference;
 * PrivLeak and RetainDeviation relative to a retrain model's table. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/dusk_data.h"
#include "data/text.h"
#include "eval/metrics/eval_metrics.h"
#include "eval/mia_scores.h"
#include "eval/stats.h"
#include "util/err.h"

enum { SET_FORGET, SET_RETAIN, SET_HOLDOUT, N_SETS };
static const char *const kSetNames[N_SETS] = {"forget", "retain", "holdout"};
/* the reference reads the retain documents in this order */
static const char *const kRetainOrder[] = {"Interview", "Feature_Story", "Inverted_Pyramid", "Listicle",
                                           "Chronological"};

typedef MiaSet SetScores;

/* One forward pass per window; the forward-only activations (logits alone
 * are T x V) are kept across windows and reallocated only when the length
 * changes. */
static int score_window(Model *m, Activations *a, const int *ids, int n, const char *text, MiaScores *out) {
    if (n < 2) return dusk_error("an MIA window needs at least 2 tokens");
    if (n > m->cfg.max_position_embeddings)
        return dusk_error("an MIA window of %d tokens exceeds max_position_embeddings (%d)", n, m->cfg.max_position_embeddings);
    if (!a->buffer || a->T != n) {
        activations_free(a);
        activations_alloc_scoring(a, m, 1, n);
    }
    int V = m->cfg.vocab_size;
    if (mia_check_targets(ids + 1, n - 1, V) != 0) return -1;
    model_forward(m, a, ids, m->cfg.num_hidden_layers);
    /* row t scores a->targets[t] = ids[t + 1] */
    double *stats = xmalloc(sizeof(double) * 3 * (size_t)(n - 1));
    logprob_row_stats(stats, stats + n - 1, stats + 2 * (n - 1), a->logits, a->targets, n - 1, V);
    int rc = mia_scores_from_row_stats(stats, stats + n - 1, stats + 2 * (n - 1), n - 1, text, strlen(text), out);
    free(stats);
    return rc;
}

int mia_score_windows(Model *m, int n, const int *const *ids, const int *lens, const char *const *texts,
                      MiaScores *out) {
    Activations acts = {0};
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++)
        if ((rc = score_window(m, &acts, ids[i], lens[i], texts[i], &out[i])) != 0)
            dusk_error_prefix("window %d", i);
    activations_free(&acts);
    return rc;
}

/* Windows of one text file, scored and appended to set (and to the log). */
int mia_score_file(Model *m, const Tokenizer *tok, const char *path, int window, int cleanup, MiaSet *set,
                   cJSON *log, const char *set_name, int with_ids) {
    char *text = read_text_file(path, NULL);
    if (!text) return -1;
    SeqList w = {0};
    char **texts = NULL;
    int rc = mia_windows_with_text(&w, &texts, tok, text, window, cleanup);
    free(text);
    if (rc == 0 && w.n == 0)
        fprintf(stderr, "dusk: %s is shorter than one %d-token window; it contributes no MIA window\n", path, window);
    if (rc == 0 && w.n > 0) {
        set->scores = xrealloc(set->scores, sizeof(MiaScores) * (size_t)(set->n + w.n));
        rc = mia_score_windows(m, w.n, (const int *const *)w.seqs, w.lens, (const char *const *)texts,
                               set->scores + set->n);
    }
    for (int i = 0; i < w.n && rc == 0; i++) {
        const MiaScores *sc = &set->scores[set->n];
        cJSON *e = cJSON_CreateObject();
        if (set_name) cJSON_AddStringToObject(e, "set", set_name);
        cJSON_AddStringToObject(e, "file", path);
        cJSON_AddNumberToObject(e, "window", i);
        cJSON_AddNumberToObject(e, "tokens", w.lens[i]);
        for (int k = 0; k < MIA_NUM_SCORES; k++) {
            double v = sc->value[k];
            if (isfinite(v)) cJSON_AddNumberToObject(e, mia_score_key(k), v);
            else cJSON_AddNullToObject(e, mia_score_key(k));
        }
        if (with_ids) {
            cJSON_AddItemToObject(e, "ids", cJSON_CreateIntArray(w.seqs[i], w.lens[i]));
            cJSON_AddStringToObject(e, "text", texts[i]);
        }
        cJSON_AddItemToArray(log, e);
        set->n++;
    }
    for (int i = 0; i < w.n; i++) free(texts[i]);
    free(texts);
    seqlist_free(&w);
    return rc ? dusk_error_prefix("%s", path) : 0;
}

static int score_file(const EvalContext *ctx, const char *path, SetScores *set, cJSON *log, const char *set_name) {
    return mia_score_file(ctx->model, ctx->tok, path, ctx->mia_window, ctx->mia_cleanup, set, log, set_name, 0);
}

static int auroc_table(const SetScores sets[N_SETS], cJSON *auroc) {
    for (int k = 0; k < MIA_NUM_SCORES; k++)
        for (int p = 0; p < MIA_NUM_SET_PAIRS; p++) {
            int a = -1, b = -1;
            for (int s = 0; s < N_SETS; s++) {
                if (!strcmp(kMiaSetPairs[p][0], kSetNames[s])) a = s;
                if (!strcmp(kMiaSetPairs[p][1], kSetNames[s])) b = s;
            }
            if (sets[a].n == 0 || sets[b].n == 0) continue;
            double *xa = xmalloc(sizeof(double) * sets[a].n), *xb = xmalloc(sizeof(double) * sets[b].n);
            for (int i = 0; i < sets[a].n; i++) xa[i] = sets[a].scores[i].value[k];
            for (int i = 0; i < sets[b].n; i++) xb[i] = sets[b].scores[i].value[k];
            double auc;
            char key[128];
            int rc = stats_auroc(xa, (size_t)sets[a].n, xb, (size_t)sets[b].n, &auc);
            free(xa), free(xb);
            if (mia_auroc_key(key, sizeof key, kMiaSetPairs[p][0], kMiaSetPairs[p][1], mia_score_key(k)) != 0) continue;
            if (rc == 0) cJSON_AddNumberToObject(auroc, key, auc);
            else cJSON_AddNullToObject(auroc, key); /* e.g. NaN scores */
        }
    return 0;
}

int metric_mia(const EvalContext *ctx, cJSON **windows, cJSON **auroc) {
    SetScores sets[N_SETS] = {{0}};
    *windows = cJSON_CreateArray();
    int rc = 0;
    for (int d = 0; d < DUSK_N_DOCS && rc == 0; d++) {
        if (!ctx->is_forget[d]) continue;
        char name[64];
        snprintf(name, sizeof name, "%s.txt", kDuskDocs[d]);
        char *p = dusk_path(ctx->data_dir, name);
        rc = score_file(ctx, p, &sets[SET_FORGET], *windows, "forget");
        free(p);
    }
    for (int r = 0; r < DUSK_N_DOCS && rc == 0; r++) {
        int d = 0;
        while (strcmp(kDuskDocs[d], kRetainOrder[r])) d++;
        if (ctx->is_forget[d]) continue;
        char name[64];
        snprintf(name, sizeof name, "%s.txt", kDuskDocs[d]);
        char *p = dusk_path(ctx->data_dir, name);
        rc = score_file(ctx, p, &sets[SET_RETAIN], *windows, "retain");
        free(p);
    }
    if (rc == 0) {
        char *p = dusk_path(ctx->data_dir, "eval/holdout.txt");
        rc = score_file(ctx, p, &sets[SET_HOLDOUT], *windows, "holdout");
        free(p);
    }
    *auroc = cJSON_CreateObject();
    if (rc == 0) {
        cJSON *counts = cJSON_AddObjectToObject(*auroc, "windows");
        for (int s = 0; s < N_SETS; s++) cJSON_AddNumberToObject(counts, kSetNames[s], sets[s].n);
        rc = auroc_table(sets, *auroc);
    }
    for (int s = 0; s < N_SETS; s++) free(sets[s].scores);
    if (rc) {
        cJSON_Delete(*windows);
        cJSON_Delete(*auroc);
        return dusk_error_prefix("MIA");
    }
    return 0;
}

static int get_auc(const cJSON *t, const char *key, double *v, const char *which) {
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(t, key);
    if (!cJSON_IsNumber(it)) return dusk_error("%s AUROC table has no number for '%s'", which, key);
    *v = it->valuedouble;
    return 0;
}

/* The two AUROC keys PrivLeak and RetainDeviation use: the release's
 * forget_holdout_mink++_0.4 and holdout_retainmink++_0.4. */
static void privleak_keys(char fh[128], char hr[128]) {
    mia_auroc_key(fh, 128, "forget", "holdout", "mink++_0.4");
    mia_auroc_key(hr, 128, "holdout", "retain", "mink++_0.4");
}

int mia_check_retrain_table(const cJSON *t, const char *path) {
    char keys[2][128];
    privleak_keys(keys[0], keys[1]);
    if (!cJSON_IsObject(t)) return dusk_error("%s: not a JSON object (expected dusk eval's mia_auroc.json)", path);
    for (int i = 0; i < 2; i++) {
        const cJSON *it = cJSON_GetObjectItemCaseSensitive(t, keys[i]);
        if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble))
            return dusk_error("%s: no number for '%s' (PrivLeak and RetainDeviation need it)", path, keys[i]);
        if (it->valuedouble == 0)
            return dusk_error("%s: '%s' is 0, and PrivLeak / RetainDeviation divide by it", path, keys[i]);
    }
    return 0;
}

int metric_privleak(const cJSON *auroc, const cJSON *retrain_auroc, double *privleak, double *retain_dev) {
    char fh[128], hr[128];
    privleak_keys(fh, hr);
    double a_fh = 0, r_fh = 0, a_hr = 0, r_hr = 0;
    if (get_auc(auroc, fh, &a_fh, "this model's") || get_auc(retrain_auroc, fh, &r_fh, "the retrain model's") ||
        get_auc(auroc, hr, &a_hr, "this model's") || get_auc(retrain_auroc, hr, &r_hr, "the retrain model's"))
        return -1;
    if (r_fh == 0 || r_hr == 0) return dusk_error("the retrain model's AUROC is 0: PrivLeak is undefined");
    *privleak = (a_fh - r_fh) / r_fh * 100.0;
    *retain_dev = fabs(a_hr - r_hr) / r_hr * 100.0;
    return 0;
}
