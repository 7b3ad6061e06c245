/* SGA (selective gradient ascent, the first stage of TAU): ascend only on
 * the forget sequences the model already predicts confidently.
 * p̄_b = mean over next-token positions of p_θ(x_{t+1} | x_≤t);
 * s_b = 1 if p̄_b ≥ threshold, else 0; if none qualifies, only argmax_b p̄_b.
 * L = −(Σ_b s_b NLL_b) / max(1, Σ_b s_b); the selection is not
 * differentiated. --compat release computes p̄ without the shift (the
 * probability each position assigns to its own input token), as the public
 * DUSK code does. */
#include <math.h>
#include <stdlib.h>

#include "train/objectives/terms.h"
#include "util/err.h"

double term_sga_forget(ObjectiveCtx *ctx, const Batch *b, float scale, LossParts *parts) {
    Model *m = ctx->model;
    int B = b->B, T = b->T, V = m->cfg.vocab_size;
    double *nll = xmalloc(sizeof(double) * B), *pbar = xmalloc(sizeof(double) * B);
    float *coef = xmalloc(sizeof(float) * B);
    term_forward(ctx, m, &ctx->acts, b);
    const int *targets = ctx->acts.targets;
    sequence_mean_prob(pbar, ctx->acts.logits, ctx->p.compat_release ? ctx->acts.ids : targets, B, T, V);
    sequence_nll(nll, ctx->acts.logits, targets, B, T, V);
    int n_sel = 0, best = 0;
    for (int s = 0; s < B; s++) {
        if (pbar[s] > pbar[best]) best = s;
        n_sel += pbar[s] >= ctx->p.sga_threshold;
    }
    double denom = n_sel > 1 ? n_sel : 1, loss = 0.0;
    for (int s = 0; s < B; s++) {
        int sel = n_sel ? pbar[s] >= ctx->p.sga_threshold : s == best;
        loss -= sel ? nll[s] / denom : 0.0;
        coef[s] = sel ? (float)(-1.0 / denom * scale * ctx->p.forget_coeff) : 0.0f;
    }
    if (parts) parts->sga_selected = n_sel ? n_sel : 1;
    sequence_nll_grad(ctx->acts.logits, ctx->acts.logits, targets, B, T, V, coef);
    model_backward(m, &ctx->acts, ctx->acts.logits, -1, NULL);
    free(nll), free(pbar), free(coef);
    return loss;
}
