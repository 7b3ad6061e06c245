/* KL regulariser: KL(p_ref || p_θ) on retain, summed over the vocabulary and
 * averaged over all B·T positions; its gradient on θ's logits is
 * (p_θ − p_ref) / (B·T). With --compat release the term is absent, as in
 * the public DUSK code (GA+KL ≡ GA, NPO+KL ≡ NPO). */
#include <math.h>
#include <stdlib.h>

#include "train/objectives/terms.h"
#include "util/err.h"

typedef struct {
    const Model *ref;
    Activations *ref_acts;
    int V;
    float w;
    double total;
} KlPass;

/* A block of the model's logits against the same rows of the reference's
 * (projected here, into the reference's own block); a backward pass only. */
static void kl_block(void *ctx, float *logits, int r0, int n, int grad) {
    (void)grad;
    KlPass *p = ctx;
    const float *ref_logits = model_head_logits(p->ref, p->ref_acts, r0, n);
    p->total += kl_rows_forward_backward(logits, ref_logits, n, p->V, p->w);
}

double term_kl_reg(ObjectiveCtx *ctx, const Batch *b, float scale, LossParts *parts) {
    (void)parts;
    if (ctx->p.compat_release) return 0.0;
    Model *m = ctx->model;
    term_forward(ctx, ctx->ref, &ctx->ref_acts, b);
    term_forward(ctx, m, &ctx->acts, b);
    int N = b->B * b->T;
    KlPass p = {ctx->ref, &ctx->ref_acts, m->cfg.vocab_size, scale * ctx->p.reg_coeff / (float)N, 0.0};
    model_head_pass(m, &ctx->acts, kl_block, &p, 1);
    return p.total / N;
}
