/* dusk finetune --model PATH --data DIR --docs all|retain|forget --epochs E
 * --lr LR --out DIR: cross-entropy training on the chosen documents' chunks
 * (all docs → the *target*, retain docs → the *retrain* oracle), with the
 * same optimizer and schedule machinery as unlearning. --train-ids F trains
 * on token-id chunks instead. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/train_args.h"
#include "data/dusk_data.h"
#include "model/checkpoint.h"
#include "runner/run_record.h"
#include "util/err.h"

/* items = the chosen documents' chunks */
static void select_docs(SeqList *items, const DuskData *d, const char *docs) {
    int want_forget = !strcmp(docs, "all") || !strcmp(docs, "forget");
    int want_retain = !strcmp(docs, "all") || !strcmp(docs, "retain");
    if (!want_forget && !want_retain) dusk_die("--docs must be all, retain or forget (got '%s')", docs);
    memset(items, 0, sizeof *items);
    if (want_forget)
        for (int i = 0; i < d->forget.n; i++) seqlist_append(items, d->forget.seqs[i], d->forget.lens[i]);
    if (want_retain)
        for (int i = 0; i < d->retain.n; i++) seqlist_append(items, d->retain.seqs[i], d->retain.lens[i]);
}

int cmd_finetune(int argc, char **argv) {
    ArgSpec o[] = {
        TRAIN_ARG_SPECS,
        {"docs", ARG_VALUE, "all (default), retain or forget", 0, 0},
        {"train-ids", ARG_VALUE, "train on these token-id chunks instead of --data", 0, 0},
    };
    int n = sizeof o / sizeof o[0];
    if (args_parse(o, n, argc, argv, 1, NULL, NULL) != 0) dusk_die("finetune: %s", dusk_last_error());
    if (args_flag(o, n, "help")) {
        args_usage("finetune", "--model PATH --data DIR --docs all|retain|forget --epochs E --lr LR --out DIR", o, n);
        return 0;
    }
    const char *out = args_required(o, n, "out"), *model_path = args_required(o, n, "model");
    DType dtype = cli_parse_dtype(args_str(o, n, "dtype", "f32"));
    cli_set_threads(args_long(o, n, "threads", 0));
    TrainConfig tc;
    train_config_from_args(&tc, o, n);
    OutDir od;
    cli_begin_out(&od, out);
    tc.label = "finetune";
    ObjectiveParams p;
    objective_params_defaults(&p, method_find("FT"));
    Model m;
    cli_load_model(&m, model_path);
    SeqList items;
    DuskData d = {0};
    const char *ids = args_str(o, n, "train-ids", NULL), *dir = args_str(o, n, "data", NULL);
    const char *docs = args_str(o, n, "docs", "all");
    if (ids && dir) dusk_die("give either --data or --train-ids, not both");
    if (ids) {
        read_ids_chunks(&items, ids, m.cfg.vocab_size, m.cfg.max_position_embeddings);
    } else {
        if (!dir) dusk_die("missing --data DIR (or --train-ids F)");
        int seq_len = (int)args_long(o, n, "seq-len", 1024);
        if (seq_len < 2 || seq_len > m.cfg.max_position_embeddings)
            dusk_die("--seq-len %d must be in [2, max_position_embeddings = %d]", seq_len, m.cfg.max_position_embeddings);
        Tokenizer *tok = cli_load_tokenizer(args_str(o, n, "tokenizer", NULL), model_path);
        cli_check_tokenizer_fits(tok, &m);
        if (dusk_data_load(&d, dir, args_str(o, n, "forget", NULL), tok, seq_len) != 0) dusk_die("%s", dusk_last_error());
        tokenizer_free(tok);
        select_docs(&items, &d, docs);
    }
    ChunkSet set = chunkset_of(&items);
    TrainLog log;
    if (train_run(&m, NULL, method_find("FT"), &p, &set, NULL, &tc, &log) != 0) dusk_die("%s", dusk_last_error());
    cJSON *rec = run_record_new(argc + 1, argv - 1);
    cJSON_AddStringToObject(rec, "model", model_path);
    cJSON *data = cJSON_AddObjectToObject(rec, "data");
    if (ids) {
        cJSON_AddStringToObject(data, "train_ids", ids);
    } else {
        cJSON_AddStringToObject(data, "dir", dir);
        cJSON_AddStringToObject(data, "docs", docs);
        cli_record_tokenizer(data, args_str(o, n, "tokenizer", NULL), model_path);
        cJSON *documents = cJSON_AddObjectToObject(data, "documents");
        for (int i = 0; i < DUSK_N_DOCS; i++) {
            cJSON *e = cJSON_AddObjectToObject(documents, kDuskDocs[i]);
            cJSON_AddStringToObject(e, "role", d.is_forget[i] ? "forget" : "retain");
            cJSON_AddStringToObject(e, "sha256", d.sha256[i]);
        }
    }
    cJSON_AddNumberToObject(data, "chunks", items.n);
    cJSON_AddNumberToObject(data, "seq_len", items.T);
    run_record_add_training(rec, "training", &tc, &log);
    save_trained_checkpoint(&od, &m, dtype, model_path, args_str(o, n, "tokenizer", NULL), rec);
    cJSON_Delete(rec);
    train_log_free(&log);
    seqlist_free(&items);
    if (!ids) dusk_data_free(&d);
    model_free(&m);
    return 0;
}
