/* dusk unlearn --model TARGET --data DIR --method NAME --epochs E --out DIR
 * Runs one unlearning method with the DUSK schedule (pipeline_unlearn; TV
 * and TAU included) and writes an HF checkpoint plus run.json. */
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/train_args.h"
#include "pipeline/pipeline.h"
#include "util/err.h"

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
    UnlearnConfig c;
    if (unlearn_config_defaults(&c, name) != 0) dusk_die("%s", dusk_last_error());
    c.out = args_required(o, n, "out");
    c.model = args_required(o, n, "model");
    c.dtype = cli_parse_dtype(args_str(o, n, "dtype", "f32"));
    cli_set_compute(o, n);
    objective_params_from_args(&c.params, o, n);
    c.tv_alpha = (float)args_double(o, n, "tv-alpha", c.tv_alpha);
    c.sga_epochs = args_double(o, n, "sga-epochs", c.sga_epochs);
    train_config_from_args(&c.train, o, n);
    c.ref = args_str(o, n, "ref", NULL);
    c.tokenizer = args_str(o, n, "tokenizer", NULL);
    c.data = args_str(o, n, "data", NULL);
    c.forget = args_str(o, n, "forget", NULL);
    c.forget_ids = args_str(o, n, "forget-ids", NULL);
    c.retain_ids = args_str(o, n, "retain-ids", NULL);
    c.seq_len = (int)args_long(o, n, "seq-len", c.seq_len);
    c.cmd = (CommandLine){argc + 1, argv - 1};
    if (pipeline_unlearn(&c) != 0) dusk_die("%s", dusk_last_error());
    return 0;
}
