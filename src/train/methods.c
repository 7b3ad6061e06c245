/* The registry of unlearning methods (forget term + regulariser) and the
 * driver that runs one micro-batch of a method. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "train/objectives/terms.h"
#include "util/err.h"

/* Rows: name, forget term, regulariser, needs a reference, works on hidden
 * states, then the method's own defaults where they differ from the common
 * ones. ME+GD's forget coefficient is DUSK's (config/dusk.yaml: "0.1 for
 * ME+GD"); SimNPO is open-unlearning's trainer (forget term + NLL on
 * retain) with its configs/trainer/SimNPO.yaml: gamma 0.125, alpha 1,
 * beta 4.5, delta 0. */
static const Method kMethods[] = {
    {"GA", term_ga_forget, NULL, 0, 0, 0, 0, "gradient ascent on forget"},
    {"GA+GD", term_ga_forget, term_gd_reg, 0, 0, 0, 0, "GA + descent on retain"},
    {"GA+KL", term_ga_forget, term_kl_reg, 1, 0, 0, 0, "GA + KL(ref || model) on retain"},
    {"NPO", term_npo_forget, NULL, 1, 0, 0, 0, "negative preference optimisation"},
    {"NPO+GD", term_npo_forget, term_gd_reg, 1, 0, 0, 0, "NPO + descent on retain"},
    {"NPO+KL", term_npo_forget, term_kl_reg, 1, 0, 0, 0, "NPO + KL on retain"},
    {"RMU", term_rmu_forget, term_rmu_reg, 1, 1, 0, 0, "representation misdirection"},
    {"SGA", term_sga_forget, NULL, 0, 0, 0, 0, "selective gradient ascent"},
    {"NONE+GD", NULL, term_gd_reg, 0, 0, 0, 0, "fine-tune on retain only"},
    {"ME+GD", term_me_forget, term_gd_reg, 0, 0, 0.1f, 0, "maximum entropy on forget + GD"},
    {"SimNPO", term_simnpo_forget, term_gd_reg, 0, 0, 0.125f, 4.5,
     "length-normalised reference-free NPO + NLL on retain (open-unlearning)"},
    {"SimNPO-forget-only", term_simnpo_forget, NULL, 0, 0, 0.125f, 4.5, "SimNPO's forget term alone"},
    {"FT", term_ce_forget, NULL, 0, 0, 0, 0, "fine-tune on forget (+CE; task-vector stage)"},
};
static const int kNumMethods = (int)(sizeof kMethods / sizeof kMethods[0]);

const Method *method_find(const char *name) {
    for (int i = 0; i < kNumMethods; i++)
        if (strcmp(kMethods[i].name, name) == 0) return &kMethods[i];
    return NULL;
}

const char *method_names(void) {
    static char buf[512];
    if (!buf[0])
        for (int i = 0; i < kNumMethods; i++) {
            if (i) strcat(buf, ", ");
            strcat(buf, kMethods[i].name);
        }
    return buf;
}

void objective_params_defaults(ObjectiveParams *p, const Method *method) {
    p->forget_coeff = method && method->forget_coeff != 0 ? method->forget_coeff : 1.0f;
    p->reg_coeff = 1.0f;
    p->beta = method && method->beta != 0 ? method->beta : 0.1;
    p->simnpo_delta = 0.0f;
    p->rmu_layer = -1;
    p->rmu_coeff = 20.0f;
    p->rmu_alpha = 1.0f;
    p->sga_threshold = 0.70f;
    p->compat_release = 0;
}

/* RMU trains only mlp.down_proj of layers ℓ−2..ℓ (and, in compat mode, the
 * embedding as the public code does). */
static int rmu_freeze(ObjectiveCtx *ctx) {
    Model *m = ctx->model;
    int L = m->cfg.num_hidden_layers, l = ctx->p.rmu_layer;
    if (l < 0) l = L >= 8 ? 7 : L / 2;
    if (l >= L) return dusk_error("--rmu-layer %d: the model has %d layers", l, L);
    ctx->rmu_layer_resolved = l;
    model_set_all_trainable(m, 0);
    char name[96];
    for (int i = l - 2 < 0 ? 0 : l - 2; i <= l; i++) {
        snprintf(name, sizeof name, "model.layers.%d.mlp.down_proj.weight", i);
        model_set_trainable(m, name, 1);
    }
    if (ctx->p.compat_release) model_set_trainable(m, "model.embed_tokens.weight", 1);
    ctx->rmu_control = xmalloc(sizeof(float) * (size_t)m->cfg.hidden_size);
    ctx->rmu_control_dev = ops_alloc(sizeof(float) * (size_t)m->cfg.hidden_size);
    rmu_draw_control(ctx);
    return 0;
}

static int same_shape(const Model *a, const Model *b) {
    if (a->n_tensors != b->n_tensors) return 0;
    for (int i = 0; i < a->n_tensors; i++)
        if (strcmp(a->tensors[i].name, b->tensors[i].name) || a->tensors[i].numel != b->tensors[i].numel ||
            a->tensors[i].shape[0] != b->tensors[i].shape[0])
            return 0;
    return 1;
}

int objective_setup(ObjectiveCtx *ctx, const Method *method, Model *model, Model *ref, const ObjectiveParams *p,
                    Rng *rng, int B, int T) {
    memset(ctx, 0, sizeof *ctx);
    ctx->model = model;
    ctx->ref = ref;
    ctx->p = *p;
    ctx->rng = rng;
    if (method->needs_ref && !ref) return dusk_error("method %s needs a reference model", method->name);
    if (ref && !same_shape(model, ref))
        return dusk_error("the reference model's tensors do not match the model's (different architecture)");
    if (method->uses_hidden && rmu_freeze(ctx) != 0) return -1;
    /* No term needs all the logits at once: the model runs the fused head,
     * and the reference, never differentiated, a forward-only one. */
    activations_alloc_fused_head(&ctx->acts, model, B, T, 0);
    if (ref) activations_alloc_reference(&ctx->ref_acts, ref, B, T);
    return 0;
}

void objective_teardown(ObjectiveCtx *ctx) {
    activations_free(&ctx->acts);
    activations_free(&ctx->ref_acts);
    free(ctx->rmu_control);
    ops_free(ctx->rmu_control_dev);
    ctx->rmu_control = NULL;
    ctx->rmu_control_dev = NULL;
}

int objective_compute(ObjectiveCtx *ctx, const Method *method, const Batch *forget, const Batch *retain, float scale,
                      LossParts *out) {
    memset(out, 0, sizeof *out);
    if (!ctx->model->grads) model_zero_grads(ctx->model);
    if (method->forget) {
        if (!forget) return dusk_error("method %s needs forget sequences", method->name);
        out->forget_loss = method->forget(ctx, forget, scale, out);
    }
    if (method->reg) {
        if (!retain) return dusk_error("method %s needs retain sequences", method->name);
        out->reg_loss = method->reg(ctx, retain, scale, out);
    }
    out->loss = ctx->p.forget_coeff * out->forget_loss + ctx->p.reg_coeff * out->reg_loss;
    return 0;
}
