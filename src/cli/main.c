/* dusk: the DUSK machine-unlearning benchmark in C. Dispatches subcommands. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "version.h"

static void usage(void) {
    fprintf(stderr, "dusk %s — the DUSK unlearning benchmark\nusage: dusk COMMAND [options]\n\n", DUSK_VERSION);
    for (int i = 0; i < kNumCommands; i++) fprintf(stderr, "  %-12s %s\n", kCommands[i].name, kCommands[i].summary);
    fprintf(stderr, "\n'dusk COMMAND --help' lists a command's options.\n");
}

int main(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage();
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("dusk %s\n", DUSK_VERSION);
        return 0;
    }
    for (int i = 0; i < kNumCommands; i++)
        if (strcmp(argv[1], kCommands[i].name) == 0) return kCommands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "dusk: unknown command '%s'\n", argv[1]);
    usage();
    return 2;
}
