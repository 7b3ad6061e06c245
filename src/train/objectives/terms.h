/* The objective terms (one file each in this folder) and the pieces they
 * share (common.c). methods.c pairs the terms into methods. Each term
 * returns its unscaled value and adds d(scale * coeff * term)/dθ to the
 * model's gradient buffer (see objective.h). */
#ifndef DUSK_OBJECTIVE_TERMS_H
#define DUSK_OBJECTIVE_TERMS_H

#include "train/objective.h"

/* ce.c: −CE_mean on forget (GA), +CE_mean on forget (fine-tuning, task
 * vectors), +CE_mean on retain (GD). */
double term_ga_forget(ObjectiveCtx *ctx, const Batch *b, float scale, LossParts *parts);
double term_ce_forget(ObjectiveCtx *ctx, const Batch *b, float scale, LossParts *parts);
double term_gd_reg(ObjectiveCtx *ctx, const Batch *b, float scale, LossParts *parts);
/* kl.c: KL(p_ref || p_θ) on retain. */
double term_kl_reg(ObjectiveCtx *ctx, const Batch *b, float scale, LossParts *parts);
/* npo.c, simnpo.c: negative preference optimisation, with and without a reference. */
double term_npo_forget(ObjectiveCtx *ctx, const Batch *b, float scale, LossParts *parts);
double term_simnpo_forget(ObjectiveCtx *ctx, const Batch *b, float scale, LossParts *parts);
/* sga.c: selective gradient ascent. */
double term_sga_forget(ObjectiveCtx *ctx, const Batch *b, float scale, LossParts *parts);
/* me.c: maximum entropy on forget. */
double term_me_forget(ObjectiveCtx *ctx, const Batch *b, float scale, LossParts *parts);
/* rmu.c: representation misdirection (forget) and its hidden-state anchor (retain). */
double term_rmu_forget(ObjectiveCtx *ctx, const Batch *b, float scale, LossParts *parts);
double term_rmu_reg(ObjectiveCtx *ctx, const Batch *b, float scale, LossParts *parts);

/* --- common.c --- */
/* Forward the batch through the full model (to the final norm: objectives
 * run the fused head, model_head_pass, over the logits). */
void term_forward(ObjectiveCtx *ctx, Model *m, Activations *a, const Batch *b);
/* After term_forward: rows[i] (HOST [B*T]) = row i's NLL against labels
 * (backend [B*T], < 0: not scored, 0), a forward-only pass of the head. */
void term_rows_nll(Model *m, Activations *a, const int *labels, double *rows);
/* nll[s] (HOST [B]) = sequence s's next-token NLL, the sum of its rows (in
 * row order) against a->targets; rows (HOST [B*T]) is work space that keeps
 * the per-row values. */
void term_sequence_nll(Model *m, Activations *a, double *nll, double *rows);
/* The backward pass of sum_s coef[s] * NLL_s (coef HOST [B]) into m's
 * gradient, through the head and the whole model. */
void term_sequence_nll_backward(Model *m, Activations *a, const float *coef);
/* log σ(x) and σ(x), computed without overflow for either sign of x. */
double log_sigmoid(double x);
double sigmoid(double x);
/* Draw the RMU control vector c * u / |u| with u ~ U[0,1)^d. */
void rmu_draw_control(ObjectiveCtx *ctx);

#endif
