#include "eval/sequence_align.h"

#include <stdint.h>
#include <stdlib.h>

#include "util/err.h"

/* The full table is (nref+1)*(ncan+1) ints; refuse anything past 1 GiB
 * rather than abort inside the allocator. */
#define LCS_TABLE_MAX_CELLS ((size_t)1 << 28)

size_t lcs_length(const int *a, size_t na, const int *b, size_t nb) {
    if (na < nb) { /* keep the row along the shorter sequence */
        const int *t = a;
        a = b;
        b = t;
        size_t tn = na;
        na = nb;
        nb = tn;
    }
    size_t *prev = xcalloc(nb + 1, sizeof *prev), *cur = xcalloc(nb + 1, sizeof *cur);
    for (size_t i = 1; i <= na; i++) {
        for (size_t j = 1; j <= nb; j++) {
            if (a[i - 1] == b[j - 1]) cur[j] = prev[j - 1] + 1;
            else cur[j] = prev[j] > cur[j - 1] ? prev[j] : cur[j - 1];
        }
        size_t *t = prev;
        prev = cur;
        cur = t;
    }
    size_t result = prev[nb];
    free(prev);
    free(cur);
    return result;
}

long lcs_indices(const int *ref, size_t nref, const int *can, size_t ncan, size_t *idx) {
    size_t w = ncan + 1;
    if ((nref + 1) > LCS_TABLE_MAX_CELLS / w)
        return dusk_error("LCS table of %zu x %zu tokens is too large", nref, ncan);
    uint32_t *t = xcalloc((nref + 1) * w, sizeof *t);
    for (size_t i = 1; i <= nref; i++)
        for (size_t j = 1; j <= ncan; j++) {
            uint32_t up = t[(i - 1) * w + j], left = t[i * w + j - 1];
            t[i * w + j] = ref[i - 1] == can[j - 1] ? t[(i - 1) * w + j - 1] + 1 : (up > left ? up : left);
        }
    size_t count = t[nref * w + ncan], k = count, i = nref, j = ncan;
    while (i > 0 && j > 0) {
        if (ref[i - 1] == can[j - 1]) {
            idx[--k] = i - 1;
            i--;
            j--;
        } else if (t[i * w + j - 1] > t[(i - 1) * w + j]) {
            j--;
        } else {
            i--;
        }
    }
    free(t);
    return (long)count;
}

size_t levenshtein_distance(const int *a, size_t na, const int *b, size_t nb) {
    size_t *row = xmalloc((nb + 1) * sizeof *row);
    for (size_t j = 0; j <= nb; j++) row[j] = j;
    for (size_t i = 1; i <= na; i++) {
        size_t diag = row[0]; /* row[i-1][j-1] */
        row[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t above = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (above + 1 < best) best = above + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = above;
        }
    }
    size_t d = row[nb];
    free(row);
    return d;
}
