/* KL regulariser: KL(p_ref || p_θ) on retain, summed over the vocabulary and
 * averaged over all B·T positions; its gradient on θ's logits is
 * (p_θ − p_ref) / (B·T). With --compat release the term is absent, as in
 * the public DUSK code (GA+KL ≡ GA, NPO+KL ≡ NPO). */
#include <math.h>
#include <stdlib.h>

#include "train/objectives/terms.h"
#include "util/err.h"

double term_kl_reg(ObjectiveCtx *ctx, const Batch *b, float scale, LossParts *parts) {
    (void)parts;
    if (ctx->p.compat_release) return 0.0;
    Model *m = ctx->model;
    term_forward(ctx, ctx->ref, &ctx->ref_acts, b);
    term_forward(ctx, m, &ctx->acts, b);
    int N = b->B * b->T, V = m->cfg.vocab_size;
    float w = scale * ctx->p.reg_coeff / (float)N;
    double total = kl_rows_forward_backward(ctx->acts.logits, ctx->ref_acts.logits, N, V, w);
    model_backward(m, &ctx->acts, ctx->acts.logits, -1, NULL);
    return total / N;
}
