/* Fine-tuning: cross-entropy training on the chosen DUSK documents' chunks
 * (all docs → the *target*, retain docs → the *retrain* oracle) plus any
 * extra text files chunked the same way, with the optimizer and schedule
 * machinery of unlearning; or on token-id chunks (train_ids). */
#include <stdlib.h>
#include <string.h>

#include "model/checkpoint.h"
#include "pipeline/common.h"
#include "pipeline/pipeline.h"
#include "runner/run_record.h"
#include "util/err.h"

typedef struct {
    SeqList items;         /* what is trained on */
    DuskData dusk;         /* when read from a DUSK directory */
    char (*extra_sha)[65]; /* [n_extra_docs] */
    int *extra_chunks;     /* [n_extra_docs]: chunks each extra document added */
} FinetuneData;

static void finetune_data_free(FinetuneData *d) {
    seqlist_free(&d->items);
    dusk_data_free(&d->dusk);
    free(d->extra_sha), free(d->extra_chunks);
    memset(d, 0, sizeof *d);
}

void finetune_config_defaults(FinetuneConfig *c) {
    memset(c, 0, sizeof *c);
    c->docs = "all";
    c->seq_len = 1024;
    train_config_defaults(&c->train);
    c->dtype = DTYPE_F32;
}

/* Everything decidable without reading a file, before any work. */
static int check_config(const FinetuneConfig *c) {
    if (!c->model) return dusk_error("finetune: no model given (--model)");
    if (!c->out) return dusk_error("finetune: no output directory given (--out)");
    if (c->train_ids && c->data) return dusk_error("give either --data or --train-ids, not both");
    if (!c->train_ids && !c->data) return dusk_error("missing --data DIR (or --train-ids F)");
    if (!c->docs || (strcmp(c->docs, "all") && strcmp(c->docs, "retain") && strcmp(c->docs, "forget")))
        return dusk_error("--docs must be all, retain or forget (got '%s')", c->docs ? c->docs : "(none)");
    if (c->n_extra_docs < 0 || (c->n_extra_docs > 0 && !c->extra_docs))
        return dusk_error("finetune: %d extra documents but no list of them", c->n_extra_docs);
    if (c->n_extra_docs > 0 && c->train_ids)
        return dusk_error("--extra-docs are chunked with the tokenizer at --seq-len: give them with --data, not "
                          "--train-ids");
    return 0;
}

/* items = the chosen documents' chunks */
static void select_docs(SeqList *items, const DuskData *d, const char *docs) {
    int want_forget = !strcmp(docs, "all") || !strcmp(docs, "forget");
    int want_retain = !strcmp(docs, "all") || !strcmp(docs, "retain");
    if (want_forget)
        for (int i = 0; i < d->forget.n; i++) seqlist_append(items, d->forget.seqs[i], d->forget.lens[i]);
    if (want_retain)
        for (int i = 0; i < d->retain.n; i++) seqlist_append(items, d->retain.seqs[i], d->retain.lens[i]);
}

/* The extra documents' chunks, appended after the DUSK documents'. */
static int add_extra_docs(FinetuneData *d, const FinetuneConfig *c, const Tokenizer *tok) {
    d->extra_sha = xcalloc((size_t)c->n_extra_docs + 1, sizeof *d->extra_sha);
    d->extra_chunks = xcalloc((size_t)c->n_extra_docs + 1, sizeof *d->extra_chunks);
    for (int i = 0; i < c->n_extra_docs; i++) {
        int before = d->items.n;
        if (dusk_chunk_file(&d->items, c->extra_docs[i], tok, c->seq_len, d->extra_sha[i]) != 0)
            return dusk_error_prefix("--extra-docs");
        d->extra_chunks[i] = d->items.n - before;
        /* a document shorter than half a chunk cannot fill one even repeated */
        if (d->items.lens[d->items.n - 1] != c->seq_len)
            return dusk_error("--extra-docs: %s is too short to fill one %d-token chunk", c->extra_docs[i], c->seq_len);
    }
    return 0;
}

static int load_items(FinetuneData *d, const FinetuneConfig *c, const Model *m) {
    if (c->train_ids) return read_ids_chunks(&d->items, c->train_ids, m->cfg.vocab_size, m->cfg.max_position_embeddings);
    if (pipeline_check_seq_len(c->seq_len, m) != 0) return -1;
    Tokenizer *tok = pipeline_load_tokenizer(c->tokenizer, c->model);
    if (!tok) return -1;
    int rc = pipeline_check_tokenizer_fits(tok, m);
    if (rc == 0) rc = dusk_data_load(&d->dusk, c->data, c->forget, tok, c->seq_len);
    if (rc == 0) select_docs(&d->items, &d->dusk, c->docs);
    if (rc == 0) rc = add_extra_docs(d, c, tok);
    tokenizer_free(tok);
    return rc;
}

static cJSON *finetune_record(const FinetuneConfig *c, const FinetuneData *d, const TrainConfig *tc,
                              const TrainLog *log) {
    cJSON *rec = run_record_new(c->cmd.argc, c->cmd.argv);
    cJSON_AddStringToObject(rec, "model", c->model);
    cJSON *data = cJSON_AddObjectToObject(rec, "data");
    if (c->train_ids) {
        cJSON_AddStringToObject(data, "train_ids", c->train_ids);
    } else {
        cJSON_AddStringToObject(data, "dir", c->data);
        cJSON_AddStringToObject(data, "docs", c->docs);
        pipeline_record_tokenizer(data, c->tokenizer, c->model);
        pipeline_record_documents(data, &d->dusk);
        cJSON *extra = cJSON_AddArrayToObject(data, "extra_docs");
        for (int i = 0; i < c->n_extra_docs; i++) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "path", c->extra_docs[i]);
            cJSON_AddStringToObject(e, "sha256", d->extra_sha[i]);
            cJSON_AddNumberToObject(e, "chunks", d->extra_chunks[i]);
            cJSON_AddItemToArray(extra, e);
        }
    }
    cJSON_AddNumberToObject(data, "chunks", d->items.n);
    cJSON_AddNumberToObject(data, "seq_len", d->items.T);
    run_record_add_training(rec, "training", tc, log);
    return rec;
}

int pipeline_finetune(const FinetuneConfig *c) {
    if (check_config(c) != 0) return -1;
    OutDir od;
    if (outdir_begin(&od, c->out) != 0) return dusk_error_prefix("--out");
    Model m;
    if (model_load(&m, c->model) != 0) {
        outdir_abort(&od);
        return -1;
    }
    FinetuneData d;
    memset(&d, 0, sizeof d);
    TrainConfig tc = c->train;
    tc.label = "finetune";
    ObjectiveParams p;
    objective_params_defaults(&p, method_find("FT"));
    TrainLog log;
    memset(&log, 0, sizeof log);
    int rc = load_items(&d, c, &m);
    if (rc == 0) {
        ChunkSet set = chunkset_of(&d.items);
        rc = train_run(&m, NULL, method_find("FT"), &p, &set, NULL, &tc, &log);
    }
    if (rc == 0) {
        cJSON *rec = finetune_record(c, &d, &tc, &log);
        rc = save_trained_checkpoint(&od, &m, c->dtype, c->model, c->tokenizer, rec); /* commits or aborts od */
        cJSON_Delete(rec);
    } else {
        outdir_abort(&od);
    }
    train_log_free(&log);
    finetune_data_free(&d);
    model_free(&m);
    return rc;
}
