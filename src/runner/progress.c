/* The sweep's overall progress line. The ETA is the mean duration of the
 * stages this process ran times the stages left: rough (an eval is quicker
 * than a fine-tune) but it needs no model of each stage's cost. */
#include <stdio.h>
#include <time.h>

#include "runner/progress.h"

double sweep_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

void sweep_progress_start(SweepProgress *p, int total, int enabled) {
    *p = (SweepProgress){.enabled = enabled, .total = total, .t0 = sweep_now()};
}

static void clock_text(char *buf, size_t n, double s) {
    long t = (long)(s + 0.5);
    if (t >= 3600) snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else snprintf(buf, n, "%02ld:%02ld", t / 60, t % 60);
}

void sweep_progress_stage(SweepProgress *p, const char *row, int epochs, const char *stage) {
    p->stage_t0 = sweep_now();
    if (!p->enabled) return;
    char el[32], eta[32] = "--:--";
    clock_text(el, sizeof el, p->stage_t0 - p->t0);
    if (p->ran > 0) clock_text(eta, sizeof eta, p->ran_seconds / p->ran * (p->total - p->done));
    char what[160];
    if (epochs > 0) snprintf(what, sizeof what, "%s epoch %d: %s", row, epochs, stage);
    else snprintf(what, sizeof what, "%s: %s", row, stage);
    fprintf(stderr, "dusk run [%d/%d] %s elapsed, ETA %s | %s\n", p->done + 1, p->total, el, eta, what);
    fflush(stderr);
}

double sweep_progress_end(SweepProgress *p, int ran) {
    double s = sweep_now() - p->stage_t0;
    p->done++;
    if (ran) p->ran_seconds += s, p->ran++;
    return s;
}
