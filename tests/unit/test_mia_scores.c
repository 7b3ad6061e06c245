/* MIA scores (loss, zlib, Min-K%, Min-K%++) against an independent reference
 * written here: long double, the formulas taken literally
 * (sigma^2 = sum p (log p)^2 - mu^2), and Min-K by repeated minimum
 * extraction instead of sorting. zlib lengths come from Python's
 * len(zlib.compress(text.encode("utf-8"))). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "eval/mia_scores.h"
#include "util/err.h"
#include "util/rng.h"

#define CHECK_REL(got, want, rel)                                                                          \
    CHECK_MSG(fabs((double)(got) - (double)(want)) <= (rel) * fmax(1.0, fabs((double)(want))), "%.17g vs %.17g", \
              (double)(got), (double)(want))

typedef struct {
    long double lp, z;
} RefPosition;

static RefPosition ref_position(const float *logits, int vocab, int target) {
    long double m = logits[0], s = 0;
    for (int v = 1; v < vocab; v++)
        if (logits[v] > m) m = logits[v];
    for (int v = 0; v < vocab; v++) s += expl((long double)logits[v] - m);
    long double lse = m + logl(s), mu = 0, second = 0;
    for (int v = 0; v < vocab; v++) {
        long double lp = (long double)logits[v] - lse, p = expl(lp);
        if (p == 0) continue; /* a masked (-inf) logit: 0 * -inf would be NaN */
        mu += p * lp;
        second += p * lp * lp;
    }
    long double sigma = sqrtl(second - mu * mu);
    RefPosition r;
    r.lp = (long double)logits[target] - lse;
    r.z = (r.lp - mu) / (sigma + 1e-6L);
    return r;
}

/* Mean of the k smallest of x[0..n) by extracting the minimum k times. */
static long double ref_mean_smallest(const long double *x, int n, int k) {
    char *used = calloc((size_t)n, 1);
    long double sum = 0;
    for (int taken = 0; taken < k; taken++) {
        int best = -1;
        for (int i = 0; i < n; i++)
            if (!used[i] && (best < 0 || x[i] < x[best])) best = i;
        used[best] = 1;
        sum += x[best];
    }
    free(used);
    return sum / k;
}

static void random_logits(Rng *rng, float *logits, int vocab, double scale) {
    for (int v = 0; v < vocab; v++) logits[v] = (float)(scale * rng_normal(rng));
    if (rng_below(rng, 3) == 0) logits[rng_below(rng, (uint64_t)vocab)] += 12.0f; /* a peaked row */
    if (rng_below(rng, 4) == 0) /* a few masked logits, as a banned-token mask leaves them */
        for (int m = 0; m < 1 + vocab / 20; m++) logits[rng_below(rng, (uint64_t)vocab)] = -INFINITY;
}

static int random_unmasked_target(Rng *rng, const float *logits, int vocab) {
    int target;
    do target = (int)rng_below(rng, (uint64_t)vocab);
    while (isinf(logits[target]));
    return target;
}

static void check_window(Rng *rng, int n_rows, int vocab) {
    float *logits = malloc(sizeof(float) * (size_t)n_rows * (size_t)vocab);
    float *logprobs = malloc(sizeof(float) * (size_t)n_rows * (size_t)vocab);
    int *targets = malloc(sizeof(int) * (size_t)n_rows);
    long double *lp = malloc(sizeof(long double) * (size_t)n_rows), *z = malloc(sizeof(long double) * (size_t)n_rows);
    const char *text = "Dr. Roland Lancaster was born in Des Moines in 1973. As an American, he has made significant "
                       "contributions to the field of literature.";
    MiaAccumulator from_logits, from_logprobs;
    mia_acc_init(&from_logits, vocab);
    mia_acc_init(&from_logprobs, vocab);
    long double lp_sum = 0;
    for (int t = 0; t < n_rows; t++) {
        float *row = logits + (size_t)t * (size_t)vocab, *lrow = logprobs + (size_t)t * (size_t)vocab;
        random_logits(rng, row, vocab, 0.5 + 3.0 * (double)rng_uniform(rng));
        targets[t] = random_unmasked_target(rng, row, vocab);
        RefPosition r = ref_position(row, vocab, targets[t]);
        lp[t] = r.lp;
        z[t] = r.z;
        lp_sum += r.lp;
        /* a float log-softmax row, as a model engine would hand over */
        long double m = row[0], s = 0;
        for (int v = 0; v < vocab; v++) m = row[v] > m ? row[v] : m;
        for (int v = 0; v < vocab; v++) s += expl((long double)row[v] - m);
        for (int v = 0; v < vocab; v++) lrow[v] = (float)((long double)row[v] - m - logl(s));
        CHECK(mia_acc_add_logits(&from_logits, row, targets[t]) == 0);
        CHECK(mia_acc_add_logprobs(&from_logprobs, lrow, targets[t]) == 0);
    }
    MiaScores a, b, c;
    CHECK(mia_acc_finish(&from_logits, text, strlen(text), &a) == 0);
    CHECK(mia_acc_finish(&from_logprobs, text, strlen(text), &b) == 0);
    CHECK(mia_scores_from_logprobs(logprobs, n_rows, vocab, targets, text, strlen(text), &c) == 0);

    /* dusk uses float exponentials (about 2 ulp each): lp is good to ~1e-8 */
    long double loss = lp_sum / n_rows;
    CHECK_REL(a.value[MIA_LOSS], loss, 1e-7);
    CHECK_REL(a.value[MIA_ZLIB], loss / 117, 1e-7); /* Python: len(zlib.compress(text)) == 117 */
    for (int r = 0; r < MIA_NUM_RATIOS; r++) {
        int k = (int)(n_rows * mia_ratio(r));
        if (k == 0) { /* np.mean of an empty slice */
            CHECK(isnan(a.value[MIA_MINK_FIRST + r]) && isnan(a.value[MIA_MINKPP_FIRST + r]));
            continue;
        }
        CHECK_REL(a.value[MIA_MINK_FIRST + r], ref_mean_smallest(lp, n_rows, k), 1e-7);
        CHECK_REL(a.value[MIA_MINKPP_FIRST + r], ref_mean_smallest(z, n_rows, k), 1e-6);
    }
    /* float log-softmax rows carry float rounding: agree to 1e-6 relative */
    for (int i = 0; i < MIA_NUM_SCORES; i++) {
        if (isnan(a.value[i])) continue;
        CHECK_REL(b.value[i], a.value[i], 1e-6);
        CHECK(c.value[i] == b.value[i]); /* batch and streaming: the same arithmetic */
    }
    mia_acc_free(&from_logits);
    mia_acc_free(&from_logprobs);
    free(logits), free(logprobs), free(targets), free(lp), free(z);
}

static void check_ratio_counts(void) {
    /* int(n * ratio) with the Python float literals */
    CHECK((int)(10 * mia_ratio(2)) == 3);  /* 10 * 0.3 = 3.0000000000000004 */
    CHECK((int)(10 * mia_ratio(6)) == 7);  /* 10 * 0.7 = 7.000000000000001 */
    CHECK((int)(29 * mia_ratio(6)) == 20); /* 29 * 0.7 = 20.299999999999997 */
    CHECK((int)(1023 * mia_ratio(9)) == 1023);
}

static void check_keys(void) {
    const char *want[MIA_NUM_SCORES] = {
        "loss",       "zlib",       "mink_0.1",   "mink_0.2",   "mink_0.3",   "mink_0.4",   "mink_0.5",   "mink_0.6",
        "mink_0.7",   "mink_0.8",   "mink_0.9",   "mink_1.0",   "mink++_0.1", "mink++_0.2", "mink++_0.3", "mink++_0.4",
        "mink++_0.5", "mink++_0.6", "mink++_0.7", "mink++_0.8", "mink++_0.9", "mink++_1.0"};
    for (int i = 0; i < MIA_NUM_SCORES; i++) CHECK_MSG(strcmp(mia_score_key(i), want[i]) == 0, "key %d", i);
    CHECK(mia_score_key(MIA_NUM_SCORES) == NULL);
    /* the reference's keys, including its missing underscores */
    const char *pairs_want[MIA_NUM_SET_PAIRS] = {"forget_retain_mink++_0.4", "retain_forget_mink++_0.4",
                                                 "forget_holdout_mink++_0.4", "holdout_forgetmink++_0.4",
                                                 "retain_holdout_mink++_0.4", "holdout_retainmink++_0.4"};
    char buf[64];
    for (int p = 0; p < MIA_NUM_SET_PAIRS; p++) {
        CHECK(mia_auroc_key(buf, sizeof buf, kMiaSetPairs[p][0], kMiaSetPairs[p][1], "mink++_0.4") == 0);
        CHECK_MSG(strcmp(buf, pairs_want[p]) == 0, "%s", buf);
    }
    CHECK(mia_auroc_key(buf, 8, "forget", "retain", "mink_0.1") == -1);
}

static void check_zlib_lengths(void) {
    /* expected: Python len(zlib.compress(s.encode("utf-8"))) */
    CHECK(zlib_compressed_length("", 0) == 8);
    CHECK(zlib_compressed_length("hello hello hello hello", 23) == 16);
    char as[1000];
    memset(as, 'a', sizeof as);
    CHECK(zlib_compressed_length(as, sizeof as) == 17);
    const char *u = "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xf0\x9f\x98\x80";
    CHECK(zlib_compressed_length(u, strlen(u)) == 29);
}

static void check_errors(void) {
    float row[4] = {0, 1, 2, 3};
    MiaAccumulator acc;
    mia_acc_init(&acc, 4);
    MiaScores s;
    CHECK(mia_acc_finish(&acc, "x", 1, &s) == -1); /* no scored position */
    CHECK(mia_acc_add_logits(&acc, row, 4) == -1);
    CHECK(mia_acc_add_logits(&acc, row, -1) == -1);
    row[2] = NAN;
    CHECK(mia_acc_add_logits(&acc, row, 1) == -1);
    int one = 1;
    CHECK(mia_scores_from_logprobs(row, 1, 4, &one, "x", 1, &s) == -1);
    CHECK(strstr(dusk_last_error(), "position 1") != NULL);
    row[2] = INFINITY;
    CHECK(mia_acc_add_logits(&acc, row, 1) == -1);
    const float masked[4] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
    CHECK(mia_acc_add_logits(&acc, masked, 1) == -1);
    row[2] = -INFINITY; /* a masked logit is fine: p = 0 */
    CHECK(mia_acc_add_logits(&acc, row, 1) == 0);
    CHECK(mia_acc_finish(&acc, "x", 1, &s) == 0 && isfinite(s.value[MIA_MINKPP_FIRST + 9]));
    mia_acc_free(&acc);
    int target = 7;
    CHECK(mia_scores_from_logprobs(row, 1, 4, &target, "x", 1, &s) == -1);
    CHECK(mia_scores_from_logprobs(row, 0, 4, &target, "x", 1, &s) == -1);
}

int main(void) {
    Rng rng;
    rng_seed(&rng, 12345);
    const int shapes[][2] = {{1, 7}, {3, 50}, {9, 100}, {10, 257}, {29, 1000}, {64, 3000}, {200, 128}};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) check_window(&rng, shapes[i][0], shapes[i][1]);
    check_ratio_counts();
    check_keys();
    check_zlib_lengths();
    check_errors();
    return check_report("test_mia_scores");
}
