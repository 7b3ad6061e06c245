/* dusk mia --model PATH --text-file F [--tokenizer PATH] [--window N] [--ids]
 * The MIA windows of one text (cut as `dusk eval` cuts them) and their
 * scores: one JSON line per window with every score key (loss, zlib,
 * mink_0.1 .. mink++_1.0); --ids adds each window's token ids and text. */
#include <stdio.h>
#include <stdlib.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "eval/metrics/eval_metrics.h"
#include "io/json_text.h"
#include "pipeline/cleanup_spaces.h"
#include "util/err.h"

int cmd_mia(int argc, char **argv) {
    ArgSpec o[] = {
        {"model", ARG_VALUE, "HF directory or llama2.c .bin", 0, 0},
        {"tokenizer", ARG_VALUE, "tokenizer (default: the one in --model)", 0, 0},
        {"text-file", ARG_VALUE, "the text to cut into windows", 0, 0},
        {"window", ARG_VALUE, "window length in tokens (default 1024)", 0, 0},
        {"clean-up-spaces", ARG_VALUE, CLEANUP_SPACES_HELP, 0, 0},
        {"ids", ARG_FLAG, "also print each window's token ids and text", 0, 0},
        CLI_COMPUTE_ARG_SPECS,
        {"help", ARG_FLAG, "show this help", 0, 0},
    };
    int n = sizeof o / sizeof o[0];
    if (args_parse(o, n, argc, argv, 1, NULL, NULL) != 0) dusk_die("mia: %s", dusk_last_error());
    if (args_flag(o, n, "help")) {
        args_usage("mia", "--model PATH --text-file F [--tokenizer PATH] [--window N] [--ids] [--clean-up-spaces auto|true|false]", o, n);
        return 0;
    }
    cli_set_compute(o, n);
    const char *model_path = args_required(o, n, "model"), *path = args_required(o, n, "text-file");
    long window = args_long(o, n, "window", 1024);
    if (window < 2) dusk_die("--window must be at least 2");
    Tokenizer *tok = cli_load_tokenizer(args_str(o, n, "tokenizer", NULL), model_path);
    CleanupChoice cleanup = cli_cleanup_choice(args_str(o, n, "clean-up-spaces", NULL), tok);
    Model m;
    cli_load_model(&m, model_path);
    cli_check_tokenizer_fits(tok, &m);
    MiaSet set = {0};
    cJSON *log = cJSON_CreateArray();
    if (mia_score_file(&m, tok, path, (int)window, cleanup.mia_windows, &set, log, NULL, args_flag(o, n, "ids")) != 0)
        dusk_die("%s", dusk_last_error());
    const cJSON *e;
    cJSON_ArrayForEach(e, log) {
        char *line = json_print_exact(e, 0);
        printf("%s\n", line);
        free(line);
    }
    cJSON_Delete(log);
    free(set.scores);
    tokenizer_free(tok);
    model_free(&m);
    return 0;
}
