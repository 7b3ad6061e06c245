/* dusk init --config CONFIG.json --seed S --out DIR: a randomly initialised model. */
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "model/checkpoint.h"
#include "util/err.h"

int cmd_init(int argc, char **argv) {
    ArgSpec o[] = {
        {"config", ARG_VALUE, "HF config.json describing the model", 0, 0},
        {"seed", ARG_VALUE, "random seed (default 0)", 0, 0},
        {"out", ARG_VALUE, "output directory (HF layout)", 0, 0},
        {"dtype", ARG_VALUE, "f32 (default), bf16 or f16", 0, 0},
        {"help", ARG_FLAG, "show this help", 0, 0},
    };
    int n = sizeof o / sizeof o[0];
    if (args_parse(o, n, argc, argv, 1, NULL, NULL) != 0) dusk_die("init: %s", dusk_last_error());
    if (args_flag(o, n, "help")) {
        args_usage("init", "--config CONFIG.json --seed S --out DIR", o, n);
        return 0;
    }
    DType dtype = cli_parse_dtype(args_str(o, n, "dtype", "f32"));
    ModelConfig cfg;
    if (config_load(&cfg, args_required(o, n, "config")) != 0) dusk_die("%s", dusk_last_error());
    OutDir od;
    cli_begin_out(&od, args_required(o, n, "out"));
    Model m;
    if (model_create(&m, &cfg) != 0) dusk_die("%s", dusk_last_error());
    config_free(&cfg);
    model_init_random(&m, (uint64_t)args_long(o, n, "seed", 0));
    if (model_save(&m, od.tmp, dtype, 0) != 0) dusk_die("%s", dusk_last_error());
    cli_commit_out(&od);
    model_free(&m);
    return 0;
}
