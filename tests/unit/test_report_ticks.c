/* svg_nice_ticks, the axis ticks of the report's plots: over many ranges
 * (random, tiny, huge, negative, one-point, non-finite) the ticks must cover
 * the range, be evenly spaced by a round step (1, 2 or 5 x 10^k; whole and
 * >= 1 for epoch axes), fit SVG_MAX_TICKS, and labels must have enough
 * decimals to tell ticks apart. Also the pixel mapping of a frame. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "report/svg.h"
#include "util/rng.h"

/* step = m x 10^k with m in {1, 2, 5}. */
static int is_round_step(double step) {
    double k = floor(log10(step) + 1e-9), m = step / pow(10, k);
    return fabs(m - 1) < 1e-6 || fabs(m - 2) < 1e-6 || fabs(m - 5) < 1e-6;
}

static void check_ticks(double lo, double hi, int target, int integer) {
    SvgTicks t;
    svg_nice_ticks(lo, hi, target, integer, &t);
    CHECK_MSG(t.n >= 2 && t.n <= SVG_MAX_TICKS, "[%g, %g]: %d ticks", lo, hi, t.n);
    if (t.n < 2) return;
    double step = t.v[1] - t.v[0];
    CHECK_MSG(step > 0 && is_round_step(step), "[%g, %g]: step %g", lo, hi, step);
    for (int i = 1; i < t.n; i++)
        CHECK_MSG(fabs(t.v[i] - t.v[i - 1] - step) <= 1e-9 * fmax(fabs(t.v[i]), step), "[%g, %g]: uneven ticks", lo, hi);
    if (isfinite(lo) && isfinite(hi) && lo <= hi && fabs(lo) < 1e12 && fabs(hi) < 1e12)
        CHECK_MSG(t.v[0] <= lo && t.v[t.n - 1] >= hi, "[%g, %g] not inside [%g, %g]", lo, hi, t.v[0], t.v[t.n - 1]);
    if (integer) CHECK_MSG(step >= 1 && step == floor(step) && t.v[0] == floor(t.v[0]), "[%g, %g]: epoch step %g", lo, hi, step);
    /* neighbouring labels differ once printed with t.decimals */
    char a[64], b[64];
    for (int i = 1; i < t.n; i++) {
        snprintf(a, sizeof a, "%.*f", t.decimals, t.v[i - 1]);
        snprintf(b, sizeof b, "%.*f", t.decimals, t.v[i]);
        CHECK_MSG(strcmp(a, b) != 0, "[%g, %g]: labels %s and %s", lo, hi, a, b);
    }
}

int main(void) {
    Rng rng;
    rng_seed(&rng, 7);
    for (int i = 0; i < 2000; i++) {
        double scale = pow(10, (int)(rng_uniform(&rng) * 12) - 6);
        double a = (rng_uniform(&rng) * 2 - 1) * scale, b = (rng_uniform(&rng) * 2 - 1) * scale;
        check_ticks(fmin(a, b), fmax(a, b), 2 + i % 8, 0);
        check_ticks(floor(fabs(a) / scale * 40), floor(fabs(a) / scale * 40) + floor(fabs(b) / scale * 60), 5, 1);
    }
    check_ticks(33.3, 33.3, 5, 0);  /* one value */
    check_ticks(0, 0, 5, 0);
    check_ticks(-71.9375, -71.9375, 5, 0);
    check_ticks(1, 1, 5, 1);        /* one epoch */
    check_ticks(1, 2, 5, 1);
    check_ticks(-100, 100, 5, 0);
    check_ticks(NAN, 3, 5, 0);      /* nothing to show */
    check_ticks(INFINITY, -INFINITY, 5, 0);
    check_ticks(-1e300, 1e300, 5, 0); /* absurd values: ticks, no hang */
    check_ticks(1e14, 1e14, 5, 0);

    SvgTicks xt, yt;
    svg_nice_ticks(1, 3, 5, 1, &xt);
    svg_nice_ticks(0, 50, 5, 0, &yt);
    SvgFrame f;
    svg_frame_set(&f, 10, 20, 200, 100, &xt, &yt);
    CHECK_NEAR(svg_px(&f, xt.v[0]), 10, 1e-9);
    CHECK_NEAR(svg_px(&f, xt.v[xt.n - 1]), 210, 1e-9);
    CHECK_NEAR(svg_py(&f, yt.v[0]), 120, 1e-9); /* y grows downwards */
    CHECK_NEAR(svg_py(&f, yt.v[yt.n - 1]), 20, 1e-9);
    return check_report("test_report_ticks");
}
