/* Unlearning objectives: L = forget_coeff * L_forget + reg_coeff * L_reg.
 *
 * A method is a forget term plus a regulariser term, registered by name in
 * methods.c; each term lives in its own file under objectives/ and both
 * compute their loss on a micro-batch and ACCUMULATE the gradient of
 * (scale * coeff * term) into the model's gradient buffer, so the trainer
 * can average micro-batches by passing scale = 1 / grad_accum. */
#ifndef DUSK_OBJECTIVE_H
#define DUSK_OBJECTIVE_H

#include "model/llama.h"
#include "util/rng.h"

typedef struct {
    float forget_coeff, reg_coeff;
    double beta;          /* NPO / SimNPO (double: the step-0 invariant (2/β) ln 2 is exact) */
    float simnpo_delta;   /* SimNPO margin on the length-normalised NLL */
    int rmu_layer;        /* -1: 7, or the middle layer when L < 8 */
    float rmu_coeff;      /* c */
    float rmu_alpha;      /* alpha */
    float sga_threshold;
    int compat_release;   /* reproduce the public DUSK code's departures */
} ObjectiveParams;

typedef struct {
    Model *model;
    Model *ref;              /* frozen starting model (NULL if the method needs none) */
    Activations acts, ref_acts;
    ObjectiveParams p;
    Rng *rng;
    float *rmu_control;      /* c * u / |u|, [hidden_size] (host) */
    float *rmu_control_dev;  /* its copy in backend memory, the MSE's target */
    int rmu_layer_resolved;
} ObjectiveCtx;

typedef struct {
    double forget_loss, reg_loss, loss; /* loss = fc * forget + rc * reg */
    int sga_selected;                   /* SGA: sequences selected in the batch */
} LossParts;

/* A batch: B sequences of T ids, row-major. */
typedef struct {
    const int *ids;
    int B, T;
} Batch;

/* One term: returns its (unscaled) value and adds d(scale * term)/dθ. */
typedef double (*TermFn)(ObjectiveCtx *ctx, const Batch *batch, float scale, LossParts *parts);

typedef struct {
    const char *name;
    TermFn forget;          /* NULL: no forget term */
    TermFn reg;             /* NULL: no regulariser */
    int needs_ref;
    int uses_hidden;        /* RMU: works on a layer's hidden state */
    /* The method's own defaults where they differ from the common ones
     * (forget_coeff 1, beta 0.1); 0 means the common default. */
    float forget_coeff;
    double beta;
    const char *summary;
} Method;

const Method *method_find(const char *name);
/* Comma-separated list of method names (static string). */
const char *method_names(void);

/* The defaults of a method's hyperparameters (method may be NULL: the
 * common defaults). */
void objective_params_defaults(ObjectiveParams *p, const Method *method);
/* Prepare ctx for a method: freezing (RMU), the control vector, activations
 * for (B, T) sequences. ref may be NULL when !method->needs_ref. */
int objective_setup(ObjectiveCtx *ctx, const Method *method, Model *model, Model *ref, const ObjectiveParams *p,
                    Rng *rng, int B, int T);
void objective_teardown(ObjectiveCtx *ctx);
/* One micro-batch: forget and/or retain batch (either may be NULL when the
 * method does not use it). Gradients accumulate with weight `scale`. */
int objective_compute(ObjectiveCtx *ctx, const Method *method, const Batch *forget, const Batch *retain, float scale,
                      LossParts *out);

#endif
