#include "train/optimizer.h"

#include <math.h>
#include <stdlib.h>

#include "util/err.h"

void optimizer_config_defaults(OptimizerConfig *c) {
    c->kind = OPT_ADAMW;
    c->lr = 1e-5f;
    c->beta1 = 0.9f;
    c->beta2 = 0.999f;
    c->eps = 1e-8f;
    c->weight_decay = 0.01f;
    c->max_grad_norm = 0.0f;
    c->warmup_steps = 0;
    c->total_steps = 0; /* 0: constant learning rate */
}

void optimizer_init(Optimizer *o, const Model *m, const OptimizerConfig *cfg) {
    o->cfg = *cfg;
    o->step = 0;
    o->m = o->v = NULL;
    if (cfg->kind == OPT_ADAMW) {
        o->m = ops_alloc(m->n_params * sizeof(float));
        o->v = ops_alloc(m->n_params * sizeof(float));
    }
}

void optimizer_free(Optimizer *o) {
    ops_free(o->m);
    ops_free(o->v);
    o->m = o->v = NULL;
}

double linear_schedule_factor(long step, long warmup, long total) {
    if (total <= 0) return 1.0;
    if (step < warmup) return (double)step / (double)(warmup > 1 ? warmup : 1);
    double rest = (double)(total - step) / (double)(total - warmup > 1 ? total - warmup : 1);
    return rest > 0.0 ? rest : 0.0;
}

float optimizer_current_lr(const Optimizer *o) {
    return (float)(o->cfg.lr * linear_schedule_factor(o->step, o->cfg.warmup_steps, o->cfg.total_steps));
}

double grad_global_norm(const Model *m) {
    double ss = 0.0;
    for (int i = 0; i < m->n_tensors; i++) {
        const ParamInfo *p = &m->tensors[i];
        if (p->trainable) ss += sum_squares(m->grads + p->offset, p->numel);
    }
    return sqrt(ss);
}

static void scale_grads(Model *m, float s) {
    for (int i = 0; i < m->n_tensors; i++) {
        const ParamInfo *p = &m->tensors[i];
        if (!p->trainable) continue;
        scale_inplace(m->grads + p->offset, p->numel, s);
    }
}

double optimizer_step(Optimizer *o, Model *m) {
    double norm = grad_global_norm(m);
    if (o->cfg.max_grad_norm > 0) {
        /* torch.nn.utils.clip_grad_norm_: coef = max / (norm + 1e-6), applied if < 1 */
        double coef = o->cfg.max_grad_norm / (norm + 1e-6);
        if (coef < 1.0) scale_grads(m, (float)coef);
    }
    float lr = optimizer_current_lr(o);
    o->step++;
    for (int i = 0; i < m->n_tensors; i++) {
        const ParamInfo *p = &m->tensors[i];
        if (!p->trainable) continue;
        float wd = p->no_decay ? 0.0f : o->cfg.weight_decay;
        float *w = m->params + p->offset, *g = m->grads + p->offset;
        if (o->cfg.kind == OPT_ADAMW)
            adamw_update(w, g, o->m + p->offset, o->v + p->offset, p->numel, lr, o->cfg.beta1, o->cfg.beta2,
                         o->cfg.eps, wd, o->step);
        else
            sgd_update(w, g, p->numel, lr, wd);
    }
    return norm;
}
