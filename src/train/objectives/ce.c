/* Cross-entropy terms: GA's forget term (−CE_mean), GD's regulariser
 * (+CE_mean on retain) and the plain fine-tuning term (+CE_mean on forget,
 * used by task vectors). CE_mean is HF outputs.loss: the mean over all
 * B·(T−1) next-token positions. */
#include <stdlib.h>

#include "train/objectives/terms.h"
#include "util/err.h"

/* CE_mean of the batch; adds sign * weight * dCE_mean/dθ. */
static double ce_mean_term(ObjectiveCtx *ctx, const Batch *b, float weight) {
    Model *m = ctx->model;
    Activations *a = &ctx->acts;
    term_forward(ctx, m, a, b);
    float denom = (float)(b->B * (b->T - 1));
    return model_cross_entropy(m, a, weight / denom, weight != 0.0f) / denom;
}

double term_ga_forget(ObjectiveCtx *ctx, const Batch *b, float scale, LossParts *parts) {
    (void)parts;
    return -ce_mean_term(ctx, b, -scale * ctx->p.forget_coeff);
}

double term_ce_forget(ObjectiveCtx *ctx, const Batch *b, float scale, LossParts *parts) {
    (void)parts;
    return ce_mean_term(ctx, b, scale * ctx->p.forget_coeff);
}

double term_gd_reg(ObjectiveCtx *ctx, const Batch *b, float scale, LossParts *parts) {
    (void)parts;
    return ce_mean_term(ctx, b, scale * ctx->p.reg_coeff);
}
