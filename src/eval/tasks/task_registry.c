/* Task names to loaders: the built-in lm-eval tasks, mmlu_<subject>, and
 * paths ending in .jsonl (the generic format). */
#include <stdlib.h>
#include <string.h>

#include "eval/tasks/task.h"
#include "util/err.h"

static int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int load_one(TaskList *list, const char *name, const TaskOptions *opt) {
    if (strcmp(name, "arc_challenge") == 0) return task_load_arc(list, opt);
    if (strcmp(name, "truthfulqa_mc1") == 0) return task_load_truthfulqa(list, opt, 0);
    if (strcmp(name, "truthfulqa_mc2") == 0) return task_load_truthfulqa(list, opt, 1);
    if (strcmp(name, "truthfulqa") == 0)
        return task_load_truthfulqa(list, opt, 0) != 0 ? -1 : task_load_truthfulqa(list, opt, 1);
    if (strcmp(name, "mmlu") == 0) return task_load_mmlu(list, opt, NULL);
    if (strncmp(name, "mmlu_", 5) == 0) return task_load_mmlu(list, opt, name + 5);
    if (strcmp(name, "gsm8k") == 0) return task_load_gsm8k(list, opt);
    if (strcmp(name, "triviaqa") == 0) return task_load_triviaqa(list, opt);
    if (strcmp(name, "bbq") == 0) return task_load_bbq(list, opt);
    if (ends_with(name, ".jsonl")) return task_load_jsonl(list, opt, name);
    return dusk_error("unknown task \"%s\" (built in: arc_challenge, truthfulqa_mc1, truthfulqa_mc2, mmlu, "
                      "mmlu_<subject>, gsm8k, triviaqa, bbq; or a .jsonl file in the generic format)", name);
}

int tasks_load(TaskList *list, const char *names, const TaskOptions *opt) {
    memset(list, 0, sizeof *list);
    char *copy = xstrdup(names), *save = NULL;
    int rc = 0;
    for (char *name = strtok_r(copy, ",", &save); name && rc == 0; name = strtok_r(NULL, ",", &save)) {
        int before = list->n_tasks;
        rc = load_one(list, name, opt);
        for (int i = before; i < list->n_tasks && rc == 0; i++) /* "mmlu,mmlu_anatomy" names one task twice */
            for (int j = 0; j < i && rc == 0; j++)
                if (strcmp(list->tasks[i].name, list->tasks[j].name) == 0)
                    rc = dusk_error("--tasks: task \"%s\" is named twice (%s)", list->tasks[i].name, name);
    }
    if (rc == 0 && list->n_tasks == 0) rc = dusk_error("no task named in --tasks");
    free(copy);
    if (rc != 0) tasks_free(list);
    return rc;
}
