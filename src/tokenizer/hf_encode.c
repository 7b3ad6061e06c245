/* Encoding with an HF byte-level BPE tokenizer: added tokens are split out,
 * the rest is pre-tokenized and each piece is BPE-encoded once per call
 * (repeated pieces come from a cache). */
#include <stdlib.h>
#include <string.h>

#include "tokenizer/nfc.h"
#include "tokenizer/tokenizer_impl.h"
#include "util/arena.h"
#include "util/err.h"

/* The cache owns copies of its keys. Its entries outlive the buffer each
 * piece was found in: with a normalizer every text piece is normalised into a
 * buffer of its own that is freed before the next piece, so keys pointing into
 * it dangled (heap-use-after-free in strmap_find's memcmp). Copying a key once
 * per *distinct* word costs little, and keeps the cache sound whatever buffer
 * the pieces come from -- simpler than keeping every normalised buffer (the
 * whole normalised document) alive until the cache goes. */
typedef struct {
    StrMap index;   /* piece bytes (copies in `keys`) -> entry */
    Arena keys;     /* the index's keys */
    IntVec ids;     /* the encoded pieces, back to back */
    IntVec start;   /* entry -> first id in ids */
    IntVec count;   /* entry -> number of ids */
} WordCache;

static void cache_free(WordCache *c) {
    strmap_free(&c->index);
    arena_free(&c->keys);
    intvec_free(&c->ids);
    intvec_free(&c->start);
    intvec_free(&c->count);
}

static void encode_piece(const BpeModel *m, WordCache *c, Span piece, IntVec *out) {
    int *entry = strmap_get(&c->index, piece.s, piece.len);
    if (!entry) {
        int inserted;
        const char *key = arena_copy(&c->keys, piece.s, piece.len);
        entry = strmap_upsert(&c->index, key, piece.len, (int)c->start.n, &inserted);
        size_t first = c->ids.n;
        bpe_encode_word(m, (const unsigned char *)piece.s, piece.len, &c->ids);
        intvec_push(&c->start, (int)first);
        intvec_push(&c->count, (int)(c->ids.n - first));
    }
    /* a word may encode to no ids (then ids.data can still be NULL) */
    if (c->count.data[*entry] > 0) intvec_append(out, c->ids.data + c->start.data[*entry], (size_t)c->count.data[*entry]);
}

int hf_encode(const Tokenizer *tok, const char *text, size_t len, int add_special, int parse_special, IntVec *out) {
    if (add_special) intvec_append(out, tok->prefix.data, tok->prefix.n);
    TextPieceVec pieces = {0};
    added_split(&tok->added, text, len, parse_special, &pieces);
    PretokScratch sc;
    pretok_scratch_init(&sc);
    WordCache cache = {0};
    strmap_init(&cache.index, 1024);
    SpanVec words = {0};
    int rc = 0;
    for (size_t i = 0; i < pieces.n && rc == 0; i++) {
        const TextPiece *p = &pieces.items[i];
        if (p->id >= 0) {
            intvec_push(out, p->id);
            continue;
        }
        words.n = 0;
        const char *s = p->s;
        size_t n = p->len;
        char *normalized = NULL;
        if (tok->nfc && (rc = nfc_normalize(p->s, p->len, &normalized, &n)) != 0) break;
        if (normalized) s = normalized;
        rc = pretok_split(&tok->pre, s, n, &sc, &words);
        for (size_t w = 0; w < words.n && rc == 0; w++) encode_piece(&tok->bpe, &cache, words.items[w], out);
        free(normalized);
    }
    if (add_special) intvec_append(out, tok->suffix.data, tok->suffix.n);
    spanvec_free(&words);
    cache_free(&cache);
    pretok_scratch_free(&sc);
    textpiece_free(&pieces);
    return rc;
}
