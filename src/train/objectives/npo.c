/* NPO: −(2/β) mean_b log σ(β (NLL_θ,b − NLL_ref,b)), per-sequence summed
 * NLLs over the next-token positions. d/dNLL_θ,b = −(2/B) σ(−βΔ_b). */
#include <math.h>
#include <stdlib.h>

#include "train/objectives/terms.h"
#include "util/err.h"


double term_npo_forget(ObjectiveCtx *ctx, const Batch *b, float scale, LossParts *parts) {
    (void)parts;
    Model *m = ctx->model;
    int B = b->B, T = b->T, V = m->cfg.vocab_size;
    double *nll = xmalloc(sizeof(double) * B), *nll_ref = xmalloc(sizeof(double) * B);
    float *coef = xmalloc(sizeof(float) * B);
    term_forward(ctx, ctx->ref, &ctx->ref_acts, b);
    sequence_nll(nll_ref, ctx->ref_acts.logits, ctx->ref_acts.targets, B, T, V);
    term_forward(ctx, m, &ctx->acts, b);
    sequence_nll(nll, ctx->acts.logits, ctx->acts.targets, B, T, V);
    double beta = ctx->p.beta, loss = 0.0;
    for (int s = 0; s < B; s++) {
        double delta = nll[s] - nll_ref[s];
        loss += log_sigmoid(beta * delta);
        coef[s] = (float)(-2.0 / B * sigmoid(-beta * delta) * scale * ctx->p.forget_coeff);
    }
    loss = -2.0 / beta * loss / B;
    sequence_nll_grad(ctx->acts.logits, ctx->acts.logits, ctx->acts.targets, B, T, V, coef);
    model_backward(m, &ctx->acts, ctx->acts.logits, -1, NULL);
    free(nll), free(nll_ref), free(coef);
    return loss;
}
