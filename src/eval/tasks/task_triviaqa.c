/* triviaqa (lm-eval, rc.nocontext validation): "Question: {question}?\nAnswer:",
 * references the aliases, stop strings "\n", ".", ",", 256 new tokens, filter
 * remove_whitespace + take_first, exact_match ignoring case and punctuation
 * against any alias. File: triviaqa/triviaqa_sm_sub.jsonl, llm-foundry's
 * 3,000-question subset whose "context" holds "Question: <q>\nAnswer:" (the
 * question is taken from it and the lm-eval prompt rebuilt). */
#include <stdlib.h>
#include <string.h>

#include "eval/tasks/task.h"
#include "util/err.h"

typedef struct {
    Task *t;
    int limit;
} TqCtx;

static const char *const kUntil[] = {"\n", ".", ","};

static int triviaqa_record(cJSON *obj, void *vctx) {
    TqCtx *c = vctx;
    c->t->n_available++;
    const char *ctx = json_str_member(obj, "context"), *answer = json_str_member(obj, "answer");
    const cJSON *aliases = cJSON_GetObjectItemCaseSensitive(obj, "aliases");
    if (!ctx || !answer) return -1;
    if (!cJSON_IsArray(aliases) || cJSON_GetArraySize(aliases) < 1) return dusk_error("\"aliases\" must be a non-empty list");
    size_t n = strlen(ctx);
    const char *pre = "Question: ", *post = "\nAnswer:";
    if (n < strlen(pre) + strlen(post) || strncmp(ctx, pre, strlen(pre)) != 0 || strcmp(ctx + n - strlen(post), post) != 0)
        return dusk_error("\"context\" is not \"Question: <question>\\nAnswer:\"");
    if (c->limit > 0 && c->t->n_docs >= c->limit) return 0;
    Doc *d = task_add_doc(c->t);
    int q_len = (int)(n - strlen(pre) - strlen(post));
    d->context = str_printf("Question: %.*s?\nAnswer:", q_len, ctx + strlen(pre));
    d->answers = xcalloc((size_t)cJSON_GetArraySize(aliases), sizeof(char *));
    const cJSON *a;
    cJSON_ArrayForEach(a, aliases) {
        if (!cJSON_IsString(a)) return dusk_error("\"aliases\" holds a non-string");
        d->answers[d->n_answers++] = xstrdup(a->valuestring);
    }
    d->target = xstrdup(answer);
    d->until = xmalloc(sizeof kUntil);
    for (int j = 0; j < 3; j++) d->until[d->n_until++] = xstrdup(kUntil[j]);
    d->max_gen = 256;
    return 0;
}

int task_load_triviaqa(TaskList *list, const TaskOptions *opt) {
    if (opt->num_fewshot > 0) return dusk_error("task triviaqa: few-shot needs the train split, which is not in the task directory");
    Task *t = tasks_add(list, "triviaqa", SCORE_TRIVIAQA, "triviaqa/triviaqa_sm_sub.jsonl");
    t->note = xstrdup("a 3,000-question subset of rc.nocontext validation (llm-foundry's triviaqa_sm_sub, aliases "
                      "clipped), not lm-eval's full 17,944-question split");
    char *path = path_join(opt->dir, t->source);
    TqCtx c = {t, opt->limit};
    int rc = read_jsonl_each(t->name, path, triviaqa_record, &c);
    free(path);
    return rc;
}
