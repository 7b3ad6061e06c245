/* Options shared by `dusk finetune` and `dusk unlearn`: schedule, optimizer,
 * data source, output; checked here, before the pipeline runs. */
#ifndef DUSK_TRAIN_ARGS_H
#define DUSK_TRAIN_ARGS_H

#include "cli/args.h"
#include "cli/common.h"
#include "train/trainer.h"

#define TRAIN_ARG_SPECS                                                                                   \
    {"model", ARG_VALUE, "starting model: HF directory or llama2.c .bin", 0, 0},                         \
    {"data", ARG_VALUE, "DUSK data directory (data/Prof layout)", 0, 0},                                  \
    {"tokenizer", ARG_VALUE, "tokenizer (default: the one in --model)", 0, 0},                          \
    {"forget", ARG_VALUE, "forget document(s), comma-separated (default Chronological)", 0, 0},         \
    {"seq-len", ARG_VALUE, "tokens per training chunk, BOS included (default 1024)", 0, 0},              \
    {"epochs", ARG_VALUE, "epochs E (default 5)", 0, 0},                                                  \
    {"lr", ARG_VALUE, "peak learning rate (default 1e-5)", 0, 0},                                         \
    {"batch-size", ARG_VALUE, "micro-batch size (default 4)", 0, 0},                                      \
    {"grad-accum", ARG_VALUE, "gradient accumulation steps (default 8)", 0, 0},                           \
    {"weight-decay", ARG_VALUE, "AdamW weight decay (default 0.01; not on norms/biases)", 0, 0},          \
    {"adam-beta1", ARG_VALUE, "AdamW beta1 (default 0.9)", 0, 0},                                         \
    {"adam-beta2", ARG_VALUE, "AdamW beta2 (default 0.999)", 0, 0},                                       \
    {"adam-eps", ARG_VALUE, "AdamW epsilon (default 1e-8)", 0, 0},                                        \
    {"max-grad-norm", ARG_VALUE, "clip the global gradient norm (default: off)", 0, 0},                   \
    {"optimizer", ARG_VALUE, "adamw (default) or sgd", 0, 0},                                             \
    {"seed", ARG_VALUE, "seed for shuffling, retain pairing and random vectors (default 0)", 0, 0},      \
    {"out", ARG_VALUE, "output directory (HF checkpoint + run.json)", 0, 0},                              \
    {"dtype", ARG_VALUE, "dtype of the saved weights: f32 (default), bf16, f16", 0, 0},                   \
    CLI_COMPUTE_ARG_SPECS,                                                                                  \
    {"no-progress", ARG_FLAG, "no progress bar", 0, 0},                                                   \
    {"allow-nonfinite", ARG_FLAG, "keep training (and save) after a NaN/inf loss or gradient", 0, 0},     \
    {"help", ARG_FLAG, "show this help", 0, 0}

/* The hyperparameters of the unlearning objectives (dusk unlearn, dusk grad). */
#define OBJECTIVE_ARG_SPECS                                                                               \
    {"beta", ARG_VALUE, "NPO/SimNPO beta (default 0.1; SimNPO 4.5)", 0, 0},                              \
    {"forget-coeff", ARG_VALUE, "forget coefficient (default 1; ME+GD 0.1, SimNPO 0.125)", 0, 0},       \
    {"reg-coeff", ARG_VALUE, "regulariser coefficient (default 1)", 0, 0},                               \
    {"simnpo-delta", ARG_VALUE, "SimNPO margin delta (default 0)", 0, 0},                                \
    {"rmu-layer", ARG_VALUE, "RMU layer (default 7, or the middle layer if fewer than 8)", 0, 0},       \
    {"rmu-coeff", ARG_VALUE, "RMU steering coefficient c (default 20)", 0, 0},                          \
    {"rmu-alpha", ARG_VALUE, "RMU retain weight alpha (default 1)", 0, 0},                              \
    {"sga-threshold", ARG_VALUE, "SGA selection threshold (default 0.70)", 0, 0},                       \
    {"compat", ARG_VALUE, "'release': the public DUSK code's behaviour (see README)", 0, 0}

/* The OBJECTIVE_ARG_SPECS options given override *p (the method's defaults,
 * objective_params_defaults); dies on bad values. */
void objective_params_from_args(ObjectiveParams *p, const ArgSpec *o, int n);
/* Fill a TrainConfig from the parsed options (dies on bad values). */
void train_config_from_args(TrainConfig *tc, const ArgSpec *o, int n);

#endif
