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
    int B = b->B, T = b->T;
    double *nll = xmalloc(sizeof(double) * B), *rows = xmalloc(sizeof(double) * (size_t)B * T);
    float *coef = xmalloc(sizeof(float) * B);
    term_forward(ctx, m, &ctx->acts, b);
    term_sequence_nll(m, &ctx->acts, nll, rows);
    double beta = ctx->p.beta, loss = 0.0;
    for (int s = 0; s < B; s++) {
        double x = nll[s] / T - ctx->p.simnpo_delta;
        loss += log_sigmoid(beta * x);
        coef[s] = (float)(-2.0 / ((double)B * T) * sigmoid(-beta * x) * scale * ctx->p.forget_coeff);
    }
    loss = -2.0 / beta * loss / B;
    term_sequence_nll_backward(m, &ctx->acts, coef);
    free(nll), free(rows), free(coef);
    return loss;
}
