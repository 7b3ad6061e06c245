#include "tokenizer/token_table.h"

#include <stdlib.h>
#include <string.h>

#include "util/err.h"

void table_init(TokenTable *t) {
    memset(t, 0, sizeof *t);
    t->max_id = -1;
}

void table_free(TokenTable *t) {
    free(t->blob);
    free(t->off);
    free(t->len);
    free(t->flags);
    table_init(t);
}

static void table_grow(TokenTable *t, int n) {
    int cap = t->n ? t->n : 256;
    while (cap < n) cap *= 2;
    t->off = xrealloc(t->off, (size_t)cap * sizeof *t->off);
    t->len = xrealloc(t->len, (size_t)cap * sizeof *t->len);
    t->flags = xrealloc(t->flags, (size_t)cap);
    memset(t->flags + t->n, 0, (size_t)(cap - t->n));
    for (int i = t->n; i < cap; i++) t->off[i] = 0, t->len[i] = 0;
    t->n = cap;
}

void table_set(TokenTable *t, int id, const void *bytes, size_t len, unsigned flags) {
    if (id >= t->n) table_grow(t, id + 1);
    if (t->blob_len + len + 1 > t->blob_cap) {
        size_t cap = t->blob_cap ? t->blob_cap : 4096;
        while (cap < t->blob_len + len + 1) cap *= 2;
        t->blob = xrealloc(t->blob, cap);
        t->blob_cap = cap;
    }
    memcpy(t->blob + t->blob_len, bytes, len);
    t->blob[t->blob_len + len] = '\0';
    t->off[id] = t->blob_len;
    t->len[id] = (uint32_t)len;
    t->flags[id] = (unsigned char)(flags | TOKEN_PRESENT);
    t->blob_len += len + 1;
    if (id > t->max_id) t->max_id = id;
}
