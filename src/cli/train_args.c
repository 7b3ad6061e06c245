#include "cli/train_args.h"

#include <math.h>
#include <string.h>

#include "util/err.h"

/* Every numeric flag in its domain before any work: a NaN or out-of-range
 * value would otherwise train to a NaN checkpoint and exit 0. */
static void check_train_flags(const TrainConfig *tc) {
    const OptimizerConfig *c = &tc->opt;
    if (!(isfinite(tc->epochs) && tc->epochs > 0 && tc->epochs <= 1e6))
        dusk_die("--epochs must be a number in (0, 1e6] (got %g)", tc->epochs);
    if (!(isfinite(c->lr) && c->lr > 0)) dusk_die("--lr must be finite and > 0 (got %g)", c->lr);
    if (!(c->beta1 >= 0 && c->beta1 < 1)) dusk_die("--adam-beta1 must be in [0, 1) (got %g)", c->beta1);
    if (!(c->beta2 >= 0 && c->beta2 < 1)) dusk_die("--adam-beta2 must be in [0, 1) (got %g)", c->beta2);
    if (!(isfinite(c->eps) && c->eps > 0)) dusk_die("--adam-eps must be finite and > 0 (got %g)", c->eps);
    if (!(isfinite(c->weight_decay) && c->weight_decay >= 0))
        dusk_die("--weight-decay must be finite and >= 0 (got %g)", c->weight_decay);
    if (!(isfinite(c->max_grad_norm) && c->max_grad_norm >= 0))
        dusk_die("--max-grad-norm must be finite and >= 0 (got %g)", c->max_grad_norm);
}

static int batch_flag(const ArgSpec *o, int n, const char *name, long def) {
    long v = args_long(o, n, name, def);
    if (v < 1 || v > 1000000) dusk_die("--%s must be in [1, 1000000] (got %ld)", name, v);
    return (int)v;
}

void train_config_from_args(TrainConfig *tc, const ArgSpec *o, int n) {
    train_config_defaults(tc);
    tc->epochs = args_double(o, n, "epochs", tc->epochs);
    tc->opt.lr = (float)args_double(o, n, "lr", tc->opt.lr);
    tc->micro_batch = batch_flag(o, n, "batch-size", tc->micro_batch);
    tc->grad_accum = batch_flag(o, n, "grad-accum", tc->grad_accum);
    tc->opt.weight_decay = (float)args_double(o, n, "weight-decay", tc->opt.weight_decay);
    tc->opt.beta1 = (float)args_double(o, n, "adam-beta1", tc->opt.beta1);
    tc->opt.beta2 = (float)args_double(o, n, "adam-beta2", tc->opt.beta2);
    tc->opt.eps = (float)args_double(o, n, "adam-eps", tc->opt.eps);
    tc->opt.max_grad_norm = (float)args_double(o, n, "max-grad-norm", tc->opt.max_grad_norm);
    const char *opt = args_str(o, n, "optimizer", "adamw");
    if (strcmp(opt, "adamw") == 0) tc->opt.kind = OPT_ADAMW;
    else if (strcmp(opt, "sgd") == 0) tc->opt.kind = OPT_SGD;
    else dusk_die("--optimizer must be adamw or sgd (got '%s')", opt);
    tc->seed = (uint64_t)args_long(o, n, "seed", (long)tc->seed);
    tc->progress = !args_flag(o, n, "no-progress");
    tc->allow_nonfinite = args_flag(o, n, "allow-nonfinite");
    check_train_flags(tc);
}

void objective_params_from_args(ObjectiveParams *p, const ArgSpec *o, int n) {
    p->beta = args_double(o, n, "beta", p->beta);
    p->forget_coeff = (float)args_double(o, n, "forget-coeff", p->forget_coeff);
    p->reg_coeff = (float)args_double(o, n, "reg-coeff", p->reg_coeff);
    p->simnpo_delta = (float)args_double(o, n, "simnpo-delta", p->simnpo_delta);
    p->rmu_layer = (int)args_long(o, n, "rmu-layer", p->rmu_layer);
    p->rmu_coeff = (float)args_double(o, n, "rmu-coeff", p->rmu_coeff);
    p->rmu_alpha = (float)args_double(o, n, "rmu-alpha", p->rmu_alpha);
    p->sga_threshold = (float)args_double(o, n, "sga-threshold", p->sga_threshold);
    const char *compat = args_str(o, n, "compat", p->compat_release ? "release" : "none");
    if (strcmp(compat, "release") == 0) p->compat_release = 1;
    else if (strcmp(compat, "none") == 0) p->compat_release = 0;
    else dusk_die("--compat must be 'release' or 'none' (got '%s')", compat);
    if (!(p->beta > 0)) dusk_die("--beta must be > 0");
}
