/* llama2.c tokenizer.bin: the ids llama2.c's own test.c expects for the
 * Llama-2 vocabulary, and encode/decode against a plain re-statement of
 * run.c's rules written here (its O(n^2) merge scan, its piece handling on
 * decode), on random strings with both ../shared vocabularies, plus round
 * trips over whole DUSK documents. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tokenizer/tokenizer.h"
#include "util/err.h"
#include "util/fileio.h"
#include "util/rng.h"

static const char *shared_dir(void) {
    const char *s = getenv("SHARED");
    return s && *s ? s : "../shared";
}

/* The test's own reader of the file format. */
typedef struct {
    int n;
    float *score;
    char **piece;
    int *len;
    int *sorted; /* ids ordered by piece bytes, for binary search */
} Vocab;

static const Vocab *g_vocab; /* for qsort's comparison */

static int compare_bytes(const char *a, int la, const char *b, int lb) {
    int c = memcmp(a, b, (size_t)(la < lb ? la : lb));
    return c ? c : (la > lb) - (la < lb);
}

static int by_piece(const void *x, const void *y) {
    int a = *(const int *)x, b = *(const int *)y;
    int c = compare_bytes(g_vocab->piece[a], g_vocab->len[a], g_vocab->piece[b], g_vocab->len[b]);
    return c ? c : a - b; /* equal pieces: lowest id first */
}

static int read_vocab(const char *path, Vocab *v) {
    size_t size;
    unsigned char *d = (unsigned char *)read_file_all(path, &size);
    if (!d) return -1;
    int cap = 0;
    for (size_t at = 4; at + 8 <= size; cap++) { /* count first: one allocation per array */
        int32_t len;
        memcpy(&len, d + at + 4, 4);
        at += 8 + (size_t)len;
    }
    v->n = 0;
    v->score = malloc((size_t)cap * sizeof *v->score);
    v->piece = malloc((size_t)cap * sizeof *v->piece);
    v->len = malloc((size_t)cap * sizeof *v->len);
    for (size_t at = 4; v->n < cap; v->n++) {
        int32_t len;
        memcpy(&len, d + at + 4, 4);
        memcpy(&v->score[v->n], d + at, 4);
        v->piece[v->n] = calloc((size_t)len + 1, 1);
        memcpy(v->piece[v->n], d + at + 8, (size_t)len);
        v->len[v->n] = len;
        at += 8 + (size_t)len;
    }
    free(d);
    v->sorted = malloc((size_t)v->n * sizeof *v->sorted);
    for (int i = 0; i < v->n; i++) v->sorted[i] = i;
    g_vocab = v;
    qsort(v->sorted, (size_t)v->n, sizeof *v->sorted, by_piece);
    return 0;
}

static void free_vocab(Vocab *v) {
    for (int i = 0; i < v->n; i++) free(v->piece[i]);
    free(v->piece);
    free(v->score);
    free(v->len);
    free(v->sorted);
}

static int lookup(const Vocab *v, const char *s, size_t len) {
    int lo = 0, hi = v->n - 1, found = -1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2, id = v->sorted[mid];
        int c = compare_bytes(v->piece[id], v->len[id], s, (int)len);
        if (c == 0) found = id, hi = mid - 1; /* keep looking left for the lowest id */
        else if (c < 0) lo = mid + 1;
        else hi = mid - 1;
    }
    return found;
}

/* run.c's encode(text, bos=1, eos=0), restated: BOS, dummy " ", one piece per
 * UTF-8 character or its bytes as <0xXX> (id byte+3), then merge the best
 * pair (highest score, first on ties) until none is left. */
static int reference_encode(const Vocab *v, const char *text, size_t len, int *out) {
    int n = 0;
    out[n++] = 1;
    if (len) out[n++] = lookup(v, " ", 1);
    for (size_t i = 0; i < len;) {
        size_t k = 1;
        while (i + k < len && ((unsigned char)text[i + k] & 0xC0) == 0x80 && k < 4) k++;
        int id = lookup(v, text + i, k);
        if (id >= 0) out[n++] = id;
        else
            for (size_t j = 0; j < k; j++) out[n++] = (unsigned char)text[i + j] + 3;
        i += k;
    }
    char buf[256];
    for (;;) {
        float best = -1e10f;
        int best_i = -1, best_id = -1;
        for (int i = 1; i + 1 < n; i++) {
            snprintf(buf, sizeof buf, "%s%s", v->piece[out[i]], v->piece[out[i + 1]]);
            int id = lookup(v, buf, strlen(buf));
            if (id >= 0 && v->score[id] > best) best = v->score[id], best_i = i, best_id = id;
        }
        if (best_i < 0) break;
        out[best_i] = best_id;
        memmove(out + best_i + 1, out + best_i + 2, (size_t)(n - best_i - 2) * sizeof *out);
        n--;
    }
    return n;
}

/* run.c's decode(prev, token) applied along the sequence. */
static size_t reference_decode(const Vocab *v, const int *ids, int n, int skip_control, char *out) {
    size_t w = 0;
    for (int i = 0; i < n; i++) {
        if (skip_control && ids[i] <= 2) continue;
        const char *p = v->piece[ids[i]];
        if (i > 0 && ids[i - 1] == 1 && p[0] == ' ') p++;
        unsigned byte;
        char close;
        if (strlen(p) == 6 && sscanf(p, "<0x%2X%c", &byte, &close) == 2 && close == '>') out[w++] = (char)byte;
        else memcpy(out + w, p, strlen(p)), w += strlen(p);
    }
    return w;
}

static void check_ids(const Tokenizer *tok, const char *text, const int *want, int n_want) {
    int *ids, n;
    CHECK(tokenizer_encode(tok, text, strlen(text), 1, &ids, &n) == 0);
    int same = n == n_want;
    for (int i = 0; same && i < n; i++) same = ids[i] == want[i];
    CHECK_MSG(same, "\"%s\": %d ids, expected %d", text, n, n_want);
    free(ids);
}

/* test_prompt_encodings() in karpathy/llama2.c test.c. */
static void test_llama2c_expected_ids(const Tokenizer *tok) {
    check_ids(tok, "", (int[]){1}, 1);
    check_ids(tok, "I believe the meaning of life is", (int[]){1, 306, 4658, 278, 6593, 310, 2834, 338}, 8);
    check_ids(tok, "Simply put, the theory of relativity states that ",
              (int[]){1, 3439, 17632, 1925, 29892, 278, 6368, 310, 14215, 537, 5922, 393, 29871}, 13);
    check_ids(tok, "A brief message congratulating the team on the launch:\n\n        Hi everyone,\n\n        I just ",
              (int[]){1,    319,   11473, 2643, 378, 629,  271,   18099, 278,  3815, 373,  278, 6826,
                      29901, 13,   13,    4706, 6324, 14332, 29892, 13,   13,   4706, 306,  925, 29871},
              26);
    check_ids(tok,
              "Translate English to French:\n\n        sea otter => loutre de mer\n        peppermint => menthe "
              "poivrée\n        plush girafe => girafe peluche\n        cheese =>",
              (int[]){1,   4103, 9632, 4223, 304,  5176, 29901, 13,   13,   4706, 7205, 4932, 357,   1149, 301, 449, 276,
                      316, 2778, 13,   4706, 1236, 407,  837,   524,  1149, 6042, 354,  772,  440,   29878, 1318, 13, 4706,
                      715, 1878, 330,  3055, 1725, 1149, 330,   3055, 1725, 4639, 28754, 13,  4706,  923,  968, 1149},
              50);
    int ids[] = {1, 306, 4658, 278, 6593, 310, 2834, 338};
    size_t len;
    char *s = tokenizer_decode(tok, ids, 8, 1, 0, &len);
    CHECK(s && strcmp(s, "I believe the meaning of life is") == 0);
    free(s);
    CHECK(tokenizer_bos_id(tok) == 1 && tokenizer_eos_id(tok) == 2 && tokenizer_vocab_size(tok) == 32000);
}

static void random_text(Rng *r, char *buf, size_t len) {
    static const char *const kBits[] = {"a", "e", "t", "o", " ", "  ", "\n", "the", "ing", ",", ".", "Q", "z", "7",
                                        "é", "ñ", "ü", "中", "文", "🙂", "\xE2\x82", "\xFF", "\t", "'s", "X"};
    size_t n = 0;
    while (n + 8 < len) {
        const char *b = kBits[rng_below(r, sizeof kBits / sizeof kBits[0])];
        memcpy(buf + n, b, strlen(b));
        n += strlen(b);
    }
    buf[n] = '\0';
}

static void test_against_run_c(const Tokenizer *tok, const Vocab *v, const char *name) {
    Rng r;
    rng_seed(&r, 11);
    char text[200], decoded[4096];
    int want[1024], bad_enc = 0, bad_dec = 0, bad_trip = 0;
    for (int t = 0; t < 150; t++) {
        random_text(&r, text, 10 + (size_t)rng_below(&r, 150));
        int n_want = reference_encode(v, text, strlen(text), want);
        int *ids, n;
        if (tokenizer_encode(tok, text, strlen(text), 1, &ids, &n) != 0) {
            bad_enc++;
            continue;
        }
        if (n != n_want || memcmp(ids, want, (size_t)n * sizeof *ids) != 0) bad_enc++;
        for (int skip = 0; skip < 2; skip++) {
            size_t len, ref_len = reference_decode(v, ids, n, skip, decoded);
            char *s = tokenizer_decode(tok, ids, n, skip, 0, &len);
            if (!s || len != ref_len || memcmp(s, decoded, len) != 0) bad_dec++;
            if (skip && (!s || len != strlen(text) || memcmp(s, text, len) != 0)) bad_trip++;
            free(s);
        }
        free(ids);
    }
    /* arbitrary id sequences too: spaces after BOS in odd places, byte pieces */
    for (int t = 0; t < 200; t++) {
        int ids[40], n = 1 + (int)rng_below(&r, 40);
        for (int i = 0; i < n; i++) ids[i] = rng_below(&r, 4) == 0 ? 1 : (int)rng_below(&r, (uint64_t)v->n);
        for (int skip = 0; skip < 2; skip++) {
            size_t len, ref_len = reference_decode(v, ids, n, skip, decoded);
            char *s = tokenizer_decode(tok, ids, n, skip, 0, &len);
            if (!s || len != ref_len || memcmp(s, decoded, len) != 0) bad_dec++;
            free(s);
        }
    }
    CHECK_MSG(bad_enc == 0, "%s: %d of 150 encodings differ from run.c's rules", name, bad_enc);
    CHECK_MSG(bad_dec == 0, "%s: %d decodings differ from run.c's rules", name, bad_dec);
    CHECK_MSG(bad_trip == 0, "%s: %d of 150 texts do not round-trip", name, bad_trip);
}

static void test_document_round_trip(const Tokenizer *tok, const char *name) {
    char path[1024];
    snprintf(path, sizeof path, "%s/dusk-data/data/Prof/Interview.txt", shared_dir());
    size_t len, out_len;
    char *text = read_file_all(path, &len);
    CHECK_MSG(text != NULL, "%s", dusk_last_error());
    if (!text) return;
    int *ids, n;
    CHECK(tokenizer_encode(tok, text, len, 1, &ids, &n) == 0);
    char *back = tokenizer_decode(tok, ids, n, 1, 0, &out_len);
    CHECK_MSG(back && out_len == len && memcmp(back, text, len) == 0, "%s: Interview.txt does not round-trip", name);
    CHECK(n > 1 && n < (int)len);
    free(back);
    free(ids);
    free(text);
}

static void run_vocab(const char *rel, const char *name, int expect_llama2) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", shared_dir(), rel);
    Tokenizer *tok = tokenizer_load(path);
    CHECK_MSG(tok != NULL, "%s", dusk_last_error());
    Vocab v;
    CHECK(read_vocab(path, &v) == 0);
    if (!tok) return;
    if (expect_llama2) test_llama2c_expected_ids(tok);
    CHECK(tokenizer_vocab_size(tok) == v.n);
    test_against_run_c(tok, &v, name);
    test_document_round_trip(tok, name);
    free_vocab(&v);
    tokenizer_free(tok);
}

int main(void) {
    run_vocab("tokenizers/llama2/tokenizer.bin", "llama2", 1);
    run_vocab("models/stories260K/tok512.bin", "tok512", 0);
    return check_report("tokenizer_llama2c");
}
