/* The pipelines behind `dusk finetune`, `dusk unlearn` and `dusk eval`, as
 * library functions: a config struct in, 0 or -1 with dusk_last_error()
 * out. They never exit (except on out-of-memory) and print nothing but the
 * trainer's progress bar (TrainConfig.progress); on error every allocation
 * is freed, the output directory's temporary folder is removed and nothing
 * appears at `out`. The CLI commands parse flags into these structs and
 * call them; the runner (src/runner) calls them in-process, stage by stage.
 *
 * Paths are not copied: they must live as long as the call. */
#ifndef DUSK_PIPELINE_H
#define DUSK_PIPELINE_H

#include <cjson/cJSON.h>

#include "train/objective.h"
#include "train/trainer.h"
#include "util/dtype.h"

/* What the pipeline records as its command line in run.json /
 * summary.json: argv[0..argc) (the CLI's own argv, or a description of the
 * stage the runner made up). */
typedef struct {
    int argc;
    char *const *argv;
} CommandLine;

typedef struct {
    const char *model;       /* starting model: HF directory or llama2.c .bin */
    const char *tokenizer;   /* NULL: the one inside `model` */
    const char *data;        /* DUSK data directory, or NULL with train_ids */
    const char *forget;      /* forget document(s), NULL = Chronological */
    const char *docs;        /* "all", "retain" or "forget" */
    const char *const *extra_docs; /* more text files chunked like the documents
                                      and trained on in every case (e.g.
                                      world/World.txt); n_extra_docs of them */
    int n_extra_docs;
    const char *train_ids;   /* train on these token-id chunks instead of data */
    int seq_len;             /* tokens per chunk, BOS included */
    TrainConfig train;
    DType dtype;             /* of the saved weights */
    const char *out;         /* output directory (HF checkpoint + run.json) */
    CommandLine cmd;
} FinetuneConfig;

/* Defaults of `dusk finetune` (docs "all", seq_len 1024, f32, train defaults). */
void finetune_config_defaults(FinetuneConfig *c);
int pipeline_finetune(const FinetuneConfig *c);

typedef struct {
    const char *model;       /* the target */
    const char *ref;         /* frozen reference, NULL: a copy of model */
    const char *tokenizer;
    const char *data;        /* or NULL with forget_ids (+ retain_ids) */
    const char *forget;
    const char *forget_ids, *retain_ids;
    int seq_len;
    const char *method;      /* a registered method, or "TV" / "TAU" */
    ObjectiveParams params;  /* objective_params_defaults(method) unless changed */
    float tv_alpha;          /* default 1 */
    double sga_epochs;       /* TAU's SGA stage, default 5 */
    TrainConfig train;
    DType dtype;
    const char *out;
    CommandLine cmd;
} UnlearnConfig;

/* Defaults of `dusk unlearn` for method (params from the method's table
 * entry). -1 with a message when the method is unknown. */
int unlearn_config_defaults(UnlearnConfig *c, const char *method);
int pipeline_unlearn(const UnlearnConfig *c);

typedef struct {
    const char *model, *tokenizer, *data, *out;
    const char *retrain_eval;   /* retrain's eval directory (PrivLeak, RD), or NULL */
    const char *only;           /* subset of "verbmem,qa,mia", NULL = all */
    int rouge_recall;           /* report ROUGE-L recall instead of F */
    const char *forget;
    int batch;                  /* prompts generated together (16) */
    unsigned long long seed;    /* bootstrap seed (0) */
    int stemmer;
    int mia_window;             /* 1024 */
    const char *clean_up_spaces; /* "auto" (NULL), "true", "false" */
    const char *tasks;          /* DC tasks as `dusk downstream --tasks`, NULL = none */
    const char *task_dir;       /* NULL: downstream_default_task_dir() */
    int limit_downstream;       /* 0 = all */
    CommandLine cmd;
} EvalConfig;

void eval_config_defaults(EvalConfig *c);
/* Writes out/summary.json and the per-metric files. *summary (if not NULL)
 * receives a copy of summary.json's object (caller deletes). */
int pipeline_eval(const EvalConfig *c, cJSON **summary);

#endif
