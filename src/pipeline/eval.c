/* The DUSK metrics of a model: out/summary.json (verbmem, ufk, sk, urk as
 * ROUGE-L x 100; privleak, retain_deviation in percent) and one file per
 * metric with every item's prompt, output and scores: verbmem.json,
 * qa_ufk.json, qa_sk.json, qa_urk.json, mia_windows.json, mia_auroc.json.
 * With tasks, DC: the downstream tasks, summary.json's "dc" = mean of the
 * tasks' headline numbers x 100 with each task's number in "dc_tasks", and
 * downstream_results.json + downstream_samples_<task>.jsonl. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/dusk_data.h"
#include "data/text.h"
#include "eval/metrics/eval_metrics.h"
#include "io/json_text.h"
#include "pipeline/cleanup_spaces.h"
#include "pipeline/common.h"
#include "pipeline/downstream_outputs.h"
#include "pipeline/pipeline.h"
#include "runner/run_record.h"
#include "util/err.h"
#include "util/fileio.h"
#include "version.h"

/* Everything one run holds; eval_run_free releases what was set. */
typedef struct {
    int is_forget[DUSK_N_DOCS];
    EvalInputs inputs;
    cJSON *retrain_auroc;
    char *task_dir;
    TaskOptions task_opt;
    TaskList tasks;
    Tokenizer *tok;
    Model m;
    int have_model;
    const char *eos_source;
    CleanupChoice cleanup;
    cJSON *summary, *files; /* files: file name -> contents, written at the end */
} EvalRun;

static void eval_run_free(EvalRun *r) {
    eval_inputs_free(&r->inputs);
    cJSON_Delete(r->retrain_auroc);
    free(r->task_dir);
    tasks_free(&r->tasks);
    tokenizer_free(r->tok);
    if (r->have_model) model_free(&r->m);
    cJSON_Delete(r->summary);
    cJSON_Delete(r->files);
    memset(r, 0, sizeof *r);
}

void eval_config_defaults(EvalConfig *c) {
    memset(c, 0, sizeof *c);
    c->batch = 16;
    c->mia_window = 1024;
}

static int write_json(const char *dir, const char *name, const cJSON *obj) {
    char *path = dusk_path(dir, name);
    int rc = json_write_file(obj, path);
    free(path);
    return rc;
}

static cJSON *metric_file(cJSON *items, cJSON *agg) {
    cJSON *f = cJSON_CreateObject();
    cJSON_AddItemToObject(f, "aggregate", agg);
    cJSON_AddItemToObject(f, "items", items);
    return f;
}

/* Does the (checked) --only list name `what`? NULL names everything. */
static int wants(const char *only, const char *what) {
    if (!only) return 1;
    char *copy = xstrdup(only), *save = NULL;
    int hit = 0;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) hit |= strcmp(t, what) == 0;
    free(copy);
    return hit;
}

static int check_only(const char *only) {
    if (!only) return 0;
    char *copy = xstrdup(only), *save = NULL;
    int rc = 0;
    for (char *t = strtok_r(copy, ",", &save); t && rc == 0; t = strtok_r(NULL, ",", &save))
        if (strcmp(t, "verbmem") && strcmp(t, "qa") && strcmp(t, "mia"))
            rc = dusk_error("--only: unknown metric '%s' (verbmem, qa, mia)", t);
    free(copy);
    return rc;
}

/* Everything decidable without reading a file. */
static int check_config(const EvalConfig *c) {
    if (!c->model || !c->data || !c->out) return dusk_error("eval: a model, a data directory and an output directory are required");
    if (check_only(c->only) != 0) return -1;
    if (c->retrain_eval && !wants(c->only, "mia"))
        return dusk_error("--retrain-eval is used by the MIA metrics, which --only leaves out");
    if (c->batch < 1) return dusk_error("--batch must be at least 1");
    if (c->mia_window < 2) return dusk_error("--mia-window must be at least 2");
    if (c->limit_downstream < 0) return dusk_error("--limit-downstream must be positive");
    return 0;
}

static cJSON *load_json_file(const char *path) {
    char *text = read_file_all(path, NULL);
    if (!text) return NULL;
    cJSON *j = cJSON_Parse(text);
    free(text);
    if (!j) dusk_error("%s: malformed JSON", path);
    return j;
}

static int read_retrain_auroc(EvalRun *r, const char *retrain_dir) {
    char *p = dusk_path(retrain_dir, "mia_auroc.json");
    r->retrain_auroc = load_json_file(p);
    int rc = r->retrain_auroc ? 0 : -1;
    if (rc == 0 && mia_check_retrain_table(r->retrain_auroc, p) != 0) rc = dusk_error_prefix("--retrain-eval");
    free(p);
    return rc;
}

/* Read every input the chosen metrics need before any model work, so a bad
 * file stops the run at once and no metric file of a failing run is written.
 * VerbMem and QA use what is read here; MIA reads its texts again as it cuts
 * them into windows. */
static int read_inputs(EvalRun *r, const EvalConfig *c) {
    if (dusk_parse_forget(c->forget, r->is_forget) != 0) return -1;
    if (eval_inputs_read(&r->inputs, c->data, wants(c->only, "verbmem"), wants(c->only, "qa")) != 0) return -1;
    for (int i = 0; wants(c->only, "mia") && i <= DUSK_N_DOCS; i++) {
        char name[64] = "eval/holdout.txt";
        if (i < DUSK_N_DOCS) snprintf(name, sizeof name, "%s.txt", kDuskDocs[i]);
        char *path = dusk_path(c->data, name);
        char *text = read_text_file(path, NULL);
        free(path);
        if (!text) return -1;
        free(text);
    }
    if (c->retrain_eval && read_retrain_auroc(r, c->retrain_eval) != 0) return -1;
    r->task_dir = c->task_dir ? xstrdup(c->task_dir) : downstream_default_task_dir();
    r->task_opt = (TaskOptions){r->task_dir, c->limit_downstream, -1};
    return c->tasks ? tasks_load(&r->tasks, c->tasks, &r->task_opt) : 0;
}

static int load_model(EvalRun *r, const EvalConfig *c) {
    r->tok = pipeline_load_tokenizer(c->tokenizer, c->model);
    if (!r->tok) return -1;
    if (pipeline_load_generation_model(&r->m, c->model, &r->eos_source) != 0) return -1;
    r->have_model = 1;
    if (pipeline_check_tokenizer_fits(r->tok, &r->m) != 0) return -1;
    if (cleanup_choice(&r->cleanup, c->clean_up_spaces, r->tok) != 0) return -1;
    if (wants(c->only, "mia") && c->mia_window > r->m.cfg.max_position_embeddings)
        return dusk_error("MIA windows of %d tokens exceed the model's max_position_embeddings (%d): see --mia-window",
                          c->mia_window, r->m.cfg.max_position_embeddings);
    return 0;
}

static int run_mia(EvalRun *r, const EvalContext *ctx) {
    cJSON *windows, *auroc;
    if (metric_mia(ctx, &windows, &auroc) != 0) return -1;
    cJSON_AddItemToObject(r->files, "mia_windows.json", windows);
    cJSON_AddItemToObject(r->files, "mia_auroc.json", auroc);
    if (!r->retrain_auroc) {
        cJSON_AddNullToObject(r->summary, "privleak");
        cJSON_AddNullToObject(r->summary, "retain_deviation");
        cJSON_AddStringToObject(r->summary, "privleak_note", "no --retrain-eval given: PrivLeak and RetainDeviation need the retrain model's mia_auroc.json");
        return 0;
    }
    double pl, rd;
    if (metric_privleak(auroc, r->retrain_auroc, &pl, &rd) != 0) return -1;
    cJSON_AddNumberToObject(r->summary, "privleak", pl);
    cJSON_AddNumberToObject(r->summary, "retain_deviation", rd);
    return 0;
}

static int run_metrics(EvalRun *r, const EvalConfig *c) {
    EvalContext ctx = {&r->m, r->tok, c->data, &r->inputs, r->is_forget, c->batch, (uint64_t)c->seed,
                       c->rouge_recall != 0, c->stemmer != 0, 128, 32, c->mia_window,
                       r->cleanup.generation, r->cleanup.mia_windows};
    cJSON_AddStringToObject(r->summary, "rouge", ctx.use_recall ? "rougeL recall x 100" : "rougeL F x 100");
    cJSON_AddBoolToObject(r->summary, "rouge_stemmer", ctx.use_stemmer);
    if (wants(c->only, "verbmem")) {
        cJSON *items, *agg;
        double v;
        if (metric_verbmem(&ctx, &items, &agg, &v) != 0) return -1;
        cJSON_AddNumberToObject(r->summary, "verbmem", v);
        cJSON_AddItemToObject(r->files, "verbmem.json", metric_file(items, agg));
    }
    for (int i = 0; wants(c->only, "qa") && i < QA_N_SETS; i++) {
        cJSON *items, *agg;
        double v;
        if (metric_qa(&ctx, i, &items, &agg, &v) != 0) return -1;
        cJSON_AddNumberToObject(r->summary, kQaSetNames[i], v);
        char name[32];
        snprintf(name, sizeof name, "qa_%s.json", kQaSetNames[i]);
        cJSON_AddItemToObject(r->files, name, metric_file(items, agg));
    }
    return wants(c->only, "mia") ? run_mia(r, &ctx) : 0;
}

/* DC: the downstream tasks, their files written into dir. */
static int run_downstream(EvalRun *r, const EvalConfig *c, const char *dir) {
    if (!c->tasks) {
        cJSON_AddNullToObject(r->summary, "dc");
        cJSON_AddStringToObject(r->summary, "dc_note", "no --tasks given: DC (downstream tasks) not run");
        return 0;
    }
    DownstreamOptions dopt = {.batch = c->batch, .add_bos = 1, .max_len = r->m.cfg.max_position_embeddings};
    TaskScore *scores = xcalloc((size_t)r->tasks.n_tasks, sizeof(TaskScore));
    cJSON *config = NULL, *results = NULL;
    int rc = downstream_run(&r->m, r->tok, &r->tasks, &dopt, scores);
    if (rc != 0) dusk_error_prefix("DC");
    if (rc == 0) {
        config = downstream_config(c->cmd.argc, c->cmd.argv, c->model, r->task_dir, &r->task_opt, &dopt);
        rc = downstream_write_outputs(dir, "downstream_", &r->tasks, scores, config, &dopt, &results);
    }
    if (rc == 0) {
        const cJSON *dc = cJSON_GetObjectItemCaseSensitive(results, "dusk_dc");
        cJSON_AddItemToObject(r->summary, "dc", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(dc, "dc"), 1));
        cJSON_AddItemToObject(r->summary, "dc_tasks", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(dc, "tasks"), 1));
    }
    cJSON_Delete(results), cJSON_Delete(config);
    for (int t = 0; t < r->tasks.n_tasks; t++) task_score_free(&scores[t]);
    free(scores);
    return rc;
}

static void record_inputs(cJSON *summary, const EvalConfig *c, const int *is_forget) {
    cJSON *run = cJSON_AddObjectToObject(summary, "run");
    cJSON_AddStringToObject(run, "dusk_version", DUSK_VERSION);
    cJSON *cmd = cJSON_AddArrayToObject(run, "command");
    for (int i = 0; i < c->cmd.argc; i++) cJSON_AddItemToArray(cmd, cJSON_CreateString(c->cmd.argv[i]));
    cJSON_AddItemToObject(run, "compute", compute_settings_json());
    cJSON_AddStringToObject(run, "model", c->model);
    cJSON_AddStringToObject(run, "data", c->data);
    cJSON *docs = cJSON_AddObjectToObject(run, "documents");
    static const char *const eval_files[] = {"eval/verbatim.json", "eval/GeneralQA.jsonl", "eval/SpecificForgetQA.jsonl",
                                             "eval/SpecificRetainQA.jsonl", "eval/icl.jsonl", "eval/holdout.txt"};
    for (int i = 0; i < DUSK_N_DOCS; i++) {
        char name[64], sha[65];
        snprintf(name, sizeof name, "%s.txt", kDuskDocs[i]);
        char *p = dusk_path(c->data, name);
        cJSON *e = cJSON_AddObjectToObject(docs, name);
        cJSON_AddStringToObject(e, "role", is_forget[i] ? "forget" : "retain");
        if (sha256_file_hex(p, sha) == 0) cJSON_AddStringToObject(e, "sha256", sha);
        free(p);
    }
    for (size_t i = 0; i < sizeof eval_files / sizeof eval_files[0]; i++) {
        char sha[65];
        char *p = dusk_path(c->data, eval_files[i]);
        if (sha256_file_hex(p, sha) == 0) cJSON_AddStringToObject(cJSON_AddObjectToObject(docs, eval_files[i]), "sha256", sha);
        free(p);
    }
}

/* How text was decoded and where generation stops, as the run used them. */
static void record_decoding(cJSON *run, const CleanupChoice *cleanup, const ModelConfig *cfg, const char *eos_source) {
    cleanup_choice_record(run, cleanup);
    cJSON *eos = cJSON_AddObjectToObject(run, "generation_eos");
    cJSON_AddItemToObject(eos, "token_ids", cJSON_CreateIntArray(cfg->eos_token_ids, cfg->n_eos));
    cJSON_AddStringToObject(eos, "source", eos_source);
}

/* The metrics into od's temporary directory; only a run whose every metric
 * succeeded writes its files. */
static int eval_into(EvalRun *r, const EvalConfig *c, const OutDir *od) {
    if (load_model(r, c) != 0) return -1;
    r->summary = cJSON_CreateObject();
    r->files = cJSON_CreateObject();
    if (run_metrics(r, c) != 0 || run_downstream(r, c, od->tmp) != 0) return -1;
    record_inputs(r->summary, c, r->is_forget);
    record_decoding(cJSON_GetObjectItemCaseSensitive(r->summary, "run"), &r->cleanup, &r->m.cfg, r->eos_source);
    const cJSON *f;
    cJSON_ArrayForEach(f, r->files) if (write_json(od->tmp, f->string, f) != 0) return -1;
    return write_json(od->tmp, "summary.json", r->summary);
}

int pipeline_eval(const EvalConfig *c, cJSON **summary) {
    if (summary) *summary = NULL;
    if (check_config(c) != 0) return -1;
    EvalRun r;
    memset(&r, 0, sizeof r);
    int rc = read_inputs(&r, c);
    OutDir od;
    if (rc == 0 && outdir_begin(&od, c->out) != 0) rc = dusk_error_prefix("--out");
    else if (rc == 0 && eval_into(&r, c, &od) != 0) rc = -1, outdir_abort(&od);
    else if (rc == 0) rc = outdir_commit(&od);
    if (rc == 0 && summary) *summary = cJSON_Duplicate(r.summary, 1);
    eval_run_free(&r);
    return rc;
}
