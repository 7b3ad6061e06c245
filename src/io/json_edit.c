/* Member-level edits of JSON object text (see json_edit.h). The text is
 * checked with cJSON first, so the scanner below may assume valid JSON and
 * only has to find where each top-level member's key and value lie. */
#include "io/json_edit.h"

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

static const char *skip_space(const char *p) {
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    return p;
}

/* p at an opening quote; returns the byte after the closing one. */
static const char *skip_string(const char *p) {
    for (p++; *p != '"'; p++)
        if (*p == '\\') p++;
    return p + 1;
}

/* p at the first byte of a value; returns the byte after it. */
static const char *skip_value(const char *p) {
    if (*p == '"') return skip_string(p);
    if (*p != '{' && *p != '[') {
        while (*p && !strchr(",}] \t\n\r", *p)) p++;
        return p;
    }
    int depth = 0;
    do {
        if (*p == '"') {
            p = skip_string(p);
            continue;
        }
        if (*p == '{' || *p == '[') depth++;
        else if (*p == '}' || *p == ']') depth--;
        p++;
    } while (depth > 0);
    return p;
}

/* Does the JSON string literal [start, end) decode to key? */
static int key_matches(const char *start, const char *end, const char *key) {
    cJSON *s = cJSON_ParseWithLength(start, (size_t)(end - start));
    int same = cJSON_IsString(s) && strcmp(s->valuestring, key) == 0;
    cJSON_Delete(s);
    return same;
}

typedef struct {
    const char *key_start, *key_end, *value_start, *value_end;
} Member;

/* The member starting at *p (after '{' or a ',' and whitespace); 0 at the
 * closing '}'. Leaves *p at the next member or the '}'. */
static int next_member(const char **p, Member *m) {
    if (**p != '"') return 0;
    m->key_start = *p;
    m->key_end = skip_string(*p);
    m->value_start = skip_space(skip_space(m->key_end) + 1); /* past ':' */
    m->value_end = skip_value(m->value_start);
    const char *q = skip_space(m->value_end);
    *p = *q == ',' ? skip_space(q + 1) : q;
    return 1;
}

static char *put(char *w, const char *s, size_t n) {
    memcpy(w, s, n);
    return w + n;
}

char *json_object_text_set(const char *text, const char *key, const char *value_json, const char *what) {
    cJSON *check = cJSON_Parse(text);
    int is_object = cJSON_IsObject(check);
    cJSON_Delete(check);
    if (!is_object) {
        dusk_error("%s: not a JSON object", what);
        return NULL;
    }
    const char *first = text;
    if (strncmp(first, "\xEF\xBB\xBF", 3) == 0) first += 3; /* a UTF-8 byte order mark, which cJSON skips too */
    first = skip_space(skip_space(first) + 1);              /* past '{' */
    /* pass 1: how many members to replace, and where the last one lies */
    size_t matches = 0;
    Member m, last = {0};
    const char *p = first;
    while (next_member(&p, &m)) {
        matches += key_matches(m.key_start, m.key_end, key);
        last = m;
    }
    const char *close = p; /* the object's '}' */
    size_t text_len = strlen(text), value_len = strlen(value_json), key_len = strlen(key);
    size_t indent_len = 0; /* the whitespace before the last key, reused to lay out an appended member */
    if (last.key_start)
        while (last.key_start - indent_len > text && strchr(" \t\n\r", last.key_start[-(ptrdiff_t)indent_len - 1]))
            indent_len++;
    char *out = xmalloc(text_len + (matches ? matches : 1) * value_len + key_len + indent_len + 8);
    char *w = out;
    const char *copied = text;
    if (matches) { /* pass 2: every value of key replaced */
        for (p = first; next_member(&p, &m);)
            if (key_matches(m.key_start, m.key_end, key)) {
                w = put(w, copied, (size_t)(m.value_start - copied));
                w = put(w, value_json, value_len);
                copied = m.value_end;
            }
    } else { /* appended after the last member, or inside an empty object */
        const char *at = last.key_start ? last.value_end : close;
        w = put(w, copied, (size_t)(at - copied));
        if (last.key_start) {
            w = put(w, ",", 1);
            w = put(w, last.key_start - indent_len, indent_len);
        }
        w = put(w, "\"", 1);
        w = put(w, key, key_len); /* callers' keys are plain identifiers */
        w = put(w, "\": ", 3);
        w = put(w, value_json, value_len);
        copied = at;
    }
    put(w, copied, strlen(copied) + 1); /* the rest, and the terminating NUL */
    return out;
}
