/* dusk run: the main job on its built-in default. Until the benchmark
 * pipeline lands this is greedy generation from the stories260K model in
 * the shared assets folder: $DUSK_SHARED, else ../shared from the current
 * directory, else the shared/ beside the checkout that holds this binary
 * (build/dusk → ../../shared), so it also runs from another directory. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    char model[PATH_MAX + 96], tok[PATH_MAX + 96], max_new[] = "199", beside_exe[PATH_MAX + 32] = "../shared";
    const char *shared = getenv("DUSK_SHARED");
    if (!shared && access("../shared/models/stories260K/stories260K.bin", R_OK) != 0) {
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n > 0) {
            exe[n] = '\0';
            char *slash = strrchr(exe, '/'); /* .../repo/build/dusk → .../repo/build */
            if (slash) *slash = '\0';
            snprintf(beside_exe, sizeof beside_exe, "%s/../../shared", exe);
        }
    }
    if (!shared) shared = beside_exe;
    snprintf(model, sizeof model, "%s/models/stories260K/stories260K.bin", shared);
    snprintf(tok, sizeof tok, "%s/models/stories260K/tok512.bin", shared);
    char *gen_argv[] = {argv[0], "--model", model, "--tokenizer", tok, "--max-new", max_new, NULL};
    fprintf(stderr, "dusk run: greedy generation from %s (199 new tokens)\n", model);
    return cmd_generate(7, gen_argv);
}
