/* Pieces shared by the objective terms: batched forward, the per-row NLL
 * passes of the fused head and their per-sequence sums, the sigmoids of NPO
 * and SimNPO, the RMU control vector. (The losses over logits and hidden
 * states are kernels behind ops.h.) */
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

typedef struct {
    const int *labels; /* backend [B*T] */
    double *rows;      /* HOST [B*T]: the forward pass's per-row NLL */
    const float *coef; /* HOST [B*T]: the backward pass's per-row scale */
    int V;
} RowsNllPass;

static void rows_nll_block(void *ctx, float *logits, int r0, int n, int grad) {
    RowsNllPass *p = ctx;
    if (grad) rows_nll_grad(logits, logits, p->labels + r0, n, p->V, p->coef + r0);
    else rows_nll(p->rows + r0, logits, p->labels + r0, n, p->V);
}

void term_rows_nll(Model *m, Activations *a, const int *labels, double *rows) {
    RowsNllPass p = {labels, rows, NULL, m->cfg.vocab_size};
    model_head_pass(m, a, rows_nll_block, &p, 0);
}

/* nll[s] = the sum of sequence s's rows, in row order (a fixed sum). */
static void sequence_sums(double *nll, const double *rows, int B, int T) {
    for (int s = 0; s < B; s++) {
        double sum = 0.0;
        for (int t = 0; t < T; t++) sum += rows[(size_t)s * T + t];
        nll[s] = sum;
    }
}

void term_sequence_nll(Model *m, Activations *a, double *nll, double *rows) {
    term_rows_nll(m, a, a->targets, rows);
    sequence_sums(nll, rows, a->B, a->T);
}

void term_sequence_nll_backward(Model *m, Activations *a, const float *coef) {
    int B = a->B, T = a->T;
    float *row_coef = xmalloc(sizeof(float) * (size_t)B * T);
    for (int s = 0; s < B; s++)
        for (int t = 0; t < T; t++) row_coef[(size_t)s * T + t] = coef[s];
    RowsNllPass p = {a->targets, NULL, row_coef, m->cfg.vocab_size};
    model_head_pass(m, a, rows_nll_block, &p, 1);
    free(row_coef);
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
