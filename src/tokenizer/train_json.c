/* Writing a trained byte-level BPE as an HF tokenizer.json, and the
 * file-level driver behind `dusk tokenizer train`. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer/bytelevel.h"
#include "tokenizer/train.h"
#include "util/err.h"
#include "util/fileio.h"

/* A token's bytes spelled in the byte-level alphabet (malloc'd string). */
static char *token_text(const BpeTrainResult *r, int id) {
    char *s = xmalloc(2 * (size_t)r->token_len[id] + 1);
    size_t n = bytelevel_from_bytes(r->token_bytes[id], (size_t)r->token_len[id], s);
    s[n] = '\0';
    return s;
}

static cJSON *added_token(int id, const char *content) {
    cJSON *t = cJSON_CreateObject();
    cJSON_AddNumberToObject(t, "id", id);
    cJSON_AddStringToObject(t, "content", content);
    cJSON_AddBoolToObject(t, "single_word", 0);
    cJSON_AddBoolToObject(t, "lstrip", 0);
    cJSON_AddBoolToObject(t, "rstrip", 0);
    cJSON_AddBoolToObject(t, "normalized", 0);
    cJSON_AddBoolToObject(t, "special", 1);
    return t;
}

static cJSON *byte_level(int add_prefix_space) {
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "type", "ByteLevel");
    cJSON_AddBoolToObject(b, "add_prefix_space", add_prefix_space);
    cJSON_AddBoolToObject(b, "trim_offsets", 1);
    cJSON_AddBoolToObject(b, "use_regex", 1);
    return b;
}

static cJSON *template_item(const char *kind, const char *id, int type_id) {
    cJSON *inner = cJSON_CreateObject();
    cJSON_AddStringToObject(inner, "id", id);
    cJSON_AddNumberToObject(inner, "type_id", type_id);
    cJSON *item = cJSON_CreateObject();
    cJSON_AddItemToObject(item, kind, inner);
    return item;
}

/* BOS before each sequence, like Llama-3's template. */
static cJSON *post_processor(int bos_id) {
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "type", "TemplateProcessing");
    cJSON *single = cJSON_AddArrayToObject(p, "single");
    cJSON_AddItemToArray(single, template_item("SpecialToken", TRAIN_BOS_TOKEN, 0));
    cJSON_AddItemToArray(single, template_item("Sequence", "A", 0));
    cJSON *pair = cJSON_AddArrayToObject(p, "pair");
    cJSON_AddItemToArray(pair, template_item("SpecialToken", TRAIN_BOS_TOKEN, 0));
    cJSON_AddItemToArray(pair, template_item("Sequence", "A", 0));
    cJSON_AddItemToArray(pair, template_item("SpecialToken", TRAIN_BOS_TOKEN, 1));
    cJSON_AddItemToArray(pair, template_item("Sequence", "B", 1));
    cJSON *entry = cJSON_CreateObject();
    cJSON_AddStringToObject(entry, "id", TRAIN_BOS_TOKEN);
    cJSON_AddItemToObject(entry, "ids", cJSON_CreateIntArray(&bos_id, 1));
    const char *name = TRAIN_BOS_TOKEN;
    cJSON_AddItemToObject(entry, "tokens", cJSON_CreateStringArray(&name, 1));
    cJSON *specials = cJSON_AddObjectToObject(p, "special_tokens");
    cJSON_AddItemToObject(specials, TRAIN_BOS_TOKEN, entry);
    return p;
}

static cJSON *model(const BpeTrainResult *r) {
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "type", "BPE");
    cJSON_AddNullToObject(m, "dropout");
    cJSON_AddNullToObject(m, "unk_token");
    cJSON_AddNullToObject(m, "continuing_subword_prefix");
    cJSON_AddNullToObject(m, "end_of_word_suffix");
    cJSON_AddBoolToObject(m, "fuse_unk", 0);
    cJSON_AddBoolToObject(m, "byte_fallback", 0);
    cJSON_AddBoolToObject(m, "ignore_merges", 0);
    cJSON *vocab = cJSON_AddObjectToObject(m, "vocab");
    for (int id = 0; id < r->n_tokens; id++) {
        char *s = token_text(r, id);
        cJSON_AddNumberToObject(vocab, s, id);
        free(s);
    }
    cJSON *merges = cJSON_AddArrayToObject(m, "merges");
    for (int k = 0; k < r->n_merges; k++) {
        char *a = token_text(r, r->merge_left[k]), *b = token_text(r, r->merge_right[k]);
        char *line = xmalloc(strlen(a) + strlen(b) + 2);
        strcpy(line, a);
        strcat(line, " ");
        strcat(line, b);
        cJSON_AddItemToArray(merges, cJSON_CreateString(line));
        free(line);
        free(a);
        free(b);
    }
    return m;
}

int bpe_train_write_json(const BpeTrainResult *r, const char *path) {
    int bos = r->n_tokens, eos = r->n_tokens + 1;
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "version", "1.0");
    cJSON_AddNullToObject(root, "truncation");
    cJSON_AddNullToObject(root, "padding");
    cJSON *added = cJSON_AddArrayToObject(root, "added_tokens");
    cJSON_AddItemToArray(added, added_token(bos, TRAIN_BOS_TOKEN));
    cJSON_AddItemToArray(added, added_token(eos, TRAIN_EOS_TOKEN));
    cJSON_AddNullToObject(root, "normalizer");
    cJSON_AddItemToObject(root, "pre_tokenizer", byte_level(0));
    cJSON_AddItemToObject(root, "post_processor", post_processor(bos));
    cJSON_AddItemToObject(root, "decoder", byte_level(1));
    cJSON_AddItemToObject(root, "model", model(r));
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    if (!text) return dusk_error("%s: out of memory formatting the tokenizer", path);
    size_t len = strlen(text);
    text[len] = '\n'; /* cJSON leaves the terminator; end the file with a newline */
    int rc = write_file_atomic(path, text, len + 1);
    free(text);
    return rc;
}

int bpe_train_files(const char *const *files, int n_files, int vocab_size, const char *out_path) {
    if (n_files < 1) return dusk_error("no training files given");
    char **texts = xcalloc((size_t)n_files, sizeof *texts);
    size_t *lens = xcalloc((size_t)n_files, sizeof *lens);
    int rc = 0;
    for (int i = 0; i < n_files && rc == 0; i++)
        if (!(texts[i] = read_file_all(files[i], &lens[i]))) rc = -1;
    BpeTrainResult r;
    if (rc == 0 && (rc = bpe_train((const char *const *)texts, lens, n_files, vocab_size, &r)) == 0) {
        rc = bpe_train_write_json(&r, out_path);
        bpe_train_result_free(&r);
    }
    for (int i = 0; i < n_files; i++) free(texts[i]);
    free(texts);
    free(lens);
    return rc;
}
