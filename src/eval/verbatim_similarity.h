/* The extra verbatim-memorisation scores of DUSK's metrics/rouge_eval.py.
 *
 * Choice (documented because the issue left it open): these follow the DUSK
 * reference, not the ROUGE token lists:
 *  - word_lcs_length: LCS length (not normalised) over the words of Python's
 *    str.split() (Unicode whitespace, case and punctuation kept), as DUSK's
 *    word_level_lcs returns it;
 *  - char_levenshtein: Levenshtein distance over Unicode code points (what
 *    the python-Levenshtein package counts on str), and the similarity
 *    1 - d / max(len(a), len(b)) with max taken as 1 for two empty strings.
 *    (DUSK logs the similarity but averages the raw distance into its
 *    "mean_levenshtein_similarity"; callers get both.) */
#ifndef DUSK_EVAL_VERBATIM_SIMILARITY_H
#define DUSK_EVAL_VERBATIM_SIMILARITY_H

#include <stddef.h>

/* Both return 0, or -1 with dusk_error when a text is not valid UTF-8. */
int word_lcs_length(const char *a, size_t a_len, const char *b, size_t b_len, size_t *lcs);
int char_levenshtein(const char *a, size_t a_len, const char *b, size_t b_len, size_t *distance,
                     double *similarity);

/* 1 if Python's str.isspace() is true for the code point (Unicode
 * White_Space plus the ASCII separators U+001C..U+001F). */
int python_isspace(unsigned cp);

#endif
