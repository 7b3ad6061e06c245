/* The sweep: prepare, then every row's training and evaluation, then the
 * report. See sweep.h for the contract, README "dusk run" for the layout. */
#include <errno.h>
#include <fcntl.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include <dirent.h>

#include "data/dusk_data.h"
#include "io/json_text.h"
#include "report/report.h"
#include "runner/plan.h"
#include "runner/prepare.h"
#include "ops/ops.h"
#include "runner/progress.h"
#include "runner/run_record.h"
#include "runner/stage_record.h"
#include "runner/sweep.h"
#include "util/err.h"
#include "util/fileio.h"
#include "version.h"

typedef struct {
    const SweepConfig *c;
    SweepPlan plan;
    SweepProgress prog;
    char *data;           /* the DUSK data directory the sweep uses */
    char *start_model;    /* what target and retrain are fine-tuned from */
    char *world_doc;      /* data/world/World.txt, trained on by both (or NULL) */
    char *tasks;          /* DC tasks (or NULL) */
    char *target_model, *retrain_model;
    char *retrain_eval;
    char *target_failed;  /* the Target row's error, for the method rows */
    int failed_rows;
} Sweep;

static char *in_results(const Sweep *s, const char *name) { return path_join(s->c->out, name); }

/* ---------------------------------------------------------------- setup */

/* The results directory: created if needed, locked for this process, and
 * refused when it holds something that is not a sweep's results. */
static int open_results(const char *out, int *lock_fd) {
    if (make_dirs(out) != 0) return dusk_error_prefix("--out %s", out);
    char *lock = path_join(out, ".sweep.lock");
    *lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    free(lock);
    if (*lock_fd < 0) return dusk_error("--out %s: cannot create its lock file: %s", out, strerror(errno));
    if (flock(*lock_fd, LOCK_EX | LOCK_NB) != 0)
        return dusk_error("--out %s: another dusk run is writing there (locked)", out);
    char *sweep = path_join(out, "sweep.json");
    int has_sweep = access(sweep, F_OK) == 0;
    free(sweep);
    if (has_sweep) return 0;
    DIR *d = opendir(out);
    if (!d) return dusk_error("--out %s: %s", out, strerror(errno));
    int foreign = 0;
    for (struct dirent *e; (e = readdir(d));)
        foreign |= strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, ".sweep.lock");
    closedir(d);
    if (foreign)
        return dusk_error("--out %s exists and is not the results of a dusk run (no sweep.json): give a new or empty "
                          "directory", out);
    return 0;
}

/* Write sweep.json, or check that the one there has the same configuration. */
static int record_sweep(const Sweep *s) {
    cJSON *cfg = sweep_config_json(s->c, &s->plan);
    /* precision and device change every number, so a resumed sweep must share them */
    cJSON_AddStringToObject(cfg, "precision", ops_precision_name());
    if (ops_device() != DEVICE_CPU) cJSON_AddStringToObject(cfg, "device", ops_device_name()); /* CPU sweeps of earlier versions resume */
    char *path = in_results(s, "sweep.json");
    int rc = 0;
    if (access(path, F_OK) == 0) {
        cJSON *old = json_read_file(path, "the sweep record");
        const cJSON *old_cfg = cJSON_GetObjectItemCaseSensitive(old, "config");
        if (!old) {
            rc = -1;
        } else if (!cJSON_IsObject(old_cfg)) {
            rc = dusk_error("%s: malformed (no \"config\" object): delete it or use another --out", path);
        } else {
            char *diff = sweep_config_difference(old_cfg, cfg);
            if (diff)
                rc = dusk_error("%s holds another sweep's configuration (%s): use another --out, or delete that "
                                "directory to start over", s->c->out, diff);
            free(diff);
        }
        cJSON_Delete(old);
        cJSON_Delete(cfg);
    } else {
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "dusk_version", DUSK_VERSION);
        cJSON *cmd = cJSON_AddArrayToObject(j, "command");
        for (int i = 0; i < s->c->cmd.argc; i++) cJSON_AddItemToArray(cmd, cJSON_CreateString(s->c->cmd.argv[i]));
        cJSON_AddItemToObject(j, "config", cfg);
        cJSON_AddItemToObject(j, "compute", compute_settings_json());
        cJSON_AddItemToObject(j, "rows", sweep_rows_json(&s->plan));
        rc = json_write_file(j, path);
        cJSON_Delete(j);
    }
    free(path);
    return rc;
}

static int check_input(const char *flag, const char *path) {
    if (path && access(path, F_OK) != 0) return dusk_error("%s %s: %s", flag, path, strerror(errno));
    return 0;
}

static int check_flags(const SweepConfig *c) {
    if (!c->out || !*c->out) return dusk_error("--out: missing results directory");
    if (!c->target != !c->retrain) return dusk_error("--target and --retrain go together (ready models for both)");
    if (c->target && c->base_model) return dusk_error("--base-model has no use with ready --target/--retrain models");
    if (check_input("--data", c->data) || check_input("--base-model", c->base_model) ||
        check_input("--target", c->target) || check_input("--retrain", c->retrain) ||
        check_input("--task-dir", c->task_dir))
        return -1;
    if (c->data && !is_directory(c->data)) return dusk_error("--data %s: not a directory", c->data);
    int is_forget[DUSK_N_DOCS];
    if (c->forget && dusk_parse_forget(c->forget, is_forget) != 0) return dusk_error_prefix("--forget");
    if (c->forget && !c->data && dusk_doc_index(c->forget) < 0)
        return dusk_error("--forget %s: a generated corpus has one forget document", c->forget);
    return 0;
}

/* ---------------------------------------------------------------- stages */

/* A row's training stage: fine-tuning for Target / Retrain, unlearning for a method. */
static StageKind train_kind(const SweepRow *r) { return r->kind == ROW_METHOD ? STAGE_UNLEARN : STAGE_FINETUNE; }

/* As the progress line and stage.json's failed_stage name them. */
static const char *const kStageNames[STAGE_KINDS] = {"setup", "finetune", "unlearn", "eval"};

static TrainConfig train_config(const Sweep *s, double epochs, double lr, int batch, int accum) {
    TrainConfig tc;
    train_config_defaults(&tc);
    tc.epochs = epochs, tc.opt.lr = lr, tc.micro_batch = batch, tc.grad_accum = accum;
    tc.seed = s->c->seed;
    tc.progress = s->c->progress && isatty(2);
    return tc;
}

static int stage_finetune(Sweep *s, const SweepRow *r, const char *dir) {
    const Preset *ps = s->c->preset;
    FinetuneConfig f;
    finetune_config_defaults(&f);
    f.model = s->start_model;
    f.data = s->data;
    f.forget = s->c->forget;
    f.docs = r->kind == ROW_TARGET ? "all" : "retain";
    const char *extra[1] = {s->world_doc};
    f.extra_docs = extra, f.n_extra_docs = s->world_doc ? 1 : 0;
    f.seq_len = ps->seq_len;
    f.train = train_config(s, ps->ft_epochs, ps->ft_lr, ps->ft_batch, ps->ft_accum);
    f.train.label = r->kind == ROW_TARGET ? "target" : "retrain";
    char *out = path_join(dir, "model");
    char *argv[] = {"dusk run", "finetune", (char *)f.docs};
    f.out = out, f.cmd = (CommandLine){3, argv};
    int rc = pipeline_finetune(&f);
    free(out);
    return rc;
}

static int stage_unlearn(Sweep *s, const SweepRow *r, const char *dir) {
    const Preset *ps = s->c->preset;
    UnlearnConfig u;
    if (unlearn_config_defaults(&u, r->method) != 0) return -1;
    u.model = s->target_model;
    u.data = s->data;
    u.forget = s->c->forget;
    u.seq_len = ps->seq_len;
    int rmu = strcmp(r->method, "RMU") == 0;
    u.train = train_config(s, r->epochs, rmu ? ps->rmu_lr : ps->ul_lr, ps->ul_batch, ps->ul_accum);
    u.params.rmu_coeff = ps->rmu_coeff;
    u.sga_epochs = ps->sga_epochs;
    u.params.compat_release = s->c->compat_release;
    char *out = path_join(dir, "model");
    char epochs[16];
    snprintf(epochs, sizeof epochs, "%d", r->epochs);
    char *argv[] = {"dusk run", "unlearn", r->method, "--epochs", epochs};
    u.out = out, u.cmd = (CommandLine){5, argv};
    int rc = pipeline_unlearn(&u);
    free(out);
    return rc;
}

/* The unlearning record beside the row's results (the checkpoint may go):
 * copied from model/run.json unless it is there already (a sweep killed
 * between the two is mended on resume). */
static int keep_run_record(const char *dir) {
    char *from = path_join(dir, "model/run.json"), *to = path_join(dir, "run.json");
    int rc = access(to, F_OK) == 0 ? 0 : copy_file_atomic(from, to);
    free(from), free(to);
    return rc;
}

static const char *row_model(const Sweep *s, const SweepRow *r, const char *dir, char **owned) {
    *owned = NULL;
    if (r->kind == ROW_TARGET) return s->target_model;
    if (r->kind == ROW_RETRAIN) return s->retrain_model;
    return *owned = path_join(dir, "model");
}

static int stage_eval(Sweep *s, const SweepRow *r, const char *dir) {
    const Preset *ps = s->c->preset;
    EvalConfig e;
    eval_config_defaults(&e);
    char *owned;
    e.model = row_model(s, r, dir, &owned);
    e.data = s->data;
    e.forget = s->c->forget;
    e.batch = ps->eval_batch;
    e.mia_window = ps->mia_window;
    e.seed = s->c->seed;
    e.tasks = s->tasks;
    e.task_dir = s->c->task_dir;
    if (r->kind != ROW_RETRAIN && is_directory(s->retrain_eval)) e.retrain_eval = s->retrain_eval;
    char *out = path_join(dir, "eval");
    char *argv[] = {"dusk run", "eval", r->dir};
    e.out = out, e.cmd = (CommandLine){3, argv};
    int rc = pipeline_eval(&e, NULL);
    free(out), free(owned);
    return rc;
}

/* Run one stage of row r under the progress line; its wall time goes to the
 * row's wall.json under "train" (fine-tuning, unlearning) or "eval". */
static int run_stage(Sweep *s, const SweepRow *r, const char *dir, StageKind kind) {
    sweep_progress_stage(&s->prog, kind, r->name, r->epochs, kStageNames[kind]);
    int rc = kind == STAGE_EVAL ? stage_eval(s, r, dir)
           : kind == STAGE_UNLEARN ? stage_unlearn(s, r, dir) : stage_finetune(s, r, dir);
    double t = sweep_progress_end(&s->prog, 1);
    if (rc == 0) stage_record_wall(dir, kind == STAGE_EVAL ? "eval" : "train", t);
    return rc;
}

/* --------------------------------------------------------------- rows */

static void remove_checkpoint(const char *dir) {
    char *model = path_join(dir, "model");
    if (is_directory(model) && remove_tree(model) != 0)
        fprintf(stderr, "dusk run: warning: could not delete %s: %s\n", model, strerror(errno));
    free(model);
}

static int row_has_train_stage(const Sweep *s, const SweepRow *r) {
    return r->kind == ROW_METHOD || !s->c->target;
}

/* Train (unless the model or the eval exists) then evaluate (unless the
 * eval exists); the outcome in stage.json. */
static void run_row(Sweep *s, const SweepRow *r) {
    char *dir = in_results(s, r->dir), *eval = path_join(dir, "eval"), *owned = NULL;
    int has_train = row_has_train_stage(s, r);
    if (stage_record_ok(dir) && is_directory(eval)) {
        if (has_train) sweep_progress_skip(&s->prog, train_kind(r));
        sweep_progress_skip(&s->prog, STAGE_EVAL);
        free(dir), free(eval);
        return;
    }
    char *error = NULL;
    const char *failed_stage = NULL;
    const char *model = row_model(s, r, dir, &owned);
    if (has_train) {
        if (r->kind == ROW_METHOD && s->target_failed) {
            sweep_progress_skip(&s->prog, train_kind(r));
            error = str_printf("not run: the Target failed (%s)", s->target_failed);
            failed_stage = "unlearn";
        } else if (is_directory(eval) || is_directory(model)) {
            sweep_progress_skip(&s->prog, train_kind(r));
        } else if (run_stage(s, r, dir, train_kind(r)) != 0) {
            error = xstrdup(dusk_last_error());
            failed_stage = kStageNames[train_kind(r)];
        }
        if (!error && r->kind == ROW_METHOD && is_directory(model) && keep_run_record(dir) != 0) {
            error = xstrdup(dusk_last_error());
            failed_stage = "unlearn";
        }
    }
    if (error || is_directory(eval)) {
        sweep_progress_skip(&s->prog, STAGE_EVAL);
    } else if (run_stage(s, r, dir, STAGE_EVAL) != 0) {
        error = xstrdup(dusk_last_error());
        failed_stage = kStageNames[STAGE_EVAL];
    }
    if (!error && r->kind == ROW_METHOD && !s->c->keep_checkpoints) remove_checkpoint(dir);
    if (error) {
        fprintf(stderr, "dusk run: %s failed: %s\n", r->dir, error);
        s->failed_rows++;
        if (r->kind == ROW_TARGET && !is_directory(model)) s->target_failed = xstrdup(error);
    }
    if (stage_record_finish(dir, error, failed_stage) != 0)
        fprintf(stderr, "dusk run: warning: %s/stage.json: %s\n", r->dir, dusk_last_error());
    free(error), free(owned), free(dir), free(eval);
}

/* ---------------------------------------------------------------- prepare */

static int make_corpus(const Sweep *s, const char *dir) {
    return prepare_corpus(dir, s->c->preset, s->c->seed, s->c->forget);
}

static int make_tokenizer(const Sweep *s, const char *dir) { return prepare_tokenizer(dir, s->data, s->c->preset); }

static int make_init_model(const Sweep *s, const char *dir) {
    char *tok = in_results(s, "tokenizer/tokenizer.json");
    int rc = prepare_init_model(dir, tok, s->c->preset, s->c->seed);
    free(tok);
    return rc;
}

/* A setup stage under the progress line, skipped when its directory exists
 * (written as one transaction, so it is complete). */
static int setup_stage(Sweep *s, const char *what, const char *dir, int (*make)(const Sweep *, const char *)) {
    sweep_progress_stage(&s->prog, STAGE_SETUP, "setup", 0, what);
    int done = is_directory(dir);
    int rc = done ? 0 : make(s, dir);
    sweep_progress_end(&s->prog, !done);
    return rc;
}

static int prepare(Sweep *s) {
    const SweepConfig *c = s->c;
    if (c->data) {
        s->data = xstrdup(c->data);
    } else {
        s->data = in_results(s, "data");
        if (setup_stage(s, "generate the corpus", s->data, make_corpus) != 0) return -1;
    }
    char *world = path_join(s->data, "world/World.txt");
    if (access(world, R_OK) == 0) s->world_doc = world;
    else free(world);
    char *mc = path_join(s->data, "world/world_mc.jsonl");
    if (c->tasks) s->tasks = xstrdup(c->tasks);
    else if (access(mc, R_OK) == 0) s->tasks = xstrdup(mc);
    free(mc);
    if (c->target) {
        s->target_model = xstrdup(c->target), s->retrain_model = xstrdup(c->retrain);
    } else {
        s->target_model = in_results(s, "target/model"), s->retrain_model = in_results(s, "retrain/model");
    }
    s->retrain_eval = in_results(s, "retrain/eval");
    if (c->base_model) s->start_model = xstrdup(c->base_model);
    if (c->base_model || c->target) return 0;
    char *tok_dir = in_results(s, "tokenizer");
    s->start_model = in_results(s, "init");
    int rc = setup_stage(s, "train the tokenizer", tok_dir, make_tokenizer);
    if (rc == 0) rc = setup_stage(s, "create the model", s->start_model, make_init_model);
    free(tok_dir);
    return rc;
}

static void count_stages(const Sweep *s, int left[STAGE_KINDS]) {
    left[STAGE_SETUP] = (s->c->data ? 0 : 1) + (!s->c->base_model && !s->c->target ? 2 : 0);
    left[STAGE_FINETUNE] = left[STAGE_UNLEARN] = 0;
    left[STAGE_EVAL] = s->plan.n;
    for (int i = 0; i < s->plan.n; i++)
        if (row_has_train_stage(s, &s->plan.rows[i])) left[train_kind(&s->plan.rows[i])]++;
}

static void sweep_free(Sweep *s) {
    sweep_plan_free(&s->plan);
    free(s->data), free(s->start_model), free(s->world_doc), free(s->tasks);
    free(s->target_model), free(s->retrain_model), free(s->retrain_eval), free(s->target_failed);
}

/* Rows in dependency order: Retrain first (the others' PrivLeak needs its
 * eval), then Target (the methods start from it), then the methods. */
static void run_rows(Sweep *s) {
    for (int pass = 0; pass < 3; pass++)
        for (int i = 0; i < s->plan.n; i++) {
            const SweepRow *r = &s->plan.rows[i];
            int want = pass == 0 ? r->kind == ROW_RETRAIN : pass == 1 ? r->kind == ROW_TARGET : r->kind == ROW_METHOD;
            if (want) run_row(s, r);
        }
}

int sweep_run(const SweepConfig *c, char **markdown) {
    if (markdown) *markdown = NULL;
    if (check_flags(c) != 0) return -1;
    Sweep s = {.c = c};
    if (sweep_plan_build(&s.plan, c) != 0) return -1;
    int lock_fd = -1, rc = open_results(c->out, &lock_fd);
    if (rc == 0) rc = record_sweep(&s);
    if (rc == 0) {
        if (c->progress)
            fprintf(stderr, "dusk run: %s, preset %s, %d rows; device %s, GEMM %s (%s), %s, %d threads\n", c->out,
                    c->preset->name, s.plan.n, ops_device_name(), ops_gemm_impl_name(), ops_gemm_kernel_name(),
                    ops_precision_name(), omp_get_max_threads());
        int left[STAGE_KINDS];
        count_stages(&s, left);
        sweep_progress_start(&s.prog, left, c->progress);
        rc = prepare(&s);
        if (rc != 0) dusk_error_prefix("preparing the sweep");
    }
    if (rc == 0) {
        run_rows(&s);
        rc = report_build(c->out, markdown);
        if (rc == 0 && s.failed_rows) rc = 1;
    }
    if (lock_fd >= 0) close(lock_fd);
    sweep_free(&s);
    return rc;
}
