/* ME (maximum entropy, closer-look-LLM-unlearning): the mean over forget
 * next-token positions of KL(uniform || p_θ) = −log V − (1/V) Σ_v log p_v.
 * Its gradient on the logits is p − 1/V. */
#include <math.h>
#include <stdlib.h>

#include "train/objectives/terms.h"
#include "util/err.h"

typedef struct {
    const int *targets;
    int V;
    float w;
    double total;
} MePass;

/* targets are -1 at each last position: no next token, not scored; a
 * backward pass only */
static void me_block(void *ctx, float *logits, int r0, int n, int grad) {
    (void)grad;
    MePass *p = ctx;
    p->total += uniform_kl_rows_forward_backward(logits, p->targets + r0, n, p->V, p->w);
}

double term_me_forget(ObjectiveCtx *ctx, const Batch *b, float scale, LossParts *parts) {
    (void)parts;
    Model *m = ctx->model;
    int n = b->B * (b->T - 1);
    term_forward(ctx, m, &ctx->acts, b);
    MePass p = {ctx->acts.targets, m->cfg.vocab_size, scale * ctx->p.forget_coeff / (float)n, 0.0};
    model_head_pass(m, &ctx->acts, me_block, &p, 1);
    return p.total / n;
}
