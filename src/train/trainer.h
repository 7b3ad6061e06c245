/* The training loop shared by fine-tuning and unlearning, with the DUSK
 * reference schedule: items (forget chunks, each paired with a retain chunk
 * drawn uniformly at random every time the item is used) come as a stream of
 * per-epoch shuffles; each optimizer step consumes micro_batch x grad_accum x
 * processes items; the gradient is the average of the micro-batch mean
 * losses; max_steps = floor(E N / effective batch); HF linear schedule with
 * warmup = steps_per_epoch when that is > 1. */
#ifndef DUSK_TRAINER_H
#define DUSK_TRAINER_H

#include "train/objective.h"
#include "train/optimizer.h"

typedef struct {
    int n;                 /* number of chunks */
    int T;                 /* tokens per chunk */
    const int *const *seqs;
} ChunkSet;

typedef struct {
    double epochs;
    int micro_batch, grad_accum, processes;
    OptimizerConfig opt;   /* lr, betas, eps, weight decay, clipping; schedule filled by train_run */
    uint64_t seed;
    int progress;          /* progress bar on stderr */
    const char *label;     /* shown in the progress bar */
    int allow_nonfinite;   /* keep training after a NaN/inf loss or gradient norm */
} TrainConfig;

/* More steps than this is a mistyped flag, not a run (and its per-step log
 * would not fit in memory). */
#define TRAIN_MAX_STEPS 10000000L

/* An RMU control vector in use from micro-batch `from` (counted over the
 * whole run from 0) until the next entry's `from`. */
typedef struct {
    long from;
    char sha256[65];       /* of its float32 values */
    double norm;           /* its Euclidean norm (the steering coefficient c) */
} ControlVectorUse;

typedef struct {
    long max_steps, steps_per_epoch, warmup_steps;
    long steps;            /* optimizer steps taken */
    double *loss, *forget_loss, *reg_loss, *grad_norm; /* per step */
    float *lr;             /* per step, as the optimizer used it (a float) */
    double seconds;
    long tokens;           /* tokens processed (forget + retain) */
    long micro_batches;    /* micro-batches processed */
    /* RMU only: each control vector the run used, in order; one entry when
     * the vector is fixed for the run, one per micro-batch when it is
     * redrawn (--compat release). */
    ControlVectorUse *controls;
    int n_controls;
} TrainLog;

void train_config_defaults(TrainConfig *c);
/* max_steps = floor(epochs * n_items / effective_batch), steps_per_epoch =
 * floor(n_items / effective_batch), warmup = steps_per_epoch if > 1 else 0. */
void train_schedule(double epochs, int n_items, int effective_batch, long *max_steps, long *steps_per_epoch,
                    long *warmup_steps);

/* Run the method over the forget items (retain may be NULL if the method has
 * no regulariser). ref is the frozen reference (NULL if not needed). */
int train_run(Model *m, Model *ref, const Method *method, const ObjectiveParams *op, const ChunkSet *forget,
              const ChunkSet *retain, const TrainConfig *tc, TrainLog *log);
void train_log_free(TrainLog *log);

/* θ = base − alpha (finetuned − base), over every tensor (task vectors). */
int task_vector_negate(Model *out, const Model *base, const Model *finetuned, float alpha);

#endif
