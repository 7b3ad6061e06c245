/* dusk run [--out RESULTS] [--data DIR] [--preset NAME] ...: the benchmark
 * end to end (src/runner/sweep.h). With no arguments: a generated corpus,
 * a tokenizer and a tiny model trained from scratch, every method over its
 * epoch grid, the table on stdout and RESULTS = ./dusk-results. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "runner/sweep.h"
#include "util/err.h"

static const Preset *choose_preset(const char *name, const SweepConfig *c) {
    if (!name) name = c->target || c->base_model ? "paper" : "tiny";
    const Preset *p = preset_find(name);
    if (!p) dusk_die("--preset: unknown preset '%s' (%s)", name, preset_names());
    if (!strcmp(p->name, "paper") && !c->target && !c->base_model)
        dusk_die("--preset paper trains nothing from scratch: give --base-model, or --target and --retrain");
    return p;
}

int cmd_run(int argc, char **argv) {
    ArgSpec o[] = {
        {"out", ARG_VALUE, "results directory (default dusk-results); rerun the same command to resume", 0, 0},
        {"data", ARG_VALUE, "a DUSK data directory (data/Prof layout; default: generate one)", 0, 0},
        {"preset", ARG_VALUE, "tiny (default), small (real data from scratch), paper (DUSK's settings), test", 0, 0},
        {"base-model", ARG_VALUE, "fine-tune target and retrain from this HF model", 0, 0},
        {"target", ARG_VALUE, "a ready target model (with --retrain): no fine-tuning", 0, 0},
        {"retrain", ARG_VALUE, "a ready retrain model (with --target)", 0, 0},
        {"methods", ARG_VALUE, "comma-separated methods (default all: every method of dusk unlearn)", 0, 0},
        {"epochs", ARG_VALUE, "comma-separated epoch grid for every method (default: the preset's)", 0, 0},
        {"forget", ARG_VALUE, "the forget document (default Chronological)", 0, 0},
        {"tasks", ARG_VALUE, "DC tasks as `dusk eval --tasks` (default: the data's world/world_mc.jsonl, if any)", 0, 0},
        {"task-dir", ARG_VALUE, "DC task data directory (as `dusk eval --task-dir`)", 0, 0},
        {"compat", ARG_VALUE, "'release': the public DUSK code's behaviour (passed to unlearning)", 0, 0},
        {"seed", ARG_VALUE, "seed of every random choice (default 0)", 0, 0},
        {"keep-checkpoints", ARG_FLAG, "keep every unlearned model (default: deleted once evaluated)", 0, 0},
        {"no-progress", ARG_FLAG, "no progress lines", 0, 0},
        CLI_COMPUTE_ARG_SPECS,
        {"help", ARG_FLAG, "show this help", 0, 0},
    };
    int n = sizeof o / sizeof o[0];
    if (args_parse(o, n, argc, argv, 1, NULL, NULL) != 0) dusk_die("run: %s", dusk_last_error());
    if (args_flag(o, n, "help")) {
        args_usage("run", "[--out RESULTS] [--data DIR] [--preset NAME] [--base-model DIR | --target DIR --retrain DIR] ...",
                   o, n);
        return 0;
    }
    cli_set_compute(o, n);
    SweepConfig c = {
        .out = args_str(o, n, "out", "dusk-results"),
        .data = args_str(o, n, "data", NULL),
        .base_model = args_str(o, n, "base-model", NULL),
        .target = args_str(o, n, "target", NULL),
        .retrain = args_str(o, n, "retrain", NULL),
        .methods = args_str(o, n, "methods", NULL),
        .epochs = args_str(o, n, "epochs", NULL),
        .forget = args_str(o, n, "forget", NULL),
        .tasks = args_str(o, n, "tasks", NULL),
        .task_dir = args_str(o, n, "task-dir", NULL),
        .seed = (unsigned long long)args_long(o, n, "seed", 0),
        .keep_checkpoints = args_flag(o, n, "keep-checkpoints"),
        .progress = !args_flag(o, n, "no-progress"),
        .cmd = {argc + 1, argv - 1},
    };
    const char *compat = args_str(o, n, "compat", NULL);
    if (compat && strcmp(compat, "release")) dusk_die("--compat: only 'release' is known (got '%s')", compat);
    c.compat_release = compat != NULL;
    if (args_long(o, n, "seed", 0) < 0) dusk_die("--seed must be a non-negative integer");
    c.preset = choose_preset(args_str(o, n, "preset", NULL), &c);
    char *table = NULL;
    int rc = sweep_run(&c, &table);
    if (rc < 0) dusk_die("run: %s", dusk_last_error());
    if (table) fputs(table, stdout);
    free(table);
    if (rc > 0) fprintf(stderr, "dusk run: some rows failed; their errors are in the table and in %s/summary.json\n", c.out);
    return rc > 0 ? 1 : 0;
}
