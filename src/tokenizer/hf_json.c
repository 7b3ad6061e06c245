/* Loading an HF tokenizer.json (byte-level BPE) into a Tokenizer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer/hf_fields.h"
#include "tokenizer/hf_model.h"
#include "tokenizer/hf_pipeline.h"
#include "tokenizer/tokenizer_impl.h"
#include "util/err.h"
#include "util/fileio.h"

/* "bos_token": "<s>" or {"content": "<s>", ...} in tokenizer_config.json. */
static const char *config_token_name(const cJSON *config, const char *key) {
    const cJSON *v = field_get(config, key);
    if (cJSON_IsString(v)) return v->valuestring;
    const cJSON *content = cJSON_IsObject(v) ? field_get(v, "content") : NULL;
    return cJSON_IsString(content) ? content->valuestring : NULL;
}

static int id_of_token(const Tokenizer *tok, const char *name) {
    if (!name) return -1;
    const AddedToken *t = added_by_content(&tok->added, name, strlen(name));
    if (t) return t->id;
    const int *id = strmap_get(&tok->bpe.by_bytes, name, strlen(name));
    return id ? *id : -1;
}

/* BOS/EOS: tokenizer_config.json beside the file when present; otherwise
 * what the post-processor adds, then the usual names of an end token. The
 * same file's clean_up_tokenization_spaces is kept for decoding choices. */
static int find_bos_eos(Tokenizer *tok, const char *dir) {
    tok->bos_id = tok->prefix.n ? tok->prefix.data[0] : -1;
    tok->eos_id = tok->suffix.n ? tok->suffix.data[tok->suffix.n - 1] : -1;
    if (tok->eos_id < 0) {
        static const char *const kEndNames[] = {"<|end_of_text|>", "<|endoftext|>", "</s>", "<eos>"};
        for (size_t i = 0; i < sizeof kEndNames / sizeof kEndNames[0] && tok->eos_id < 0; i++) {
            const AddedToken *t = added_by_content(&tok->added, kEndNames[i], strlen(kEndNames[i]));
            if (t && t->special) tok->eos_id = t->id;
        }
    }
    if (!dir) return 0;
    char path[4096];
    snprintf(path, sizeof path, "%s/tokenizer_config.json", dir);
    FILE *probe = fopen(path, "rb");
    if (!probe) return 0;
    fclose(probe);
    size_t len;
    char *text = read_file_all(path, &len);
    if (!text) return -1;
    cJSON *config = cJSON_ParseWithLength(text, len);
    free(text);
    if (!cJSON_IsObject(config)) {
        cJSON_Delete(config);
        return dusk_error("%s: not a JSON object", path);
    }
    int bos = id_of_token(tok, config_token_name(config, "bos_token"));
    int eos = id_of_token(tok, config_token_name(config, "eos_token"));
    const cJSON *cleanup = field_get(config, "clean_up_tokenization_spaces");
    if (cleanup && !cJSON_IsNull(cleanup) && !cJSON_IsBool(cleanup)) {
        cJSON_Delete(config);
        return dusk_error("%s: field 'clean_up_tokenization_spaces' must be true or false", path);
    }
    if (cJSON_IsBool(cleanup)) tok->config_cleanup = cJSON_IsTrue(cleanup);
    cJSON_Delete(config);
    if (bos >= 0) tok->bos_id = bos;
    if (eos >= 0) tok->eos_id = eos;
    return 0;
}

static int check_ids_exist(const Tokenizer *tok, const IntVec *ids, const char *what) {
    for (size_t i = 0; i < ids->n; i++)
        if (!table_has(&tok->table, ids->data[i]))
            return dusk_error("post_processor: the %s id %d is not a token", what, ids->data[i]);
    return 0;
}

/* Byte offset of a JSON syntax error, for the message. */
static size_t error_offset(const char *json, size_t len) {
    const char *at = cJSON_GetErrorPtr();
    return at && at >= json && at <= json + len ? (size_t)(at - json) : 0;
}

int hf_load_json(Tokenizer *tok, const char *json, size_t len, const char *dir) {
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (!root) return dusk_error("invalid JSON near byte %zu", error_offset(json, len));
    int rc = -1;
    if (!cJSON_IsObject(root)) dusk_error("expected a JSON object at the top level");
    else if (hf_parse_model(root, tok) == 0 && hf_parse_added_tokens(root, tok) == 0 &&
             hf_parse_normalizer(root, &tok->nfc) == 0 && hf_parse_pre_tokenizer(root, &tok->pre) == 0 &&
             hf_parse_decoder(root) == 0 && hf_parse_post_processor(root, &tok->prefix, &tok->suffix) == 0 &&
             check_ids_exist(tok, &tok->prefix, "template") == 0 && check_ids_exist(tok, &tok->suffix, "template") == 0)
        rc = find_bos_eos(tok, dir);
    cJSON_Delete(root);
    return rc;
}
