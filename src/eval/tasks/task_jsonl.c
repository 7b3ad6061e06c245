/* The generic task format, one JSON object per line:
 *   {"context": str, "choices": [str, ...], "gold": i}   multiple choice (acc, acc_norm)
 *   {"context": str, "target": str, "until": [str, ...]} generate-until (exact_match,
 *                                                         optional "max_gen_toks", default 256)
 * Every line of a file must be of the same kind; the task is named after the
 * file (its base name without .jsonl). */
#include <stdlib.h>
#include <string.h>

#include "eval/tasks/task.h"
#include "util/err.h"

typedef struct {
    Task *t;
    int limit, kind; /* kind: -1 unknown yet, 0 choices, 1 generate */
} JsonlCtx;

static int mc_record(const cJSON *obj, const cJSON *choices, Doc *d) {
    const cJSON *gold = cJSON_GetObjectItemCaseSensitive(obj, "gold");
    int n = cJSON_GetArraySize(choices);
    if (n < 1) return dusk_error("\"choices\" is empty");
    if (!cJSON_IsNumber(gold) || gold->valuedouble != (double)gold->valueint || gold->valueint < 0 || gold->valueint >= n)
        return dusk_error("\"gold\" must be an index into \"choices\" (0..%d)", n - 1);
    d->choices = xcalloc((size_t)n, sizeof(char *));
    const cJSON *c;
    cJSON_ArrayForEach(c, choices) {
        if (!cJSON_IsString(c)) return dusk_error("\"choices\" holds a non-string");
        d->choices[d->n_choices++] = xstrdup(c->valuestring);
    }
    d->gold = xmalloc(sizeof(int));
    d->gold[d->n_gold++] = gold->valueint;
    return 0;
}

static int gen_record(const cJSON *obj, Doc *d) {
    const char *target = json_str_member(obj, "target");
    const cJSON *until = cJSON_GetObjectItemCaseSensitive(obj, "until");
    const cJSON *max_gen = cJSON_GetObjectItemCaseSensitive(obj, "max_gen_toks");
    if (!target) return -1;
    if (!cJSON_IsArray(until)) return dusk_error("\"until\" must be a list of strings");
    d->max_gen = 256;
    if (max_gen) {
        if (!cJSON_IsNumber(max_gen) || max_gen->valueint < 1) return dusk_error("\"max_gen_toks\" must be a positive integer");
        d->max_gen = max_gen->valueint;
    }
    d->until = xcalloc((size_t)cJSON_GetArraySize(until) + 1, sizeof(char *));
    const cJSON *u;
    cJSON_ArrayForEach(u, until) {
        if (!cJSON_IsString(u)) return dusk_error("\"until\" holds a non-string");
        d->until[d->n_until++] = xstrdup(u->valuestring);
    }
    d->target = xstrdup(target);
    d->answers = xmalloc(sizeof(char *));
    d->answers[d->n_answers++] = xstrdup(target);
    return 0;
}

static int jsonl_record(cJSON *obj, void *vctx) {
    JsonlCtx *c = vctx;
    c->t->n_available++;
    const char *context = json_str_member(obj, "context");
    if (!context) return -1;
    const cJSON *choices = cJSON_GetObjectItemCaseSensitive(obj, "choices");
    int kind = cJSON_IsArray(choices) ? 0 : 1;
    if (c->kind >= 0 && kind != c->kind) return dusk_error("mixes multiple-choice and generate-until records");
    c->kind = kind;
    c->t->scoring = kind ? SCORE_EXACT : SCORE_MC;
    c->t->is_generate = kind;
    if (c->limit > 0 && c->t->n_docs >= c->limit) return 0;
    Doc *d = task_add_doc(c->t);
    d->context = xstrdup(context);
    return kind ? gen_record(obj, d) : mc_record(obj, choices, d);
}

int task_load_jsonl(TaskList *list, const TaskOptions *opt, const char *path) {
    if (opt->num_fewshot > 0) return dusk_error("task %s: --num-fewshot does not apply to the generic JSONL format", path);
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char *name = xstrdup(base);
    name[strlen(name) - strlen(".jsonl")] = '\0';
    Task *t = tasks_add(list, name, SCORE_MC, path);
    JsonlCtx c = {t, opt->limit, -1};
    int rc = read_jsonl_each(name, path, jsonl_record, &c);
    if (rc == 0 && t->n_available == 0) rc = dusk_error("task %s: %s has no records", name, path);
    free(name);
    return rc;
}
