/* mmlu (lm-eval default): one task per subject, mmlu_<subject>; prompt
 * description "The following are multiple choice questions (with answers)
 * about <subject words>.\n\n" then "{question.strip()}\nA. ..\nB. ..\nC. ..\n
 * D. ..\nAnswer:", choices " A".." D"; 0-shot unless --num-fewshot, whose
 * shots are the first K rows of the subject's dev file (sampler first_n).
 * Files: mmlu/test/<subject>_test.csv, mmlu/dev/<subject>_dev.csv. */
#include <stdlib.h>
#include <string.h>

#include "eval/tasks/csv_records.h"
#include "eval/tasks/task.h"
#include "util/err.h"
#include "util/fileio.h"

typedef struct {
    const char *subject, *group;
} Subject;

static const Subject kSubjects[] = {
    {"abstract_algebra", "mmlu_stem"}, {"anatomy", "mmlu_stem"}, {"astronomy", "mmlu_stem"},
    {"business_ethics", "mmlu_other"}, {"clinical_knowledge", "mmlu_other"}, {"college_biology", "mmlu_stem"},
    {"college_chemistry", "mmlu_stem"}, {"college_computer_science", "mmlu_stem"},
    {"college_mathematics", "mmlu_stem"}, {"college_medicine", "mmlu_other"}, {"college_physics", "mmlu_stem"},
    {"computer_security", "mmlu_stem"}, {"conceptual_physics", "mmlu_stem"},
    {"econometrics", "mmlu_social_sciences"}, {"electrical_engineering", "mmlu_stem"},
    {"elementary_mathematics", "mmlu_stem"}, {"formal_logic", "mmlu_humanities"}, {"global_facts", "mmlu_other"},
    {"high_school_biology", "mmlu_stem"}, {"high_school_chemistry", "mmlu_stem"},
    {"high_school_computer_science", "mmlu_stem"}, {"high_school_european_history", "mmlu_humanities"},
    {"high_school_geography", "mmlu_social_sciences"},
    {"high_school_government_and_politics", "mmlu_social_sciences"},
    {"high_school_macroeconomics", "mmlu_social_sciences"}, {"high_school_mathematics", "mmlu_stem"},
    {"high_school_microeconomics", "mmlu_social_sciences"}, {"high_school_physics", "mmlu_stem"},
    {"high_school_psychology", "mmlu_social_sciences"}, {"high_school_statistics", "mmlu_stem"},
    {"high_school_us_history", "mmlu_humanities"}, {"high_school_world_history", "mmlu_humanities"},
    {"human_aging", "mmlu_other"}, {"human_sexuality", "mmlu_social_sciences"},
    {"international_law", "mmlu_humanities"}, {"jurisprudence", "mmlu_humanities"},
    {"logical_fallacies", "mmlu_humanities"}, {"machine_learning", "mmlu_stem"}, {"management", "mmlu_other"},
    {"marketing", "mmlu_other"}, {"medical_genetics", "mmlu_other"}, {"miscellaneous", "mmlu_other"},
    {"moral_disputes", "mmlu_humanities"}, {"moral_scenarios", "mmlu_humanities"}, {"nutrition", "mmlu_other"},
    {"philosophy", "mmlu_humanities"}, {"prehistory", "mmlu_humanities"},
    {"professional_accounting", "mmlu_other"}, {"professional_law", "mmlu_humanities"},
    {"professional_medicine", "mmlu_other"}, {"professional_psychology", "mmlu_social_sciences"},
    {"public_relations", "mmlu_social_sciences"}, {"security_studies", "mmlu_social_sciences"},
    {"sociology", "mmlu_social_sciences"}, {"us_foreign_policy", "mmlu_social_sciences"},
    {"virology", "mmlu_other"}, {"world_religions", "mmlu_humanities"},
};
enum { N_SUBJECTS = sizeof kSubjects / sizeof kSubjects[0] };

static const char *const kLetters[4] = {"A", "B", "C", "D"};

/* Python's str.strip() for the ASCII whitespace MMLU questions carry. */
static char *strip_copy(const char *s) {
    while (*s == ' ' || (*s >= '\t' && *s <= '\r')) s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || (s[n - 1] >= '\t' && s[n - 1] <= '\r'))) n--;
    char *out = xmalloc(n + 1);
    memcpy(out, s, n);
    out[n] = '\0';
    return out;
}

static char *doc_text(const CsvRecord *r) {
    char *q = strip_copy(r->fields[0]);
    char *s = str_printf("%s\nA. %s\nB. %s\nC. %s\nD. %s\nAnswer:", q, r->fields[1], r->fields[2], r->fields[3],
                         r->fields[4]);
    free(q);
    return s;
}

static int answer_index(const CsvRecord *r) {
    for (int i = 0; i < 4; i++)
        if (strcmp(r->fields[5], kLetters[i]) == 0) return i;
    return dusk_error("line %d: answer \"%s\" is not A, B, C or D", r->line, r->fields[5]);
}

/* Every record of a subject CSV, checked to have 6 fields and a letter. */
static int read_rows(const char *path, CsvRecord **rows, int *n) {
    size_t len, pos = 0;
    char *text = read_file_all(path, &len);
    if (!text) return -1;
    int line = 1, got, rc = 0;
    CsvRecord rec;
    *rows = NULL, *n = 0;
    while (rc == 0 && (got = csv_next_record(text, len, &pos, &line, &rec)) == 1) {
        if (rec.n_fields == 1 && rec.fields[0][0] == '\0') { csv_record_free(&rec); continue; }
        *rows = xrealloc(*rows, sizeof(CsvRecord) * (size_t)(*n + 1));
        (*rows)[(*n)++] = rec;
        if (rec.n_fields != 6) rc = dusk_error("line %d: %d fields, expected 6 (question, A, B, C, D, answer)", rec.line, rec.n_fields);
        else if (answer_index(&rec) < 0) rc = -1;
    }
    if (got < 0) rc = -1;
    free(text);
    if (rc != 0) rc = dusk_error_prefix("%s", path);
    return rc;
}

static void free_rows(CsvRecord *rows, int n) {
    for (int i = 0; i < n; i++) csv_record_free(&rows[i]);
    free(rows);
}

static int load_subject(TaskList *list, const TaskOptions *opt, const Subject *s) {
    char *name = str_printf("mmlu_%s", s->subject), *test = str_printf("mmlu/test/%s_test.csv", s->subject);
    char *dev = str_printf("mmlu/dev/%s_dev.csv", s->subject);
    Task *t = tasks_add(list, name, SCORE_MC, test);
    t->group = xstrdup(s->group);
    char *test_path = path_join(opt->dir, test), *dev_path = path_join(opt->dir, dev);
    CsvRecord *rows = NULL, *shots = NULL;
    int n_rows = 0, n_shots = 0, k = opt->num_fewshot > 0 ? opt->num_fewshot : 0;
    int rc = read_rows(test_path, &rows, &n_rows);
    if (rc == 0 && k > 0) rc = read_rows(dev_path, &shots, &n_shots);
    if (rc == 0 && k > n_shots) rc = dusk_error("%s: --num-fewshot %d but the dev file has %d rows", dev_path, k, n_shots);
    char *words = xstrdup(s->subject);
    for (char *p = words; *p; p++) if (*p == '_') *p = ' ';
    char *description = str_printf("The following are multiple choice questions (with answers) about %s.\n\n", words);
    char **shot_text = xcalloc((size_t)(k > 0 ? k : 1), sizeof(char *));
    char *shot_target[4] = {"A", "B", "C", "D"}, **targets = xcalloc((size_t)(k > 0 ? k : 1), sizeof(char *));
    for (int i = 0; rc == 0 && i < k; i++) shot_text[i] = doc_text(&shots[i]), targets[i] = shot_target[answer_index(&shots[i])];
    t->num_fewshot = k;
    t->n_available = n_rows;
    for (int i = 0; rc == 0 && i < n_rows && (opt->limit <= 0 || i < opt->limit); i++) {
        Doc *d = task_add_doc(t);
        char *text = doc_text(&rows[i]);
        d->context = fewshot_prompt(description, shot_text, targets, k, text);
        free(text);
        d->choices = xcalloc(4, sizeof(char *));
        for (int c = 0; c < 4; c++) d->choices[d->n_choices++] = xstrdup(kLetters[c]);
        d->gold = xmalloc(sizeof(int));
        d->gold[d->n_gold++] = answer_index(&rows[i]);
    }
    for (int i = 0; i < k; i++) free(shot_text[i]);
    free(shot_text), free(targets), free(words), free(description);
    free_rows(rows, n_rows), free_rows(shots, n_shots);
    free(test_path), free(dev_path), free(name), free(test), free(dev);
    if (rc != 0) return dusk_error_prefix("task mmlu_%s", s->subject);
    return 0;
}

int task_load_mmlu(TaskList *list, const TaskOptions *opt, const char *only_subject) {
    int found = 0;
    for (int i = 0; i < N_SUBJECTS; i++) {
        if (only_subject && strcmp(only_subject, kSubjects[i].subject) != 0) continue;
        found = 1;
        if (load_subject(list, opt, &kSubjects[i]) != 0) return -1;
    }
    if (!found) return dusk_error("unknown mmlu subject \"%s\"", only_subject);
    return 0;
}
