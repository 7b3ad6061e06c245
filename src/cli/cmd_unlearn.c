/* dusk unlearn --model TARGET --data DIR --method NAME --epochs E --out DIR
 * Runs one unlearning method with the DUSK schedule and writes an HF
 * checkpoint plus run.json (every effective hyperparameter, step count,
 * per-step losses, data hashes). TV and TAU are pipelines over the
 * registered objectives: TV fine-tunes on forget (+CE) and negates the task
 * vector; TAU runs SGA first, then TV from the SGA model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/train_args.h"
#include "data/dusk_data.h"
#include "io/json_text.h"
#include "model/checkpoint.h"
#include "runner/run_record.h"
#include "util/err.h"
#include "util/fileio.h"

typedef struct {
    SeqList forget, retain;
    DuskData dusk;
    int from_dusk;
} UnlearnData;

static void load_data(UnlearnData *d, const ArgSpec *o, int n, const Model *m, const char *model_path) {
    memset(d, 0, sizeof *d);
    const char *dir = args_str(o, n, "data", NULL), *fids = args_str(o, n, "forget-ids", NULL);
    if (dir && fids) dusk_die("give either --data or --forget-ids/--retain-ids, not both");
    if (fids) {
        read_ids_chunks(&d->forget, fids, m->cfg.vocab_size, m->cfg.max_position_embeddings);
        const char *rids = args_str(o, n, "retain-ids", NULL);
        if (rids) read_ids_chunks(&d->retain, rids, m->cfg.vocab_size, m->cfg.max_position_embeddings);
        return;
    }
    if (!dir) dusk_die("missing --data DIR (or --forget-ids F [--retain-ids R])");
    int seq_len = (int)args_long(o, n, "seq-len", 1024);
    if (seq_len < 2 || seq_len > m->cfg.max_position_embeddings)
        dusk_die("--seq-len %d must be in [2, max_position_embeddings = %d]", seq_len, m->cfg.max_position_embeddings);
    Tokenizer *tok = cli_load_tokenizer(args_str(o, n, "tokenizer", NULL), model_path);
    cli_check_tokenizer_fits(tok, m);
    if (dusk_data_load(&d->dusk, dir, args_str(o, n, "forget", NULL), tok, seq_len) != 0)
        dusk_die("%s", dusk_last_error());
    tokenizer_free(tok);
    d->from_dusk = 1;
}

static void record_data(cJSON *rec, const UnlearnData *d, const ArgSpec *o, int n) {
    cJSON *j = cJSON_AddObjectToObject(rec, "data");
    if (d->from_dusk) {
        cJSON_AddStringToObject(j, "dir", d->dusk.dir);
        cli_record_tokenizer(j, args_str(o, n, "tokenizer", NULL), args_str(o, n, "model", NULL));
        cJSON *docs = cJSON_AddObjectToObject(j, "documents");
        for (int i = 0; i < DUSK_N_DOCS; i++) {
            cJSON *e = cJSON_AddObjectToObject(docs, kDuskDocs[i]);
            cJSON_AddStringToObject(e, "role", d->dusk.is_forget[i] ? "forget" : "retain");
            cJSON_AddStringToObject(e, "sha256", d->dusk.sha256[i]);
        }
        cJSON_AddNumberToObject(j, "forget_chunks", d->dusk.forget.n);
        cJSON_AddNumberToObject(j, "retain_chunks", d->dusk.retain.n);
        cJSON_AddNumberToObject(j, "seq_len", d->dusk.forget.T);
    } else {
        cJSON_AddStringToObject(j, "forget_ids", args_str(o, n, "forget-ids", ""));
        cJSON_AddStringToObject(j, "retain_ids", args_str(o, n, "retain-ids", ""));
        cJSON_AddNumberToObject(j, "forget_chunks", d->forget.n);
        cJSON_AddNumberToObject(j, "retain_chunks", d->retain.n);
    }
}

static void record_objective(cJSON *rec, const char *method, const ObjectiveParams *p, float tv_alpha, double sga_epochs) {
    cJSON *j = cJSON_AddObjectToObject(rec, "method");
    cJSON_AddStringToObject(j, "name", method);
    json_add_float_to_object(j, "forget_coeff", p->forget_coeff);
    json_add_float_to_object(j, "reg_coeff", p->reg_coeff);
    cJSON_AddNumberToObject(j, "beta", p->beta);
    json_add_float_to_object(j, "simnpo_delta", p->simnpo_delta);
    cJSON_AddNumberToObject(j, "rmu_layer", p->rmu_layer);
    json_add_float_to_object(j, "rmu_coeff", p->rmu_coeff);
    json_add_float_to_object(j, "rmu_alpha", p->rmu_alpha);
    json_add_float_to_object(j, "sga_threshold", p->sga_threshold);
    json_add_float_to_object(j, "tv_alpha", tv_alpha);
    cJSON_AddNumberToObject(j, "sga_epochs", sga_epochs);
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

static void train_or_die(Model *m, Model *ref, const char *method_name, const ObjectiveParams *p, const ChunkSet *f,
                         const ChunkSet *r, TrainConfig *tc, TrainLog *log, cJSON *rec, const char *key) {
    const Method *method = method_find(method_name);
    tc->label = method_name;
    if (train_run(m, ref, method, p, f, r, tc, log) != 0) dusk_die("%s", dusk_last_error());
    run_record_add_training(rec, key, tc, log);
    if (log->n_controls) record_controls(cJSON_GetObjectItem(rec, key), log);
    train_log_free(log);
}

/* TV from base: fine-tune a copy on forget with +CE, then negate. */
static void task_vector(Model *base, const ObjectiveParams *p, const ChunkSet *f, TrainConfig *tc, float alpha,
                        cJSON *rec, const char *key) {
    Model ft;
    if (model_clone(&ft, base) != 0) dusk_die("%s", dusk_last_error());
    TrainLog log;
    train_or_die(&ft, NULL, "FT", p, f, NULL, tc, &log, rec, key);
    if (task_vector_negate(base, base, &ft, alpha) != 0) dusk_die("%s", dusk_last_error());
    model_free(&ft);
}

int cmd_unlearn(int argc, char **argv) {
    ArgSpec o[] = {
        TRAIN_ARG_SPECS,
        {"method", ARG_VALUE, "GA, GA+GD, GA+KL, NPO, NPO+GD, NPO+KL, RMU, SGA, TV, TAU, NONE+GD, ME+GD, SimNPO, SimNPO-forget-only", 0, 0},
        {"ref", ARG_VALUE, "frozen reference model (default: a copy of --model)", 0, 0},
        {"forget-ids", ARG_VALUE, "forget chunks as token ids (instead of --data)", 0, 0},
        {"retain-ids", ARG_VALUE, "retain chunks as token ids (instead of --data)", 0, 0},
        OBJECTIVE_ARG_SPECS,
        {"sga-epochs", ARG_VALUE, "TAU: epochs of the SGA stage (default 5)", 0, 0},
        {"tv-alpha", ARG_VALUE, "task-vector scale alpha (default 1)", 0, 0},
    };
    int n = sizeof o / sizeof o[0];
    if (args_parse(o, n, argc, argv, 1, NULL, NULL) != 0) dusk_die("unlearn: %s", dusk_last_error());
    if (args_flag(o, n, "help")) {
        args_usage("unlearn", "--model TARGET --data DIR --method NAME --epochs E --out DIR", o, n);
        return 0;
    }
    const char *name = args_required(o, n, "method");
    int is_tv = strcmp(name, "TV") == 0, is_tau = strcmp(name, "TAU") == 0;
    const Method *method = is_tv ? method_find("FT") : is_tau ? method_find("SGA") : method_find(name);
    if (!method || strcmp(name, "FT") == 0) dusk_die("unknown method '%s' (known: %s, TV, TAU)", name, method_names());
    const char *out = args_required(o, n, "out"), *model_path = args_required(o, n, "model");
    DType dtype = cli_parse_dtype(args_str(o, n, "dtype", "f32"));
    cli_set_threads(args_long(o, n, "threads", 0));
    ObjectiveParams p;
    objective_params_from_args(&p, method, o, n);
    float tv_alpha = (float)args_double(o, n, "tv-alpha", 1.0);
    double sga_epochs = args_double(o, n, "sga-epochs", 5);
    TrainConfig tc;
    train_config_from_args(&tc, o, n);
    OutDir od;
    cli_begin_out(&od, out);

    Model m, ref;
    cli_load_model(&m, model_path);
    Model *refp = NULL;
    if (method->needs_ref) {
        cli_load_model(&ref, args_str(o, n, "ref", model_path));
        refp = &ref;
    }
    UnlearnData d;
    load_data(&d, o, n, &m, model_path);
    SeqList *fs = d.from_dusk ? &d.dusk.forget : &d.forget, *rs = d.from_dusk ? &d.dusk.retain : &d.retain;
    ChunkSet f = chunkset_of(fs), r = chunkset_of(rs);
    if (method->reg && r.n == 0) dusk_die("method %s needs retain chunks (--retain-ids)", name);
    if (refp && (refp->cfg.vocab_size != m.cfg.vocab_size || refp->n_params != m.n_params))
        dusk_die("the reference model has another shape than the model");

    cJSON *rec = run_record_new(argc + 1, argv - 1);
    cJSON_AddStringToObject(rec, "model", model_path);
    record_objective(rec, name, &p, tv_alpha, sga_epochs);
    record_data(rec, &d, o, n);
    TrainLog log;
    if (is_tv) {
        task_vector(&m, &p, &f, &tc, tv_alpha, rec, "training");
    } else if (is_tau) {
        TrainConfig sga = tc;
        sga.epochs = sga_epochs;
        train_or_die(&m, NULL, "SGA", &p, &f, NULL, &sga, &log, rec, "training_sga");
        task_vector(&m, &p, &f, &tc, tv_alpha, rec, "training");
    } else {
        train_or_die(&m, refp, name, &p, &f, r.n ? &r : NULL, &tc, &log, rec, "training");
    }
    save_trained_checkpoint(&od, &m, dtype, model_path, args_str(o, n, "tokenizer", NULL), rec);
    cJSON_Delete(rec);
    if (d.from_dusk) dusk_data_free(&d.dusk);
    seqlist_free(&d.forget);
    seqlist_free(&d.retain);
    if (refp) model_free(refp);
    model_free(&m);
    return 0;
}
