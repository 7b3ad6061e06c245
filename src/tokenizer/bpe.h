/* A byte-level BPE model: the vocabulary as raw byte strings plus ranked
 * merges, and the encoder for one pre-token ("word"). */
#ifndef DUSK_TOKENIZER_BPE_H
#define DUSK_TOKENIZER_BPE_H

#include <stddef.h>

#include "tokenizer/hashmap.h"
#include "tokenizer/intvec.h"

typedef struct {
    char *vocab_bytes; /* owns the keys of by_bytes */
    StrMap by_bytes;   /* raw bytes -> id, for tokens reachable from byte-level input */
    U64Map merges;     /* pair_key(left, right) -> rank */
    int *merge_result; /* rank -> merged id */
    int *merge_left, *merge_right; /* rank -> the pair (for writers and tests) */
    int n_merges;
    int byte_id[256];  /* token of each single byte, -1 if none */
    int unk_id;        /* -1 if none */
    int fuse_unk;
    int ignore_merges; /* a word that is itself a token is encoded as that token */
} BpeModel;

void bpe_init(BpeModel *m);
void bpe_free(BpeModel *m);

/* Add merge number `rank` (ranks are added in order 0, 1, ...). A pair seen
 * again takes the later rank, as HF tokenizers does. */
void bpe_add_merge(BpeModel *m, int left, int right, int result);

/* Append the ids of one pre-token (raw bytes) to out. Merges are applied
 * lowest rank first, leftmost first among equal ranks (HF's order). */
void bpe_encode_word(const BpeModel *m, const unsigned char *word, size_t len, IntVec *out);

#endif
