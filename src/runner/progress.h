/* One overall progress line for the sweep on stderr, printed as each stage
 * starts: "[k/n] 01:23 elapsed, ETA 04:10 | GA+GD epoch 2: unlearn". The
 * stage's own progress bar (the trainer's) runs beneath it. */
#ifndef DUSK_RUNNER_PROGRESS_H
#define DUSK_RUNNER_PROGRESS_H

typedef enum { STAGE_SETUP, STAGE_FINETUNE, STAGE_UNLEARN, STAGE_EVAL, STAGE_KINDS } StageKind;

typedef struct {
    int enabled;
    int total, done;
    int left[STAGE_KINDS];         /* stages of each kind not yet ended */
    double seconds[STAGE_KINDS];   /* time spent in stages of each kind this process ran */
    int ran[STAGE_KINDS];          /* how many */
    double t0;                     /* when the sweep started */
    double stage_t0;
    StageKind kind;                /* of the stage under way */
} SweepProgress;

/* left: the sweep's stages of each kind. */
void sweep_progress_start(SweepProgress *p, const int left[STAGE_KINDS], int enabled);
/* A stage starts: print the overall line. */
void sweep_progress_stage(SweepProgress *p, StageKind kind, const char *row, int epochs, const char *stage);
/* It ended (ran: it did work; 0: found complete). Returns its wall time in seconds. */
double sweep_progress_end(SweepProgress *p, int ran);
/* A stage found complete (or not run): counted, nothing printed. */
void sweep_progress_skip(SweepProgress *p, StageKind kind);
double sweep_now(void);

#endif
