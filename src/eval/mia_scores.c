#include "eval/mia_scores.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "ops/cpu/cpu_ops.h"
#include "util/err.h"

static const char *const kScoreKeys[MIA_NUM_SCORES] = {
    "loss",       "zlib",       "mink_0.1",   "mink_0.2",   "mink_0.3",   "mink_0.4",
    "mink_0.5",   "mink_0.6",   "mink_0.7",   "mink_0.8",   "mink_0.9",   "mink_1.0",
    "mink++_0.1", "mink++_0.2", "mink++_0.3", "mink++_0.4", "mink++_0.5", "mink++_0.6",
    "mink++_0.7", "mink++_0.8", "mink++_0.9", "mink++_1.0",
};

/* The Python literals [0.1, ..., 1.0], so int(n * ratio) rounds the same way. */
static const double kRatios[MIA_NUM_RATIOS] = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0};

const char *const kMiaSetPairs[MIA_NUM_SET_PAIRS][2] = {
    {"forget", "retain"}, {"retain", "forget"},   {"forget", "holdout"},
    {"holdout", "forget"}, {"retain", "holdout"}, {"holdout", "retain"},
};

const char *mia_score_key(int i) { return i >= 0 && i < MIA_NUM_SCORES ? kScoreKeys[i] : NULL; }

double mia_ratio(int i) { return kRatios[i]; }

int mia_auroc_key(char *buf, size_t n, const char *set_a, const char *set_b, const char *score_key) {
    /* mia_eval.py writes f"holdout_forget{key}" and f"holdout_retain{key}" */
    const char *sep = strcmp(set_a, "holdout") == 0 && strcmp(set_b, "holdout") != 0 ? "" : "_";
    int len = snprintf(buf, n, "%s_%s%s%s", set_a, set_b, sep, score_key);
    if (len < 0 || (size_t)len >= n) return dusk_error("AUROC key %s_%s_%s is too long", set_a, set_b, score_key);
    return 0;
}

void mia_row_stats_logits(const float *logits, int vocab, int target, double *lp, double *mu, double *sigma) {
    cpu_logprob_stats_row(logits, vocab, target, lp, mu, sigma);
}

void mia_row_stats_logprobs(const float *logprobs, int vocab, int target, double *lp, double *mu, double *sigma) {
    /* log-softmax is idempotent, so renormalising a log-softmax row in double
     * only removes the rounding of its float normalisation. */
    mia_row_stats_logits(logprobs, vocab, target, lp, mu, sigma);
}

void mia_acc_init(MiaAccumulator *acc, int vocab) {
    memset(acc, 0, sizeof *acc);
    acc->vocab = vocab;
}

void mia_acc_free(MiaAccumulator *acc) {
    free(acc->lp);
    free(acc->z);
    memset(acc, 0, sizeof *acc);
}

void mia_acc_reset(MiaAccumulator *acc) { acc->n = 0; }

static void acc_reserve(MiaAccumulator *acc, size_t want) {
    if (want <= acc->cap) return;
    size_t cap = acc->cap ? acc->cap : 256;
    while (cap < want) cap *= 2;
    acc->lp = xrealloc(acc->lp, cap * sizeof *acc->lp);
    acc->z = xrealloc(acc->z, cap * sizeof *acc->z);
    acc->cap = cap;
}

static double min_k_plus_plus_z(double lp, double mu, double sigma) { return (lp - mu) / (sigma + 1e-6); }

static int check_position(double lp, double mu, double sigma, size_t position) {
    if (!isfinite(lp) || !isfinite(mu) || !isfinite(sigma))
        return dusk_error("MIA: non-finite log-probabilities at scored position %zu", position + 1);
    return 0;
}

int mia_acc_add_logits(MiaAccumulator *acc, const float *logits, int target) {
    if (target < 0 || target >= acc->vocab)
        return dusk_error("MIA: target id %d outside the vocabulary (%d)", target, acc->vocab);
    double lp, mu, sigma;
    mia_row_stats_logits(logits, acc->vocab, target, &lp, &mu, &sigma);
    if (check_position(lp, mu, sigma, acc->n) != 0) return -1;
    acc_reserve(acc, acc->n + 1);
    acc->lp[acc->n] = lp;
    acc->z[acc->n] = min_k_plus_plus_z(lp, mu, sigma);
    acc->n++;
    return 0;
}

int mia_acc_add_logprobs(MiaAccumulator *acc, const float *logprobs, int target) {
    /* same computation: see mia_row_stats_logprobs */
    return mia_acc_add_logits(acc, logprobs, target);
}

long zlib_compressed_length(const char *data, size_t len) {
    uLongf out_len = compressBound((uLong)len);
    Bytef *out = xmalloc(out_len);
    int rc = compress2(out, &out_len, (const Bytef *)data, (uLong)len, Z_DEFAULT_COMPRESSION);
    free(out);
    if (rc != Z_OK) return dusk_error("zlib compress failed (%d)", rc);
    return (long)out_len;
}

static int compare_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Mean of the int(n * ratio) smallest values, for each ratio; NaN where that
 * count is 0. Sorts a copy of x. */
static void min_k_means(const double *x, size_t n, double *out) {
    double *sorted = xmalloc(n * sizeof *sorted);
    memcpy(sorted, x, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, compare_double);
    for (int r = 0; r < MIA_NUM_RATIOS; r++) {
        size_t k = (size_t)((double)n * kRatios[r]);
        double sum = 0.0;
        for (size_t i = 0; i < k; i++) sum += sorted[i];
        out[r] = k ? sum / (double)k : NAN;
    }
    free(sorted);
}

int mia_acc_finish(const MiaAccumulator *acc, const char *text, size_t text_len, MiaScores *out) {
    if (acc->n == 0) return dusk_error("MIA: a window needs at least two tokens (one scored position)");
    long zlen = zlib_compressed_length(text, text_len);
    if (zlen < 0) return -1;
    double sum = 0.0;
    for (size_t i = 0; i < acc->n; i++) sum += acc->lp[i];
    out->value[MIA_LOSS] = sum / (double)acc->n;
    out->value[MIA_ZLIB] = out->value[MIA_LOSS] / (double)zlen;
    min_k_means(acc->lp, acc->n, out->value + MIA_MINK_FIRST);
    min_k_means(acc->z, acc->n, out->value + MIA_MINKPP_FIRST);
    return 0;
}

int mia_scores_from_row_stats(const double *lp, const double *mu, const double *sigma, int n_rows, const char *text,
                              size_t text_len, MiaScores *out) {
    if (n_rows < 1) return dusk_error("MIA: a window needs at least two tokens (one scored position)");
    MiaAccumulator acc;
    memset(&acc, 0, sizeof acc);
    acc_reserve(&acc, (size_t)n_rows);
    int rc = 0;
    for (int t = 0; t < n_rows && rc == 0; t++) {
        acc.lp[t] = lp[t];
        acc.z[t] = min_k_plus_plus_z(lp[t], mu[t], sigma[t]);
        rc = check_position(lp[t], mu[t], sigma[t], (size_t)t);
    }
    acc.n = (size_t)n_rows;
    if (rc == 0) rc = mia_acc_finish(&acc, text, text_len, out);
    mia_acc_free(&acc);
    return rc;
}

int mia_check_targets(const int *targets, int n_rows, int vocab) {
    for (int t = 0; t < n_rows; t++)
        if (targets[t] < 0 || targets[t] >= vocab)
            return dusk_error("MIA: target id %d at position %d outside the vocabulary (%d)", targets[t], t + 1, vocab);
    return 0;
}

int mia_scores_from_logprobs(const float *rows, int n_rows, int vocab, const int *targets, const char *text,
                             size_t text_len, MiaScores *out) {
    if (n_rows < 1) return dusk_error("MIA: a window needs at least two tokens (one scored position)");
    if (vocab < 1) return dusk_error("MIA: empty vocabulary");
    if (mia_check_targets(targets, n_rows, vocab) != 0) return -1;
    double *stats = xmalloc(sizeof(double) * 3 * (size_t)n_rows);
    cpu_logprob_row_stats(stats, stats + n_rows, stats + 2 * n_rows, rows, targets, n_rows, vocab);
    int rc = mia_scores_from_row_stats(stats, stats + n_rows, stats + 2 * n_rows, n_rows, text, text_len, out);
    free(stats);
    return rc;
}
