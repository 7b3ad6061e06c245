#include "tokenizer/bpe.h"

#include <stdlib.h>
#include <string.h>

#include "util/err.h"

void bpe_init(BpeModel *m) {
    memset(m, 0, sizeof *m);
    strmap_init(&m->by_bytes, 256);
    u64map_init(&m->merges, 256);
    for (int b = 0; b < 256; b++) m->byte_id[b] = -1;
    m->unk_id = -1;
}

void bpe_free(BpeModel *m) {
    free(m->vocab_bytes);
    strmap_free(&m->by_bytes);
    u64map_free(&m->merges);
    free(m->merge_result);
    free(m->merge_left);
    free(m->merge_right);
    memset(m, 0, sizeof *m);
}

void bpe_add_merge(BpeModel *m, int left, int right, int result) {
    int rank = m->n_merges++;
    /* grow the per-rank arrays in powers of two */
    if ((rank & (rank - 1)) == 0) {
        size_t cap = rank ? (size_t)rank * 2 : 1;
        m->merge_result = xrealloc(m->merge_result, cap * sizeof(int));
        m->merge_left = xrealloc(m->merge_left, cap * sizeof(int));
        m->merge_right = xrealloc(m->merge_right, cap * sizeof(int));
    }
    m->merge_result[rank] = result;
    m->merge_left[rank] = left;
    m->merge_right[rank] = right;
    int inserted;
    *u64map_upsert(&m->merges, pair_key(left, right), rank, &inserted) = rank;
}

/* One symbol of the word being merged: a doubly linked list over an array,
 * so a merge is O(1) and positions (the tie-breaker) never move. */
typedef struct {
    int id;
    int prev, next; /* -1 at the ends */
    int alive;
} Symbol;

/* A candidate merge of the symbol at pos with its right neighbour. */
typedef struct {
    int rank;
    int pos;
    int result;
} Candidate;

static int candidate_before(const Candidate *a, const Candidate *b) {
    return a->rank < b->rank || (a->rank == b->rank && a->pos < b->pos);
}

/* Starts in a caller-provided (stack) buffer; moves to the heap when full. */
typedef struct {
    Candidate *items;
    size_t n, cap;
    int owned;
} CandidateHeap;

static void heap_grow(CandidateHeap *h) {
    size_t cap = h->cap * 2;
    Candidate *bigger = xmalloc(cap * sizeof *bigger);
    memcpy(bigger, h->items, h->n * sizeof *bigger);
    if (h->owned) free(h->items);
    h->items = bigger;
    h->cap = cap;
    h->owned = 1;
}

static void heap_push(CandidateHeap *h, Candidate c) {
    if (h->n == h->cap) heap_grow(h);
    size_t i = h->n++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!candidate_before(&c, &h->items[parent])) break;
        h->items[i] = h->items[parent];
        i = parent;
    }
    h->items[i] = c;
}

static Candidate heap_pop(CandidateHeap *h) {
    Candidate top = h->items[0], last = h->items[--h->n];
    size_t i = 0;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= h->n) break;
        if (child + 1 < h->n && candidate_before(&h->items[child + 1], &h->items[child])) child++;
        if (!candidate_before(&h->items[child], &last)) break;
        h->items[i] = h->items[child];
        i = child;
    }
    if (h->n) h->items[i] = last;
    return top;
}

/* Queue the merge of the symbol at pos with its right neighbour, if any. */
static void push_pair(const BpeModel *m, const Symbol *sym, int pos, CandidateHeap *h) {
    if (pos < 0 || sym[pos].next < 0) return;
    int next = sym[pos].next;
    const int *rank = u64map_get(&m->merges, pair_key(sym[pos].id, sym[next].id));
    if (rank) heap_push(h, (Candidate){*rank, pos, m->merge_result[*rank]});
}

/* Initial symbols: one per byte; bytes without a token become unk (fused
 * when asked) or are dropped, as HF's BPE does for unknown characters. */
static int initial_symbols(const BpeModel *m, const unsigned char *word, size_t len, Symbol *sym) {
    int n = 0;
    for (size_t i = 0; i < len; i++) {
        int id = m->byte_id[word[i]];
        if (id < 0) {
            if (m->unk_id < 0) continue;
            if (m->fuse_unk && n > 0 && sym[n - 1].id == m->unk_id) continue;
            id = m->unk_id;
        }
        sym[n] = (Symbol){id, n - 1, n + 1, 1};
        n++;
    }
    if (n > 0) sym[n - 1].next = -1;
    return n;
}

static void merge_all(const BpeModel *m, Symbol *sym, int n, CandidateHeap *h) {
    for (int i = 0; i + 1 < n; i++) push_pair(m, sym, i, h);
    while (h->n) {
        Candidate c = heap_pop(h);
        Symbol *left = &sym[c.pos];
        if (!left->alive || left->next < 0) continue;
        Symbol *right = &sym[left->next];
        /* stale entry: the pair here changed since it was queued */
        const int *rank = u64map_get(&m->merges, pair_key(left->id, right->id));
        if (!rank || m->merge_result[*rank] != c.result) continue;
        left->id = c.result;
        right->alive = 0;
        left->next = right->next;
        if (right->next >= 0) sym[right->next].prev = c.pos;
        push_pair(m, sym, left->prev, h);
        push_pair(m, sym, c.pos, h);
    }
}

void bpe_encode_word(const BpeModel *m, const unsigned char *word, size_t len, IntVec *out) {
    if (len == 0) return;
    if (m->ignore_merges) {
        const int *id = strmap_get(&m->by_bytes, (const char *)word, len);
        if (id) {
            intvec_push(out, *id);
            return;
        }
    }
    Symbol small[64];
    Symbol *sym = len <= 64 ? small : xmalloc(len * sizeof *sym);
    int n = initial_symbols(m, word, len, sym);
    Candidate heap_small[64];
    CandidateHeap heap = {heap_small, 0, 64, 0};
    merge_all(m, sym, n, &heap);
    for (int i = 0; i < n && i >= 0; i = sym[i].next) intvec_push(out, sym[i].id);
    if (heap.owned) free(heap.items);
    if (sym != small) free(sym);
}
