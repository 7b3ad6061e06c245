/* dusk tokenize / detokenize / tokenizer train: the tokenizers from the
 * command line (text on stdin, ids as space-separated decimals). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/train.h"
#include "tokenizer/utf8.h"
#include "util/err.h"
#include "util/fileio.h"

/* All of stdin, NUL-terminated (the NUL is not counted). */
static char *read_stdin(size_t *len) {
    char *text = read_stdin_all(len);
    if (!text) dusk_die("%s", dusk_last_error());
    return text;
}

static Tokenizer *load_or_die(const char *command, const char *path) {
    Tokenizer *tok = tokenizer_load(path);
    if (!tok) dusk_die("%s: %s", command, dusk_last_error());
    return tok;
}

static void print_ids(const int *ids, int n_ids) {
    for (int i = 0; i < n_ids; i++) printf(i ? " %d" : "%d", ids[i]);
    putchar('\n');
}

static void tokenize_text(const Tokenizer *tok, const char *what, const char *text, size_t len, int add_special,
                          int parse_special) {
    int *ids, n_ids;
    if (tokenizer_encode_ex(tok, text, len, add_special, parse_special, &ids, &n_ids) != 0)
        dusk_die("tokenize: %s: %s", what, dusk_last_error());
    print_ids(ids, n_ids);
    free(ids);
}

int cmd_tokenize(int argc, char **argv) {
    ArgSpec o[] = {
        {"tokenizer", ARG_VALUE, "tokenizer.json, a directory holding one, or a llama2.c tokenizer.bin", 0, 0},
        {"special", ARG_FLAG, "add BOS etc. as the tokenizer's post-processor says", 0, 0},
        {"parse-special", ARG_FLAG, "turn special tokens written in the text (e.g. <|endoftext|>) into their ids", 0,
         0},
        {"help", ARG_FLAG, "show this help", 0, 0},
    };
    int n = sizeof o / sizeof o[0];
    char **files;
    int n_files;
    if (args_parse(o, n, argc, argv, 1, &files, &n_files) != 0) dusk_die("tokenize: %s", dusk_last_error());
    if (args_flag(o, n, "help")) {
        args_usage("tokenize", "--tokenizer PATH [--special] [--parse-special] [FILE...] (default: stdin)", o, n);
        free(files);
        return 0;
    }
    Tokenizer *tok = load_or_die("tokenize", args_required(o, n, "tokenizer"));
    int add_special = args_flag(o, n, "special"), parse_special = args_flag(o, n, "parse-special");
    /* with FILE arguments: one line of ids per file, in order */
    for (int i = 0; i < n_files; i++) {
        size_t len;
        char *text = read_file_all(files[i], &len);
        if (!text) dusk_die("tokenize: %s", dusk_last_error());
        tokenize_text(tok, files[i], text, len, add_special, parse_special);
        free(text);
    }
    if (n_files == 0) {
        size_t len;
        char *text = read_stdin(&len);
        tokenize_text(tok, "stdin", text, len, add_special, parse_special);
        free(text);
    }
    free(files);
    tokenizer_free(tok);
    return fflush(stdout) == 0 ? 0 : 1;
}

/* Whitespace-separated decimal ids. */
static int parse_ids(const char *text, int **ids, int *n_ids) {
    size_t cap = 1024, n = 0;
    int *out = xmalloc(cap * sizeof *out);
    const char *p = text;
    for (;;) {
        while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r') p++;
        if (!*p) break;
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (end == p || errno || v < 0 || v > 0x7FFFFFFF || (*end && !strchr(" \n\t\r", *end))) {
            int shown = (int)strcspn(p, " \n\t\r");
            free(out);
            return dusk_error("stdin: token %zu: expected a non-negative integer id, got \"%.*s\"", n + 1,
                              shown > 40 ? 40 : shown, p);
        }
        if (n == cap) out = xrealloc(out, (cap *= 2) * sizeof *out);
        out[n++] = (int)v;
        p = end;
    }
    *ids = out;
    *n_ids = (int)n;
    return 0;
}

int cmd_detokenize(int argc, char **argv) {
    ArgSpec o[] = {
        {"tokenizer", ARG_VALUE, "tokenizer.json, a directory holding one, or a llama2.c tokenizer.bin", 0, 0},
        {"skip-special", ARG_FLAG, "drop special tokens (BOS, EOS, ...)", 0, 0},
        {"cleanup", ARG_FLAG, "HF clean_up_tokenization_spaces (remove the space before . , ! ? 's n't ...)", 0, 0},
        {"lossy", ARG_FLAG, "replace invalid UTF-8 with U+FFFD, as HF decode does (default: raw bytes)", 0, 0},
        {"help", ARG_FLAG, "show this help", 0, 0},
    };
    int n = sizeof o / sizeof o[0];
    if (args_parse(o, n, argc, argv, 1, NULL, NULL) != 0) dusk_die("detokenize: %s", dusk_last_error());
    if (args_flag(o, n, "help")) {
        args_usage("detokenize", "--tokenizer PATH [--skip-special] [--cleanup] [--lossy] < ids", o, n);
        return 0;
    }
    Tokenizer *tok = load_or_die("detokenize", args_required(o, n, "tokenizer"));
    size_t len;
    char *text = read_stdin(&len);
    if (strlen(text) != len) dusk_die("detokenize: stdin: a NUL byte where ids were expected");
    int *ids = NULL, n_ids = 0;
    if (parse_ids(text, &ids, &n_ids) != 0) dusk_die("detokenize: %s", dusk_last_error());
    size_t out_len;
    char *out = tokenizer_decode(tok, ids, n_ids, args_flag(o, n, "skip-special"), args_flag(o, n, "cleanup"), &out_len);
    if (!out) dusk_die("detokenize: %s", dusk_last_error());
    if (args_flag(o, n, "lossy")) {
        char *valid = utf8_lossy(out, out_len, &out_len);
        free(out);
        out = valid;
    }
    fwrite(out, 1, out_len, stdout);
    free(out);
    free(ids);
    free(text);
    tokenizer_free(tok);
    return fflush(stdout) == 0 ? 0 : 1;
}

static int tokenizer_train(int argc, char **argv) {
    ArgSpec o[] = {
        {"vocab-size", ARG_VALUE, "total vocabulary: 256 bytes + merges + BOS/EOS (at least 258)", 0, 0},
        {"out", ARG_VALUE, "tokenizer.json to write", 0, 0},
        {"help", ARG_FLAG, "show this help", 0, 0},
    };
    int n = sizeof o / sizeof o[0];
    char **files;
    int n_files;
    if (args_parse(o, n, argc, argv, 1, &files, &n_files) != 0) dusk_die("tokenizer train: %s", dusk_last_error());
    if (args_flag(o, n, "help")) {
        args_usage("tokenizer train", "--vocab-size N --out tokenizer.json FILE...", o, n);
        free(files);
        return 0;
    }
    long vocab = args_long(o, n, "vocab-size", -1);
    if (vocab < 0) dusk_die("tokenizer train: missing required option --vocab-size");
    const char *out = args_required(o, n, "out");
    if (n_files == 0) dusk_die("tokenizer train: no training files given");
    if (vocab > 0x7FFFFFFF) dusk_die("tokenizer train: --vocab-size %ld is too large", vocab);
    if (bpe_train_files((const char *const *)files, n_files, (int)vocab, out) != 0)
        dusk_die("tokenizer train: %s", dusk_last_error());
    free(files);
    return 0;
}

/* Vocabulary size, BOS and EOS as one JSON line (for scripts). */
static int tokenizer_info(int argc, char **argv) {
    ArgSpec o[] = {
        {"tokenizer", ARG_VALUE, "tokenizer.json, a directory holding one, or a llama2.c tokenizer.bin", 0, 0},
        {"help", ARG_FLAG, "show this help", 0, 0},
    };
    int n = sizeof o / sizeof o[0];
    if (args_parse(o, n, argc, argv, 1, NULL, NULL) != 0) dusk_die("tokenizer info: %s", dusk_last_error());
    if (args_flag(o, n, "help")) {
        args_usage("tokenizer info", "--tokenizer PATH", o, n);
        return 0;
    }
    Tokenizer *tok = load_or_die("tokenizer info", args_required(o, n, "tokenizer"));
    printf("{\"vocab_size\": %d, \"bos_id\": %d, \"eos_id\": %d}\n", tokenizer_vocab_size(tok), tokenizer_bos_id(tok),
           tokenizer_eos_id(tok));
    tokenizer_free(tok);
    return 0;
}

int cmd_tokenizer(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "train") == 0) return tokenizer_train(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "info") == 0) return tokenizer_info(argc - 1, argv + 1);
    fprintf(stderr, "usage: dusk tokenizer train --vocab-size N --out tokenizer.json FILE...\n"
                    "       dusk tokenizer info --tokenizer PATH\n");
    return argc >= 2 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
}
