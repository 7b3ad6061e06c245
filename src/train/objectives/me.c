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
    double *row_kl = xmalloc(sizeof(double) * (size_t)N);
#pragma omp parallel for schedule(static)
    for (int r = 0; r < N; r++) {
        float *row = lg + (size_t)r * V;
        if (r % T == T - 1) { /* no next token: not scored */
            for (int j = 0; j < V; j++) row[j] = 0.0f;
            row_kl[r] = 0.0;
            continue;
        }
        double lse = log_softmax_row(NULL, row, V), sum_logp = 0.0;
        for (int j = 0; j < V; j++) {
            double lp = row[j] - lse;
            sum_logp += lp;
            row[j] = w * (float)(exp(lp) - 1.0 / V);
        }
        row_kl[r] = -log((double)V) - sum_logp / V;
    }
    double total = 0.0;
    for (int r = 0; r < N; r++) total += row_kl[r];
    free(row_kl);
    model_backward(m, &ctx->acts, b->ids, lg, -1, NULL);
    return total / n;
}
