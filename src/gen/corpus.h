/* `dusk gen`: a whole DUSK-style corpus in the layout of the real data
 * (five documents, eval/...), plus world/ (general knowledge, MC task). */
#ifndef DUSK_GEN_CORPUS_H
#define DUSK_GEN_CORPUS_H

#include <stdint.h>

typedef struct {
    uint64_t seed;
    int n_shared;       /* profiles in every document (see shared_docs) */
    int n_unique;       /* per document, only in it */
    int n_holdout;      /* fresh profiles of eval/holdout.txt */
    int n_icl;          /* other people, 2 questions each, in eval/icl.jsonl */
    int qa_per_profile; /* questions per shared / unique profile */
    int n_verbatim, prompt_words, gt_words;
    int forget;      /* index into kDuskDocs */
    int shared_docs; /* retain documents the shared profiles also appear in (0..4) */
    int qa_in_docs;  /* 0, or R: each document ends with the QA pairs of its profiles as text,
                        shared ones once, its own R times (so a model trained from scratch
                        sees facts in the eval's question form) */
} GenOptions;

void gen_options_default(GenOptions *o);
/* Check the options; -1 with a message naming the flag. */
int gen_options_check(const GenOptions *o);
/* Write the corpus into the existing empty directory dir. */
int gen_corpus_write(const GenOptions *o, const char *dir);

#endif
