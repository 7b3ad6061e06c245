#include "tokenizer/hf_pipeline.h"

#include <stdio.h>
#include <string.h>

#include "tokenizer/hf_fields.h"
#include "tokenizer/token_table.h"
#include "util/err.h"

/* "path[i]" into buf. */
static const char *item_path(char *buf, size_t size, const char *path, const char *key, int i) {
    snprintf(buf, size, "%s.%s[%d]", path, key, i);
    return buf;
}

static const char *node_type(const cJSON *node, const char *path) {
    if (!cJSON_IsObject(node)) return dusk_error("%s: expected an object", path), NULL;
    return field_string(node, path, "type");
}

/* NFC alone, or a Sequence of NFC steps (empty included). */
static int parse_normalizer_node(const cJSON *n, const char *path, int *nfc) {
    const char *type = node_type(n, path);
    if (!type) return -1;
    if (strcmp(type, "NFC") == 0) return *nfc = 1, 0;
    if (strcmp(type, "Sequence") == 0) {
        const cJSON *list = field_array(n, path, "normalizers");
        if (!list) return -1;
        char sub[256];
        for (int i = 0; i < cJSON_GetArraySize(list); i++)
            if (parse_normalizer_node(cJSON_GetArrayItem(list, i), item_path(sub, sizeof sub, path, "normalizers", i),
                                      nfc) != 0)
                return -1;
        return 0;
    }
    return dusk_error("%s.type: unsupported normalizer \"%s\" (dusk reads tokenizers without a normalizer or with NFC)",
                      path, type);
}

int hf_parse_normalizer(const cJSON *root, int *nfc) {
    const cJSON *n = field_get(root, "normalizer");
    *nfc = 0;
    return n ? parse_normalizer_node(n, "normalizer", nfc) : 0;
}

static int parse_split_behavior(const char *s, const char *path, SplitBehavior *out) {
    static const struct {
        const char *name;
        SplitBehavior b;
    } kNames[] = {{"Isolated", SPLIT_ISOLATED},
                  {"Removed", SPLIT_REMOVED},
                  {"MergedWithPrevious", SPLIT_MERGED_WITH_PREVIOUS},
                  {"MergedWithNext", SPLIT_MERGED_WITH_NEXT},
                  {"Contiguous", SPLIT_CONTIGUOUS}};
    for (size_t i = 0; i < sizeof kNames / sizeof kNames[0]; i++)
        if (strcmp(s, kNames[i].name) == 0) return *out = kNames[i].b, 0;
    return dusk_error("%s.behavior: unknown split behavior \"%s\"", path, s);
}

static int parse_split(const cJSON *node, const char *path, PreTokenizer *pre) {
    char sub[256];
    snprintf(sub, sizeof sub, "%s.pattern", path);
    const cJSON *pattern = field_object(node, path, "pattern");
    if (!pattern) return -1;
    const cJSON *regex = field_get(pattern, "Regex"), *literal = field_get(pattern, "String");
    const cJSON *text = regex ? regex : literal;
    if (!text) return dusk_error("%s: expected {\"Regex\": ...} or {\"String\": ...}", sub);
    snprintf(sub, sizeof sub, "%s.pattern.%s", path, regex ? "Regex" : "String");
    if (!cJSON_IsString(text)) return dusk_error("%s: expected a string", sub);
    const char *behavior = field_string(node, path, "behavior");
    SplitBehavior b = SPLIT_ISOLATED;
    int invert;
    if (!behavior || parse_split_behavior(behavior, path, &b) != 0) return -1;
    if (field_bool(node, path, "invert", 0, &invert) != 0) return -1;
    pcre2_code *re = pretok_compile(text->valuestring, strlen(text->valuestring), regex == NULL);
    if (!re) return dusk_error_prefix("%s", sub);
    pretok_add_split(pre, re, b, invert);
    return 0;
}

static int parse_pre_node(const cJSON *node, const char *path, PreTokenizer *pre, int *byte_level) {
    const char *type = node_type(node, path);
    if (!type) return -1;
    if (*byte_level) return dusk_error("%s: unsupported: a pre-tokenizer step after ByteLevel", path);
    if (strcmp(type, "Sequence") == 0) {
        const cJSON *list = field_array(node, path, "pretokenizers");
        if (!list) return -1;
        char sub[256];
        for (int i = 0; i < cJSON_GetArraySize(list); i++)
            if (parse_pre_node(cJSON_GetArrayItem(list, i), item_path(sub, sizeof sub, path, "pretokenizers", i), pre,
                               byte_level) != 0)
                return -1;
        return 0;
    }
    if (strcmp(type, "Split") == 0) return parse_split(node, path, pre);
    if (strcmp(type, "ByteLevel") == 0) {
        int prefix, use_regex; /* HF's defaults when the fields are absent: both true */
        if (field_bool(node, path, "add_prefix_space", 1, &prefix) != 0) return -1;
        if (field_bool(node, path, "use_regex", 1, &use_regex) != 0) return -1;
        *byte_level = 1;
        return pretok_add_bytelevel(pre, prefix, use_regex);
    }
    return dusk_error("%s.type: unsupported pre-tokenizer \"%s\" (dusk reads byte-level BPE: ByteLevel, Split, "
                      "Sequence)",
                      path, type);
}

int hf_parse_pre_tokenizer(const cJSON *root, PreTokenizer *pre) {
    const cJSON *node = field_get(root, "pre_tokenizer");
    if (!node) return dusk_error("pre_tokenizer: missing (dusk reads byte-level BPE, which needs ByteLevel)");
    int byte_level = 0;
    if (parse_pre_node(node, "pre_tokenizer", pre, &byte_level) != 0) return -1;
    if (!byte_level) return dusk_error("pre_tokenizer: no ByteLevel step (dusk reads byte-level BPE only)");
    return 0;
}

static int check_decoder(const cJSON *node, const char *path) {
    const char *type = node_type(node, path);
    if (!type) return -1;
    if (strcmp(type, "ByteLevel") == 0) return 0;
    if (strcmp(type, "Sequence") == 0) {
        const cJSON *list = field_array(node, path, "decoders");
        if (!list) return -1;
        char sub[256];
        for (int i = 0; i < cJSON_GetArraySize(list); i++)
            if (check_decoder(cJSON_GetArrayItem(list, i), item_path(sub, sizeof sub, path, "decoders", i)) != 0)
                return -1;
        return 0;
    }
    return dusk_error("%s.type: unsupported decoder \"%s\" (dusk decodes byte-level BPE: ByteLevel)", path, type);
}

int hf_parse_decoder(const cJSON *root) {
    const cJSON *node = field_get(root, "decoder");
    if (!node) return dusk_error("decoder: missing (byte-level BPE needs the ByteLevel decoder)");
    return check_decoder(node, "decoder");
}

/* The ids of special token `name` in a TemplateProcessing's special_tokens. */
static int template_special_ids(const cJSON *node, const char *path, const char *name, IntVec *out) {
    const cJSON *table = field_object(node, path, "special_tokens");
    if (!table) return -1;
    const cJSON *entry = field_get(table, name);
    if (!cJSON_IsObject(entry))
        return dusk_error("%s.special_tokens: no entry for \"%s\" used in the template", path, name);
    char sub[512];
    snprintf(sub, sizeof sub, "%s.special_tokens[\"%s\"]", path, name);
    const cJSON *ids = field_array(entry, sub, "ids");
    if (!ids) return -1;
    for (int i = 0; i < cJSON_GetArraySize(ids); i++) {
        long id;
        char at[600];
        snprintf(at, sizeof at, "%s.ids[%d]", sub, i);
        if (item_int(cJSON_GetArrayItem(ids, i), at, 0, TOKEN_ID_LIMIT - 1, &id) != 0) return -1;
        intvec_push(out, (int)id);
    }
    return 0;
}

static int parse_template(const cJSON *node, const char *path, IntVec *prefix, IntVec *suffix) {
    const cJSON *single = field_array(node, path, "single");
    if (!single) return -1;
    int seen_sequence = 0;
    IntVec before = {0}, after = {0};
    int rc = 0;
    char sub[256];
    for (int i = 0; i < cJSON_GetArraySize(single) && rc == 0; i++) {
        const cJSON *item = cJSON_GetArrayItem(single, i);
        item_path(sub, sizeof sub, path, "single", i);
        const cJSON *special = field_get(item, "SpecialToken"), *seq = field_get(item, "Sequence");
        if (seq && !special) {
            const char *which = field_string(seq, sub, "id");
            if (!which) rc = -1;
            else if (strcmp(which, "A") != 0 || seen_sequence++)
                rc = dusk_error("%s: a single-sequence template must hold sequence A once", sub);
        } else if (special && !seq) {
            char name_path[300];
            snprintf(name_path, sizeof name_path, "%s.SpecialToken", sub);
            const char *name = field_string(special, name_path, "id");
            rc = name ? template_special_ids(node, path, name, seen_sequence ? &after : &before) : -1;
        } else {
            rc = dusk_error("%s: expected {\"SpecialToken\": ...} or {\"Sequence\": ...}", sub);
        }
    }
    if (rc == 0 && !seen_sequence) rc = dusk_error("%s.single: the template has no sequence A", path);
    if (rc == 0) {
        /* a later processor wraps what the earlier ones produced */
        IntVec p = {0};
        intvec_append(&p, before.data, before.n);
        intvec_append(&p, prefix->data, prefix->n);
        intvec_free(prefix);
        *prefix = p;
        intvec_append(suffix, after.data, after.n);
    }
    intvec_free(&before);
    intvec_free(&after);
    return rc;
}

/* RobertaProcessing / BertProcessing: cls A sep, with cls and sep given as
 * ["<s>", 0] pairs. */
static int parse_cls_sep(const cJSON *node, const char *path, IntVec *prefix, IntVec *suffix) {
    long ids[2];
    const char *keys[2] = {"cls", "sep"};
    for (int k = 0; k < 2; k++) {
        const cJSON *pair = field_array(node, path, keys[k]);
        if (!pair) return -1;
        char sub[256];
        snprintf(sub, sizeof sub, "%s.%s[1]", path, keys[k]);
        if (cJSON_GetArraySize(pair) != 2) return dusk_error("%s.%s: expected [token, id]", path, keys[k]);
        if (item_int(cJSON_GetArrayItem(pair, 1), sub, 0, TOKEN_ID_LIMIT - 1, &ids[k]) != 0) return -1;
    }
    IntVec p = {0};
    intvec_push(&p, (int)ids[0]);
    intvec_append(&p, prefix->data, prefix->n);
    intvec_free(prefix);
    *prefix = p;
    intvec_push(suffix, (int)ids[1]);
    return 0;
}

static int parse_post_node(const cJSON *node, const char *path, IntVec *prefix, IntVec *suffix) {
    const char *type = node_type(node, path);
    if (!type) return -1;
    if (strcmp(type, "ByteLevel") == 0) return 0; /* only adjusts offsets */
    if (strcmp(type, "TemplateProcessing") == 0) return parse_template(node, path, prefix, suffix);
    if (strcmp(type, "RobertaProcessing") == 0 || strcmp(type, "BertProcessing") == 0)
        return parse_cls_sep(node, path, prefix, suffix);
    if (strcmp(type, "Sequence") == 0) {
        const cJSON *list = field_array(node, path, "processors");
        if (!list) return -1;
        char sub[256];
        for (int i = 0; i < cJSON_GetArraySize(list); i++)
            if (parse_post_node(cJSON_GetArrayItem(list, i), item_path(sub, sizeof sub, path, "processors", i), prefix,
                                suffix) != 0)
                return -1;
        return 0;
    }
    return dusk_error("%s.type: unsupported post-processor \"%s\"", path, type);
}

int hf_parse_post_processor(const cJSON *root, IntVec *prefix, IntVec *suffix) {
    const cJSON *node = field_get(root, "post_processor");
    return node ? parse_post_node(node, "post_processor", prefix, suffix) : 0;
}
