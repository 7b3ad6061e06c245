#include "train/trainer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "data/text.h"
#include "util/err.h"

void train_config_defaults(TrainConfig *c) {
    memset(c, 0, sizeof *c);
    c->epochs = 5;
    c->micro_batch = 4;
    c->grad_accum = 8;
    c->processes = 1;
    optimizer_config_defaults(&c->opt);
    c->seed = 0;
    c->progress = 1;
    c->label = "train";
}

void train_schedule(double epochs, int n_items, int effective_batch, long *max_steps, long *steps_per_epoch,
                    long *warmup_steps) {
    /* floor(E * N / batch) computed exactly for integral epochs */
    double total = epochs * (double)n_items;
    *max_steps = (long)floor(total / effective_batch + 1e-9);
    *steps_per_epoch = n_items / effective_batch;
    *warmup_steps = *steps_per_epoch > 1 ? *steps_per_epoch : 0;
}

/* Forget items as a stream of per-epoch Fisher-Yates shuffles. */
typedef struct {
    int n, pos, *perm;
    Rng *rng;
} ItemStream;

static void stream_shuffle(ItemStream *s) {
    for (int i = 0; i < s->n; i++) s->perm[i] = i;
    for (int i = s->n - 1; i > 0; i--) {
        int j = (int)rng_below(s->rng, (uint64_t)i + 1);
        int t = s->perm[i];
        s->perm[i] = s->perm[j];
        s->perm[j] = t;
    }
    s->pos = 0;
}

static int stream_next(ItemStream *s) {
    if (s->pos == s->n) stream_shuffle(s);
    return s->perm[s->pos++];
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void progress_line(const TrainConfig *tc, long step, long max, double loss, double lr, double tok_s, double eta) {
    int tty = isatty(2);
    int width = 24, filled = max > 0 ? (int)(width * step / max) : width;
    char bar[32];
    for (int i = 0; i < width; i++) bar[i] = i < filled ? '#' : '.';
    bar[width] = '\0';
    fprintf(stderr, "%s%s [%s] step %ld/%ld loss %.4f lr %.3g %.0f tok/s ETA %.0fs%s", tty ? "\r" : "", tc->label, bar,
            step, max, loss, lr, tok_s, eta, tty ? "" : "\n");
    if (tty && step == max) fputc('\n', stderr);
    fflush(stderr);
}

/* Append an entry to log->controls when the micro-batch just run used
 * another control vector than the one before it (last keeps a copy). */
static void note_control(TrainLog *log, const float *control, float *last, int d) {
    size_t bytes = sizeof(float) * (size_t)d;
    if (log->n_controls > 0 && memcmp(control, last, bytes) == 0) return;
    memcpy(last, control, bytes);
    log->controls = xrealloc(log->controls, sizeof(ControlVectorUse) * (size_t)(log->n_controls + 1));
    ControlVectorUse *u = &log->controls[log->n_controls++];
    u->from = log->micro_batches - 1;
    sha256_hex(control, bytes, u->sha256);
    double sq = 0.0;
    for (int i = 0; i < d; i++) sq += (double)control[i] * control[i];
    u->norm = sqrt(sq);
}

static void copy_rows(int *dst, const ChunkSet *set, const int *idx, int k) {
    for (int i = 0; i < k; i++) memcpy(dst + (size_t)i * set->T, set->seqs[idx[i]], sizeof(int) * set->T);
}

int train_run(Model *m, Model *ref, const Method *method, const ObjectiveParams *op, const ChunkSet *forget,
              const ChunkSet *retain, const TrainConfig *tc, TrainLog *log) {
    memset(log, 0, sizeof *log);
    if (forget->n <= 0) return dusk_error("no training items");
    if (method->reg && (!retain || retain->n <= 0)) return dusk_error("method %s needs retain chunks", method->name);
    /* A method without a regulariser ignores retain chunks altogether: no
     * pairing draws from the seeded generator, so its run (the forget order
     * included) is the same whether or not retain chunks were given. */
    if (!method->reg) retain = NULL;
    int mb = tc->micro_batch, eff = mb * tc->grad_accum * tc->processes;
    if (mb <= 0 || tc->grad_accum <= 0 || tc->processes != 1)
        return dusk_error("batch settings: micro-batch and grad-accum must be > 0 (and processes 1)");
    train_schedule(tc->epochs, forget->n, eff, &log->max_steps, &log->steps_per_epoch, &log->warmup_steps);
    if (log->max_steps < 1)
        return dusk_error("%d items at an effective batch of %d for %g epochs give no optimizer step: lower "
                          "--batch-size / --grad-accum or raise --epochs", forget->n, eff, tc->epochs);
    if (log->max_steps > TRAIN_MAX_STEPS)
        return dusk_error("%ld optimizer steps (%g epochs of %d items at batch %d): more than %ld; lower --epochs",
                          log->max_steps, tc->epochs, forget->n, eff, (long)TRAIN_MAX_STEPS);
    Optimizer opt;
    OptimizerConfig oc = tc->opt;
    oc.total_steps = log->max_steps;
    oc.warmup_steps = log->warmup_steps;
    Rng rng;
    rng_seed(&rng, tc->seed);
    ObjectiveCtx ctx;
    if (objective_setup(&ctx, method, m, ref, op, &rng, mb, forget->T) != 0) return -1;
    optimizer_init(&opt, m, &oc);
    size_t nsteps = (size_t)(log->max_steps > 0 ? log->max_steps : 1);
    log->loss = xcalloc(nsteps, sizeof(double));
    log->forget_loss = xcalloc(nsteps, sizeof(double));
    log->reg_loss = xcalloc(nsteps, sizeof(double));
    log->lr = xcalloc(nsteps, sizeof(float));
    log->grad_norm = xcalloc(nsteps, sizeof(double));
    ItemStream items = {forget->n, forget->n, xmalloc(sizeof(int) * forget->n), &rng};
    int *fidx = xmalloc(sizeof(int) * mb), *ridx = xmalloc(sizeof(int) * mb);
    int *fids = xmalloc(sizeof(int) * (size_t)mb * forget->T);
    int *rids = retain ? xmalloc(sizeof(int) * (size_t)mb * retain->T) : NULL;
    float *last_control = ctx.rmu_control ? xmalloc(sizeof(float) * (size_t)m->cfg.hidden_size) : NULL;
    double t0 = now_seconds();
    int rc = 0;
    float scale = 1.0f / (float)tc->grad_accum;
    for (long step = 0; step < log->max_steps; step++) {
        model_zero_grads(m);
        double loss = 0, fl = 0, rl = 0;
        for (int micro = 0; micro < tc->grad_accum; micro++) {
            for (int i = 0; i < mb; i++) {
                fidx[i] = stream_next(&items);
                ridx[i] = retain && retain->n > 0 ? (int)rng_below(&rng, (uint64_t)retain->n) : 0;
            }
            copy_rows(fids, forget, fidx, mb);
            if (rids) copy_rows(rids, retain, ridx, mb);
            Batch fb = {fids, mb, forget->T}, rb = {rids, mb, retain ? retain->T : 0};
            LossParts parts;
            rc = objective_compute(&ctx, method, method->forget ? &fb : NULL, method->reg ? &rb : NULL, scale, &parts);
            if (rc != 0) goto done;
            loss += parts.loss / tc->grad_accum;
            fl += parts.forget_loss / tc->grad_accum;
            rl += parts.reg_loss / tc->grad_accum;
            log->micro_batches++;
            if (ctx.rmu_control) note_control(log, ctx.rmu_control, last_control, m->cfg.hidden_size);
            log->tokens += (long)mb * forget->T * (method->forget ? 1 : 0) + (long)mb * (retain ? retain->T : 0) * (method->reg ? 1 : 0);
        }
        log->lr[step] = optimizer_current_lr(&opt);
        log->grad_norm[step] = optimizer_step(&opt, m);
        if (!tc->allow_nonfinite && !(isfinite(loss) && isfinite(log->grad_norm[step]))) {
            rc = dusk_error("step %ld of %ld: non-finite %s (%g): the run diverged (learning rate %g); nothing is "
                            "saved (--allow-nonfinite keeps going)", step + 1, log->max_steps,
                            isfinite(loss) ? "gradient norm" : "loss", isfinite(loss) ? log->grad_norm[step] : loss,
                            log->lr[step]);
            goto done;
        }
        log->loss[step] = loss, log->forget_loss[step] = fl, log->reg_loss[step] = rl;
        log->steps = step + 1;
        double el = now_seconds() - t0;
        if (tc->progress)
            progress_line(tc, step + 1, log->max_steps, loss, log->lr[step], log->tokens / el,
                          el / (step + 1) * (log->max_steps - step - 1));
    }
    log->seconds = now_seconds() - t0;
    /* the last update can overflow the weights with every logged number finite */
    const char *bad = tc->allow_nonfinite ? NULL : model_nonfinite_tensor(m);
    if (bad) rc = dusk_error("after step %ld: tensor '%s' holds a non-finite value: the run diverged (learning rate "
                             "%g); nothing is saved (--allow-nonfinite keeps going)", log->steps, bad, tc->opt.lr);
done:
    model_set_all_trainable(m, 1); /* RMU froze all but a few tensors: undone on every path */
    free(items.perm), free(fidx), free(ridx), free(fids), free(rids), free(last_control);
    optimizer_free(&opt);
    objective_teardown(&ctx);
    return rc;
}

void train_log_free(TrainLog *log) {
    free(log->loss), free(log->forget_loss), free(log->reg_loss), free(log->lr), free(log->grad_norm);
    free(log->controls);
    memset(log, 0, sizeof *log);
}

int task_vector_negate(Model *out, const Model *base, const Model *finetuned, float alpha) {
    if (base->n_params != finetuned->n_params || out->n_params != base->n_params)
        return dusk_error("task vector: models differ in size");
    negated_task_vector(out->params, base->params, finetuned->params, base->n_params, alpha);
    return 0;
}
