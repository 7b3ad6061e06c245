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
/* Forward the batch through the full model; fills a->logits. */
void term_forward(ObjectiveCtx *ctx, Model *m, Activations *a, const Batch *b);
/* Next-token targets of a batch (-1 at each sequence's last position). */
/* log σ(x) and σ(x), computed without overflow for either sign of x. */
double log_sigmoid(double x);
double sigmoid(double x);
/* Draw the RMU control vector c * u / |u| with u ~ U[0,1)^d. */
void rmu_draw_control(ObjectiveCtx *ctx);

#endif
