/* The DUSK evaluation files: verbatim.json (prompt/gt records), the QA
 * JSONL files (question/answer), icl.jsonl, holdout.txt. */
#ifndef DUSK_EVAL_DATA_H
#define DUSK_EVAL_DATA_H

typedef struct {
    int n;
    char **a, **b; /* prompt/gt or question/answer */
} TextPairs;

/* verbatim.json: a JSON array of {"prompt": str, "gt": str}. */
int read_verbatim_json(TextPairs *out, const char *path);
/* JSONL of {"question": str, "answer": str}, one object per line (blank
 * lines skipped; the last line may lack its newline). Errors name file:line. */
int read_qa_jsonl(TextPairs *out, const char *path);
void text_pairs_free(TextPairs *p);

#endif
