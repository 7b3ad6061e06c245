/* dusk tokenize / detokenize / tokenizer: placeholder until the tokenizer lands. */
#include "cli/commands.h"
#include "util/err.h"

int cmd_tokenize(int argc, char **argv) {
    (void)argc;
    (void)argv;
    dusk_die("tokenize: not implemented yet");
    return 1;
}

int cmd_detokenize(int argc, char **argv) {
    (void)argc;
    (void)argv;
    dusk_die("detokenize: not implemented yet");
    return 1;
}

int cmd_tokenizer(int argc, char **argv) {
    (void)argc;
    (void)argv;
    dusk_die("tokenizer: not implemented yet");
    return 1;
}
