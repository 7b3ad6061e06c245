/* Pieces shared by the objective terms: batched forward, targets, per-
 * sequence NLL and its gradient, the sigmoids of NPO and SimNPO, the RMU
 * control vector. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "train/objectives/terms.h"
#include "util/err.h"

void term_forward(ObjectiveCtx *ctx, Model *m, Activations *a, const Batch *b) {
    (void)ctx;
    activations_ensure(a, m, b->B, b->T, 0);
    model_forward(m, a, b->ids, m->cfg.num_hidden_layers);
}

void term_targets(const Batch *b, int *targets) {
    for (int s = 0; s < b->B; s++)
        for (int t = 0; t < b->T; t++)
            targets[s * b->T + t] = t + 1 < b->T ? b->ids[s * b->T + t + 1] : -1;
}

void term_sequence_nll(const float *logits, const int *targets, int B, int T, int V, double *nll) {
    for (int s = 0; s < B; s++) {
        double sum = 0.0;
        /* per-row values are independent; the sum runs in a fixed order */
        double *rows = xmalloc(sizeof(double) * (size_t)T);
#pragma omp parallel for schedule(static)
        for (int t = 0; t < T; t++) {
            int y = targets[s * T + t];
            const float *row = logits + ((size_t)s * T + t) * V;
            rows[t] = y < 0 ? 0.0 : log_softmax_row(NULL, row, V) - row[y];
        }
        for (int t = 0; t < T; t++) sum += rows[t];
        free(rows);
        nll[s] = sum;
    }
}

void term_nll_grad(float *dlogits, const float *logits, const int *targets, int B, int T, int V, const float *coef) {
#pragma omp parallel for schedule(static)
    for (int r = 0; r < B * T; r++) {
        const float *row = logits + (size_t)r * V;
        float *d = dlogits + (size_t)r * V;
        int y = targets[r];
        float c = coef[r / T];
        if (y < 0 || c == 0.0f) {
            memset(d, 0, sizeof(float) * V);
            continue;
        }
        float lse = (float)log_softmax_row(NULL, row, V);
        for (int j = 0; j < V; j++) d[j] = c * expf(row[j] - lse);
        d[y] -= c;
    }
}

double log_sigmoid(double x) { return x >= 0 ? -log1p(exp(-x)) : x - log1p(exp(x)); }
double sigmoid(double x) { return x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x)); }

void rmu_draw_control(ObjectiveCtx *ctx) {
    int d = ctx->model->cfg.hidden_size;
    double norm = 0.0;
    for (int i = 0; i < d; i++) {
        ctx->rmu_control[i] = rng_uniform(ctx->rng);
        norm += (double)ctx->rmu_control[i] * ctx->rmu_control[i];
    }
    norm = sqrt(norm);
    for (int i = 0; i < d; i++) ctx->rmu_control[i] = (float)(ctx->p.rmu_coeff * ctx->rmu_control[i] / norm);
}
