/* dusk convert --model PATH --out DIR: re-save any loadable model (e.g. a
 * llama2.c .bin) as an HF checkpoint. */
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "model/checkpoint.h"
#include "util/err.h"

int cmd_convert(int argc, char **argv) {
    ArgSpec o[] = {
        {"model", ARG_VALUE, "HF directory or llama2.c .bin", 0, 0},
        {"out", ARG_VALUE, "output directory", 0, 0},
        {"dtype", ARG_VALUE, "f32 (default), bf16 or f16", 0, 0},
        {"max-shard-bytes", ARG_VALUE, "shard the weights above this many bytes (default: one file)", 0, 0},
        {"help", ARG_FLAG, "show this help", 0, 0},
    };
    int n = sizeof o / sizeof o[0];
    if (args_parse(o, n, argc, argv, 1, NULL, NULL) != 0) dusk_die("convert: %s", dusk_last_error());
    if (args_flag(o, n, "help")) {
        args_usage("convert", "--model PATH --out DIR", o, n);
        return 0;
    }
    DType dtype = cli_parse_dtype(args_str(o, n, "dtype", "f32"));
    long shard_bytes = args_long(o, n, "max-shard-bytes", 0);
    if (shard_bytes < 0) dusk_die("--max-shard-bytes must be >= 0");
    OutDir od;
    cli_begin_out(&od, args_required(o, n, "out"));
    Model m;
    cli_load_model(&m, args_required(o, n, "model"));
    if (model_save(&m, od.tmp, dtype, (unsigned long long)shard_bytes) != 0) dusk_die("%s", dusk_last_error());
    cli_commit_out(&od);
    model_free(&m);
    return 0;
}
