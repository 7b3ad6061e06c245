/* Aggregate statistics of DUSK's evaluation: mean/max, the percentile
 * bootstrap confidence interval of a mean, and AUROC.
 *
 * Mean: left-to-right summation divided by n, as Python's sum(vals)/len(vals)
 * in the Python 3.10 DUSK environment (3.12+ changed sum() to compensated
 * summation; the reference predates that).
 *
 * Bootstrap (DUSK: scipy.stats.bootstrap((vals,), np.mean,
 * confidence_level=0.95, method='percentile'), whose default n_resamples is
 * 9,999): each resample draws n indices uniformly with replacement from a
 * xoshiro256** stream seeded through splitmix64 (util/rng.h), its mean is
 * taken as above, and the interval ends are np.percentile(means, 100*alpha)
 * and np.percentile(means, 100*(1-alpha)), alpha = (1 - confidence) / 2, with
 * numpy's default 'linear' method (Hyndman & Fan type 7), reproduced
 * operation by operation (see stats_percentile_linear). scipy's own draws are
 * unseeded, so only the method, not the numbers, can match it.
 *
 * AUROC: sklearn.metrics.auc(*roc_curve(labels, scores)[:2]) with labels 0
 * for list a and 1 for list b, i.e. P(score_b > score_a) + P(tie) / 2. The
 * value is computed the way sklearn does, so that it agrees to the last bit:
 * sort descending, one ROC point per distinct score (cumulative false and
 * true positives), drop collinear intermediate points (drop_intermediate),
 * prepend (0, 0), divide by the totals, then numpy.trapz, whose final sum is
 * numpy's pairwise summation in blocks of 8192. O((na+nb) log(na+nb)). */
#ifndef DUSK_EVAL_STATS_H
#define DUSK_EVAL_STATS_H

#include <stddef.h>
#include <stdint.h>

#define BOOTSTRAP_DEFAULT_RESAMPLES 9999

double stats_mean(const double *x, size_t n);
double stats_max(const double *x, size_t n);

/* numpy.percentile(x, q) with method='linear' on the ascending-sorted array
 * `sorted` (n >= 1), q in percent. */
double stats_percentile_linear(const double *sorted, size_t n, double q);

/* Percentile bootstrap CI of the mean of x (n >= 1). Deterministic for a
 * given seed. Returns 0, or -1 with dusk_error on bad arguments. */
int stats_bootstrap_mean_ci(const double *x, size_t n, int n_resamples, double confidence, uint64_t seed,
                            double *lo, double *hi);

/* numpy's float64 add.reduce: pairwise summation in blocks of 8192. */
double stats_numpy_sum(const double *x, size_t n);

/* AUROC of a (label 0) against b (label 1), as sklearn computes it. Both
 * lists must be non-empty and finite (sklearn rejects NaN/inf). Returns 0,
 * or -1 with dusk_error. */
int stats_auroc(const double *a, size_t na, const double *b, size_t nb, double *auc);

/* The summary DUSK's RougeEvalLogger.report() gives per score key. */
typedef struct {
    double mean, max, ci_lo, ci_hi;
} SummaryStats;

int stats_summary(const double *x, size_t n, uint64_t seed, SummaryStats *out);

#endif
