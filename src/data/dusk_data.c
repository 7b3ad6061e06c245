#include "data/dusk_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/text.h"
#include "util/err.h"
#include "util/fileio.h"

const char *const kDuskDocs[DUSK_N_DOCS] = {"Chronological", "Feature_Story", "Interview", "Inverted_Pyramid",
                                            "Listicle"};

char *dusk_path(const char *dir, const char *name) { return path_join(dir, name); }

int dusk_doc_index(const char *name) {
    for (int i = 0; i < DUSK_N_DOCS; i++)
        if (strcmp(name, kDuskDocs[i]) == 0) return i;
    return -1;
}

int dusk_parse_forget(const char *spec, int is_forget[DUSK_N_DOCS]) {
    memset(is_forget, 0, sizeof(int) * DUSK_N_DOCS);
    if (!spec || !*spec) spec = "Chronological";
    char *copy = xstrdup(spec), *save = NULL;
    int any = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int found = dusk_doc_index(tok);
        if (found < 0) {
            dusk_error("unknown DUSK document '%s' (known: Chronological, Feature_Story, Interview, Inverted_Pyramid, "
                       "Listicle)", tok);
            free(copy);
            return -1;
        }
        is_forget[found] = 1;
        any = 1;
    }
    free(copy);
    if (!any) return dusk_error("no forget document given");
    int all = 1;
    for (int i = 0; i < DUSK_N_DOCS; i++) all &= is_forget[i];
    if (all) return dusk_error("every document is a forget document: nothing is left to retain");
    return 0;
}

/* Tokenize a whole document (unstripped, no special tokens) and chunk it. */
int dusk_chunk_file(SeqList *out, const char *path, const Tokenizer *tok, int seq_len, char sha[65]) {
    size_t len;
    char *text = read_text_file(path, &len);
    if (!text || sha256_file_hex(path, sha) != 0) {
        free(text);
        return -1;
    }
    int *ids, n;
    int rc = tokenizer_encode(tok, text, len, 0, &ids, &n);
    free(text);
    if (rc != 0) return dusk_error_prefix("%s", path);
    if (n == 0) {
        free(ids);
        return dusk_error("%s: the document is empty", path);
    }
    chunk_document(out, ids, n, tokenizer_bos_id(tok), seq_len);
    free(ids);
    return 0;
}

int dusk_data_load(DuskData *d, const char *dir, const char *forget_spec, const Tokenizer *tok, int seq_len) {
    memset(d, 0, sizeof *d);
    if (tokenizer_bos_id(tok) < 0) return dusk_error("the tokenizer has no BOS token (DUSK chunks start with BOS)");
    if (dusk_parse_forget(forget_spec, d->is_forget) != 0) return -1;
    d->dir = xstrdup(dir);
    for (int i = 0; i < DUSK_N_DOCS; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s.txt", kDuskDocs[i]);
        char *p = dusk_path(dir, name);
        SeqList *set = d->is_forget[i] ? &d->forget : &d->retain;
        d->first_chunk[i] = set->n;
        int rc = dusk_chunk_file(set, p, tok, seq_len, d->sha256[i]);
        d->n_chunks[i] = set->n - d->first_chunk[i];
        free(p);
        if (rc != 0) {
            dusk_data_free(d);
            return -1;
        }
    }
    return 0;
}

void dusk_data_free(DuskData *d) {
    free(d->dir);
    seqlist_free(&d->forget);
    seqlist_free(&d->retain);
    memset(d, 0, sizeof *d);
}
