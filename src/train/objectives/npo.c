/* NPO: −(2/β) mean_b log σ(β (NLL_θ,b − NLL_ref,b)), per-sequence summed
 * NLLs over the next-token positions. d/dNLL_θ,b = −(2/B) σ(−βΔ_b). */
#include <math.h>
#include <stdlib.h>

#include "train/objectives/terms.h"
#include "util/err.h"


double term_npo_forget(ObjectiveCtx *ctx, const Batch *b, float scale, LossParts *parts) {
    (void)parts;
    Model *m = ctx->model;
    int B = b->B;
    double *nll = xmalloc(sizeof(double) * B), *nll_ref = xmalloc(sizeof(double) * B);
    double *rows = xmalloc(sizeof(double) * (size_t)B * b->T);
    float *coef = xmalloc(sizeof(float) * B);
    term_forward(ctx, ctx->ref, &ctx->ref_acts, b);
    term_sequence_nll(ctx->ref, &ctx->ref_acts, nll_ref, rows);
    term_forward(ctx, m, &ctx->acts, b);
    term_sequence_nll(m, &ctx->acts, nll, rows);
    double beta = ctx->p.beta, loss = 0.0;
    for (int s = 0; s < B; s++) {
        double delta = nll[s] - nll_ref[s];
        loss += log_sigmoid(beta * delta);
        coef[s] = (float)(-2.0 / B * sigmoid(-beta * delta) * scale * ctx->p.forget_coeff);
    }
    loss = -2.0 / beta * loss / B;
    term_sequence_nll_backward(m, &ctx->acts, coef);
    free(nll), free(nll_ref), free(rows), free(coef);
    return loss;
}
