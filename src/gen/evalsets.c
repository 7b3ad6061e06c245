#include "gen/evalsets.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "util/err.h"

static void question_for(char *q, size_t cap, const GenProfile *p, GenAttr a) {
    static const char *const kTemplates[GEN_N_ATTRS] = {
        [ATTR_BIRTH_YEAR] = "In which year was Dr. %s born?",
        [ATTR_BIRTH_CITY] = "Where was Dr. %s born?",
        [ATTR_NATIONALITY] = "What is the nationality of Dr. %s?",
        [ATTR_DEPARTMENT] = "In which department does Dr. %s work?",
        [ATTR_UNIVERSITY] = "At which university does Dr. %s work?",
        [ATTR_YEAR_EMPLOYED] = "Since which year has Dr. %s been employed at the university?",
        [ATTR_PHD] = "Where did Dr. %s earn a doctorate?",
        [ATTR_AWARD] = "Which award has Dr. %s received?",
        [ATTR_INTEREST] = "What is the research interest of Dr. %s?",
        [ATTR_HOBBY] = "What is the hobby of Dr. %s?",
        [ATTR_EMAIL] = "What is the e-mail address of Dr. %s?",
        [ATTR_OFFICE] = "Where is the office of Dr. %s?",
        [ATTR_COURSE] = "Which course does Dr. %s teach?",
    };
    snprintf(q, cap, kTemplates[a], p->name);
}

static void append_json_line(TextBuf *out, cJSON *obj) {
    char *s = cJSON_PrintUnformatted(obj);
    if (!s) dusk_die("gen: out of memory printing JSON");
    tb_printf(out, "%s\n", s);
    free(s);
    cJSON_Delete(obj);
}

static void add_line(GenQaLines *l, const char *q, const char *a) {
    l->lines = xrealloc(l->lines, sizeof(char *) * (size_t)(l->n + 1));
    l->lines[l->n++] = str_printf("Question: %s\nAnswer:  %s\n\n", q, a);
}

void gen_qa_lines_free(GenQaLines *lines, int n) {
    for (int i = 0; lines && i < n; i++) {
        for (int j = 0; j < lines[i].n; j++) free(lines[i].lines[j]);
        free(lines[i].lines);
    }
    free(lines);
}

void gen_qa_jsonl(TextBuf *out, const GenProfile *profiles, int n, int k, Rng *rng, GenQaLines *lines) {
    for (int i = 0; i < n; i++) {
        int attrs[GEN_N_ATTRS];
        for (int a = 0; a < GEN_N_ATTRS; a++) attrs[a] = a;
        for (int j = 0; j < k && j < GEN_N_ATTRS; j++) { /* partial Fisher-Yates: k distinct attributes */
            int r = j + (int)rng_below(rng, (uint64_t)(GEN_N_ATTRS - j)), t = attrs[j];
            attrs[j] = attrs[r];
            attrs[r] = t;
            char q[256];
            question_for(q, sizeof q, &profiles[i], (GenAttr)attrs[j]);
            cJSON *obj = cJSON_CreateObject();
            cJSON_AddStringToObject(obj, "question", q);
            cJSON_AddStringToObject(obj, "answer", gen_attr_text(&profiles[i], (GenAttr)attrs[j]));
            append_json_line(out, obj);
            if (lines) add_line(&lines[i], q, gen_attr_text(&profiles[i], (GenAttr)attrs[j]));
        }
    }
}

/* Byte offsets where each whitespace-separated word starts and ends. */
static int word_spans(const char *doc, int **starts, int **ends) {
    int n = 0, cap = 1024;
    *starts = xmalloc(sizeof(int) * (size_t)cap);
    *ends = xmalloc(sizeof(int) * (size_t)cap);
    for (int i = 0; doc[i];) {
        while (doc[i] && isspace((unsigned char)doc[i])) i++;
        if (!doc[i]) break;
        if (n == cap) {
            cap *= 2;
            *starts = xrealloc(*starts, sizeof(int) * (size_t)cap);
            *ends = xrealloc(*ends, sizeof(int) * (size_t)cap);
        }
        (*starts)[n] = i;
        while (doc[i] && !isspace((unsigned char)doc[i])) i++;
        (*ends)[n++] = i;
    }
    return n;
}

int gen_verbatim_json(TextBuf *out, const char *doc, int n, int prompt_words, int gt_words, Rng *rng) {
    int *starts, *ends, words = word_spans(doc, &starts, &ends);
    int span = prompt_words + gt_words;
    if (words < span) {
        free(starts);
        free(ends);
        return dusk_error("the forget document has %d words, fewer than one verbatim passage (--prompt-words + "
                          "--gt-words = %d)", words, span);
    }
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < n; i++) {
        int w = (int)rng_below(rng, (uint64_t)(words - span + 1));
        int a = starts[w], m = ends[w + prompt_words - 1], z = ends[w + span - 1];
        char *prompt = xmalloc((size_t)(m - a) + 1), *gt = xmalloc((size_t)(z - m) + 1);
        snprintf(prompt, (size_t)(m - a) + 1, "%s", doc + a);
        snprintf(gt, (size_t)(z - m) + 1, "%s", doc + m);
        cJSON *obj = cJSON_CreateObject();
        cJSON_AddStringToObject(obj, "prompt", prompt);
        cJSON_AddStringToObject(obj, "gt", gt);
        cJSON_AddItemToArray(arr, obj);
        free(prompt);
        free(gt);
    }
    char *s = cJSON_Print(arr);
    tb_printf(out, "%s\n", s);
    free(s);
    cJSON_Delete(arr);
    free(starts);
    free(ends);
    return 0;
}
