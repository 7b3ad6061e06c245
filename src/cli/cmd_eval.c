/* dusk eval --model PATH --data DIR --out OUTDIR [--retrain-eval RETRAIN_OUTDIR]
 *           [--only verbmem,qa,mia] [--rouge f|recall]
 * Writes OUTDIR/summary.json (verbmem, ufk, sk, urk as ROUGE-L x 100;
 * privleak, retain_deviation in percent) and one file per metric with every
 * item's prompt, output and scores: verbmem.json, qa_ufk.json, qa_sk.json,
 * qa_urk.json, mia_windows.json, mia_auroc.json. With --tasks, DC: the
 * downstream tasks (`dusk downstream`'s runner), summary.json's "dc" = mean
 * of the tasks' headline numbers x 100 with each task's number in
 * "dc_tasks", and downstream_results.json + downstream_samples_<task>.jsonl. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cleanup_spaces.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/downstream_args.h"
#include "data/dusk_data.h"
#include "data/eval_data.h"
#include "data/text.h"
#include "eval/metrics/eval_metrics.h"
#include "io/json_text.h"
#include "util/err.h"
#include "util/fileio.h"
#include "version.h"

static void write_json(const char *dir, const char *name, const cJSON *obj) {
    char *json = json_print_exact(obj, 1);
    char *path = dusk_path(dir, name);
    size_t len = strlen(json);
    json = xrealloc(json, len + 2);
    json[len] = '\n';
    if (write_file_atomic(path, json, len + 1) != 0) dusk_die("%s", dusk_last_error());
    free(json);
    free(path);
}

static cJSON *metric_file(cJSON *items, cJSON *agg) {
    cJSON *f = cJSON_CreateObject();
    cJSON_AddItemToObject(f, "aggregate", agg);
    cJSON_AddItemToObject(f, "items", items);
    return f;
}

static int wants(const char *only, const char *what) {
    if (!only) return 1;
    char *copy = xstrdup(only), *save = NULL;
    int hit = 0;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (strcmp(t, "verbmem") && strcmp(t, "qa") && strcmp(t, "mia"))
            dusk_die("--only: unknown metric '%s' (verbmem, qa, mia)", t);
        hit |= strcmp(t, what) == 0;
    }
    free(copy);
    return hit;
}

static cJSON *load_json_file(const char *path) {
    char *text = read_file_all(path, NULL);
    if (!text) dusk_die("%s", dusk_last_error());
    cJSON *j = cJSON_Parse(text);
    free(text);
    if (!j) dusk_die("%s: malformed JSON", path);
    return j;
}

/* Read every input the chosen metrics need before any model work, so a bad
 * file stops the run at once and no metric file of a failing run is written.
 * VerbMem and QA use what is read here; MIA reads its texts again as it cuts
 * them into windows. */
static void read_inputs(EvalInputs *in, const char *dir, const char *only, const char *retrain) {
    if (eval_inputs_read(in, dir, wants(only, "verbmem"), wants(only, "qa")) != 0) dusk_die("%s", dusk_last_error());
    if (wants(only, "mia")) {
        for (int i = 0; i <= DUSK_N_DOCS; i++) {
            char name[64] = "eval/holdout.txt";
            if (i < DUSK_N_DOCS) snprintf(name, sizeof name, "%s.txt", kDuskDocs[i]);
            char *path = dusk_path(dir, name);
            char *text = read_text_file(path, NULL);
            if (!text) dusk_die("%s", dusk_last_error());
            free(text);
            free(path);
        }
    } else if (retrain) {
        dusk_die("--retrain-eval is used by the MIA metrics, which --only leaves out");
    }
}

static void record_inputs(cJSON *summary, const char *model, const char *dir, const int *is_forget, int argc, char **argv) {
    cJSON *run = cJSON_AddObjectToObject(summary, "run");
    cJSON_AddStringToObject(run, "dusk_version", DUSK_VERSION);
    cJSON *cmd = cJSON_AddArrayToObject(run, "command");
    for (int i = 0; i < argc; i++) cJSON_AddItemToArray(cmd, cJSON_CreateString(argv[i]));
    cJSON_AddStringToObject(run, "model", model);
    cJSON_AddStringToObject(run, "data", dir);
    cJSON *docs = cJSON_AddObjectToObject(run, "documents");
    static const char *const eval_files[] = {"eval/verbatim.json", "eval/GeneralQA.jsonl", "eval/SpecificForgetQA.jsonl",
                                             "eval/SpecificRetainQA.jsonl", "eval/icl.jsonl", "eval/holdout.txt"};
    for (int i = 0; i < DUSK_N_DOCS; i++) {
        char name[64], sha[65];
        snprintf(name, sizeof name, "%s.txt", kDuskDocs[i]);
        char *p = dusk_path(dir, name);
        cJSON *e = cJSON_AddObjectToObject(docs, name);
        cJSON_AddStringToObject(e, "role", is_forget[i] ? "forget" : "retain");
        if (sha256_file_hex(p, sha) == 0) cJSON_AddStringToObject(e, "sha256", sha);
        free(p);
    }
    for (size_t i = 0; i < sizeof eval_files / sizeof eval_files[0]; i++) {
        char sha[65];
        char *p = dusk_path(dir, eval_files[i]);
        if (sha256_file_hex(p, sha) == 0) cJSON_AddStringToObject(cJSON_AddObjectToObject(docs, eval_files[i]), "sha256", sha);
        free(p);
    }
}

/* How text was decoded and where generation stops, as the run used them. */
static void record_decoding(cJSON *run, const CleanupChoice *cleanup, const ModelConfig *cfg, const char *eos_source) {
    cli_record_cleanup(run, cleanup);
    cJSON *eos = cJSON_AddObjectToObject(run, "generation_eos");
    cJSON_AddItemToObject(eos, "token_ids", cJSON_CreateIntArray(cfg->eos_token_ids, cfg->n_eos));
    cJSON_AddStringToObject(eos, "source", eos_source);
}

int cmd_eval(int argc, char **argv) {
    ArgSpec o[] = {
        {"model", ARG_VALUE, "HF directory or llama2.c .bin", 0, 0},
        {"tokenizer", ARG_VALUE, "tokenizer (default: the one in --model)", 0, 0},
        {"data", ARG_VALUE, "DUSK data directory (data/Prof layout)", 0, 0},
        {"out", ARG_VALUE, "output directory", 0, 0},
        {"retrain-eval", ARG_VALUE, "the retrain model's eval output directory (for PrivLeak / RetainDeviation)", 0, 0},
        {"only", ARG_VALUE, "comma-separated subset of verbmem,qa,mia", 0, 0},
        {"rouge", ARG_VALUE, "reported ROUGE-L: f (default) or recall", 0, 0},
        {"forget", ARG_VALUE, "forget document(s) (default Chronological)", 0, 0},
        {"batch", ARG_VALUE, "prompts generated together (default 16)", 0, 0},
        {"seed", ARG_VALUE, "bootstrap seed (default 0)", 0, 0},
        {"stemmer", ARG_FLAG, "ROUGE with rouge-score's Porter stemmer (off in DUSK)", 0, 0},
        {"mia-window", ARG_VALUE, "MIA window length in tokens (default 1024)", 0, 0},
        {"clean-up-spaces", ARG_VALUE, CLEANUP_SPACES_HELP, 0, 0},
        {"tasks", ARG_VALUE, "DC: downstream tasks, as `dusk downstream --tasks` (default: none, dc null)", 0, 0},
        {"task-dir", ARG_VALUE, "DC task data (default: $DUSK_SHARED/downstream, else ../shared/downstream)", 0, 0},
        {"limit-downstream", ARG_VALUE, "DC: documents per task (per subject for mmlu)", 0, 0},
        {"threads", ARG_VALUE, "threads (default: all cores)", 0, 0},
        {"help", ARG_FLAG, "show this help", 0, 0},
    };
    int n = sizeof o / sizeof o[0];
    if (args_parse(o, n, argc, argv, 1, NULL, NULL) != 0) dusk_die("eval: %s", dusk_last_error());
    if (args_flag(o, n, "help")) {
        args_usage("eval", "--model PATH --data DIR --out OUTDIR [--retrain-eval DIR] [--only verbmem,qa,mia]", o, n);
        return 0;
    }
    cli_set_threads(args_long(o, n, "threads", 0));
    const char *model_path = args_required(o, n, "model"), *dir = args_required(o, n, "data");
    const char *out = args_required(o, n, "out"), *only = args_str(o, n, "only", NULL);
    const char *rouge = args_str(o, n, "rouge", "f"), *retrain = args_str(o, n, "retrain-eval", NULL);
    if (strcmp(rouge, "f") && strcmp(rouge, "recall")) dusk_die("--rouge must be f or recall");
    int is_forget[DUSK_N_DOCS];
    if (dusk_parse_forget(args_str(o, n, "forget", NULL), is_forget) != 0) dusk_die("%s", dusk_last_error());
    EvalInputs inputs;
    read_inputs(&inputs, dir, only, retrain);
    cJSON *retrain_auroc = NULL;
    if (retrain) {
        char *p = dusk_path(retrain, "mia_auroc.json");
        retrain_auroc = load_json_file(p);
        if (mia_check_retrain_table(retrain_auroc, p) != 0) dusk_die("--retrain-eval: %s", dusk_last_error());
        free(p);
    }
    const char *task_names = args_str(o, n, "tasks", NULL);
    char *task_dir = args_str(o, n, "task-dir", NULL) ? xstrdup(args_str(o, n, "task-dir", NULL))
                                                     : downstream_default_task_dir();
    TaskOptions task_opt = {task_dir, (int)args_long(o, n, "limit-downstream", 0), -1};
    if (task_opt.limit < 0) dusk_die("--limit-downstream must be positive");
    TaskList tasks = {0};
    if (task_names && tasks_load(&tasks, task_names, &task_opt) != 0) dusk_die("%s", dusk_last_error());
    OutDir od;
    cli_begin_out(&od, out);
    Tokenizer *tok = cli_load_tokenizer(args_str(o, n, "tokenizer", NULL), model_path);
    Model m;
    const char *eos_source = cli_load_generation_model(&m, model_path);
    cli_check_tokenizer_fits(tok, &m);
    CleanupChoice cleanup = cli_cleanup_choice(args_str(o, n, "clean-up-spaces", NULL), tok);
    long batch = args_long(o, n, "batch", 16), window = args_long(o, n, "mia-window", 1024);
    if (batch < 1) dusk_die("--batch must be at least 1");
    if (window < 2) dusk_die("--mia-window must be at least 2");
    if (wants(only, "mia") && window > m.cfg.max_position_embeddings)
        dusk_die("MIA windows of %ld tokens exceed the model's max_position_embeddings (%d): see --mia-window", window,
                 m.cfg.max_position_embeddings);
    EvalContext ctx = {&m, tok, dir, &inputs, is_forget, (int)batch, (uint64_t)args_long(o, n, "seed", 0),
                       !strcmp(rouge, "recall"), args_flag(o, n, "stemmer"), 128, 32, (int)window,
                       cleanup.generation, cleanup.mia_windows};
    cJSON *summary = cJSON_CreateObject();
    cJSON_AddStringToObject(summary, "rouge", ctx.use_recall ? "rougeL recall x 100" : "rougeL F x 100");
    cJSON_AddBoolToObject(summary, "rouge_stemmer", ctx.use_stemmer);
    cJSON *files = cJSON_CreateObject(); /* file name -> contents, written at the end */
    if (wants(only, "verbmem")) {
        cJSON *items, *agg;
        double v;
        if (metric_verbmem(&ctx, &items, &agg, &v) != 0) dusk_die("%s", dusk_last_error());
        cJSON_AddNumberToObject(summary, "verbmem", v);
        cJSON_AddItemToObject(files, "verbmem.json", metric_file(items, agg));
    }
    if (wants(only, "qa")) {
        for (int i = 0; i < QA_N_SETS; i++) {
            cJSON *items, *agg;
            double v;
            if (metric_qa(&ctx, i, &items, &agg, &v) != 0) dusk_die("%s", dusk_last_error());
            cJSON_AddNumberToObject(summary, kQaSetNames[i], v);
            char name[32];
            snprintf(name, sizeof name, "qa_%s.json", kQaSetNames[i]);
            cJSON_AddItemToObject(files, name, metric_file(items, agg));
        }
    }
    if (wants(only, "mia")) {
        cJSON *windows, *auroc;
        if (metric_mia(&ctx, &windows, &auroc) != 0) dusk_die("%s", dusk_last_error());
        cJSON_AddItemToObject(files, "mia_windows.json", windows);
        cJSON_AddItemToObject(files, "mia_auroc.json", auroc);
        double pl, rd;
        if (retrain_auroc) {
            if (metric_privleak(auroc, retrain_auroc, &pl, &rd) != 0) dusk_die("%s", dusk_last_error());
            cJSON_AddNumberToObject(summary, "privleak", pl);
            cJSON_AddNumberToObject(summary, "retain_deviation", rd);
        } else {
            cJSON_AddNullToObject(summary, "privleak");
            cJSON_AddNullToObject(summary, "retain_deviation");
            cJSON_AddStringToObject(summary, "privleak_note", "no --retrain-eval given: PrivLeak and RetainDeviation need the retrain model's mia_auroc.json");
        }
    }
    if (task_names) {
        DownstreamOptions dopt = {.batch = (int)batch, .add_bos = 1, .max_len = m.cfg.max_position_embeddings};
        TaskScore *scores = xcalloc((size_t)tasks.n_tasks, sizeof(TaskScore));
        if (downstream_run(&m, tok, &tasks, &dopt, scores) != 0) dusk_die("DC: %s", dusk_last_error());
        cJSON *config = downstream_config(argc, argv, model_path, task_dir, &task_opt, &dopt);
        cJSON *results = downstream_write_outputs(od.tmp, "downstream_", &tasks, scores, config, &dopt);
        const cJSON *dc = cJSON_GetObjectItemCaseSensitive(results, "dusk_dc");
        cJSON_AddItemToObject(summary, "dc", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(dc, "dc"), 1));
        cJSON_AddItemToObject(summary, "dc_tasks", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(dc, "tasks"), 1));
        cJSON_Delete(results), cJSON_Delete(config);
        for (int t = 0; t < tasks.n_tasks; t++) task_score_free(&scores[t]);
        free(scores);
    } else {
        cJSON_AddNullToObject(summary, "dc");
        cJSON_AddStringToObject(summary, "dc_note", "no --tasks given: DC (downstream tasks) not run");
    }
    record_inputs(summary, model_path, dir, is_forget, argc + 1, argv - 1);
    record_decoding(cJSON_GetObjectItemCaseSensitive(summary, "run"), &cleanup, &m.cfg, eos_source);
    /* Only a run whose every metric succeeded puts anything at --out. */
    const cJSON *f;
    cJSON_ArrayForEach(f, files) write_json(od.tmp, f->string, f);
    cJSON_Delete(files);
    write_json(od.tmp, "summary.json", summary);
    cli_commit_out(&od);
    cJSON *brief = cJSON_Duplicate(summary, 1);
    cJSON_DeleteItemFromObject(brief, "run");
    char *b = json_print_exact(brief, 0);
    printf("%s\n", b);
    free(b);
    cJSON_Delete(brief);
    cJSON_Delete(summary);
    cJSON_Delete(retrain_auroc);
    eval_inputs_free(&inputs);
    if (task_names) tasks_free(&tasks);
    free(task_dir);
    tokenizer_free(tok);
    model_free(&m);
    return 0;
}
