/* KL regulariser: KL(p_ref || p_θ) on retain, summed over the vocabulary and
 * averaged over all B·T positions; its gradient on θ's logits is
 * (p_θ − p_ref) / (B·T). With --compat release the term is absent, as in
 * the public DUSK code (GA+KL ≡ GA, NPO+KL ≡ NPO). */
#include <math.h>
#include <stdlib.h>

#include "train/objectives/terms.h"
#include "util/err.h"

typedef struct {
    float *logits;
    const float *ref_logits;
    int V;
    float weight;
} KlArgs;

double term_kl_reg(ObjectiveCtx *ctx, const Batch *b, float scale, LossParts *parts) {
    (void)parts;
    if (ctx->p.compat_release) return 0.0;
    Model *m = ctx->model;
    term_forward(ctx, ctx->ref, &ctx->ref_acts, b);
    term_forward(ctx, m, &ctx->acts, b);
    int N = b->B * b->T, V = m->cfg.vocab_size;
    float w = scale * ctx->p.reg_coeff / (float)N;
    double *row_kl = xmalloc(sizeof(double) * (size_t)N);
    float *lg = ctx->acts.logits;
    const float *rl = ctx->ref_acts.logits;
#pragma omp parallel for schedule(static)
    for (int r = 0; r < N; r++) {
        float *row = lg + (size_t)r * V;
        const float *ref = rl + (size_t)r * V;
        double lse = log_softmax_row(NULL, row, V), lse_ref = log_softmax_row(NULL, ref, V);
        double kl = 0.0;
        for (int j = 0; j < V; j++) {
            double lr = ref[j] - lse_ref, lt = row[j] - lse, pr = exp(lr);
            kl += pr * (lr - lt);
            row[j] = w * (float)(exp(lt) - pr); /* overwrite logits with their gradient */
        }
        row_kl[r] = kl;
    }
    double total = 0.0;
    for (int r = 0; r < N; r++) total += row_kl[r];
    free(row_kl);
    model_backward(m, &ctx->acts, b->ids, lg, -1, NULL);
    return total / N;
}
