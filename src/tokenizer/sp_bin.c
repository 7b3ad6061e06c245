/* llama2.c's tokenizer.bin: SentencePiece-style BPE over pieces with scores.
 * File: int32 max_token_length, then per id: float32 score, int32 length,
 * that many bytes. Encoding follows llama2.c's run.c: BOS, the dummy-prefix
 * " " piece, one piece per UTF-8 character (else its <0xXX> byte pieces),
 * then repeatedly merge the adjacent pair whose concatenation is the
 * highest-scoring piece (leftmost on ties). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer/tokenizer_impl.h"
#include "util/err.h"

#define SP_BOS 1
#define SP_EOS 2

static int32_t read_i32(const unsigned char *p) {
    int32_t v;
    memcpy(&v, p, 4); /* the format is little-endian, as are the machines dusk targets */
    return v;
}

/* "<0xXX>" -> the byte, or -1. */
static int byte_piece_value(const char *s, int len) {
    unsigned v;
    char tail;
    if (len != 6 || memcmp(s, "<0x", 3) != 0 || s[5] != '>') return -1;
    if (sscanf(s + 3, "%2x%c", &v, &tail) != 2 || tail != '>') return -1;
    return (int)v;
}

/* First pass: count the pieces and check every length against the file. */
static int scan_pieces(const unsigned char *data, size_t len, int *count, size_t *text_bytes) {
    size_t at = 4;
    int n = 0;
    *text_bytes = 0;
    while (at < len) {
        if (len - at < 8) return dusk_error("truncated in token %d at byte %zu (needs a score and a length)", n, at);
        int32_t piece_len = read_i32(data + at + 4);
        if (piece_len < 0 || (size_t)piece_len > len - at - 8)
            return dusk_error("token %d at byte %zu: bad length %d (%zu bytes remain)", n, at, (int)piece_len,
                              len - at - 8);
        if (n >= TOKEN_ID_LIMIT - 1) return dusk_error("more than %d tokens", TOKEN_ID_LIMIT - 1);
        at += 8 + (size_t)piece_len;
        *text_bytes += (size_t)piece_len + 1;
        n++;
    }
    *count = n;
    return 0;
}

static void index_pieces(Tokenizer *tok, int n) {
    SpModel *sp = &tok->sp;
    strmap_init(&sp->by_piece, (size_t)n);
    for (int b = 0; b < 256; b++) sp->byte_id[b] = -1;
    for (int id = 0; id < n; id++) {
        const char *s = sp->pieces + sp->piece_off[id];
        int inserted;
        strmap_upsert(&sp->by_piece, s, (size_t)sp->piece_len[id], id, &inserted); /* first id wins */
        int byte = byte_piece_value(s, sp->piece_len[id]);
        if (byte >= 0 && sp->byte_id[byte] < 0) sp->byte_id[byte] = id;
        unsigned char raw = (unsigned char)byte;
        /* decoding: a byte piece is its byte; <unk>, <s>, </s> are special */
        if (byte >= 0) table_set(&tok->table, id, &raw, 1, 0);
        else table_set(&tok->table, id, s, (size_t)sp->piece_len[id], id <= SP_EOS ? TOKEN_SPECIAL : 0);
    }
    const int *space = strmap_get(&sp->by_piece, " ", 1);
    sp->space_id = space ? *space : -1;
}

int sp_load_bin(Tokenizer *tok, const unsigned char *data, size_t len) {
    SpModel *sp = &tok->sp;
    if (len < 4) return dusk_error("truncated: no header (%zu bytes)", len);
    sp->max_token_length = read_i32(data);
    if (sp->max_token_length <= 0) return dusk_error("bad max_token_length %d in the header", sp->max_token_length);
    int n = 0;
    size_t text_bytes = 0;
    if (scan_pieces(data, len, &n, &text_bytes) != 0) return -1;
    if (n < 3) return dusk_error("only %d tokens (llama2.c vocabularies start with <unk>, <s>, </s>)", n);
    sp->scores = xmalloc((size_t)n * sizeof *sp->scores);
    sp->piece_off = xmalloc((size_t)n * sizeof *sp->piece_off);
    sp->piece_len = xmalloc((size_t)n * sizeof *sp->piece_len);
    sp->pieces = xmalloc(text_bytes + 1);
    size_t at = 4, used = 0;
    for (int id = 0; id < n; id++) {
        memcpy(&sp->scores[id], data + at, 4);
        int32_t piece_len = read_i32(data + at + 4);
        memcpy(sp->pieces + used, data + at + 8, (size_t)piece_len);
        sp->pieces[used + (size_t)piece_len] = '\0';
        sp->piece_off[id] = used;
        sp->piece_len[id] = piece_len;
        used += (size_t)piece_len + 1;
        at += 8 + (size_t)piece_len;
    }
    index_pieces(tok, n);
    tok->bos_id = SP_BOS;
    tok->eos_id = SP_EOS;
    return 0;
}

/* The piece for the concatenation of two pieces with a score run.c would
 * accept (above -1e10), or -1. */
static int merged_piece(const SpModel *sp, int left, int right, char **buf, size_t *cap) {
    size_t ll = (size_t)sp->piece_len[left], rl = (size_t)sp->piece_len[right];
    if (ll + rl > *cap) {
        *cap = (ll + rl) * 2;
        *buf = xrealloc(*buf, *cap);
    }
    memcpy(*buf, sp->pieces + sp->piece_off[left], ll);
    memcpy(*buf + ll, sp->pieces + sp->piece_off[right], rl);
    const int *id = strmap_get(&sp->by_piece, *buf, ll + rl);
    return id && sp->scores[*id] > -1e10f ? *id : -1;
}

/* One UTF-8 character per symbol, as run.c groups bytes: a non-continuation
 * byte starts a group, which takes up to 3 following continuation bytes. */
static int initial_pieces(const SpModel *sp, const unsigned char *s, size_t len, IntVec *out) {
    size_t at = 0;
    while (at < len) {
        size_t n = 1;
        while (at + n < len && (s[at + n] & 0xC0) == 0x80 && n < 4) n++;
        const int *id = strmap_get(&sp->by_piece, (const char *)s + at, n);
        if (id) {
            intvec_push(out, *id);
        } else {
            for (size_t i = 0; i < n; i++) {
                if (sp->byte_id[s[at + i]] < 0) return dusk_error("the vocabulary has no <0x%02X> byte piece", s[at + i]);
                intvec_push(out, sp->byte_id[s[at + i]]);
            }
        }
        at += n;
    }
    return 0;
}

typedef struct {
    float score;
    int pos;
    int left, right; /* the ids when queued: the entry is stale if they changed */
    int result;
} SpCandidate;

static int sp_before(const SpCandidate *a, const SpCandidate *b) {
    return a->score > b->score || (a->score == b->score && a->pos < b->pos);
}

typedef struct {
    SpCandidate *items;
    size_t n, cap;
} SpHeap;

static void sp_push(SpHeap *h, SpCandidate c) {
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 256;
        h->items = xrealloc(h->items, h->cap * sizeof *h->items);
    }
    size_t i = h->n++;
    while (i > 0 && sp_before(&c, &h->items[(i - 1) / 2])) {
        h->items[i] = h->items[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->items[i] = c;
}

static SpCandidate sp_pop(SpHeap *h) {
    SpCandidate top = h->items[0], last = h->items[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n) break;
        if (c + 1 < h->n && sp_before(&h->items[c + 1], &h->items[c])) c++;
        if (!sp_before(&h->items[c], &last)) break;
        h->items[i] = h->items[c];
        i = c;
    }
    if (h->n) h->items[i] = last;
    return top;
}

typedef struct {
    const SpModel *sp;
    int *id, *next, *prev;
    SpHeap heap;
    char *buf;
    size_t cap;
} SpMerger;

static void queue_pair(SpMerger *m, int pos) {
    if (pos < 0 || m->next[pos] < 0) return;
    int l = m->id[pos], r = m->id[m->next[pos]];
    int result = merged_piece(m->sp, l, r, &m->buf, &m->cap);
    if (result >= 0) sp_push(&m->heap, (SpCandidate){m->sp->scores[result], pos, l, r, result});
}

/* A heap of candidate merges gives the same order as run.c's repeated scan
 * (best score, then leftmost) in O(n log n), which matters for whole
 * documents. */
static void merge_pieces(const SpModel *sp, IntVec *sym) {
    int n = (int)sym->n;
    SpMerger m = {sp, sym->data, xmalloc((size_t)n * sizeof(int)), xmalloc((size_t)n * sizeof(int)), {0}, NULL, 0};
    for (int i = 0; i < n; i++) m.next[i] = i + 1 < n ? i + 1 : -1, m.prev[i] = i - 1;
    for (int i = 0; i + 1 < n; i++) queue_pair(&m, i);
    while (m.heap.n) {
        SpCandidate c = sp_pop(&m.heap);
        int right = m.next[c.pos];
        if (m.id[c.pos] != c.left || right < 0 || m.id[right] != c.right) continue;
        m.id[c.pos] = c.result;
        m.id[right] = -1; /* removed */
        m.next[c.pos] = m.next[right];
        if (m.next[right] >= 0) m.prev[m.next[right]] = c.pos;
        queue_pair(&m, m.prev[c.pos]);
        queue_pair(&m, c.pos);
    }
    size_t k = 0;
    for (int i = 0; i >= 0 && n > 0; i = m.next[i]) sym->data[k++] = m.id[i];
    sym->n = k;
    free(m.next);
    free(m.prev);
    free(m.heap.items);
    free(m.buf);
}

int sp_encode(const Tokenizer *tok, const char *text, size_t len, int add_special, IntVec *out) {
    const SpModel *sp = &tok->sp;
    if (add_special) intvec_push(out, SP_BOS);
    IntVec sym = {0};
    if (len > 0 && sp->space_id >= 0) intvec_push(&sym, sp->space_id);
    int rc = initial_pieces(sp, (const unsigned char *)text, len, &sym);
    if (rc == 0) {
        merge_pieces(sp, &sym);
        intvec_append(out, sym.data, sym.n);
    }
    intvec_free(&sym);
    return rc;
}
