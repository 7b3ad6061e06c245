/* dusk run: the main job on its built-in default. Until the benchmark
 * pipeline lands this is greedy generation from the stories260K model in
 * ../shared (override the folder with DUSK_SHARED). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "util/err.h"

int cmd_run(int argc, char **argv) {
    if (argc > 1) {
        int help = strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0;
        fprintf(help ? stdout : stderr,
                "usage: dusk run\n  the main job on its built-in default: greedy generation (199 tokens) from\n"
                "  $DUSK_SHARED/models/stories260K (DUSK_SHARED defaults to ../shared); takes no options\n");
        return help ? 0 : 2;
    }
    const char *shared = getenv("DUSK_SHARED");
    if (!shared) shared = "../shared";
    char model[4096], tok[4096], max_new[] = "199";
    snprintf(model, sizeof model, "%s/models/stories260K/stories260K.bin", shared);
    snprintf(tok, sizeof tok, "%s/models/stories260K/tok512.bin", shared);
    char *gen_argv[] = {argv[0], "--model", model, "--tokenizer", tok, "--max-new", max_new, NULL};
    fprintf(stderr, "dusk run: greedy generation from %s (199 new tokens)\n", model);
    return cmd_generate(7, gen_argv);
}
