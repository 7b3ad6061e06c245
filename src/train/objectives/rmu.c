/* RMU: steer the layer-ℓ hidden state of forget text towards a fixed random
 * control vector c·u/|u| while keeping retain hidden states where the frozen
 * reference puts them. Forget: mean over b,t,d of (h − c·u/|u|)²; retain:
 * α · mean of (h − h_ref)². Only mlp.down_proj of layers ℓ−2..ℓ is trained
 * (objective_setup freezes the rest). --compat release redraws u at every
 * micro-batch and also trains the embedding, as the public DUSK code does. */
#include <stdlib.h>

#include "train/objectives/terms.h"
#include "util/err.h"

double term_rmu_forget(ObjectiveCtx *ctx, const Batch *b, float scale, LossParts *parts) {
    (void)parts;
    Model *m = ctx->model;
    int l = ctx->rmu_layer_resolved, d = m->cfg.hidden_size;
    if (ctx->p.compat_release) rmu_draw_control(ctx);
    Activations *a = &ctx->acts;
    activations_ensure(a, m, b->B, b->T, 0);
    model_forward(m, a, b->ids, l + 1);
    size_t rows = (size_t)b->B * b->T;
    float *dh = ops_alloc(sizeof(float) * rows * d);
    double loss =
        mse_forward_backward(dh, model_hidden(a, l), ctx->rmu_control_dev, 1, rows, d, scale * ctx->p.forget_coeff);
    model_backward(m, a, NULL, l, dh);
    ops_free(dh);
    return loss;
}

double term_rmu_reg(ObjectiveCtx *ctx, const Batch *b, float scale, LossParts *parts) {
    (void)parts;
    Model *m = ctx->model;
    int l = ctx->rmu_layer_resolved, d = m->cfg.hidden_size;
    Activations *a = &ctx->acts, *ra = &ctx->ref_acts;
    activations_ensure(ra, ctx->ref, b->B, b->T, 0);
    activations_ensure(a, m, b->B, b->T, 0);
    model_forward(ctx->ref, ra, b->ids, l + 1);
    model_forward(m, a, b->ids, l + 1);
    size_t rows = (size_t)b->B * b->T;
    float *dh = ops_alloc(sizeof(float) * rows * d);
    double mse = mse_forward_backward(dh, model_hidden(a, l), model_hidden(ra, l), 0, rows, d,
                                      scale * ctx->p.reg_coeff * ctx->p.rmu_alpha);
    model_backward(m, a, NULL, l, dh);
    ops_free(dh);
    return ctx->p.rmu_alpha * mse;
}
