/* id -> the bytes the token stands for, plus whether it is special. Shared
 * by both tokenizer kinds for decoding. */
#ifndef DUSK_TOKENIZER_TOKEN_TABLE_H
#define DUSK_TOKENIZER_TOKEN_TABLE_H

#include <stddef.h>
#include <stdint.h>

#define TOKEN_PRESENT 1u
#define TOKEN_SPECIAL 2u

/* Ids above this are refused when loading: they would only make us allocate
 * huge tables for a broken file. */
#define TOKEN_ID_LIMIT (1 << 24)

typedef struct {
    char *blob;
    size_t blob_len, blob_cap;
    size_t *off;
    uint32_t *len;
    unsigned char *flags;
    int n;      /* ids 0..n-1 have slots (some may be absent) */
    int max_id; /* largest id set, -1 when empty */
} TokenTable;

void table_init(TokenTable *t);
void table_free(TokenTable *t);
/* Set (or replace) id's bytes; grows the table. id must be < TOKEN_ID_LIMIT. */
void table_set(TokenTable *t, int id, const void *bytes, size_t len, unsigned flags);
static inline int table_has(const TokenTable *t, int id) {
    return id >= 0 && id < t->n && (t->flags[id] & TOKEN_PRESENT);
}
static inline const char *table_bytes(const TokenTable *t, int id) { return t->blob + t->off[id]; }

#endif
