/* Membership-inference scores of one text window, as DUSK's
 * metrics/mia_eval.py (and the Min-K%++ / MUSE code it derives from) define
 * them. With lp_t = log p(x_t | x_<t) over the n-1 scored tokens and the full
 * next-token distribution p_t:
 *
 *   "loss"      = mean_t lp_t   (the reference stores ll = -loss, so higher
 *                                means "more likely a member")
 *   "zlib"      = loss / len(zlib.compress(text.encode("utf-8")))  (MUSE /
 *                                Min-K%++: ll / zlib length, zlib level 6)
 *   "mink_k"    = mean of the int((n-1)*k) smallest lp_t
 *   "mink++_k"  = the same over z_t = (lp_t - mu_t) / (sigma_t + 1e-6), with
 *                 mu_t = sum_v p_t(v) log p_t(v) and
 *                 sigma_t^2 = sum_v p_t(v) (log p_t(v))^2 - mu_t^2
 *   for k in 0.1, 0.2, ..., 1.0, keyed "mink_0.1" ... "mink++_1.0" like the
 *   reference's f"mink_{ratio}".
 *
 * Precision: one vectorised pass per row: float exponentials (fast_expf,
 * about 2 ulp, so lp_t is good to ~1e-8 relative, finer than the reference's
 * float32 log_softmax), moments summed in double. sigma_t^2 is the variance of
 * the max-shifted logits, clamped at 0, so it is never negative after
 * rounding (the reference's float32 form can go slightly negative and then
 * yields NaN, which its np.nanmean skips). Terms with p_t(v) < e^-87 relative
 * to the top logit are dropped, so masked (-inf) logits are fine. When
 * int((n-1)*k) is 0 the score is NaN, as np.mean of an empty slice is. */
#ifndef DUSK_EVAL_MIA_SCORES_H
#define DUSK_EVAL_MIA_SCORES_H

#include <stddef.h>

#define MIA_NUM_RATIOS 10
enum {
    MIA_LOSS = 0,
    MIA_ZLIB = 1,
    MIA_MINK_FIRST = 2,                             /* mink_0.1 .. mink_1.0 */
    MIA_MINKPP_FIRST = MIA_MINK_FIRST + MIA_NUM_RATIOS, /* mink++_0.1 .. mink++_1.0 */
    MIA_NUM_SCORES = MIA_MINKPP_FIRST + MIA_NUM_RATIOS
};

typedef struct {
    double value[MIA_NUM_SCORES];
} MiaScores;

/* The reference's key of score i ("loss", "zlib", "mink_0.1", "mink++_0.4", ...). */
const char *mia_score_key(int i);
/* The ratio k of the Min-K scores, i = 0..9 -> 0.1..1.0 (the same doubles as
 * the Python literals). */
double mia_ratio(int i);

/* Streaming accumulation: feed the n-1 scored positions one at a time, so a
 * caller never has to keep all logits rows. */
typedef struct {
    double *lp, *z; /* per scored position */
    size_t n, cap;
    int vocab;
} MiaAccumulator;

void mia_acc_init(MiaAccumulator *acc, int vocab);
void mia_acc_free(MiaAccumulator *acc);
void mia_acc_reset(MiaAccumulator *acc);
/* Position from raw logits (log-softmax taken stably: max-shifted, sums in double). */
int mia_acc_add_logits(MiaAccumulator *acc, const float *logits, int target);
/* Position from a row that already holds log-softmax values. */
int mia_acc_add_logprobs(MiaAccumulator *acc, const float *logprobs, int target);
/* Finish the window: text is the window's text (for zlib). Needs at least
 * one scored position. Leaves the accumulator reusable after mia_acc_reset. */
int mia_acc_finish(const MiaAccumulator *acc, const char *text, size_t text_len, MiaScores *out);

/* 0 when every targets[t] (row t's scored id; positions count from 1) is in
 * [0, vocab), else -1 with the first one outside named. */
int mia_check_targets(const int *targets, int n_rows, int vocab);
/* The scores of one window from its scored positions' log-softmax
 * statistics (ops.h logprob_row_stats: lp, mu, sigma [n_rows], HOST). */
int mia_scores_from_row_stats(const double *lp, const double *mu, const double *sigma, int n_rows, const char *text,
                              size_t text_len, MiaScores *out);
/* Whole window at once from HOST rows: rows is (n_rows x vocab) log-softmax
 * values (raw logits give the same result: both are normalised in double),
 * targets[t] the id scored by row t. Rows are processed in parallel. */
int mia_scores_from_logprobs(const float *rows, int n_rows, int vocab, const int *targets, const char *text,
                             size_t text_len, MiaScores *out);

/* Per-position statistics, exposed for tests: lp of the target, mu, sigma. */
void mia_row_stats_logits(const float *logits, int vocab, int target, double *lp, double *mu, double *sigma);
void mia_row_stats_logprobs(const float *logprobs, int vocab, int target, double *lp, double *mu, double *sigma);

/* len(zlib.compress(data)) with zlib's default level, or -1 on failure. */
long zlib_compressed_length(const char *data, size_t len);

/* AUROC keys exactly as mia_eval.py writes them: for scores of sets
 * a and b, "<a>_<b>_<key>" -- except that the reference forgets the
 * underscore for "holdout_forget<key>" and "holdout_retain<key>". The six
 * ordered pairs in the reference's order are (forget, retain),
 * (retain, forget), (forget, holdout), (holdout, forget), (retain, holdout),
 * (holdout, retain); the reference does this only for keys containing
 * "mink". Writes into buf (size n); returns 0, or -1 if it does not fit. */
int mia_auroc_key(char *buf, size_t n, const char *set_a, const char *set_b, const char *score_key);
#define MIA_NUM_SET_PAIRS 6
extern const char *const kMiaSetPairs[MIA_NUM_SET_PAIRS][2];

#endif
