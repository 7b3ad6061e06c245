/* What the task loaders share: the task list, JSONL reading with file:line
 * messages, and lm-eval's few-shot prompt layout. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/tasks/task.h"
#include "io/json_text.h"
#include "util/err.h"
#include "util/fileio.h"

Task *tasks_add(TaskList *list, const char *name, Scoring scoring, const char *source) {
    list->tasks = xrealloc(list->tasks, sizeof(Task) * (size_t)(list->n_tasks + 1));
    Task *t = &list->tasks[list->n_tasks++];
    memset(t, 0, sizeof *t);
    t->name = xstrdup(name);
    t->scoring = scoring;
    t->is_generate = scoring == SCORE_GSM8K || scoring == SCORE_TRIVIAQA || scoring == SCORE_EXACT;
    t->source = xstrdup(source);
    return t;
}

Doc *task_add_doc(Task *t) {
    t->docs = xrealloc(t->docs, sizeof(Doc) * (size_t)(t->n_docs + 1));
    Doc *d = &t->docs[t->n_docs++];
    memset(d, 0, sizeof *d);
    d->mc2_split = -1;
    return d;
}

static void free_strings(char **s, int n) {
    for (int i = 0; i < n; i++) free(s[i]);
    free(s);
}

static void doc_free(Doc *d) {
    free(d->context);
    free_strings(d->choices, d->n_choices);
    free(d->gold);
    free(d->target);
    free_strings(d->answers, d->n_answers);
    free_strings(d->until, d->n_until);
    free(d->bbq_biased);
}

void tasks_free(TaskList *list) {
    for (int i = 0; i < list->n_tasks; i++) {
        Task *t = &list->tasks[i];
        for (int j = 0; j < t->n_docs; j++) doc_free(&t->docs[j]);
        free(t->docs), free(t->name), free(t->group), free(t->source), free(t->note);
    }
    free(list->tasks);
    memset(list, 0, sizeof *list);
}


const char *json_str_member(const cJSON *obj, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsString(v)) {
        dusk_error("\"%s\" is missing or not a string", key);
        return NULL;
    }
    return v->valuestring;
}

int read_jsonl_each(const char *task, const char *path, JsonlFn fn, void *ctx) {
    size_t len;
    char *text = read_file_all(path, &len);
    if (!text) return dusk_error_prefix("task %s", task);
    int line = 0, rc = 0;
    for (char *p = text; rc == 0 && p < text + len;) {
        char *end = memchr(p, '\n', (size_t)(text + len - p));
        size_t n = end ? (size_t)(end - p) : (size_t)(text + len - p);
        line++;
        if (n > 0 && !(n == 1 && p[0] == '\r')) {
            cJSON *obj = json_parse_strict(p, n, path, "record");
            if (!obj) rc = dusk_error_prefix("task %s: line %d", task, line);
            else if (!cJSON_IsObject(obj)) rc = dusk_error("task %s: %s:%d: the record is not a JSON object", task, path, line);
            else if (fn(obj, ctx) != 0) rc = dusk_error_prefix("task %s: %s:%d", task, path, line);
            cJSON_Delete(obj);
        }
        p += n + 1;
    }
    free(text);
    return rc;
}

static void append(char **buf, size_t *len, const char *s) {
    size_t n = strlen(s);
    *buf = xrealloc(*buf, *len + n + 1);
    memcpy(*buf + *len, s, n + 1);
    *len += n;
}

char *fewshot_prompt(const char *description, char *const *shot_texts, char *const *shot_targets, int n_shots,
                     const char *text) {
    char *out = xstrdup(description ? description : "");
    size_t len = strlen(out);
    for (int i = 0; i < n_shots; i++) {
        append(&out, &len, shot_texts[i]);
        append(&out, &len, " ");
        append(&out, &len, shot_targets[i]);
        append(&out, &len, "\n\n");
    }
    append(&out, &len, text);
    return out;
}
