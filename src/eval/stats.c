#include "eval/stats.h"

#include <math.h>
#include <stdlib.h>

#include "util/err.h"
#include "util/rng.h"

double stats_mean(const double *x, size_t n) {
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) sum += x[i];
    return sum / (double)n;
}

double stats_max(const double *x, size_t n) {
    double m = x[0];
    for (size_t i = 1; i < n; i++)
        if (x[i] > m) m = x[i];
    return m;
}

/* numpy's _lerp: a + (b-a)*t, but b - (b-a)*(1-t) when t >= 0.5 (so t = 1
 * lands exactly on b). */
static double numpy_lerp(double a, double b, double t) {
    double diff = b - a;
    return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

double stats_percentile_linear(const double *sorted, size_t n, double q) {
    double quantile = q / 100;
    double virtual_index = (double)(n - 1) * quantile;
    double previous = floor(virtual_index);
    size_t lo, hi;
    if (virtual_index >= (double)(n - 1)) { /* numpy clamps both neighbours to the last element */
        previous = -1;
        lo = hi = n - 1;
    } else if (virtual_index < 0) {
        previous = 0;
        lo = hi = 0;
    } else {
        lo = (size_t)previous;
        hi = lo + 1;
    }
    return numpy_lerp(sorted[lo], sorted[hi], virtual_index - previous);
}

static int compare_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int stats_bootstrap_mean_ci(const double *x, size_t n, int n_resamples, double confidence, uint64_t seed,
                            double *lo, double *hi) {
    if (n == 0) return dusk_error("bootstrap: no values");
    if (n_resamples < 1) return dusk_error("bootstrap: need at least one resample");
    if (!(confidence > 0 && confidence < 1)) return dusk_error("bootstrap: confidence must be in (0, 1)");
    Rng rng;
    rng_seed(&rng, seed);
    double *means = xmalloc((size_t)n_resamples * sizeof *means);
    for (int r = 0; r < n_resamples; r++) {
        double sum = 0.0;
        for (size_t i = 0; i < n; i++) sum += x[rng_below(&rng, n)];
        means[r] = sum / (double)n;
    }
    qsort(means, (size_t)n_resamples, sizeof *means, compare_double);
    double alpha = (1 - confidence) / 2; /* as scipy computes the interval ends */
    *lo = stats_percentile_linear(means, (size_t)n_resamples, alpha * 100);
    *hi = stats_percentile_linear(means, (size_t)n_resamples, (1 - alpha) * 100);
    free(means);
    return 0;
}

/* numpy's pairwise_sum for float64: plain loop below 8 values, 8 interleaved
 * accumulators up to 128, otherwise split at a multiple of 8 and recurse. */
static double numpy_pairwise_sum(const double *x, size_t n) {
    if (n < 8) {
        double res = 0.;
        for (size_t i = 0; i < n; i++) res += x[i];
        return res;
    }
    if (n <= 128) {
        double r[8];
        for (int j = 0; j < 8; j++) r[j] = x[j];
        size_t i;
        for (i = 8; i < n - (n % 8); i += 8)
            for (int j = 0; j < 8; j++) r[j] += x[i + j];
        double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++) res += x[i];
        return res;
    }
    size_t half = n / 2;
    half -= half % 8;
    return numpy_pairwise_sum(x, half) + numpy_pairwise_sum(x + half, n - half);
}

double stats_numpy_sum(const double *x, size_t n) {
    const size_t block = 8192; /* numpy's ufunc buffer size: reduce sees one block at a time */
    double sum = 0.0;
    for (size_t from = 0; from < n; from += block) sum += numpy_pairwise_sum(x + from, n - from < block ? n - from : block);
    return sum;
}

typedef struct {
    double score;
    int label;
} LabelledScore;

static int compare_score_descending(const void *a, const void *b) {
    double x = ((const LabelledScore *)a)->score, y = ((const LabelledScore *)b)->score;
    return (x < y) - (x > y);
}

/* One ROC point per distinct score, from the highest: cumulative false and
 * true positives when thresholding at that score (sklearn's
 * _binary_clf_curve). Returns the number of points. */
static size_t roc_threshold_points(LabelledScore *s, size_t n, double *fps, double *tps) {
    qsort(s, n, sizeof *s, compare_score_descending);
    size_t points = 0, pos = 0;
    for (size_t i = 0; i < n; i++) {
        pos += (size_t)s[i].label;
        if (i + 1 < n && s[i + 1].score == s[i].score) continue; /* still inside a tie group */
        tps[points] = (double)pos;
        fps[points] = (double)(i + 1 - pos);
        points++;
    }
    return points;
}

/* sklearn's drop_intermediate: keep the ends and every point where either
 * curve bends (non-zero second difference); collinear points carry no area. */
static size_t drop_collinear_points(double *fps, double *tps, size_t n) {
    if (n <= 2) return n;
    size_t kept = 1;
    for (size_t i = 1; i + 1 < n; i++) {
        double bend_f = (fps[i + 1] - fps[i]) - (fps[i] - fps[i - 1]);
        double bend_t = (tps[i + 1] - tps[i]) - (tps[i] - tps[i - 1]);
        if (bend_f == 0 && bend_t == 0) continue;
        fps[kept] = fps[i];
        tps[kept] = tps[i];
        kept++;
    }
    fps[kept] = fps[n - 1];
    tps[kept] = tps[n - 1];
    return kept + 1;
}

/* numpy.trapz(y, x): sum of (x[i+1]-x[i]) * (y[i+1]+y[i]) / 2.0. */
static double numpy_trapz(const double *y, const double *x, size_t n) {
    double *terms = xmalloc((n > 1 ? n - 1 : 1) * sizeof *terms);
    for (size_t i = 0; i + 1 < n; i++) terms[i] = (x[i + 1] - x[i]) * (y[i + 1] + y[i]) / 2.0;
    double area = stats_numpy_sum(terms, n > 1 ? n - 1 : 0);
    free(terms);
    return area;
}

static int check_scores(const double *x, size_t n, const char *which) {
    if (n == 0) return dusk_error("AUROC: list %s is empty", which);
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i])) return dusk_error("AUROC: list %s value %zu is not finite", which, i + 1);
    return 0;
}

int stats_auroc(const double *a, size_t na, const double *b, size_t nb, double *auc) {
    if (check_scores(a, na, "a") != 0 || check_scores(b, nb, "b") != 0) return -1;
    size_t n = na + nb;
    LabelledScore *s = xmalloc(n * sizeof *s);
    for (size_t i = 0; i < na; i++) s[i] = (LabelledScore){a[i], 0};
    for (size_t i = 0; i < nb; i++) s[na + i] = (LabelledScore){b[i], 1};
    /* slot 0 holds the (0, 0) point sklearn prepends */
    double *fps = xmalloc((n + 1) * sizeof *fps), *tps = xmalloc((n + 1) * sizeof *tps);
    size_t points = roc_threshold_points(s, n, fps + 1, tps + 1);
    points = drop_collinear_points(fps + 1, tps + 1, points) + 1;
    fps[0] = tps[0] = 0.0;
    double fp_total = fps[points - 1], tp_total = tps[points - 1];
    for (size_t i = 0; i < points; i++) {
        fps[i] /= fp_total; /* now the false positive rate */
        tps[i] /= tp_total; /* and the true positive rate */
    }
    *auc = numpy_trapz(tps, fps, points);
    free(s);
    free(fps);
    free(tps);
    return 0;
}

int stats_summary(const double *x, size_t n, uint64_t seed, SummaryStats *out) {
    if (n == 0) return dusk_error("summary: no values");
    out->mean = stats_mean(x, n);
    out->max = stats_max(x, n);
    return stats_bootstrap_mean_ci(x, n, BOOTSTRAP_DEFAULT_RESAMPLES, 0.95, seed, &out->ci_lo, &out->ci_hi);
}
