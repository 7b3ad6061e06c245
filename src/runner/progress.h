/* One overall progress line for the sweep on stderr, printed as each stage
 * starts: "[k/n] 01:23 elapsed, ETA 04:10 | GA+GD epoch 2: unlearn". The
 * stage's own progress bar (the trainer's) runs beneath it. */
#ifndef DUSK_RUNNER_PROGRESS_H
#define DUSK_RUNNER_PROGRESS_H

typedef struct {
    int enabled;
    int total, done;
    double t0;            /* when the sweep started */
    double ran_seconds;   /* time spent in stages run by this process */
    int ran;              /* how many */
    double stage_t0;
} SweepProgress;

void sweep_progress_start(SweepProgress *p, int total, int enabled);
/* A stage starts: print the overall line. */
void sweep_progress_stage(SweepProgress *p, const char *row, int epochs, const char *stage);
/* It ended (ran: it did work; 0: found complete and skipped). Returns its
 * wall time in seconds. */
double sweep_progress_end(SweepProgress *p, int ran);
double sweep_now(void);

#endif
