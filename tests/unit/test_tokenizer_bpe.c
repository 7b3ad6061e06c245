/* Byte-level BPE (HF tokenizer.json): the byte alphabet against GPT-2's own
 * construction, the merge loop against GPT-2's original algorithm, cleanup,
 * added-token splitting, and decode(encode(x)) == x on the DUSK corpus and on
 * random bytes with the GPT-2 and Llama-3 vocabularies from ../shared. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tokenizer/bytelevel.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/utf8.h"
#include "util/fileio.h"
#include "util/rng.h"

static const char *shared_dir(void) {
    const char *s = getenv("SHARED");
    return s && *s ? s : "../shared";
}

static Tokenizer *load_shared(const char *rel) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", shared_dir(), rel);
    Tokenizer *t = tokenizer_load(path);
    CHECK_MSG(t != NULL, "%s: %s", path, dusk_last_error());
    return t;
}

/* GPT-2's bytes_to_unicode, built the way OpenAI's encoder.py builds it. */
static void test_byte_alphabet(void) {
    int shown[256] = {0}, cs[256];
    int n_listed = 0, listed[256];
    for (int b = '!'; b <= '~'; b++) listed[n_listed++] = b;
    for (int b = 0xA1; b <= 0xAC; b++) listed[n_listed++] = b;
    for (int b = 0xAE; b <= 0xFF; b++) listed[n_listed++] = b;
    for (int i = 0; i < n_listed; i++) shown[listed[i]] = 1, cs[listed[i]] = listed[i];
    int extra = 0;
    for (int b = 0; b < 256; b++)
        if (!shown[b]) cs[b] = 256 + extra++;
    CHECK(extra == 68);
    for (int b = 0; b < 256; b++) {
        CHECK_MSG((int)bytelevel_char_of_byte((unsigned char)b) == cs[b], "byte %d", b);
        CHECK(bytelevel_byte_of_char((uint32_t)cs[b]) == b);
    }
    CHECK(bytelevel_byte_of_char(0x20) == -1); /* space is shown as U+0120 */
    CHECK(bytelevel_byte_of_char(256 + 68) == -1);
    unsigned char raw[3] = {' ', 'a', 0xFF}, back[8];
    char text[8];
    size_t n = bytelevel_from_bytes(raw, 3, text);
    CHECK(n == 2 + 1 + 2 && memcmp(text, "\xC4\xA0" "a" "\xC3\xBF", n) == 0); /* "Ġaÿ" */
    CHECK(bytelevel_to_bytes(text, n, back) == 3 && memcmp(back, raw, 3) == 0);
    CHECK(bytelevel_to_bytes(" ", 1, back) == -1);
}

/* GPT-2's encoder.py bpe(): merge every occurrence of the lowest-ranked
 * bigram, left to right, until no bigram has a rank. */
static void reference_bpe(const BpeModel *m, const unsigned char *w, size_t len, IntVec *out) {
    int *sym = malloc((len + 1) * sizeof *sym), n = 0;
    for (size_t i = 0; i < len; i++) sym[n++] = m->byte_id[w[i]];
    for (;;) {
        int best = -1;
        for (int i = 0; i + 1 < n; i++) {
            const int *r = u64map_get(&m->merges, pair_key(sym[i], sym[i + 1]));
            if (r && (best < 0 || *r < best)) best = *r;
        }
        if (best < 0) break;
        int a = m->merge_left[best], b = m->merge_right[best], k = 0;
        for (int i = 0; i < n; i++) {
            if (i + 1 < n && sym[i] == a && sym[i + 1] == b) sym[k++] = m->merge_result[best], i++;
            else sym[k++] = sym[i];
        }
        n = k;
    }
    intvec_append(out, sym, (size_t)n);
    free(sym);
}

static void random_word(Rng *r, unsigned char *w, size_t len, int ascii) {
    static const char kLetters[] = " etaoinshrdlucmfwypvbgkqjxz'.,0123456789ETAOIN";
    for (size_t i = 0; i < len; i++)
        w[i] = ascii ? (unsigned char)kLetters[rng_below(r, sizeof kLetters - 1)] : (unsigned char)rng_below(r, 256);
}

static void test_merge_order(Tokenizer *tok, const char *name) {
    BpeModel *m = &tok->bpe;
    int saved = m->ignore_merges, bad = 0;
    m->ignore_merges = 0; /* GPT-2's algorithm has no such shortcut */
    Rng r;
    rng_seed(&r, 42);
    unsigned char w[300];
    for (int t = 0; t < 3000; t++) {
        size_t len = 1 + (size_t)rng_below(&r, t < 2900 ? 12 : 300);
        random_word(&r, w, len, t % 3 != 0);
        IntVec got = {0}, want = {0};
        bpe_encode_word(m, w, len, &got);
        reference_bpe(m, w, len, &want);
        if (got.n != want.n || memcmp(got.data, want.data, got.n * sizeof(int)) != 0) bad++;
        intvec_free(&got);
        intvec_free(&want);
    }
    m->ignore_merges = saved;
    CHECK_MSG(bad == 0, "%s: %d of 3000 words merge differently from GPT-2's algorithm", name, bad);
}

static void test_cleanup(void) {
    char s[] = "Hello , world . I 'm fine ! Is n't it ? We 're , they 've , it 's ' quoted ' end";
    size_t n = cleanup_tokenization_spaces(s, strlen(s));
    const char *want = "Hello, world. I'm fine! Isn't it? We're, they've, it's'quoted'end";
    CHECK_MSG(n == strlen(want) && strcmp(s, want) == 0, "got \"%s\"", s);
    char t[] = "a  . b"; /* str.replace(" .", ".") leaves the first space */
    CHECK(cleanup_tokenization_spaces(t, strlen(t)) == 5 && strcmp(t, "a . b") == 0);
}

static int encode_text(const Tokenizer *tok, const char *s, int add, int parse, int *out, int max) {
    int *ids, n;
    if (tokenizer_encode_ex(tok, s, strlen(s), add, parse, &ids, &n) != 0) return -1;
    for (int i = 0; i < n && i < max; i++) out[i] = ids[i];
    free(ids);
    return n;
}

/* Ids checked by hand against the vocabulary files: GPT-2's encoder.json
 * has "Hello": 15496, "Ġworld": 995, "!": 0; <|endoftext|> is 50256. */
static void test_specials(Tokenizer *gpt2, Tokenizer *llama3) {
    int ids[64];
    CHECK(encode_text(gpt2, "Hello world!", 1, 1, ids, 64) == 3 && ids[0] == 15496 && ids[1] == 995 && ids[2] == 0);
    CHECK(encode_text(gpt2, "<|endoftext|>", 0, 1, ids, 64) == 1 && ids[0] == 50256);
    int n = encode_text(gpt2, "<|endoftext|>", 0, 0, ids, 64);
    CHECK(n > 1);
    for (int i = 0; i < n; i++) CHECK(ids[i] != 50256);
    CHECK(tokenizer_bos_id(gpt2) == -1 && tokenizer_eos_id(gpt2) == 50256 && tokenizer_vocab_size(gpt2) == 50257);
    CHECK(tokenizer_bos_id(llama3) == 128000 && tokenizer_eos_id(llama3) == 128001);
    CHECK(tokenizer_vocab_size(llama3) == 128256);
    CHECK(encode_text(llama3, "", 1, 1, ids, 64) == 1 && ids[0] == 128000);
    CHECK(encode_text(llama3, "", 0, 1, ids, 64) == 0);
    CHECK(encode_text(llama3, "a<|end_of_text|>", 1, 1, ids, 64) == 3 && ids[0] == 128000 && ids[2] == 128001);
    /* decoding: specials kept or skipped; ids past the vocabulary are errors */
    int seq[] = {128000, 9906, 128001};
    size_t len;
    char *s = tokenizer_decode(llama3, seq, 3, 0, 0, &len);
    CHECK(s && strcmp(s, "<|begin_of_text|>Hello<|end_of_text|>") == 0);
    free(s);
    s = tokenizer_decode(llama3, seq, 3, 1, 0, &len);
    CHECK(s && strcmp(s, "Hello") == 0 && len == 5);
    free(s);
    int bad[] = {5, 128256};
    CHECK(tokenizer_decode(llama3, bad, 2, 0, 0, &len) == NULL && strstr(dusk_last_error(), "128256"));
    int negative = -1;
    CHECK(tokenizer_decode(gpt2, &negative, 1, 0, 0, &len) == NULL);
}

/* Added tokens: leftmost-longest matching, lstrip/rstrip, single_word. */
static void test_added_split(void) {
    AddedTokens a = {0};
    added_add(&a, "<x>", 3, 10, 1, 0, 0, 0, 0);
    added_add(&a, "<x>y", 4, 11, 1, 0, 0, 0, 0);
    added_add(&a, "[L]", 3, 12, 0, 1, 1, 0, 0);
    added_add(&a, "w", 1, 13, 0, 0, 0, 1, 0);
    added_finish(&a);
    const char *text = "a<x>yb<x> \t[L]\n c w wx";
    TextPieceVec v = {0};
    added_split(&a, text, strlen(text), 1, &v);
    /* "a" <x>y "b" <x> " \t[L]\n " -> [L] swallows the whitespace around it, "c " w " wx" */
    const int want_ids[] = {-1, 11, -1, 10, 12, -1, 13, -1};
    const char *want_text[] = {"a", "<x>y", "b", "<x>", " \t[L]\n ", "c ", "w", " wx"};
    CHECK_MSG(v.n == 8, "%zu pieces", v.n);
    for (size_t i = 0; i < v.n && i < 8; i++) {
        CHECK_MSG(v.items[i].id == want_ids[i], "piece %zu id %d", i, v.items[i].id);
        CHECK_MSG(v.items[i].len == strlen(want_text[i]) && memcmp(v.items[i].s, want_text[i], v.items[i].len) == 0,
                  "piece %zu is \"%.*s\"", i, (int)v.items[i].len, v.items[i].s);
    }
    v.n = 0;
    added_split(&a, "<x>", 3, 0, &v); /* specials not parsed: plain text */
    CHECK(v.n == 1 && v.items[0].id == -1);
    textpiece_free(&v);
    added_free(&a);
}

static int round_trips(const Tokenizer *tok, const char *text, size_t len) {
    int *ids, n;
    if (tokenizer_encode_ex(tok, text, len, 0, 0, &ids, &n) != 0) return 0;
    size_t out_len;
    char *back = tokenizer_decode(tok, ids, n, 0, 0, &out_len);
    int ok = back && out_len == len && memcmp(back, text, len) == 0;
    free(back);
    free(ids);
    return ok;
}

static void test_corpus_round_trip(const Tokenizer *tok, const char *name) {
    static const char *const kFiles[] = {
        "Chronological.txt", "Feature_Story.txt", "Interview.txt", "Inverted_Pyramid.txt", "Listicle.txt",
        "eval/GeneralQA.jsonl", "eval/SpecificForgetQA.jsonl", "eval/SpecificRetainQA.jsonl", "eval/holdout.txt",
        "eval/icl.jsonl", "eval/icl_mcqa.jsonl", "eval/verbatim.json"};
    for (size_t i = 0; i < sizeof kFiles / sizeof kFiles[0]; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/dusk-data/data/Prof/%s", shared_dir(), kFiles[i]);
        size_t len;
        char *text = read_file_all(path, &len);
        CHECK_MSG(text != NULL, "%s", dusk_last_error());
        if (text) CHECK_MSG(round_trips(tok, text, len), "%s: decode(encode(x)) != x for %s", name, kFiles[i]);
        free(text);
    }
}

/* Random bytes: uniform, mostly ASCII with stray high bytes, random valid
 * code points, and whitespace-heavy strings. */
static void test_random_round_trip(const Tokenizer *tok, const char *name) {
    Rng r;
    rng_seed(&r, 7);
    char buf[4096];
    int failures = 0;
    for (int t = 0; t < 400; t++) {
        size_t len = (size_t)rng_below(&r, t % 50 == 0 ? 4000 : 200), n = 0;
        while (n < len) {
            int kind = t % 4;
            if (kind == 0) buf[n++] = (char)rng_below(&r, 256);
            else if (kind == 1) buf[n++] = rng_below(&r, 10) ? (char)(32 + rng_below(&r, 95)) : (char)rng_below(&r, 256);
            else if (kind == 2 && n + 4 <= len) {
                uint32_t cp = (uint32_t)rng_below(&r, 0x110000);
                if (cp >= 0xD800 && cp <= 0xDFFF) continue;
                n += (size_t)utf8_encode(cp, buf + n);
            } else buf[n++] = " \n\t\r\xC2\xA0" "ab"[rng_below(&r, 8)];
        }
        if (!round_trips(tok, buf, n)) failures++;
    }
    CHECK_MSG(failures == 0, "%s: %d of 400 random byte strings do not round-trip", name, failures);
}

int main(void) {
    test_byte_alphabet();
    test_cleanup();
    test_added_split();
    Tokenizer *gpt2 = load_shared("tokenizers/gpt2/tokenizer.json");
    Tokenizer *llama3 = load_shared("tokenizers/llama3");
    if (gpt2 && llama3) {
        test_specials(gpt2, llama3);
        test_merge_order(gpt2, "gpt2");
        test_merge_order(llama3, "llama3");
        test_corpus_round_trip(gpt2, "gpt2");
        test_corpus_round_trip(llama3, "llama3");
        test_random_round_trip(gpt2, "gpt2");
        test_random_round_trip(llama3, "llama3");
    }
    tokenizer_free(gpt2);
    tokenizer_free(llama3);
    return check_report("tokenizer_bpe");
}
