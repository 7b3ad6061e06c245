/* Unlearning: one method with the DUSK schedule, writing an HF checkpoint
 * plus run.json (every effective hyperparameter, step count, per-step
 * losses, data hashes). TV and TAU are pipelines over the registered
 * objectives: TV fine-tunes a copy on forget (+CE) and negates the task
 * vector; TAU runs SGA first, then TV from the SGA model. */
#include <stdlib.h>
#include <string.h>

#include "io/json_text.h"
#include "model/checkpoint.h"
#include "pipeline/common.h"
#include "pipeline/pipeline.h"
#include "runner/run_record.h"
#include "util/err.h"

typedef struct {
    SeqList forget, retain; /* from ids files */
    DuskData dusk;          /* from a DUSK directory */
    int from_dusk;
} UnlearnData;

static void unlearn_data_free(UnlearnData *d) {
    seqlist_free(&d->forget);
    seqlist_free(&d->retain);
    dusk_data_free(&d->dusk);
    memset(d, 0, sizeof *d);
}

/* The registered method a name trains with: TV fine-tunes (FT), TAU starts
 * with SGA; FT itself is no unlearning method. NULL with a message. */
static const Method *resolve_method(const char *name) {
    const Method *m = NULL;
    if (name && !strcmp(name, "TV")) m = method_find("FT");
    else if (name && !strcmp(name, "TAU")) m = method_find("SGA");
    else if (name && strcmp(name, "FT")) m = method_find(name);
    if (!m) dusk_error("unknown method '%s' (known: %s, TV, TAU)", name ? name : "(none)", method_names());
    return m;
}

int unlearn_config_defaults(UnlearnConfig *c, const char *method) {
    memset(c, 0, sizeof *c);
    const Method *m = resolve_method(method);
    if (!m) return -1;
    c->method = method;
    objective_params_defaults(&c->params, m);
    c->seq_len = 1024;
    c->tv_alpha = 1.0f;
    c->sga_epochs = 5;
    train_config_defaults(&c->train);
    c->dtype = DTYPE_F32;
    return 0;
}

static int check_config(const UnlearnConfig *c) {
    if (!c->model) return dusk_error("unlearn: no model given (--model)");
    if (!c->out) return dusk_error("unlearn: no output directory given (--out)");
    if (c->data && c->forget_ids) return dusk_error("give either --data or --forget-ids/--retain-ids, not both");
    if (!c->data && !c->forget_ids) return dusk_error("missing --data DIR (or --forget-ids F [--retain-ids R])");
    return 0;
}

static int load_data(UnlearnData *d, const UnlearnConfig *c, const Model *m) {
    int vocab = m->cfg.vocab_size, max_len = m->cfg.max_position_embeddings;
    if (c->forget_ids) {
        if (read_ids_chunks(&d->forget, c->forget_ids, vocab, max_len) != 0) return -1;
        return c->retain_ids ? read_ids_chunks(&d->retain, c->retain_ids, vocab, max_len) : 0;
    }
    if (pipeline_check_seq_len(c->seq_len, m) != 0) return -1;
    Tokenizer *tok = pipeline_load_tokenizer(c->tokenizer, c->model);
    if (!tok) return -1;
    int rc = pipeline_check_tokenizer_fits(tok, m);
    if (rc == 0) rc = dusk_data_load(&d->dusk, c->data, c->forget, tok, c->seq_len);
    tokenizer_free(tok);
    d->from_dusk = rc == 0;
    return rc;
}

static void record_data(cJSON *rec, const UnlearnData *d, const UnlearnConfig *c) {
    cJSON *j = cJSON_AddObjectToObject(rec, "data");
    if (d->from_dusk) {
        cJSON_AddStringToObject(j, "dir", d->dusk.dir);
        pipeline_record_tokenizer(j, c->tokenizer, c->model);
        pipeline_record_documents(j, &d->dusk);
        cJSON_AddNumberToObject(j, "forget_chunks", d->dusk.forget.n);
        cJSON_AddNumberToObject(j, "retain_chunks", d->dusk.retain.n);
        cJSON_AddNumberToObject(j, "seq_len", d->dusk.forget.T);
    } else {
        cJSON_AddStringToObject(j, "forget_ids", c->forget_ids);
        cJSON_AddStringToObject(j, "retain_ids", c->retain_ids ? c->retain_ids : "");
        cJSON_AddNumberToObject(j, "forget_chunks", d->forget.n);
        cJSON_AddNumberToObject(j, "retain_chunks", d->retain.n);
    }
}

static void record_objective(cJSON *rec, const UnlearnConfig *c) {
    const ObjectiveParams *p = &c->params;
    cJSON *j = cJSON_AddObjectToObject(rec, "method");
    cJSON_AddStringToObject(j, "name", c->method);
    json_add_float_to_object(j, "forget_coeff", p->forget_coeff);
    json_add_float_to_object(j, "reg_coeff", p->reg_coeff);
    cJSON_AddNumberToObject(j, "beta", p->beta);
    json_add_float_to_object(j, "simnpo_delta", p->simnpo_delta);
    cJSON_AddNumberToObject(j, "rmu_layer", p->rmu_layer);
    json_add_float_to_object(j, "rmu_coeff", p->rmu_coeff);
    json_add_float_to_object(j, "rmu_alpha", p->rmu_alpha);
    json_add_float_to_object(j, "sga_threshold", p->sga_threshold);
    json_add_float_to_object(j, "tv_alpha", c->tv_alpha);
    cJSON_AddNumberToObject(j, "sga_epochs", c->sga_epochs);
    cJSON_AddStringToObject(j, "compat", p->compat_release ? "release" : "none");
}

/* RMU: which control vector each micro-batch used (see TrainLog.controls),
 * so a run shows whether the vector was fixed or redrawn. */
static void record_controls(cJSON *training, const TrainLog *log) {
    cJSON *j = cJSON_AddObjectToObject(training, "rmu_control");
    cJSON_AddNumberToObject(j, "micro_batches", (double)log->micro_batches);
    cJSON *uses = cJSON_AddArrayToObject(j, "vectors");
    for (int i = 0; i < log->n_controls; i++) {
        cJSON *u = cJSON_CreateObject();
        cJSON_AddNumberToObject(u, "from_micro_batch", (double)log->controls[i].from);
        cJSON_AddStringToObject(u, "sha256", log->controls[i].sha256);
        cJSON_AddNumberToObject(u, "norm", log->controls[i].norm);
        cJSON_AddItemToArray(uses, u);
    }
}

/* One training stage, recorded under rec[key]. */
static int train_stage(Model *m, Model *ref, const char *method_name, const ObjectiveParams *p, const ChunkSet *f,
                       const ChunkSet *r, const TrainConfig *base, double epochs, cJSON *rec, const char *key) {
    TrainConfig tc = *base;
    tc.epochs = epochs;
    tc.label = method_name;
    TrainLog log;
    int rc = train_run(m, ref, method_find(method_name), p, f, r, &tc, &log);
    if (rc == 0) {
        run_record_add_training(rec, key, &tc, &log);
        if (log.n_controls) record_controls(cJSON_GetObjectItem(rec, key), &log);
    }
    train_log_free(&log);
    return rc;
}

/* TV from base: fine-tune a copy on forget with +CE, then negate. */
static int task_vector(Model *base, const UnlearnConfig *c, const ChunkSet *f, cJSON *rec, const char *key) {
    Model ft;
    if (model_clone(&ft, base) != 0) return -1;
    int rc = train_stage(&ft, NULL, "FT", &c->params, f, NULL, &c->train, c->train.epochs, rec, key);
    if (rc == 0) rc = task_vector_negate(base, base, &ft, c->tv_alpha);
    model_free(&ft);
    return rc;
}

static int run_method(Model *m, Model *ref, const UnlearnConfig *c, const ChunkSet *f, const ChunkSet *r, cJSON *rec) {
    if (!strcmp(c->method, "TV")) return task_vector(m, c, f, rec, "training");
    if (!strcmp(c->method, "TAU")) {
        if (train_stage(m, NULL, "SGA", &c->params, f, NULL, &c->train, c->sga_epochs, rec, "training_sga") != 0)
            return -1;
        return task_vector(m, c, f, rec, "training");
    }
    return train_stage(m, ref, c->method, &c->params, f, r->n ? r : NULL, &c->train, c->train.epochs, rec, "training");
}

/* Load the models and data, check they fit the method, train, save. */
static int unlearn_into(OutDir *od, const UnlearnConfig *c, const Method *method) {
    Model m, ref;
    if (model_load(&m, c->model) != 0) {
        outdir_abort(od);
        return -1;
    }
    int rc = method->needs_ref ? model_load(&ref, c->ref ? c->ref : c->model) : 0;
    int have_ref = method->needs_ref && rc == 0;
    UnlearnData d;
    memset(&d, 0, sizeof d);
    if (rc == 0) rc = load_data(&d, c, &m);
    const SeqList *fs = d.from_dusk ? &d.dusk.forget : &d.forget, *rs = d.from_dusk ? &d.dusk.retain : &d.retain;
    ChunkSet f = chunkset_of(fs), r = chunkset_of(rs);
    if (rc == 0 && method->reg && r.n == 0) rc = dusk_error("method %s needs retain chunks (--retain-ids)", c->method);
    if (rc == 0 && have_ref && (ref.cfg.vocab_size != m.cfg.vocab_size || ref.n_params != m.n_params))
        rc = dusk_error("the reference model has another shape than the model");
    cJSON *rec = NULL;
    if (rc == 0) {
        rec = run_record_new(c->cmd.argc, c->cmd.argv);
        cJSON_AddStringToObject(rec, "model", c->model);
        record_objective(rec, c);
        record_data(rec, &d, c);
        rc = run_method(&m, have_ref ? &ref : NULL, c, &f, &r, rec);
    }
    if (rc == 0) rc = save_trained_checkpoint(od, &m, c->dtype, c->model, c->tokenizer, rec); /* commits or aborts */
    else outdir_abort(od);
    cJSON_Delete(rec);
    unlearn_data_free(&d);
    if (have_ref) model_free(&ref);
    model_free(&m);
    return rc;
}

int pipeline_unlearn(const UnlearnConfig *c) {
    const Method *method = resolve_method(c->method);
    if (!method || check_config(c) != 0) return -1;
    OutDir od;
    if (outdir_begin(&od, c->out) != 0) return dusk_error_prefix("--out");
    if (unlearn_into(&od, c, method) != 0) return -1;
    return 0;
}
