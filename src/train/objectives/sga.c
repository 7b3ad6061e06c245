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

/* pbar[s] = the mean of exp(-NLL) over sequence s's first `scored` rows. */
static void mean_row_probs(double *pbar, const double *rows, int B, int T, int scored) {
    for (int s = 0; s < B; s++) {
        double sum = 0.0;
        for (int t = 0; t < scored; t++) sum += exp(-rows[(size_t)s * T + t]);
        pbar[s] = scored ? sum / scored : 0.0;
    }
}

double term_sga_forget(ObjectiveCtx *ctx, const Batch *b, float scale, LossParts *parts) {
    Model *m = ctx->model;
    Activations *a = &ctx->acts;
    int B = b->B, T = b->T;
    double *nll = xmalloc(sizeof(double) * B), *pbar = xmalloc(sizeof(double) * B);
    double *rows = xmalloc(sizeof(double) * (size_t)B * T);
    float *coef = xmalloc(sizeof(float) * B);
    term_forward(ctx, m, a, b);
    term_sequence_nll(m, a, nll, rows);
    /* next-token targets score T - 1 rows (the last has none); --compat
     * release scores each of the T rows against its own input id, a second
     * forward-only pass of the head (free when the batch is one block) */
    if (ctx->p.compat_release) term_rows_nll(m, a, a->ids, rows);
    mean_row_probs(pbar, rows, B, T, ctx->p.compat_release ? T : T - 1);
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
    term_sequence_nll_backward(m, a, coef);
    free(nll), free(pbar), free(rows), free(coef);
    return loss;
}
