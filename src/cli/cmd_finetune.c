/* dusk finetune --model PATH --data DIR --docs all|retain|forget --epochs E
 * --lr LR --out DIR: cross-entropy training on the chosen documents' chunks
 * (pipeline_finetune). --extra-docs F1,F2 adds text files chunked like the
 * documents; --train-ids F trains on token-id chunks instead. */
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/train_args.h"
#include "pipeline/pipeline.h"
#include "util/err.h"

/* "a,b,c" → {"a", "b", "c"}: pointers into *copy (caller frees both). */
static const char **split_list(const char *list, char **copy, int *n) {
    *n = 0;
    *copy = NULL;
    if (!list) return NULL;
    *copy = xstrdup(list);
    const char **items = xcalloc(strlen(list) + 1, sizeof *items);
    char *save = NULL;
    for (char *t = strtok_r(*copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) items[(*n)++] = t;
    if (*n == 0) dusk_die("--extra-docs: no file named in '%s'", list);
    return items;
}

int cmd_finetune(int argc, char **argv) {
    ArgSpec o[] = {
        TRAIN_ARG_SPECS,
        {"docs", ARG_VALUE, "all (default), retain or forget", 0, 0},
        {"extra-docs", ARG_VALUE, "more text files, comma-separated, chunked like the documents and always trained on", 0, 0},
        {"train-ids", ARG_VALUE, "train on these token-id chunks instead of --data", 0, 0},
    };
    int n = sizeof o / sizeof o[0];
    if (args_parse(o, n, argc, argv, 1, NULL, NULL) != 0) dusk_die("finetune: %s", dusk_last_error());
    if (args_flag(o, n, "help")) {
        args_usage("finetune", "--model PATH --data DIR --docs all|retain|forget --epochs E --lr LR --out DIR", o, n);
        return 0;
    }
    FinetuneConfig c;
    finetune_config_defaults(&c);
    c.out = args_required(o, n, "out");
    c.model = args_required(o, n, "model");
    c.dtype = cli_parse_dtype(args_str(o, n, "dtype", "f32"));
    cli_set_compute(o, n);
    train_config_from_args(&c.train, o, n);
    c.tokenizer = args_str(o, n, "tokenizer", NULL);
    c.data = args_str(o, n, "data", NULL);
    c.forget = args_str(o, n, "forget", NULL);
    c.docs = args_str(o, n, "docs", c.docs);
    c.train_ids = args_str(o, n, "train-ids", NULL);
    c.seq_len = (int)args_long(o, n, "seq-len", c.seq_len);
    char *extra_copy;
    const char **extra = split_list(args_str(o, n, "extra-docs", NULL), &extra_copy, &c.n_extra_docs);
    c.extra_docs = extra;
    c.cmd = (CommandLine){argc + 1, argv - 1};
    int rc = pipeline_finetune(&c);
    free(extra), free(extra_copy);
    if (rc != 0) dusk_die("%s", dusk_last_error());
    return 0;
}
