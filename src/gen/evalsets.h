/* The eval files of a generated corpus: QA sets from profile attributes and
 * verbatim passages cut from the forget document. */
#ifndef DUSK_GEN_EVALSETS_H
#define DUSK_GEN_EVALSETS_H

#include "gen/profile.h"
#include "util/textbuf.h"
#include "util/rng.h"

/* Each profile's QA pairs as training text, one "Question: q\nAnswer:  a\n\n"
 * string each (two spaces: an eval prompt ends in "Answer: ", whose space a
 * byte-level BPE keeps as a token of its own, so the answer's first token
 * must follow a lone space in training too). */
typedef struct {
    char **lines;
    int n;
} GenQaLines;

/* Append k questions (distinct attributes drawn by the rng) about each of the
 * n profiles as JSON lines {"question", "answer"}; the answer is the
 * attribute's text exactly as the documents state it. lines (n entries, or
 * NULL) receives each profile's pairs as training text. */
void gen_qa_jsonl(TextBuf *out, const GenProfile *profiles, int n, int k, Rng *rng, GenQaLines *lines);
void gen_qa_lines_free(GenQaLines *lines, int n);

/* n passages of doc as a JSON array [{"prompt", "gt"}]: prompt_words
 * whitespace-separated words, then gt_words more; prompt + gt is a substring
 * of doc (gt starts with the whitespace that follows the prompt). -1 when the
 * document has too few words. */
int gen_verbatim_json(TextBuf *out, const char *doc, int n, int prompt_words, int gt_words, Rng *rng);

#endif
