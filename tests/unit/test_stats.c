/* Statistics: numpy-linear percentiles (hand-computed values), the seeded
 * percentile bootstrap (determinism, coverage of the mean, width against the
 * normal approximation) and AUROC against brute-force pair counting. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "eval/stats.h"
#include "util/err.h"
#include "util/rng.h"

static void check_percentiles(void) {
    const double five[5] = {10, 20, 30, 40, 50};
    /* numpy 'linear': index (n-1)*q/100, interpolate between neighbours */
    CHECK_NEAR(stats_percentile_linear(five, 5, 2.5), 11.0, 1e-12);  /* index 0.1 */
    CHECK_NEAR(stats_percentile_linear(five, 5, 97.5), 49.0, 1e-12); /* index 3.9 */
    CHECK(stats_percentile_linear(five, 5, 50) == 30.0);
    CHECK(stats_percentile_linear(five, 5, 0) == 10.0);
    CHECK(stats_percentile_linear(five, 5, 100) == 50.0);
    const double two[2] = {0, 1};
    CHECK_NEAR(stats_percentile_linear(two, 2, 2.5), 0.025, 1e-15);
    CHECK_NEAR(stats_percentile_linear(two, 2, 97.5), 0.975, 1e-15);
    const double one[1] = {3};
    CHECK(stats_percentile_linear(one, 1, 2.5) == 3.0 && stats_percentile_linear(one, 1, 97.5) == 3.0);
    /* 9,999 values 0..9998: index 9998*0.025 = 249.95 */
    double *many = malloc(9999 * sizeof *many);
    for (int i = 0; i < 9999; i++) many[i] = i;
    CHECK_NEAR(stats_percentile_linear(many, 9999, 2.5), 249.95, 1e-9);
    CHECK_NEAR(stats_percentile_linear(many, 9999, 97.5), 9748.05, 1e-9);
    free(many);
}

static void check_mean_max(void) {
    const double x[4] = {0.25, -1.5, 3.0, 0.75};
    CHECK(stats_mean(x, 4) == 0.625);
    CHECK(stats_max(x, 4) == 3.0);
    /* left-to-right summation, like Python's sum(): 0.1 + 0.2 + 0.3 */
    const double y[3] = {0.1, 0.2, 0.3};
    CHECK(stats_mean(y, 3) == ((0.1 + 0.2) + 0.3) / 3);
}

static void check_bootstrap(void) {
    Rng rng;
    rng_seed(&rng, 99);
    enum { N = 47 }; /* the size of DUSK's verbatim set */
    double x[N], sum = 0, sq = 0;
    for (int i = 0; i < N; i++) {
        x[i] = 0.4 + 0.2 * rng_normal(&rng);
        sum += x[i];
        sq += x[i] * x[i];
    }
    double mean = sum / N, sd = sqrt((sq / N - mean * mean) / N); /* standard error */
    double lo, hi, lo2, hi2, lo3, hi3;
    CHECK(stats_bootstrap_mean_ci(x, N, BOOTSTRAP_DEFAULT_RESAMPLES, 0.95, 5, &lo, &hi) == 0);
    CHECK(stats_bootstrap_mean_ci(x, N, BOOTSTRAP_DEFAULT_RESAMPLES, 0.95, 5, &lo2, &hi2) == 0);
    CHECK(stats_bootstrap_mean_ci(x, N, BOOTSTRAP_DEFAULT_RESAMPLES, 0.95, 6, &lo3, &hi3) == 0);
    CHECK(lo == lo2 && hi == hi2);   /* a seed fixes the interval */
    CHECK(lo != lo3 || hi != hi3);   /* and another seed moves it */
    CHECK(lo < mean && mean < hi);
    /* the normal approximation: mean +- 1.96 standard errors, to Monte Carlo error */
    CHECK_NEAR(lo, mean - 1.96 * sd, 0.15 * sd);
    CHECK_NEAR(hi, mean + 1.96 * sd, 0.15 * sd);
    const double same[3] = {0.5, 0.5, 0.5};
    CHECK(stats_bootstrap_mean_ci(same, 3, 999, 0.95, 1, &lo, &hi) == 0 && lo == 0.5 && hi == 0.5);
    CHECK(stats_bootstrap_mean_ci(x, 0, 10, 0.95, 1, &lo, &hi) == -1);
    CHECK(stats_bootstrap_mean_ci(x, N, 0, 0.95, 1, &lo, &hi) == -1);
    CHECK(stats_bootstrap_mean_ci(x, N, 10, 1.5, 1, &lo, &hi) == -1);
    SummaryStats s;
    CHECK(stats_summary(x, N, 5, &s) == 0);
    CHECK(s.mean == stats_mean(x, N) && s.max == stats_max(x, N));
    CHECK(stats_bootstrap_mean_ci(x, N, BOOTSTRAP_DEFAULT_RESAMPLES, 0.95, 5, &lo, &hi) == 0);
    CHECK(s.ci_lo == lo && s.ci_hi == hi);
}

/* P(b > a) + P(tie) / 2 by looking at every pair. */
static double brute_auroc(const double *a, int na, const double *b, int nb) {
    double wins = 0;
    for (int i = 0; i < na; i++)
        for (int j = 0; j < nb; j++) wins += b[j] > a[i] ? 1.0 : b[j] == a[i] ? 0.5 : 0.0;
    return wins / ((double)na * nb);
}

static void check_auroc(void) {
    double auc;
    const double a[4] = {1, 2, 3, 4}, b[4] = {2, 3.5, 4, 5};
    CHECK(stats_auroc(a, 4, b, 4, &auc) == 0 && auc == 0.75);
    CHECK(stats_auroc(b, 4, a, 4, &auc) == 0 && auc == 0.25);
    CHECK(stats_auroc(a, 1, a, 1, &auc) == 0 && auc == 0.5);
    CHECK(stats_auroc(a, 2, a + 2, 2, &auc) == 0 && auc == 1.0);
    Rng rng;
    rng_seed(&rng, 3);
    double worst = 0;
    for (int trial = 0; trial < 200; trial++) {
        int na = 1 + (int)rng_below(&rng, 80), nb = 1 + (int)rng_below(&rng, 80), levels = 1 + (int)rng_below(&rng, 12);
        double x[80], y[80];
        for (int i = 0; i < na; i++) x[i] = (double)rng_below(&rng, (uint64_t)levels);
        for (int i = 0; i < nb; i++) y[i] = trial % 2 ? rng_normal(&rng) : (double)rng_below(&rng, (uint64_t)levels) + 0.5 * (i % 2);
        CHECK(stats_auroc(x, (size_t)na, y, (size_t)nb, &auc) == 0);
        double d = fabs(auc - brute_auroc(x, na, y, nb));
        worst = d > worst ? d : worst;
    }
    CHECK_MSG(worst < 1e-12, "worst %g", worst);
    double bad[2] = {1, NAN};
    CHECK(stats_auroc(bad, 2, a, 4, &auc) == -1);
    CHECK(strstr(dusk_last_error(), "not finite") != NULL);
    CHECK(stats_auroc(a, 0, b, 4, &auc) == -1);
}

static void check_numpy_sum(void) {
    /* integers sum exactly whatever the order */
    double *x = malloc(20000 * sizeof *x);
    for (int i = 0; i < 20000; i++) x[i] = i % 7;
    double want = 0;
    for (int i = 0; i < 20000; i++) want += i % 7;
    CHECK(stats_numpy_sum(x, 20000) == want);
    /* pairwise summation keeps 1e6 additions of 0.1 far closer than a loop would */
    double *tenth = malloc(1000000 * sizeof *tenth), loop = 0;
    for (int i = 0; i < 1000000; i++) tenth[i] = 0.1, loop += 0.1;
    CHECK(fabs(stats_numpy_sum(tenth, 1000000) - 100000.0) < fabs(loop - 100000.0));
    CHECK(stats_numpy_sum(x, 0) == 0.0);
    free(x);
    free(tenth);
}

int main(void) {
    check_percentiles();
    check_mean_max();
    check_bootstrap();
    check_auroc();
    check_numpy_sum();
    return check_report("test_stats");
}
