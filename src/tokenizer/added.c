#include "tokenizer/added.h"

#include <stdlib.h>
#include <string.h>

#include "tokenizer/utf8.h"
#include "util/err.h"

void added_add(AddedTokens *a, const char *content, size_t len, int id, int special, int lstrip, int rstrip,
               int single_word, int normalized) {
    a->tokens = xrealloc(a->tokens, (size_t)(a->n + 1) * sizeof *a->tokens);
    AddedToken *t = &a->tokens[a->n++];
    t->content = xmalloc(len + 1);
    memcpy(t->content, content, len);
    t->content[len] = '\0';
    t->len = len;
    t->id = id;
    t->special = special;
    t->lstrip = lstrip;
    t->rstrip = rstrip;
    t->single_word = single_word;
    t->normalized = normalized;
}

/* Insertion sort of one bucket, longest token first, earlier entry first
 * among equal lengths (buckets are small; no global state as with qsort). */
static void sort_longest_first(const AddedTokens *a, int *idx, int n) {
    for (int i = 1; i < n; i++) {
        int x = idx[i], j = i;
        while (j > 0 && a->tokens[idx[j - 1]].len < a->tokens[x].len) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = x;
    }
}

void added_finish(AddedTokens *a) {
    for (int i = 0; i < a->n; i++) {
        const AddedToken *t = &a->tokens[i];
        if (t->len == 0) continue; /* an empty token can never be found */
        int pass = t->normalized ? 1 : 0;
        unsigned char first = (unsigned char)t->content[0];
        int k = a->bucket_n[pass][first]++;
        a->bucket[pass][first] = xrealloc(a->bucket[pass][first], (size_t)(k + 1) * sizeof(int));
        a->bucket[pass][first][k] = i;
    }
    for (int pass = 0; pass < 2; pass++)
        for (int b = 0; b < 256; b++) sort_longest_first(a, a->bucket[pass][b], a->bucket_n[pass][b]);
}

void added_free(AddedTokens *a) {
    for (int i = 0; i < a->n; i++) free(a->tokens[i].content);
    free(a->tokens);
    for (int pass = 0; pass < 2; pass++)
        for (int b = 0; b < 256; b++) free(a->bucket[pass][b]);
    memset(a, 0, sizeof *a);
}

const AddedToken *added_by_id(const AddedTokens *a, int id) {
    for (int i = a->n - 1; i >= 0; i--)
        if (a->tokens[i].id == id) return &a->tokens[i];
    return NULL;
}

const AddedToken *added_by_content(const AddedTokens *a, const char *content, size_t len) {
    for (int i = 0; i < a->n; i++)
        if (a->tokens[i].len == len && memcmp(a->tokens[i].content, content, len) == 0) return &a->tokens[i];
    return NULL;
}

void textpiece_free(TextPieceVec *v) {
    free(v->items);
    memset(v, 0, sizeof *v);
}

static void piece_push(TextPieceVec *v, const char *s, size_t len, int id) {
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 16;
        v->items = xrealloc(v->items, v->cap * sizeof *v->items);
    }
    v->items[v->n++] = (TextPiece){s, len, id};
}

/* The longest token of this pass starting at text[at], or -1. */
static int longest_at(const AddedTokens *a, int pass, const char *text, size_t len, size_t at) {
    unsigned char first = (unsigned char)text[at];
    for (int k = 0; k < a->bucket_n[pass][first]; k++) {
        const AddedToken *t = &a->tokens[a->bucket[pass][first][k]];
        if (t->len <= len - at && memcmp(text + at, t->content, t->len) == 0) return a->bucket[pass][first][k];
    }
    return -1;
}

/* A "word character" for single_word tokens: ASCII letters, digits and '_',
 * and (an approximation of Unicode alphanumerics) any non-ASCII byte. */
static int is_word_byte(unsigned char c) {
    return c >= 0x80 || c == '_' || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* Start of the whitespace run that ends at `end` (not before `floor`). */
static size_t whitespace_run_start(const char *s, size_t floor, size_t end) {
    size_t at = end;
    while (at > floor) {
        size_t b = at - 1;
        while (b > floor && ((unsigned char)s[b] & 0xC0) == 0x80 && at - b < 4) b--;
        uint32_t cp;
        int n = utf8_decode((const unsigned char *)s + b, at - b, &cp);
        if (n != (int)(at - b) || !utf8_is_whitespace(cp)) break;
        at = b;
    }
    return at;
}

static size_t whitespace_run_end(const char *s, size_t len, size_t at) {
    while (at < len) {
        uint32_t cp;
        int n = utf8_decode((const unsigned char *)s + at, len - at, &cp);
        if (n == 0 || !utf8_is_whitespace(cp)) break;
        at += (size_t)n;
    }
    return at;
}

/* One pass over a text piece: the matches are found first (leftmost-longest,
 * non-overlapping), then filtered and stretched by the token's options, like
 * HF's AddedVocabulary::find_matches. */
static void split_pass(const AddedTokens *a, int pass, const char *s, size_t len, int parse_special, TextPieceVec *out) {
    size_t emitted = 0, at = 0;
    while (at < len) {
        int k = longest_at(a, pass, s, len, at);
        if (k < 0) {
            at++;
            continue;
        }
        const AddedToken *t = &a->tokens[k];
        size_t start = at, stop = at + t->len;
        at = stop;
        if (t->special && !parse_special) continue;
        if (t->single_word && ((start > 0 && is_word_byte((unsigned char)s[start - 1])) ||
                               (stop < len && is_word_byte((unsigned char)s[stop]))))
            continue;
        if (t->lstrip) start = whitespace_run_start(s, emitted, start);
        if (t->rstrip) stop = whitespace_run_end(s, len, stop);
        if (start > emitted) piece_push(out, s + emitted, start - emitted, -1);
        piece_push(out, s + start, stop - start, t->id);
        emitted = stop;
        if (at < stop) at = stop;
    }
    if (emitted < len) piece_push(out, s + emitted, len - emitted, -1);
}

void added_split(const AddedTokens *a, const char *text, size_t len, int parse_special, TextPieceVec *out) {
    TextPieceVec first = {0};
    split_pass(a, 0, text, len, parse_special, &first);
    for (size_t i = 0; i < first.n; i++) {
        TextPiece p = first.items[i];
        if (p.id >= 0) piece_push(out, p.s, p.len, p.id);
        else split_pass(a, 1, p.s, p.len, parse_special, out);
    }
    textpiece_free(&first);
}
