/* Byte-level BPE training: count pre-tokens, then repeatedly merge the most
 * frequent adjacent pair, updating pair counts only in the words that hold
 * the pair. The order rule is documented in train.h. */
#include "tokenizer/train.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer/hashmap.h"
#include "tokenizer/intvec.h"
#include "tokenizer/pretokenize.h"
#include "util/err.h"

typedef struct {
    int *sym;         /* all words' symbols, back to back */
    size_t *start;    /* word -> first symbol */
    int *len;         /* word -> current symbol count */
    long long *freq;  /* word -> occurrences in the texts */
    int *stamp;       /* word -> last merge that visited it */
    int n;
} Words;

typedef struct {
    U64Map index; /* pair_key -> slot */
    long long *count;
    int *left, *right;
    IntVec *words; /* slot -> words that held the pair (may repeat, may be stale) */
    int *touched;  /* slot -> last merge that raised its count */
    int n, cap;
} Pairs;

typedef struct {
    long long count;
    int left, right, slot;
} Entry;

typedef struct {
    Entry *items;
    size_t n, cap;
} MaxHeap;

/* Higher count first; then smaller left id, then smaller right id. */
static int entry_before(const Entry *a, const Entry *b) {
    if (a->count != b->count) return a->count > b->count;
    if (a->left != b->left) return a->left < b->left;
    return a->right < b->right;
}

static void heap_push(MaxHeap *h, Entry e) {
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 1024;
        h->items = xrealloc(h->items, h->cap * sizeof *h->items);
    }
    size_t i = h->n++;
    while (i > 0 && entry_before(&e, &h->items[(i - 1) / 2])) {
        h->items[i] = h->items[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->items[i] = e;
}

static Entry heap_pop(MaxHeap *h) {
    Entry top = h->items[0], last = h->items[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n) break;
        if (c + 1 < h->n && entry_before(&h->items[c + 1], &h->items[c])) c++;
        if (!entry_before(&h->items[c], &last)) break;
        h->items[i] = h->items[c];
        i = c;
    }
    if (h->n) h->items[i] = last;
    return top;
}

static int pair_slot(Pairs *p, int left, int right) {
    int inserted;
    int *slot = u64map_upsert(&p->index, pair_key(left, right), p->n, &inserted);
    if (inserted) {
        if (p->n == p->cap) {
            p->cap = p->cap ? p->cap * 2 : 4096;
            p->count = xrealloc(p->count, (size_t)p->cap * sizeof *p->count);
            p->left = xrealloc(p->left, (size_t)p->cap * sizeof *p->left);
            p->right = xrealloc(p->right, (size_t)p->cap * sizeof *p->right);
            p->words = xrealloc(p->words, (size_t)p->cap * sizeof *p->words);
            p->touched = xrealloc(p->touched, (size_t)p->cap * sizeof *p->touched);
        }
        p->count[p->n] = 0;
        p->left[p->n] = left;
        p->right[p->n] = right;
        memset(&p->words[p->n], 0, sizeof p->words[p->n]);
        p->touched[p->n] = -1;
        p->n++;
    }
    return *slot;
}

/* Add delta occurrences of (left, right) found in word; raised pairs are
 * collected in `raised` (once per merge) to be queued afterwards. */
static void pair_change(Pairs *p, int left, int right, long long delta, int word, int merge, IntVec *raised) {
    int s = pair_slot(p, left, right);
    p->count[s] += delta;
    if (delta <= 0) return;
    intvec_push(&p->words[s], word);
    if (p->touched[s] != merge) {
        p->touched[s] = merge;
        intvec_push(raised, s);
    }
}

static void pairs_free(Pairs *p) {
    for (int i = 0; i < p->n; i++) intvec_free(&p->words[i]);
    free(p->words);
    free(p->count);
    free(p->left);
    free(p->right);
    free(p->touched);
    u64map_free(&p->index);
}

/* Unique pre-tokens (GPT-2 regex) of all texts with their counts. */
static int count_words(const char *const *texts, const size_t *lens, int n_texts, Words *w) {
    PreTokenizer pre = {0};
    if (pretok_add_bytelevel(&pre, 0, 1) != 0) return -1;
    PretokScratch sc;
    pretok_scratch_init(&sc);
    StrMap seen = {0};
    strmap_init(&seen, 1 << 14);
    SpanVec spans = {0}, unique = {0};
    IntVec freq = {0};
    int rc = 0;
    for (int t = 0; t < n_texts && rc == 0; t++) {
        spans.n = 0;
        rc = pretok_split(&pre, texts[t], lens[t], &sc, &spans);
        for (size_t i = 0; i < spans.n && rc == 0; i++) {
            int inserted;
            int *idx = strmap_upsert(&seen, spans.items[i].s, spans.items[i].len, (int)unique.n, &inserted);
            if (inserted) spanvec_push(&unique, spans.items[i].s, spans.items[i].len), intvec_push(&freq, 0);
            freq.data[*idx]++;
        }
    }
    size_t total = 0;
    for (size_t i = 0; i < unique.n; i++) total += unique.items[i].len;
    w->n = (int)unique.n;
    w->sym = xmalloc((total + 1) * sizeof *w->sym);
    w->start = xmalloc((unique.n + 1) * sizeof *w->start);
    w->len = xmalloc((unique.n + 1) * sizeof *w->len);
    w->freq = xmalloc((unique.n + 1) * sizeof *w->freq);
    w->stamp = xmalloc((unique.n + 1) * sizeof *w->stamp);
    size_t at = 0;
    for (size_t i = 0; i < unique.n; i++) {
        w->start[i] = at;
        w->len[i] = (int)unique.items[i].len;
        w->freq[i] = freq.data[i];
        w->stamp[i] = -1;
        for (size_t k = 0; k < unique.items[i].len; k++) w->sym[at++] = (unsigned char)unique.items[i].s[k];
    }
    intvec_free(&freq);
    spanvec_free(&spans);
    spanvec_free(&unique);
    strmap_free(&seen);
    pretok_scratch_free(&sc);
    pretok_free(&pre);
    return rc;
}

static void words_free(Words *w) {
    free(w->sym);
    free(w->start);
    free(w->len);
    free(w->freq);
    free(w->stamp);
}

/* Replace every (a, b) in word wi by c, left to right, and report how the
 * neighbouring pairs change. */
static void merge_in_word(Words *w, int wi, int a, int b, int c, int merge, Pairs *p, IntVec *raised) {
    int *s = w->sym + w->start[wi];
    int n = w->len[wi], k = 0;
    long long f = w->freq[wi];
    for (int r = 0; r < n; r++) {
        if (r + 1 < n && s[r] == a && s[r + 1] == b) {
            if (k > 0) {
                pair_change(p, s[k - 1], a, -f, wi, merge, raised);
                pair_change(p, s[k - 1], c, f, wi, merge, raised);
            }
            if (r + 2 < n) {
                pair_change(p, b, s[r + 2], -f, wi, merge, raised);
                pair_change(p, c, s[r + 2], f, wi, merge, raised);
            }
            pair_change(p, a, b, -f, wi, merge, raised);
            s[k++] = c;
            r++;
        } else {
            s[k++] = s[r];
        }
    }
    w->len[wi] = k;
}

typedef struct {
    BpeTrainResult *r;
    StrMap by_bytes; /* token bytes -> id */
} Vocab;

static int vocab_add(Vocab *v, const unsigned char *bytes, int len) {
    BpeTrainResult *r = v->r;
    int id = r->n_tokens++;
    r->token_bytes = xrealloc(r->token_bytes, (size_t)r->n_tokens * sizeof *r->token_bytes);
    r->token_len = xrealloc(r->token_len, (size_t)r->n_tokens * sizeof *r->token_len);
    r->token_bytes[id] = xmalloc((size_t)len + 1);
    memcpy(r->token_bytes[id], bytes, (size_t)len);
    r->token_len[id] = len;
    int inserted;
    strmap_upsert(&v->by_bytes, (const char *)r->token_bytes[id], (size_t)len, id, &inserted);
    return id;
}

/* The id of bytes(a) + bytes(b): an existing token, or a new one. */
static int merged_token(Vocab *v, int a, int b) {
    BpeTrainResult *r = v->r;
    int la = r->token_len[a], lb = r->token_len[b];
    unsigned char *joined = xmalloc((size_t)(la + lb));
    memcpy(joined, r->token_bytes[a], (size_t)la);
    memcpy(joined + la, r->token_bytes[b], (size_t)lb);
    const int *have = strmap_get(&v->by_bytes, (const char *)joined, (size_t)(la + lb));
    int id = have ? *have : vocab_add(v, joined, la + lb);
    free(joined);
    return id;
}

static void record_merge(BpeTrainResult *r, int a, int b, int c) {
    int k = r->n_merges++;
    r->merge_left = xrealloc(r->merge_left, (size_t)r->n_merges * sizeof(int));
    r->merge_right = xrealloc(r->merge_right, (size_t)r->n_merges * sizeof(int));
    r->merge_result = xrealloc(r->merge_result, (size_t)r->n_merges * sizeof(int));
    r->merge_left[k] = a, r->merge_right[k] = b, r->merge_result[k] = c;
}

/* The best pair whose queued count is still current; -1 when none is left. */
static int pop_best(MaxHeap *h, const Pairs *p) {
    while (h->n) {
        Entry e = heap_pop(h);
        long long now = p->count[e.slot];
        if (now == e.count && now > 0) return e.slot;
        if (now > 0 && now < e.count) heap_push(h, (Entry){now, e.left, e.right, e.slot});
    }
    return -1;
}

static void learn_merges(Words *w, Pairs *p, Vocab *v, int target) {
    MaxHeap heap = {0};
    IntVec raised = {0};
    for (int wi = 0; wi < w->n; wi++) {
        const int *s = w->sym + w->start[wi];
        for (int i = 0; i + 1 < w->len[wi]; i++) pair_change(p, s[i], s[i + 1], w->freq[wi], wi, -2, &raised);
    }
    for (int s = 0; s < p->n; s++) heap_push(&heap, (Entry){p->count[s], p->left[s], p->right[s], s});
    for (int merge = 0; v->r->n_tokens < target; merge++) {
        int slot = pop_best(&heap, p);
        if (slot < 0) break;
        int a = p->left[slot], b = p->right[slot], c = merged_token(v, a, b);
        record_merge(v->r, a, b, c);
        raised.n = 0;
        /* the pair's word list may grow while we walk it: take a copy */
        IntVec holders = {0};
        intvec_append(&holders, p->words[slot].data, p->words[slot].n);
        for (size_t i = 0; i < holders.n; i++) {
            int wi = holders.data[i];
            if (w->stamp[wi] == merge) continue;
            w->stamp[wi] = merge;
            merge_in_word(w, wi, a, b, c, merge, p, &raised);
        }
        intvec_free(&holders);
        intvec_free(&p->words[slot]); /* the pair is gone from every word */
        for (size_t i = 0; i < raised.n; i++) {
            int s = raised.data[i];
            if (p->count[s] > 0) heap_push(&heap, (Entry){p->count[s], p->left[s], p->right[s], s});
        }
    }
    free(heap.items);
    intvec_free(&raised);
}

int bpe_train(const char *const *texts, const size_t *lens, int n_texts, int vocab_size, BpeTrainResult *out) {
    memset(out, 0, sizeof *out);
    if (vocab_size < 258 || vocab_size > TOKEN_LIMIT_FOR_TRAINING)
        return dusk_error("vocab size must be from 258 (256 bytes + BOS + EOS) to %d, got %d", TOKEN_LIMIT_FOR_TRAINING,
                          vocab_size);
    Words w = {0};
    if (count_words(texts, lens, n_texts, &w) != 0) {
        words_free(&w);
        return -1;
    }
    Vocab v = {out, {0}};
    strmap_init(&v.by_bytes, (size_t)vocab_size);
    for (int b = 0; b < 256; b++) {
        unsigned char byte = (unsigned char)b;
        vocab_add(&v, &byte, 1);
    }
    Pairs p = {0};
    u64map_init(&p.index, 1 << 14);
    learn_merges(&w, &p, &v, vocab_size - 2);
    pairs_free(&p);
    strmap_free(&v.by_bytes);
    words_free(&w);
    return 0;
}

void bpe_train_result_free(BpeTrainResult *r) {
    for (int i = 0; i < r->n_tokens; i++) free(r->token_bytes[i]);
    free(r->token_bytes);
    free(r->token_len);
    free(r->merge_left);
    free(r->merge_right);
    free(r->merge_result);
    memset(r, 0, sizeof *r);
}
