/* Kernels over rows of logits that return a few numbers per row to the
 * host: argmax (greedy decoding, lm-eval's is_greedy), log-sum-exp and
 * gathered values (loglikelihoods), and the log-softmax moments of
 * Min-K%++ (MIA). */
#include <math.h>
#include <string.h>

#include "ops/cpu/cpu_ops.h"
#include "ops/fast_exp.h"
#include "ops/parallel.h"

int cpu_argmax(const float *x, int n) {
    int best = 0, finite = 1;
    for (int i = 0; i < n; i++) {
        finite &= isfinite(x[i]) != 0;
        if (x[i] > x[best]) best = i;
    }
    return finite ? best : -1;
}

void cpu_argmax_rows(int *best, const float *x, int n, int v) {
#pragma omp parallel for schedule(static) if ((long)n * v >= OPS_PARALLEL_MIN)
    for (int i = 0; i < n; i++) best[i] = cpu_argmax(x + (size_t)i * v, v);
}

void cpu_logsumexp_rows(double *lse, const float *x, int n, int v) {
#pragma omp parallel for schedule(static) if ((long)n * v >= OPS_PARALLEL_MIN)
    for (int i = 0; i < n; i++) lse[i] = cpu_log_softmax_row(NULL, x + (size_t)i * v, v);
}

void cpu_gather_values(float *out, const float *x, const int *rows, const int *cols, int n, size_t ld) {
    for (int i = 0; i < n; i++) out[i] = x[(size_t)rows[i] * ld + cols[i]];
}

void cpu_gather_rows(float *dst, const float *src, const int *rows, int n, int d) {
    for (int i = 0; i < n; i++) memcpy(dst + (size_t)i * d, src + (size_t)rows[i] * d, sizeof(float) * (size_t)d);
}

/* Max of a row, and whether it holds a NaN; written so that it vectorises. */
static float row_max(const float *x, int n, int *has_nan) {
    float max = -INFINITY;
    int nan_seen = 0;
#pragma omp simd reduction(max : max) reduction(| : nan_seen)
    for (int v = 0; v < n; v++) {
        max = x[v] > max ? x[v] : max;
        nan_seen |= x[v] != x[v];
    }
    *has_nan = nan_seen;
    return max;
}

/* Sums of e = exp(y), e*y and e*y*y over y = x - max for one block of at most
 * MOMENT_BLOCK values, in float lanes (each lane adds a handful of terms). */
#define MOMENT_BLOCK 256
static void block_moments(const float *x, int n, float max, float out[3]) {
    float s = 0.0f, s_y = 0.0f, s_yy = 0.0f;
#pragma omp simd reduction(+ : s, s_y, s_yy)
    for (int v = 0; v < n; v++) {
        float y = x[v] - max, e = fast_expf(y);
        /* fast_expf clamps its input, so a masked (-inf) logit would give
         * e > 0 and e * y = -inf. Below e^-87 a term is under the rounding
         * of s >= 1 anyway: drop it (branch-free, still vectorises). */
        int negligible = y < -87.0f;
        e = negligible ? 0.0f : e;
        y = negligible ? 0.0f : y;
        s += e;
        s_y += e * y;
        s_yy += e * y * y;
    }
    out[0] = s, out[1] = s_y, out[2] = s_yy;
}

void cpu_logprob_stats_row(const float *logits, int vocab, int target, double *lp, double *mu, double *sigma) {
    int has_nan;
    float max = row_max(logits, vocab, &has_nan);
    if (has_nan || !isfinite(max)) { /* callers reject the position; fast_expf must not see a NaN */
        *lp = *mu = *sigma = NAN;
        return;
    }
    /* With y = logit - max and e = exp(y): log p = y - log S, so
     * mu = E_p[y] - log S and the variance of log p is the variance of y.
     * Float exponentials (about 2 ulp) summed in float within blocks of 256
     * (16 lanes of 16 terms each on AVX-512), blocks summed in double: the
     * moments keep ~1e-7 relative accuracy at full SIMD speed. y is shifted by
     * its max, so E[y^2] - E[y]^2 loses no more than a few ulps of double. */
    double s = 0.0, s_y = 0.0, s_yy = 0.0;
    for (int v0 = 0; v0 < vocab; v0 += MOMENT_BLOCK) {
        float m[3];
        block_moments(logits + v0, vocab - v0 < MOMENT_BLOCK ? vocab - v0 : MOMENT_BLOCK, max, m);
        s += m[0], s_y += m[1], s_yy += m[2];
    }
    double mean_y = s_y / s, log_s = log(s), var = s_yy / s - mean_y * mean_y;
    *lp = ((double)logits[target] - max) - log_s;
    *mu = mean_y - log_s;
    *sigma = sqrt(var > 0 ? var : 0);
}

void cpu_logprob_row_stats(double *lp, double *mu, double *sigma, const float *logits, const int *targets, int n,
                           int v) {
#pragma omp parallel for schedule(static) if ((long)n * v >= OPS_PARALLEL_MIN)
    for (int i = 0; i < n; i++) cpu_logprob_stats_row(logits + (size_t)i * v, v, targets[i], &lp[i], &mu[i], &sigma[i]);
}
