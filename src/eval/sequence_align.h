/* Alignment of integer sequences (interned tokens or Unicode code points):
 * longest common subsequence and Levenshtein distance. */
#ifndef DUSK_EVAL_SEQUENCE_ALIGN_H
#define DUSK_EVAL_SEQUENCE_ALIGN_H

#include <stddef.h>

/* Length of a longest common subsequence of a and b (O(na*nb) time,
 * O(min) memory). */
size_t lcs_length(const int *a, size_t na, const int *b, size_t nb);

/* One longest common subsequence, as ascending indices into ref, chosen the
 * way rouge-score's _backtrack_norec chooses it (the choice matters for the
 * union LCS of ROUGE-Lsum): walk back from the end of the full DP table;
 * on equal tokens take the diagonal, else step left in `can` when that cell is
 * strictly larger than the one above, otherwise step up in `ref`.
 * idx must have room for min(nref, ncan) entries. Returns the count, or -1
 * (with dusk_error) when the table would not fit in memory. */
long lcs_indices(const int *ref, size_t nref, const int *can, size_t ncan, size_t *idx);

/* Levenshtein distance (unit cost insert/delete/substitute). */
size_t levenshtein_distance(const int *a, size_t na, const int *b, size_t nb);

#endif
