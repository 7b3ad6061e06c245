#include "eval/rouge.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eval/rouge_tokenize.h"
#include "eval/sequence_align.h"
#include "tokenizer/hashmap.h"
#include "util/err.h"

/* Tokens are compared as strings; interning them to ints once makes every
 * later comparison (n-grams, LCS tables) an integer compare. */
typedef struct {
    StrMap map;
    int next_id;
} Interner;

typedef struct {
    int *ids;
    size_t n;
    RougeTokens tokens; /* owns the strings the interner's keys point into */
} TokenIds;

static int tokenize_and_intern(const char *text, size_t len, int use_stemmer, Interner *in, TokenIds *out) {
    out->ids = NULL;
    out->n = 0;
    if (rouge_tokenize_ex(text, len, use_stemmer, &out->tokens) != 0) return -1;
    out->n = (size_t)out->tokens.n;
    out->ids = xmalloc((out->n ? out->n : 1) * sizeof *out->ids);
    for (size_t i = 0; i < out->n; i++) {
        int inserted;
        const char *key = out->tokens.chars + out->tokens.offset[i];
        out->ids[i] = *strmap_upsert(&in->map, key, out->tokens.len[i], in->next_id, &inserted);
        if (inserted) in->next_id++;
    }
    return 0;
}

static void token_ids_free(TokenIds *t) {
    free(t->ids);
    rouge_tokens_free(&t->tokens);
}

double rouge_fmeasure(double precision, double recall) {
    if (precision + recall > 0) return 2 * precision * recall / (precision + recall);
    return 0.0;
}

static RougeScore score_from_counts(size_t hits, size_t pred_count, size_t target_count) {
    RougeScore s;
    s.precision = (double)hits / (double)pred_count;
    s.recall = (double)hits / (double)target_count;
    s.fmeasure = rouge_fmeasure(s.precision, s.recall);
    return s;
}

static const RougeScore kZeroScore = {0.0, 0.0, 0.0};

static int compare_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The n-grams (n = 1 or 2) of ids as sorted 64-bit keys; returns the count. */
static size_t sorted_ngram_keys(const int *ids, size_t n_ids, int n, uint64_t **keys) {
    size_t count = n_ids >= (size_t)n ? n_ids - (size_t)n + 1 : 0;
    *keys = xmalloc((count ? count : 1) * sizeof **keys);
    for (size_t i = 0; i < count; i++)
        (*keys)[i] = n == 1 ? (uint64_t)(uint32_t)ids[i] : pair_key(ids[i], ids[i + 1]);
    qsort(*keys, count, sizeof **keys, compare_u64);
    return count;
}

/* Sum over distinct keys of min(count in a, count in b): the clipped overlap. */
static size_t clipped_overlap(const uint64_t *a, size_t na, const uint64_t *b, size_t nb) {
    size_t i = 0, j = 0, overlap = 0;
    while (i < na && j < nb) {
        if (a[i] < b[j]) i++;
        else if (b[j] < a[i]) j++;
        else {
            overlap++;
            i++;
            j++;
        }
    }
    return overlap;
}

static RougeScore rouge_n(const TokenIds *target, const TokenIds *pred, int n) {
    uint64_t *tk, *pk;
    size_t nt = sorted_ngram_keys(target->ids, target->n, n, &tk);
    size_t np = sorted_ngram_keys(pred->ids, pred->n, n, &pk);
    size_t overlap = clipped_overlap(tk, nt, pk, np);
    free(tk);
    free(pk);
    return score_from_counts(overlap, np ? np : 1, nt ? nt : 1);
}

static RougeScore rouge_l(const TokenIds *target, const TokenIds *pred) {
    if (target->n == 0 || pred->n == 0) return kZeroScore;
    size_t lcs = lcs_length(target->ids, target->n, pred->ids, pred->n);
    return score_from_counts(lcs, pred->n, target->n);
}

/* The non-empty pieces of text.split("\n"), each tokenized. */
typedef struct {
    TokenIds *sents;
    size_t n;
    size_t total_tokens;
} Sentences;

static void sentences_free(Sentences *s) {
    for (size_t i = 0; i < s->n; i++) token_ids_free(&s->sents[i]);
    free(s->sents);
}

static int split_sentences(const char *text, size_t len, int use_stemmer, Interner *in, Sentences *out) {
    size_t pieces = 1;
    for (size_t i = 0; i < len; i++) pieces += text[i] == '\n';
    out->sents = xcalloc(pieces, sizeof *out->sents);
    out->n = 0;
    out->total_tokens = 0;
    size_t from = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && text[i] != '\n') continue;
        if (i > from) { /* Python drops only zero-length pieces */
            if (tokenize_and_intern(text + from, i - from, use_stemmer, in, &out->sents[out->n]) != 0) {
                sentences_free(out);
                return -1;
            }
            out->total_tokens += out->sents[out->n++].n;
        }
        from = i + 1;
    }
    return 0;
}

static void count_tokens(const Sentences *s, int *counts) {
    for (size_t i = 0; i < s->n; i++)
        for (size_t k = 0; k < s->sents[i].n; k++) counts[s->sents[i].ids[k]]++;
}

/* Mark in `in_union` every position of ref that some candidate sentence's
 * chosen LCS uses. */
static int mark_union_lcs(const TokenIds *ref, const Sentences *cand, unsigned char *in_union, size_t *idx) {
    memset(in_union, 0, ref->n);
    for (size_t c = 0; c < cand->n; c++) {
        long k = lcs_indices(ref->ids, ref->n, cand->sents[c].ids, cand->sents[c].n, idx);
        if (k < 0) return -1;
        for (long q = 0; q < k; q++) in_union[idx[q]] = 1;
    }
    return 0;
}

static int summary_level_hits(const Sentences *ref, const Sentences *cand, int vocab, size_t *hits_out) {
    int *left_r = xcalloc((size_t)vocab + 1, sizeof *left_r), *left_c = xcalloc((size_t)vocab + 1, sizeof *left_c);
    count_tokens(ref, left_r);
    count_tokens(cand, left_c);
    size_t longest = 1, hits = 0;
    for (size_t i = 0; i < ref->n; i++)
        if (ref->sents[i].n > longest) longest = ref->sents[i].n;
    unsigned char *in_union = xmalloc(longest);
    size_t *idx = xmalloc(longest * sizeof *idx);
    int rc = 0;
    for (size_t i = 0; i < ref->n && rc == 0; i++) {
        const TokenIds *r = &ref->sents[i];
        rc = mark_union_lcs(r, cand, in_union, idx);
        for (size_t k = 0; rc == 0 && k < r->n; k++) {
            int t = r->ids[k];
            if (!in_union[k] || left_c[t] <= 0 || left_r[t] <= 0) continue;
            hits++; /* each token instance can be hit only once */
            left_c[t]--;
            left_r[t]--;
        }
    }
    free(in_union);
    free(idx);
    free(left_r);
    free(left_c);
    *hits_out = hits;
    return rc;
}

static int rouge_lsum(const char *target, size_t tlen, const char *pred, size_t plen, int use_stemmer,
                      Interner *in, RougeScore *out) {
    Sentences ref, cand;
    *out = kZeroScore;
    if (split_sentences(target, tlen, use_stemmer, in, &ref) != 0) return dusk_error_prefix("target");
    if (split_sentences(pred, plen, use_stemmer, in, &cand) != 0) {
        sentences_free(&ref);
        return dusk_error_prefix("prediction");
    }
    int rc = 0;
    if (ref.total_tokens > 0 && cand.total_tokens > 0) {
        size_t hits;
        rc = summary_level_hits(&ref, &cand, in->next_id, &hits);
        if (rc == 0) *out = score_from_counts(hits, cand.total_tokens, ref.total_tokens);
    }
    sentences_free(&ref);
    sentences_free(&cand);
    return rc;
}

int rouge_score(const char *target, size_t target_len, const char *prediction, size_t prediction_len,
                RougeScores *out) {
    return rouge_score_ex(target, target_len, prediction, prediction_len, 0, out);
}

int rouge_score_ex(const char *target, size_t target_len, const char *prediction, size_t prediction_len,
                   int use_stemmer, RougeScores *out) {
    Interner in;
    strmap_init(&in.map, 256);
    in.next_id = 0;
    TokenIds t, p;
    int rc = -1;
    if (tokenize_and_intern(target, target_len, use_stemmer, &in, &t) != 0) {
        dusk_error_prefix("target");
        goto done_none;
    }
    if (tokenize_and_intern(prediction, prediction_len, use_stemmer, &in, &p) != 0) {
        dusk_error_prefix("prediction");
        goto done_target;
    }
    out->rouge1 = rouge_n(&t, &p, 1);
    out->rouge2 = rouge_n(&t, &p, 2);
    out->rougeL = rouge_l(&t, &p);
    rc = rouge_lsum(target, target_len, prediction, prediction_len, use_stemmer, &in, &out->rougeLsum);
    token_ids_free(&p);
done_target:
    token_ids_free(&t);
done_none:
    strmap_free(&in.map);
    return rc;
}
