/* Downstream tasks (lm-eval definitions) as lists of documents, each already
 * turned into its prompt: the context string, and either the choices of a
 * multiple-choice question or the references and stop strings of a
 * generate-until one. Loaders (task_<name>.c) read the files in the task
 * directory; every input problem is reported naming task, file and line. */
#ifndef DUSK_TASK_H
#define DUSK_TASK_H

#include <cjson/cJSON.h>

#include "util/err.h"     /* str_printf */
#include "util/fileio.h"  /* path_join */

typedef enum { SCORE_MC, SCORE_MC2, SCORE_BBQ, SCORE_GSM8K, SCORE_TRIVIAQA, SCORE_EXACT } Scoring;

#define BBQ_N_CATEGORIES 11

typedef struct {
    char *context;           /* the whole prompt (description, shots, this document) */
    char **choices;          /* multiple choice: the choice texts */
    int n_choices;
    int *gold;               /* multiple choice: gold indices (bbq: several) */
    int n_gold;
    char *target;            /* the target as samples_*.jsonl shows it */
    char **answers;          /* generate-until: the references (triviaqa: aliases) */
    int n_answers;
    char **until;            /* generate-until: stop strings (the EOS string is added later) */
    int n_until;
    int max_gen;
    int mc2_split;           /* truthfulqa_mc2: index of the first false choice */
    int bbq_category;        /* bbq: index into kBbqCategories */
    int bbq_disambig;        /* bbq: context_condition == "disambig" */
    unsigned char *bbq_biased; /* bbq: per choice, 1 when it is a biased answer */
} Doc;

typedef struct {
    char *name;
    char *group;             /* mmlu category group (mmlu_stem, ...) or NULL */
    Scoring scoring;
    int is_generate;
    Doc *docs;
    int n_docs;
    int n_available;         /* documents in the file(s), before --limit */
    char *source;            /* the file(s) read, relative to the task directory */
    int num_fewshot;
    char *note;              /* a remark for results.json, or NULL */
} Task;

typedef struct {
    Task *tasks;
    int n_tasks;
} TaskList;

typedef struct {
    const char *dir;         /* the task directory */
    int limit;               /* documents per task (per subject for mmlu); <= 0: all */
    int num_fewshot;         /* -1: the task's default */
} TaskOptions;

extern const char *const kBbqCategories[BBQ_N_CATEGORIES];

/* Load the comma-separated task names (built-in names, mmlu_<subject>, or a
 * path ending in .jsonl for the generic format). 0, or -1 with a message. */
int tasks_load(TaskList *list, const char *names, const TaskOptions *opt);
void tasks_free(TaskList *list);

/* ---- for the loaders ---- */
Task *tasks_add(TaskList *list, const char *name, Scoring scoring, const char *source);
Doc *task_add_doc(Task *t);
/* Every line of a JSONL file parsed in turn; fn returns 0 or -1 with a
 * message, which is prefixed "task NAME: FILE:LINE: ". */
typedef int (*JsonlFn)(cJSON *obj, void *ctx);
int read_jsonl_each(const char *task, const char *path, JsonlFn fn, void *ctx);
/* A string member, or NULL with a message naming it. */
const char *json_str_member(const cJSON *obj, const char *key);
/* description + the shots joined, each "text target_delimiter target", by
 * "\n\n", then "\n\n" + the document's text (lm-eval's fewshot_context). */
char *fewshot_prompt(const char *description, char *const *shot_texts, char *const *shot_targets, int n_shots,
                     const char *text);

/* Built-in loaders. */
int task_load_arc(TaskList *list, const TaskOptions *opt);
int task_load_truthfulqa(TaskList *list, const TaskOptions *opt, int mc2);
int task_load_mmlu(TaskList *list, const TaskOptions *opt, const char *only_subject);
int task_load_gsm8k(TaskList *list, const TaskOptions *opt);
int task_load_triviaqa(TaskList *list, const TaskOptions *opt);
int task_load_bbq(TaskList *list, const TaskOptions *opt);
int task_load_jsonl(TaskList *list, const TaskOptions *opt, const char *path);

#endif
