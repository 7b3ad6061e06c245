/* dusk eval --model PATH --data DIR --out OUTDIR [--retrain-eval RETRAIN_OUTDIR]
 *           [--only verbmem,qa,mia] [--rouge f|recall] [--tasks T1,T2]
 * The DUSK metrics of a model (pipeline_eval): OUTDIR/summary.json and one
 * file per metric; prints summary.json without its "run" block. */
#include <cjson/cJSON.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "io/json_text.h"
#include "pipeline/cleanup_spaces.h"
#include "pipeline/pipeline.h"
#include "util/err.h"

/* An integer flag that must fit an int (a wrapped value would pass checks). */
static int int_flag(const ArgSpec *o, int n, const char *name, int def) {
    long v = args_long(o, n, name, def);
    if (v < INT_MIN || v > INT_MAX) dusk_die("--%s %ld is out of range", name, v);
    return (int)v;
}

/* summary.json without "run", on one line. */
static void print_brief(const cJSON *summary) {
    cJSON *brief = cJSON_Duplicate(summary, 1);
    cJSON_DeleteItemFromObject(brief, "run");
    char *b = json_print_exact(brief, 0);
    printf("%s\n", b);
    free(b);
    cJSON_Delete(brief);
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
        CLI_COMPUTE_ARG_SPECS,
        {"help", ARG_FLAG, "show this help", 0, 0},
    };
    int n = sizeof o / sizeof o[0];
    if (args_parse(o, n, argc, argv, 1, NULL, NULL) != 0) dusk_die("eval: %s", dusk_last_error());
    if (args_flag(o, n, "help")) {
        args_usage("eval", "--model PATH --data DIR --out OUTDIR [--retrain-eval DIR] [--only verbmem,qa,mia]", o, n);
        return 0;
    }
    cli_set_compute(o, n);
    EvalConfig c;
    eval_config_defaults(&c);
    c.model = args_required(o, n, "model");
    c.data = args_required(o, n, "data");
    c.out = args_required(o, n, "out");
    c.tokenizer = args_str(o, n, "tokenizer", NULL);
    c.only = args_str(o, n, "only", NULL);
    c.retrain_eval = args_str(o, n, "retrain-eval", NULL);
    const char *rouge = args_str(o, n, "rouge", "f");
    if (strcmp(rouge, "f") && strcmp(rouge, "recall")) dusk_die("--rouge must be f or recall");
    c.rouge_recall = !strcmp(rouge, "recall");
    c.forget = args_str(o, n, "forget", NULL);
    c.batch = int_flag(o, n, "batch", c.batch);
    c.seed = (unsigned long long)args_long(o, n, "seed", (long)c.seed);
    c.stemmer = args_flag(o, n, "stemmer");
    c.mia_window = int_flag(o, n, "mia-window", c.mia_window);
    c.clean_up_spaces = args_str(o, n, "clean-up-spaces", NULL);
    c.tasks = args_str(o, n, "tasks", NULL);
    c.task_dir = args_str(o, n, "task-dir", NULL);
    c.limit_downstream = int_flag(o, n, "limit-downstream", 0);
    c.cmd = (CommandLine){argc + 1, argv - 1};
    cJSON *summary;
    if (pipeline_eval(&c, &summary) != 0) dusk_die("%s", dusk_last_error());
    print_brief(summary);
    cJSON_Delete(summary);
    return 0;
}
