#include "data/eval_data.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/text.h"
#include "util/err.h"

static void pairs_add(TextPairs *p, const char *a, const char *b) {
    p->a = xrealloc(p->a, sizeof(char *) * (size_t)(p->n + 1));
    p->b = xrealloc(p->b, sizeof(char *) * (size_t)(p->n + 1));
    p->a[p->n] = xstrdup(a);
    p->b[p->n] = xstrdup(b);
    p->n++;
}

void text_pairs_free(TextPairs *p) {
    for (int i = 0; i < p->n; i++) free(p->a[i]), free(p->b[i]);
    free(p->a);
    free(p->b);
    memset(p, 0, sizeof *p);
}

/* Both string fields of a record, or an error naming where. */
static int get_pair(const cJSON *obj, const char *ka, const char *kb, const char **a, const char **b,
                    const char *where) {
    if (!cJSON_IsObject(obj)) return dusk_error("%s: not a JSON object", where);
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(obj, ka), *y = cJSON_GetObjectItemCaseSensitive(obj, kb);
    if (!cJSON_IsString(x)) return dusk_error("%s: missing string field \"%s\"", where, ka);
    if (!cJSON_IsString(y)) return dusk_error("%s: missing string field \"%s\"", where, kb);
    *a = x->valuestring;
    *b = y->valuestring;
    return 0;
}

/* 1-based line of text[at]. */
static int line_of(const char *text, size_t at) {
    int line = 1;
    for (size_t i = 0; i < at; i++) line += text[i] == '\n';
    return line;
}

/* The file as UTF-8 text (universal newlines), refusing NUL bytes: the
 * readers work on NUL-terminated strings, so a NUL would silently cut the
 * file short there (Python's json rejects one as well). */
static char *read_json_text(const char *path) {
    size_t len;
    char *text = read_text_file(path, &len);
    if (!text) return NULL;
    const char *nul = memchr(text, '\0', len);
    if (nul) {
        dusk_error("%s:%d: NUL byte (not JSON text)", path, line_of(text, (size_t)(nul - text)));
        free(text);
        return NULL;
    }
    return text;
}

/* cJSON_Parse stops after the first value and ignores what follows; like
 * Python's json.loads, anything but whitespace after it is an error here. */
static cJSON *parse_whole(const char *text, const char **error_at) {
    return cJSON_ParseWithOpts(text, error_at, 1);
}

int read_verbatim_json(TextPairs *out, const char *path) {
    memset(out, 0, sizeof *out);
    char *text = read_json_text(path);
    if (!text) return -1;
    const char *error_at = NULL;
    cJSON *root = parse_whole(text, &error_at);
    if (!root) {
        dusk_error("%s:%d: invalid JSON", path, error_at ? line_of(text, (size_t)(error_at - text)) : 1);
        free(text);
        return -1;
    }
    free(text);
    if (!cJSON_IsArray(root)) {
        cJSON_Delete(root);
        return dusk_error("%s: expected a JSON array of {\"prompt\", \"gt\"} records", path);
    }
    int i = 0, rc = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, root) {
        char where[4200];
        snprintf(where, sizeof where, "%s: record %d", path, i++);
        const char *a, *b;
        if ((rc = get_pair(e, "prompt", "gt", &a, &b, where)) != 0) break;
        pairs_add(out, a, b);
    }
    cJSON_Delete(root);
    if (rc == 0 && out->n == 0) rc = dusk_error("%s: no records", path);
    if (rc) text_pairs_free(out);
    return rc;
}

int read_qa_jsonl(TextPairs *out, const char *path) {
    memset(out, 0, sizeof *out);
    char *text = read_json_text(path);
    if (!text) return -1;
    int rc = 0, line_no = 0;
    for (char *line = text; line && *line && rc == 0;) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        line_no++;
        size_t k = strspn(line, " \t");
        if (line[k]) {
            char where[4200];
            snprintf(where, sizeof where, "%s:%d", path, line_no);
            cJSON *obj = parse_whole(line, NULL);
            const char *a, *b;
            if (!obj) rc = dusk_error("%s: malformed JSON", where);
            else if ((rc = get_pair(obj, "question", "answer", &a, &b, where)) == 0) pairs_add(out, a, b);
            cJSON_Delete(obj);
        }
        line = nl ? nl + 1 : NULL;
    }
    free(text);
    if (rc == 0 && out->n == 0) rc = dusk_error("%s: no records", path);
    if (rc) text_pairs_free(out);
    return rc;
}
