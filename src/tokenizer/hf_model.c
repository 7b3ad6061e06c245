#include "tokenizer/hf_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer/bytelevel.h"
#include "tokenizer/hf_fields.h"
#include "tokenizer/utf8.h"
#include "util/err.h"

/* What a token string stands for: its byte-level bytes when every character
 * is in the byte alphabet, else (like HF's ByteLevel decoder) its own UTF-8.
 * Returns the length written to out (room: strlen(s)); *mapped tells which. */
static size_t token_bytes(const char *s, size_t len, char *out, int *mapped) {
    long n = bytelevel_to_bytes(s, len, (unsigned char *)out);
    *mapped = n >= 0;
    if (n >= 0) return (size_t)n;
    memcpy(out, s, len);
    return len;
}

static int check_model_options(const cJSON *model) {
    const char *type, *prefix, *suffix;
    const cJSON *dropout = field_get(model, "dropout");
    if (field_opt_string(model, "model", "type", &type) != 0) return -1;
    if (type && strcmp(type, "BPE") != 0)
        return dusk_error("model.type: unsupported model type \"%s\" (dusk reads BPE models)", type);
    if (field_opt_string(model, "model", "continuing_subword_prefix", &prefix) != 0) return -1;
    if (field_opt_string(model, "model", "end_of_word_suffix", &suffix) != 0) return -1;
    if (prefix && *prefix) return dusk_error("model.continuing_subword_prefix: unsupported (must be empty)");
    if (suffix && *suffix) return dusk_error("model.end_of_word_suffix: unsupported (must be empty)");
    if (dropout && !(cJSON_IsNumber(dropout) && dropout->valuedouble == 0.0))
        return dusk_error("model.dropout: unsupported (BPE dropout is random; must be null)");
    return 0;
}

/* Vocabulary: the token table, the token-string index used to resolve
 * merges, and the raw-bytes index used by the encoder. */
static int parse_vocab(const cJSON *vocab, Tokenizer *tok, StrMap *by_string) {
    BpeModel *m = &tok->bpe;
    size_t total = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, vocab) total += strlen(item->string) + 1;
    m->vocab_bytes = xmalloc(total + 1);
    size_t used = 0;
    int count = cJSON_GetArraySize(vocab);
    strmap_init(by_string, (size_t)count);
    strmap_free(&m->by_bytes);
    strmap_init(&m->by_bytes, (size_t)count);
    cJSON_ArrayForEach(item, vocab) {
        char path[300];
        long id;
        snprintf(path, sizeof path, "model.vocab[\"%.200s\"]", item->string);
        if (item_int(item, path, 0, TOKEN_ID_LIMIT - 1, &id) != 0) return -1;
        size_t slen = strlen(item->string);
        int inserted, mapped;
        int *slot = strmap_upsert(by_string, item->string, slen, (int)id, &inserted);
        if (!inserted) return dusk_error("model.vocab: token \"%.200s\" appears twice", item->string);
        (void)slot;
        if (table_has(&tok->table, (int)id)) return dusk_error("model.vocab: id %ld is used twice", id);
        char *bytes = m->vocab_bytes + used;
        size_t n = token_bytes(item->string, slen, bytes, &mapped);
        table_set(&tok->table, (int)id, bytes, n, 0);
        used += n;
        if (mapped) strmap_upsert(&m->by_bytes, bytes, n, (int)id, &inserted);
    }
    return 0;
}

/* Each byte's single-character token (or its <0xXX> piece with byte_fallback). */
static void find_byte_tokens(BpeModel *m, const StrMap *by_string, int byte_fallback) {
    for (int b = 0; b < 256; b++) {
        char s[8];
        int n = utf8_encode(bytelevel_char_of_byte((unsigned char)b), s);
        const int *id = strmap_get(by_string, s, (size_t)n);
        if (!id && byte_fallback) {
            snprintf(s, sizeof s, "<0x%02X>", b);
            id = strmap_get(by_string, s, strlen(s));
        }
        m->byte_id[b] = id ? *id : -1;
    }
}

/* One merge: "left right" (one space) or ["left", "right"]. */
static int merge_parts(const cJSON *item, const char *path, const char **left, size_t *left_len,
                       const char **right, size_t *right_len) {
    if (cJSON_IsString(item)) {
        const char *s = item->valuestring, *space = strchr(s, ' ');
        if (!space || strchr(space + 1, ' '))
            return dusk_error("%s: expected \"left right\" (two tokens separated by one space), got \"%.100s\"", path, s);
        *left = s, *left_len = (size_t)(space - s);
        *right = space + 1, *right_len = strlen(space + 1);
        return 0;
    }
    if (cJSON_IsArray(item) && cJSON_GetArraySize(item) == 2 && cJSON_IsString(cJSON_GetArrayItem(item, 0)) &&
        cJSON_IsString(cJSON_GetArrayItem(item, 1))) {
        *left = cJSON_GetArrayItem(item, 0)->valuestring, *left_len = strlen(*left);
        *right = cJSON_GetArrayItem(item, 1)->valuestring, *right_len = strlen(*right);
        return 0;
    }
    return dusk_error("%s: expected \"left right\" or [\"left\", \"right\"]", path);
}

static int parse_merges(const cJSON *merges, BpeModel *m, const StrMap *by_string) {
    char *joined = NULL;
    size_t joined_cap = 0;
    int i = 0, rc = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, merges) {
        char path[64];
        snprintf(path, sizeof path, "model.merges[%d]", i++);
        const char *l = NULL, *r = NULL;
        size_t ll = 0, rl = 0;
        if ((rc = merge_parts(item, path, &l, &ll, &r, &rl)) != 0) break;
        const int *left = strmap_get(by_string, l, ll), *right = strmap_get(by_string, r, rl);
        if (!left || !right) {
            rc = dusk_error("%s: token \"%.*s\" is not in model.vocab", path, (int)(left ? rl : ll), left ? r : l);
            break;
        }
        if (ll + rl > joined_cap) joined_cap = (ll + rl) * 2, joined = xrealloc(joined, joined_cap);
        memcpy(joined, l, ll);
        memcpy(joined + ll, r, rl);
        const int *result = strmap_get(by_string, joined, ll + rl);
        if (!result) {
            rc = dusk_error("%s: the merged token \"%.*s\" is not in model.vocab", path, (int)(ll + rl), joined);
            break;
        }
        bpe_add_merge(m, *left, *right, *result);
    }
    free(joined);
    return rc;
}

static int parse_unk(const cJSON *model, BpeModel *m, const StrMap *by_string) {
    const char *unk;
    if (field_opt_string(model, "model", "unk_token", &unk) != 0) return -1;
    if (field_bool(model, "model", "fuse_unk", 0, &m->fuse_unk) != 0) return -1;
    if (!unk) return 0;
    const int *id = strmap_get(by_string, unk, strlen(unk));
    if (!id) return dusk_error("model.unk_token: \"%.100s\" is not in model.vocab", unk);
    m->unk_id = *id;
    return 0;
}

int hf_parse_model(const cJSON *root, Tokenizer *tok) {
    const cJSON *model = field_object(root, "", "model");
    if (!model || check_model_options(model) != 0) return -1;
    const cJSON *vocab = field_object(model, "model", "vocab");
    const cJSON *merges = vocab ? field_array(model, "model", "merges") : NULL;
    if (!merges) return -1;
    int byte_fallback;
    if (field_bool(model, "model", "ignore_merges", 0, &tok->bpe.ignore_merges) != 0) return -1;
    if (field_bool(model, "model", "byte_fallback", 0, &byte_fallback) != 0) return -1;
    StrMap by_string = {0};
    int rc = parse_vocab(vocab, tok, &by_string);
    if (rc == 0) rc = parse_unk(model, &tok->bpe, &by_string);
    if (rc == 0) rc = parse_merges(merges, &tok->bpe, &by_string);
    if (rc == 0) find_byte_tokens(&tok->bpe, &by_string, byte_fallback);
    strmap_free(&by_string);
    return rc;
}

static int parse_added_token(const cJSON *item, const char *path, Tokenizer *tok) {
    long id;
    const char *content;
    int special, lstrip, rstrip, single_word, normalized;
    if (!cJSON_IsObject(item)) return dusk_error("%s: expected an object", path);
    const cJSON *id_item = field_get(item, "id");
    char sub[96];
    snprintf(sub, sizeof sub, "%s.id", path);
    if (!id_item) return dusk_error("%s: missing", sub);
    if (item_int(id_item, sub, 0, TOKEN_ID_LIMIT - 1, &id) != 0) return -1;
    if (!(content = field_string(item, path, "content"))) return -1;
    if (field_bool(item, path, "special", 0, &special) || field_bool(item, path, "lstrip", 0, &lstrip) ||
        field_bool(item, path, "rstrip", 0, &rstrip) || field_bool(item, path, "single_word", 0, &single_word) ||
        field_bool(item, path, "normalized", !special, &normalized))
        return -1;
    size_t len = strlen(content);
    added_add(&tok->added, content, len, (int)id, special, lstrip, rstrip, single_word, normalized);
    char *bytes = xmalloc(len + 1);
    int mapped;
    size_t n = token_bytes(content, len, bytes, &mapped);
    table_set(&tok->table, (int)id, bytes, n, special ? TOKEN_SPECIAL : 0);
    free(bytes);
    return 0;
}

int hf_parse_added_tokens(const cJSON *root, Tokenizer *tok) {
    const cJSON *list = field_get(root, "added_tokens");
    if (list && !cJSON_IsArray(list)) return dusk_error("added_tokens: expected an array");
    int i = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, list) {
        char path[64];
        snprintf(path, sizeof path, "added_tokens[%d]", i++);
        if (parse_added_token(item, path, tok) != 0) return -1;
    }
    added_finish(&tok->added);
    return 0;
}
