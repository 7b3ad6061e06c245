/* Growable int array (token ids, offsets). */
#ifndef DUSK_TOKENIZER_INTVEC_H
#define DUSK_TOKENIZER_INTVEC_H

#include <stddef.h>
#include <stdlib.h>

#include "util/err.h"

typedef struct {
    int *data;
    size_t n, cap;
} IntVec;

static inline void intvec_reserve(IntVec *v, size_t want) {
    if (want <= v->cap) return;
    size_t cap = v->cap ? v->cap : 16;
    while (cap < want) cap *= 2;
    v->data = xrealloc(v->data, cap * sizeof *v->data);
    v->cap = cap;
}

static inline void intvec_push(IntVec *v, int x) {
    if (v->n == v->cap) intvec_reserve(v, v->n + 1);
    v->data[v->n++] = x;
}

static inline void intvec_append(IntVec *v, const int *xs, size_t n) {
    intvec_reserve(v, v->n + n);
    for (size_t i = 0; i < n; i++) v->data[v->n + i] = xs[i];
    v->n += n;
}

static inline void intvec_free(IntVec *v) {
    free(v->data);
    v->data = NULL;
    v->n = v->cap = 0;
}

#endif
