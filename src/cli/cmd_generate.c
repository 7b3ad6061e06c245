/* dusk generate: greedy continuation of a prompt (or of BOS alone). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "io/ids_file.h"
#include "model/generate.h"
#include "util/err.h"

/* Text of `gen` as it continues `prompt`: decode both together and drop the
 * prompt's own decoding, so tokenizer rules that look at the previous token
 * (llama2.c strips the space after BOS) apply exactly as in one stream. */
static char *continuation_text(const Tokenizer *tok, const int *prompt, int np, const Generation *g) {
    int *all = xmalloc(sizeof(int) * (size_t)(np + g->n + 1));
    memcpy(all, prompt, sizeof(int) * np);
    memcpy(all + np, g->tokens, sizeof(int) * g->n);
    size_t la, lp;
    char *a = tokenizer_decode(tok, all, np + g->n, 1, 0, &la);
    char *p = tokenizer_decode(tok, prompt, np, 1, 0, &lp);
    free(all);
    if (!a || !p) dusk_die("%s", dusk_last_error());
    char *out;
    if (lp <= la && memcmp(a, p, lp) == 0) {
        out = xstrdup(a + lp);
    } else {
        size_t lg;
        out = tokenizer_decode(tok, g->tokens, g->n, 1, 0, &lg);
        if (!out) dusk_die("%s", dusk_last_error());
    }
    free(a);
    free(p);
    return out;
}

static void print_ids_line(const Generation *g) {
    for (int i = 0; i < g->n; i++) printf(i ? " %d" : "%d", g->tokens[i]);
    putchar('\n');
}

int cmd_generate(int argc, char **argv) {
    ArgSpec o[] = {
        {"model", ARG_VALUE, "HF directory or llama2.c .bin", 0, 0},
        {"tokenizer", ARG_VALUE, "tokenizer.json / directory / llama2.c tokenizer.bin", 0, 0},
        {"prompt", ARG_VALUE, "prompt text (default: start from BOS)", 0, 0},
        {"ids-file", ARG_VALUE, "prompts as token ids, one per line; prints generated ids per line", 0, 0},
        {"max-new", ARG_VALUE, "maximum new tokens (default 256)", 0, 0},
        {"no-kv-cache", ARG_FLAG, "recompute the whole prefix each step (reference/benchmark)", 0, 0},
        CLI_COMPUTE_ARG_SPECS,
        {"help", ARG_FLAG, "show this help", 0, 0},
    };
    int n = sizeof o / sizeof o[0];
    if (args_parse(o, n, argc, argv, 1, NULL, NULL) != 0) dusk_die("generate: %s", dusk_last_error());
    if (args_flag(o, n, "help")) {
        args_usage("generate", "--model PATH [--tokenizer PATH] [--prompt TEXT] [--max-new N]", o, n);
        return 0;
    }
    cli_set_compute(o, n);
    const char *model_path = args_required(o, n, "model");
    int max_new = (int)args_long(o, n, "max-new", 256);
    if (max_new < 0) dusk_die("--max-new must be >= 0");
    int use_cache = !args_flag(o, n, "no-kv-cache");
    Model m;
    const char *ids_path = args_str(o, n, "ids-file", NULL);
    if (ids_path) { /* token-id mode needs no tokenizer */
        cli_load_generation_model(&m, model_path);
        IdSequences s;
        if (ids_file_read(&s, ids_path, m.cfg.vocab_size) != 0) dusk_die("%s", dusk_last_error());
        Generation *g = xcalloc((size_t)s.n_seqs, sizeof *g);
        if (generate_greedy(&m, s.n_seqs, (const int *const *)s.seqs, s.lens, max_new, use_cache, g) != 0)
            dusk_die("%s", dusk_last_error());
        for (int i = 0; i < s.n_seqs; i++) print_ids_line(&g[i]), generation_free(&g[i]);
        free(g);
        ids_free(&s);
        model_free(&m);
        return 0;
    }
    Tokenizer *tok = cli_load_tokenizer(args_str(o, n, "tokenizer", NULL), model_path);
    cli_load_generation_model(&m, model_path);
    if (tokenizer_vocab_size(tok) > m.cfg.vocab_size)
        dusk_die("tokenizer has %d tokens but the model's vocabulary is %d", tokenizer_vocab_size(tok), m.cfg.vocab_size);
    const char *prompt = args_str(o, n, "prompt", "");
    int *ids, np;
    if (tokenizer_encode(tok, prompt, strlen(prompt), 1, &ids, &np) != 0) dusk_die("%s", dusk_last_error());
    if (np == 0) { /* a tokenizer without BOS in its template: start from the config's BOS */
        ids = xrealloc(ids, sizeof(int));
        ids[0] = m.cfg.bos_token_id;
        np = 1;
    }
    Generation g;
    const int *prompts[1] = {ids};
    if (generate_greedy(&m, 1, prompts, &np, max_new, use_cache, &g) != 0) dusk_die("%s", dusk_last_error());
    char *text = continuation_text(tok, ids, np, &g);
    fputs(text, stdout);
    putchar('\n');
    free(text);
    generation_free(&g);
    free(ids);
    tokenizer_free(tok);
    model_free(&m);
    return 0;
}
