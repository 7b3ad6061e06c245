/* gsm8k (lm-eval default, version 3): "Question: {question}\nAnswer:", target
 * the whole answer, 5 shots from train drawn by one random.Random(1234)
 * shared by the documents in order (rnd.sample(train, k) each), stop strings
 * "Question:", "</s>", "<|im_end|>", 256 new tokens; filters strict-match and
 * flexible-extract (task_metrics.c). Files: gsm8k/test.jsonl, gsm8k/train.jsonl. */
#include <stdlib.h>
#include <string.h>

#include "eval/tasks/pyrandom.h"
#include "eval/tasks/task.h"
#include "util/err.h"

typedef struct {
    char **text, **answer;
    int n, limit;
    int *n_available;
} Pool;

static int gsm8k_record(cJSON *obj, void *vctx) {
    Pool *p = vctx;
    if (p->n_available) (*p->n_available)++;
    const char *q = json_str_member(obj, "question"), *a = json_str_member(obj, "answer");
    if (!q || !a) return -1;
    if (p->limit > 0 && p->n >= p->limit) return 0;
    p->text = xrealloc(p->text, sizeof(char *) * (size_t)(p->n + 1));
    p->answer = xrealloc(p->answer, sizeof(char *) * (size_t)(p->n + 1));
    p->text[p->n] = str_printf("Question: %s\nAnswer:", q);
    p->answer[p->n++] = xstrdup(a);
    return 0;
}

static void pool_free(Pool *p) {
    for (int i = 0; i < p->n; i++) free(p->text[i]), free(p->answer[i]);
    free(p->text), free(p->answer);
}

static const char *const kUntil[] = {"Question:", "</s>", "<|im_end|>"};

int task_load_gsm8k(TaskList *list, const TaskOptions *opt) {
    Task *t = tasks_add(list, "gsm8k", SCORE_GSM8K, "gsm8k/test.jsonl");
    int k = opt->num_fewshot >= 0 ? opt->num_fewshot : 5;
    t->num_fewshot = k;
    char *test_path = path_join(opt->dir, "gsm8k/test.jsonl"), *train_path = path_join(opt->dir, "gsm8k/train.jsonl");
    Pool test = {0}, train = {0};
    test.limit = opt->limit, test.n_available = &t->n_available;
    int rc = read_jsonl_each(t->name, test_path, gsm8k_record, &test);
    if (rc == 0) rc = read_jsonl_each(t->name, train_path, gsm8k_record, &train);
    if (rc == 0 && k > train.n) rc = dusk_error("task gsm8k: --num-fewshot %d exceeds the %d train documents", k, train.n);
    PyRandom rnd;
    pyrandom_seed(&rnd, 1234);
    int *pick = xmalloc(sizeof(int) * (size_t)(k > 0 ? k : 1));
    char **st = xmalloc(sizeof(char *) * (size_t)(k > 0 ? k : 1)), **sa = xmalloc(sizeof(char *) * (size_t)(k > 0 ? k : 1));
    for (int i = 0; rc == 0 && i < test.n; i++) {
        pyrandom_sample(&rnd, train.n, k, pick);
        for (int j = 0; j < k; j++) st[j] = train.text[pick[j]], sa[j] = train.answer[pick[j]];
        Doc *d = task_add_doc(t);
        d->context = fewshot_prompt(NULL, st, sa, k, test.text[i]);
        d->target = xstrdup(test.answer[i]);
        d->answers = xmalloc(sizeof(char *));
        d->answers[d->n_answers++] = xstrdup(test.answer[i]);
        d->until = xmalloc(sizeof kUntil);
        for (int j = 0; j < 3; j++) d->until[d->n_until++] = xstrdup(kUntil[j]);
        d->max_gen = 256;
    }
    free(pick), free(st), free(sa);
    pool_free(&test), pool_free(&train);
    free(test_path), free(train_path);
    return rc;
}
