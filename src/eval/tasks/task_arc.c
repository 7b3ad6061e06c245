/* arc_challenge (lm-eval): "Question: {question}\nAnswer:", choices the option
 * texts, gold the index of answerKey among the labels; acc and acc_norm.
 * File: arc_challenge/arc_challenge_test.jsonl (the 1,172-item test split). */
#include <stdlib.h>
#include <string.h>

#include "eval/tasks/task.h"
#include "util/err.h"

typedef struct {
    Task *t;
    int limit;
} ArcCtx;

static int arc_record(cJSON *obj, void *vctx) {
    ArcCtx *c = vctx;
    c->t->n_available++;
    if (c->limit > 0 && c->t->n_docs >= c->limit) return 0;
    const char *q = json_str_member(obj, "question"), *answer = json_str_member(obj, "answer");
    const cJSON *opts = cJSON_GetObjectItemCaseSensitive(obj, "options");
    if (!q || !answer) return -1;
    if (!cJSON_IsArray(opts) || cJSON_GetArraySize(opts) < 2) return dusk_error("\"options\" must be a list of 2 or more");
    Doc *d = task_add_doc(c->t);
    int n = cJSON_GetArraySize(opts);
    d->choices = xcalloc((size_t)n, sizeof(char *));
    d->gold = xmalloc(sizeof(int));
    for (int i = 0; i < n; i++) {
        const cJSON *o = cJSON_GetArrayItem(opts, i);
        const char *label = json_str_member(o, "label"), *text = json_str_member(o, "text");
        if (!label || !text) return dusk_error_prefix("option %d", i + 1);
        d->choices[d->n_choices++] = xstrdup(text);
        if (strcmp(label, answer) == 0 && d->n_gold == 0) d->gold[d->n_gold++] = i;
    }
    if (d->n_gold == 0) return dusk_error("answer \"%s\" is not one of the option labels", answer);
    d->context = str_printf("Question: %s\nAnswer:", q);
    return 0;
}

int task_load_arc(TaskList *list, const TaskOptions *opt) {
    if (opt->num_fewshot > 0) return dusk_error("task arc_challenge: few-shot needs the train split, which is not in the task directory");
    Task *t = tasks_add(list, "arc_challenge", SCORE_MC, "arc_challenge/arc_challenge_test.jsonl");
    char *path = path_join(opt->dir, t->source);
    ArcCtx c = {t, opt->limit};
    int rc = read_jsonl_each(t->name, path, arc_record, &c);
    free(path);
    return rc;
}
