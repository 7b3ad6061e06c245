/* The sweep's overall progress line. The ETA adds, for each kind of stage
 * (fine-tune, unlearn, eval), the stages left times the mean duration of
 * those this process ran; a kind not seen yet is costed at the mean of all
 * stages run so far. */
#include <stdio.h>
#include <time.h>

#include "runner/progress.h"

double sweep_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

void sweep_progress_start(SweepProgress *p, const int left[STAGE_KINDS], int enabled) {
    *p = (SweepProgress){.enabled = enabled, .t0 = sweep_now()};
    for (int k = 0; k < STAGE_KINDS; k++) p->left[k] = left[k], p->total += left[k];
}

static void clock_text(char *buf, size_t n, double s) {
    long t = (long)(s + 0.5);
    if (t >= 3600) snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else snprintf(buf, n, "%02ld:%02ld", t / 60, t % 60);
}

/* Seconds the stages not yet ended should take; < 0 when nothing ran yet. */
static double eta_seconds(const SweepProgress *p) {
    double all = 0;
    int n_all = 0;
    for (int k = 0; k < STAGE_KINDS; k++) all += p->seconds[k], n_all += p->ran[k];
    if (n_all == 0) return -1;
    double eta = 0;
    for (int k = 0; k < STAGE_KINDS; k++)
        eta += p->left[k] * (p->ran[k] ? p->seconds[k] / p->ran[k] : all / n_all);
    return eta;
}

void sweep_progress_stage(SweepProgress *p, StageKind kind, const char *row, int epochs, const char *stage) {
    p->stage_t0 = sweep_now();
    p->kind = kind;
    if (!p->enabled) return;
    char el[32], eta[32] = "--:--";
    clock_text(el, sizeof el, p->stage_t0 - p->t0);
    double left = eta_seconds(p);
    if (left >= 0) clock_text(eta, sizeof eta, left);
    char what[160];
    if (epochs > 0) snprintf(what, sizeof what, "%s epoch %d: %s", row, epochs, stage);
    else snprintf(what, sizeof what, "%s: %s", row, stage);
    fprintf(stderr, "dusk run [%d/%d] %s elapsed, ETA %s | %s\n", p->done + 1, p->total, el, eta, what);
    fflush(stderr);
}

double sweep_progress_end(SweepProgress *p, int ran) {
    double s = sweep_now() - p->stage_t0;
    p->done++;
    p->left[p->kind]--;
    if (ran) p->seconds[p->kind] += s, p->ran[p->kind]++;
    return s;
}

void sweep_progress_skip(SweepProgress *p, StageKind kind) {
    p->done++;
    p->left[kind]--;
}
