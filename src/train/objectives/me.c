/* ME (maximum entropy, closer-look-LLM-unlearning): the mean over forget
 * next-token positions of KL(uniform || p_θ) = −log V − (1/V) Σ_v log p_v.
 * Its gradient on the logits is p − 1/V. */
#include <math.h>
#include <stdlib.h>

#include "train/objectives/terms.h"
#include "util/err.h"

double term_me_forget(ObjectiveCtx *ctx, const Batch *b, float scale, LossParts *parts) {
    (void)parts;
    Model *m = ctx->model;
    int B = b->B, T = b->T, V = m->cfg.vocab_size, N = B * T, n = B * (T - 1);
    term_forward(ctx, m, &ctx->acts, b);
    float *lg = ctx->acts.logits;
    float w = scale * ctx->p.forget_coeff / (float)n;
    /* targets are -1 at each last position: no next token, not scored */
    double total = uniform_kl_rows_forward_backward(lg, ctx->acts.targets, N, V, w);
    model_backward(m, &ctx->acts, lg, -1, NULL);
    return total / n;
}
