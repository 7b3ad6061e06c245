#include "eval/tasks/task_scoring.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval/tasks/text_rules.h"
#include "util/err.h"

void task_metric_keys(const Task *t, TaskScore *s) {
    s->n_keys = 0;
    switch (t->scoring) {
    case SCORE_MC:
        s->keys[s->n_keys++] = (MetricKey){"acc", "none"};
        if (!t->group && strcmp(t->name, "truthfulqa_mc1") != 0) s->keys[s->n_keys++] = (MetricKey){"acc_norm", "none"};
        break;
    case SCORE_MC2:
    case SCORE_BBQ: s->keys[s->n_keys++] = (MetricKey){"acc", "none"}; break;
    case SCORE_GSM8K:
        s->keys[s->n_keys++] = (MetricKey){"exact_match", "strict-match"};
        s->keys[s->n_keys++] = (MetricKey){"exact_match", "flexible-extract"};
        break;
    case SCORE_TRIVIAQA: s->keys[s->n_keys++] = (MetricKey){"exact_match", "remove_whitespace"}; break;
    case SCORE_EXACT: s->keys[s->n_keys++] = (MetricKey){"exact_match", "none"}; break;
    }
}

int first_argmax(const double *x, int n) {
    int best = 0;
    for (int i = 1; i < n; i++)
        if (x[i] > x[best]) best = i;
    return best;
}

int utf8_chars(const char *s) {
    int n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

double mc2_score(const double *ll, int n, int split) {
    double total = 0.0, good = 0.0;
    for (int i = 0; i < n; i++) total += exp(ll[i]);
    for (int i = 0; i < split; i++) good += exp(ll[i]) / total;
    return good;
}

static int in_gold(const Doc *d, int i) {
    for (int g = 0; g < d->n_gold; g++)
        if (d->gold[g] == i) return 1;
    return 0;
}

static void score_choices(const Task *t, const Doc *d, DocScore *ds) {
    ds->pred = first_argmax(ds->ll, d->n_choices);
    if (t->scoring == SCORE_MC2) {
        ds->values[0] = mc2_score(ds->ll, d->n_choices, d->mc2_split);
        return;
    }
    ds->values[0] = in_gold(d, ds->pred);
    double *norm = xmalloc(sizeof(double) * (size_t)d->n_choices);
    for (int i = 0; i < d->n_choices; i++) norm[i] = ds->ll[i] / utf8_chars(d->choices[i]);
    ds->values[1] = in_gold(d, first_argmax(norm, d->n_choices));
    free(norm);
}

static const char *const kGsm8kIgnore[] = {",", "\\$", "(?s).*#### ", "\\.$"};

/* exact_match of one filtered response against any reference. */
static int any_match(const char *pred, const Doc *d, const ExactMatchRules *rules, double *value) {
    *value = 0.0;
    for (int i = 0; i < d->n_answers; i++) {
        int m = exact_match(pred, d->answers[i], rules);
        if (m < 0) return -1;
        if (m) *value = 1.0;
    }
    return 0;
}

static int score_generation(const Task *t, const Doc *d, DocScore *ds) {
    ExactMatchRules none = {0};
    if (t->scoring == SCORE_GSM8K) {
        ExactMatchRules r = {kGsm8kIgnore, 4, 1, 0};
        ds->filtered[0] = filter_regex(ds->response, "#### (\\-?[0-9\\.\\,]+)", 0, "[invalid]");
        ds->filtered[1] = filter_regex(ds->response, "(-?[$0-9.,]{2,})|(-?[0-9]+)", -1, "[invalid]");
        if (!ds->filtered[0] || !ds->filtered[1]) return -1;
        return any_match(ds->filtered[0], d, &r, &ds->values[0]) || any_match(ds->filtered[1], d, &r, &ds->values[1]);
    }
    if (t->scoring == SCORE_TRIVIAQA) {
        ExactMatchRules r = {NULL, 0, 1, 1};
        ds->filtered[0] = filter_remove_whitespace(ds->response);
        return any_match(ds->filtered[0], d, &r, &ds->values[0]);
    }
    ds->filtered[0] = xstrdup(ds->response);
    return any_match(ds->filtered[0], d, &none, &ds->values[0]);
}

int task_score_docs(const Task *t, TaskScore *s) {
    for (int i = 0; i < t->n_docs; i++) {
        if (!t->is_generate) score_choices(t, &t->docs[i], &s->docs[i]);
        else if (score_generation(t, &t->docs[i], &s->docs[i]) != 0) return dusk_error_prefix("task %s", t->name);
    }
    return 0;
}

void task_score_free(TaskScore *s) {
    for (int i = 0; i < s->n_docs; i++) {
        DocScore *d = &s->docs[i];
        free(d->ll), free(d->greedy), free(d->response);
        for (int k = 0; k < SCORE_MAX_KEYS; k++) free(d->filtered[k]);
        for (int r = 0; r < d->n_req; r++) free(d->ctx_ids[r]), free(d->cont_ids[r]);
        free(d->ctx_ids), free(d->cont_ids), free(d->n_ctx), free(d->n_cont);
    }
    free(s->docs);
    memset(s, 0, sizeof *s);
}

void doc_score_keep_ids(DocScore *ds, int *ctx, int n_ctx, int *cont, int n_cont) {
    int r = ds->n_req++;
    ds->ctx_ids = xrealloc(ds->ctx_ids, sizeof(int *) * (size_t)ds->n_req);
    ds->cont_ids = xrealloc(ds->cont_ids, sizeof(int *) * (size_t)ds->n_req);
    ds->n_ctx = xrealloc(ds->n_ctx, sizeof(int) * (size_t)ds->n_req);
    ds->n_cont = xrealloc(ds->n_cont, sizeof(int) * (size_t)ds->n_req);
    ds->ctx_ids[r] = ctx, ds->n_ctx[r] = n_ctx, ds->cont_ids[r] = cont, ds->n_cont[r] = n_cont;
}

void mean_and_stderr(const double *x, int n, double *mean, double *stderr) {
    double sum = 0.0;
    for (int i = 0; i < n; i++) sum += x[i];
    *mean = n ? sum / n : NAN;
    *stderr = NAN;
    if (n < 2) return;
    double ss = 0.0;
    for (int i = 0; i < n; i++) ss += (x[i] - *mean) * (x[i] - *mean);
    *stderr = sqrt(ss / (n - 1)) / sqrt((double)n);
}

void group_weighted(const double *means, const double *stderrs, const int *sizes, int k, double *mean, double *stderr) {
    double wsum = 0.0, var = 0.0;
    long total = 0;
    for (int i = 0; i < k; i++) {
        wsum += means[i] * sizes[i];
        total += sizes[i];
        var += (sizes[i] - 1) * stderrs[i] * stderrs[i] * sizes[i];
    }
    *mean = total ? wsum / (double)total : NAN;
    *stderr = total > k ? sqrt(var / (double)(total - k) / (double)total) : NAN;
}

/* agg_disamb_bias_scores over the selected documents. */
static double bias_score(double n_biased, double n_non_unk, int n_docs) {
    if (n_docs == 0) return NAN;
    if (n_biased == 0.0) return 0.0;
    return 2.0 * (n_biased / n_non_unk) - 1.0;
}

void bbq_aggregate(const Task *t, const TaskScore *s, int category, BbqAggregate *out) {
    double acc[2] = {0, 0}, biased[2] = {0, 0}, non_unk[2] = {0, 0};
    int n[2] = {0, 0};
    for (int i = 0; i < t->n_docs; i++) {
        const Doc *d = &t->docs[i];
        if (category >= 0 && d->bbq_category != category) continue;
        int c = d->bbq_disambig, pred = s->docs[i].pred;
        n[c]++;
        acc[c] += s->docs[i].values[0];
        biased[c] += d->bbq_biased[pred];
        non_unk[c] += pred < 2; /* choices 2.. are the unknown answers */
    }
    out->accuracy_amb = n[0] ? acc[0] / n[0] : NAN;
    out->accuracy_disamb = n[1] ? acc[1] / n[1] : NAN;
    out->disamb_bias = bias_score(biased[1], non_unk[1], n[1]);
    out->amb_bias = n[0] ? (1.0 - out->accuracy_amb) * bias_score(biased[0], non_unk[0], n[0]) : NAN;
}
