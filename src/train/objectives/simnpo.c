/* SimNPO as locuslab/open-unlearning: reference-free, length-normalised
 * NPO. x_b = NLL_b / n_b − δ with NLL_b summed over the next-token positions
 * and n_b the number of label positions (open-unlearning counts the
 * unshifted labels != −100, i.e. all T tokens of a full chunk);
 * L = −(2/β) mean_b log σ(β x_b). */
#include <math.h>
#include <stdlib.h>

#include "train/objectives/terms.h"
#include "util/err.h"


double term_simnpo_forget(ObjectiveCtx *ctx, const Batch *b, float scale, LossParts *parts) {
    (void)parts;
    Model *m = ctx->model;
    int B = b->B, T = b->T, V = m->cfg.vocab_size;
    double *nll = xmalloc(sizeof(double) * B);
    float *coef = xmalloc(sizeof(float) * B);
    term_forward(ctx, m, &ctx->acts, b);
    sequence_nll(nll, ctx->acts.logits, ctx->acts.targets, B, T, V);
    double beta = ctx->p.beta, loss = 0.0;
    for (int s = 0; s < B; s++) {
        double x = nll[s] / T - ctx->p.simnpo_delta;
        loss += log_sigmoid(beta * x);
        coef[s] = (float)(-2.0 / ((double)B * T) * sigmoid(-beta * x) * scale * ctx->p.forget_coeff);
    }
    loss = -2.0 / beta * loss / B;
    sequence_nll_grad(ctx->acts.logits, ctx->acts.logits, ctx->acts.targets, B, T, V, coef);
    model_backward(m, &ctx->acts, ctx->acts.logits, -1, NULL);
    free(nll), free(coef);
    return loss;
}
