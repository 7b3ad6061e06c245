/* Pieces shared by the objective terms: batched forward, targets, the
 * sigmoids of NPO and SimNPO, the RMU control vector. (The losses over
 * logits and hidden states are kernels behind ops.h.) */
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
    ops_upload(ctx->rmu_control_dev, ctx->rmu_control, sizeof(float) * (size_t)d);
}
