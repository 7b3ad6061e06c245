/* ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum exactly as Google's rouge-score
 * package computes them with its default tokenizer, with use_stemmer=False
 * (the DUSK setting) or, through rouge_score_ex, True. See rouge_tokenize.h
 * for the tokenizer.
 *
 *  - rougeN: clipped n-gram overlap; P = overlap / max(#pred n-grams, 1),
 *    R = overlap / max(#target n-grams, 1).
 *  - rougeL: LCS of the whole token sequences; all zero if either is empty.
 *  - rougeLsum: sentences are the non-empty pieces of text.split("\n");
 *    summary-level union LCS with per-token hit clipping (ROUGE 1.5.5).
 *  - F = 2PR / (P + R), or 0 when P + R == 0. */
#ifndef DUSK_EVAL_ROUGE_H
#define DUSK_EVAL_ROUGE_H

#include <stddef.h>

typedef struct {
    double precision, recall, fmeasure;
} RougeScore;

typedef struct {
    RougeScore rouge1, rouge2, rougeL, rougeLsum;
} RougeScores;

/* Score prediction against target (both UTF-8, with explicit lengths).
 * Returns 0, or -1 with dusk_error naming which side is invalid UTF-8 (or an
 * over-long sentence pair for rougeLsum). */
int rouge_score(const char *target, size_t target_len, const char *prediction, size_t prediction_len,
                RougeScores *out);
/* The same, with rouge-score's Porter stemming when use_stemmer is non-zero. */
int rouge_score_ex(const char *target, size_t target_len, const char *prediction, size_t prediction_len,
                   int use_stemmer, RougeScores *out);

/* rouge-score's F-measure formula, evaluated in the same order. */
double rouge_fmeasure(double precision, double recall);

#endif
