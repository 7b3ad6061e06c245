#include "pipeline/common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/text.h"
#include "io/ids_file.h"
#include "model/checkpoint.h"
#include "model/generation_config.h"
#include "runner/run_record.h"
#include "util/err.h"
#include "util/fileio.h"

int pipeline_load_generation_model(Model *m, const char *path, const char **source) {
    if (model_load(m, path) != 0) return -1;
    if (generation_config_apply(&m->cfg, path, source) != 0) {
        model_free(m);
        return -1;
    }
    return 0;
}

Tokenizer *pipeline_load_tokenizer(const char *path, const char *model_path) {
    if (!path) {
        if (!model_path || !is_directory(model_path)) {
            dusk_error("--tokenizer is required for %s (no tokenizer.json beside it)",
                       model_path ? model_path : "this model");
            return NULL;
        }
        path = model_path;
    }
    return tokenizer_load(path);
}

char *pipeline_tokenizer_file(const char *path, const char *model_path) {
    const char *p = path ? path : model_path;
    if (!p) return NULL;
    if (!is_directory(p)) return xstrdup(p);
    return path_join(p, "tokenizer.json");
}

void pipeline_record_tokenizer(cJSON *obj, const char *path, const char *model_path) {
    char *f = pipeline_tokenizer_file(path, model_path), sha[65];
    if (!f) return;
    cJSON *t = cJSON_AddObjectToObject(obj, "tokenizer");
    cJSON_AddStringToObject(t, "path", f);
    if (sha256_file_hex(f, sha) == 0) cJSON_AddStringToObject(t, "sha256", sha);
    free(f);
}

int pipeline_check_tokenizer_fits(const Tokenizer *tok, const Model *m) {
    if (tokenizer_vocab_size(tok) > m->cfg.vocab_size)
        return dusk_error("tokenizer/model mismatch: the tokenizer has %d tokens, the model's vocabulary %d",
                          tokenizer_vocab_size(tok), m->cfg.vocab_size);
    return 0;
}

int pipeline_check_seq_len(int seq_len, const Model *m) {
    if (seq_len < 2 || seq_len > m->cfg.max_position_embeddings)
        return dusk_error("--seq-len %d must be in [2, max_position_embeddings = %d]", seq_len,
                          m->cfg.max_position_embeddings);
    return 0;
}

void pipeline_record_documents(cJSON *obj, const DuskData *d) {
    cJSON *documents = cJSON_AddObjectToObject(obj, "documents");
    for (int i = 0; i < DUSK_N_DOCS; i++) {
        cJSON *e = cJSON_AddObjectToObject(documents, kDuskDocs[i]);
        cJSON_AddStringToObject(e, "role", d->is_forget[i] ? "forget" : "retain");
        cJSON_AddStringToObject(e, "sha256", d->sha256[i]);
    }
}

ChunkSet chunkset_of(const SeqList *s) {
    ChunkSet c = {s->n, s->T, (const int *const *)s->seqs};
    return c;
}

int read_ids_chunks(SeqList *out, const char *path, int vocab_size, int max_len) {
    memset(out, 0, sizeof *out);
    IdSequences s;
    if (ids_file_read(&s, path, vocab_size) != 0) return -1;
    int rc = ids_equal_length(&s, path, 2) < 0 ? -1 : 0;
    if (rc == 0 && s.lens[0] > max_len)
        rc = dusk_error("%s: sequences longer than max_position_embeddings (%d)", path, max_len);
    for (int i = 0; rc == 0 && i < s.n_seqs; i++) seqlist_append(out, s.seqs[i], s.lens[i]);
    ids_free(&s);
    return rc;
}

int copy_tokenizer_json(const char *tokenizer, const char *out_dir) {
    size_t n = tokenizer ? strlen(tokenizer) : 0;
    if (n < 5 || strcmp(tokenizer + n - 5, ".json") != 0) return 0;
    char *dst = path_join(out_dir, "tokenizer.json");
    int rc = copy_file_atomic(tokenizer, dst);
    free(dst);
    return rc;
}

int copy_side_files(const char *model_dir, const char *out_dir) {
    static const char *const names[] = {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                                        "generation_config.json"};
    if (!is_directory(model_dir)) return 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sizeof names / sizeof names[0]; i++) {
        char *src = path_join(model_dir, names[i]), *dst = path_join(out_dir, names[i]);
        FILE *fp = fopen(src, "rb");
        if (fp) {
            fclose(fp);
            rc = copy_file_atomic(src, dst);
        }
        free(src), free(dst);
    }
    return rc;
}

int save_trained_checkpoint(OutDir *od, const Model *m, DType dtype, const char *model_path, const char *tokenizer,
                            const cJSON *rec) {
    if (model_save(m, od->tmp, dtype, 0) != 0 || copy_side_files(model_path, od->tmp) != 0 ||
        copy_tokenizer_json(tokenizer, od->tmp) != 0 || run_record_write(rec, od->tmp) != 0) {
        outdir_abort(od);
        return -1;
    }
    return outdir_commit(od);
}
