/* Optimizers over a model's parameter buffer: torch.optim.AdamW (bias
 * correction, decoupled weight decay) or plain SGD, with HF Trainer's
 * grouping (no weight decay on biases and norm weights), global-norm
 * clipping, and HF's linear schedule with warmup. */
#ifndef DUSK_OPTIMIZER_H
#define DUSK_OPTIMIZER_H

#include "model/llama.h"

typedef enum { OPT_ADAMW, OPT_SGD } OptimizerKind;

typedef struct {
    OptimizerKind kind;
    float lr, beta1, beta2, eps, weight_decay;
    float max_grad_norm; /* <= 0: no clipping */
    long warmup_steps, total_steps;
} OptimizerConfig;

typedef struct {
    OptimizerConfig cfg;
    long step;        /* optimizer steps taken */
    float *m, *v;     /* AdamW state, one buffer each, same layout as params */
} Optimizer;

/* HF defaults: lr 1e-5, betas 0.9/0.999, eps 1e-8, weight decay 0.01. */
void optimizer_config_defaults(OptimizerConfig *c);
void optimizer_init(Optimizer *o, const Model *m, const OptimizerConfig *cfg);
void optimizer_free(Optimizer *o);

/* HF get_linear_schedule_with_warmup multiplier for a 0-based step. */
double linear_schedule_factor(long step, long warmup, long total);
/* Learning rate the next step() will use. */
float optimizer_current_lr(const Optimizer *o);
/* L2 norm of the gradients of trainable tensors. */
double grad_global_norm(const Model *m);

/* Clip (if configured), update every trainable tensor, advance the
 * schedule. Returns the pre-clipping gradient norm. */
double optimizer_step(Optimizer *o, Model *m);

#endif
