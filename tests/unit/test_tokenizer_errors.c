/* Malformed and unsupported tokenizer files: each must fail with a message
 * naming the file and the field, never crash (this program also runs under
 * ASan+UBSan), and corrupted copies of valid files must either load or fail
 * cleanly. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "tokenizer/tokenizer.h"
#include "util/err.h"
#include "util/fileio.h"
#include "util/rng.h"

static char g_dir[256];

/* A small but complete byte-level BPE tokenizer.json: the 256 byte tokens,
 * "ab", one merge, a BOS template and one special token. */
static char *valid_json(void) {
    size_t cap = 1 << 16, n = 0;
    char *s = malloc(cap);
    n += (size_t)snprintf(s + n, cap - n, "{\"added_tokens\":[{\"id\":257,\"content\":\"<s>\",\"special\":true}],"
                                           "\"model\":{\"type\":\"BPE\",\"vocab\":{");
    for (int b = 0; b < 256; b++) {
        /* GPT-2 byte alphabet, spelled as JSON \u escapes */
        int shown = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
        int cp = shown ? b : 256 + (b <= 0x20 ? b : b <= 0xA0 ? 33 + b - 0x7F : 67);
        n += (size_t)snprintf(s + n, cap - n, "\"\\u%04x\":%d,", cp, b);
    }
    n += (size_t)snprintf(s + n, cap - n,
                          "\"ab\":256},\"merges\":[\"a b\"]},"
                          "\"pre_tokenizer\":{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"Split\",\"pattern\":"
                          "{\"Regex\":\"\\\\p{L}+|\\\\s+|.\"},\"behavior\":\"Isolated\",\"invert\":false},"
                          "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"use_regex\":false}]},"
                          "\"post_processor\":{\"type\":\"TemplateProcessing\",\"single\":[{\"SpecialToken\":{\"id\":"
                          "\"<s>\",\"type_id\":0}},{\"Sequence\":{\"id\":\"A\",\"type_id\":0}}],\"special_tokens\":"
                          "{\"<s>\":{\"id\":\"<s>\",\"ids\":[257],\"tokens\":[\"<s>\"]}}},"
                          "\"decoder\":{\"type\":\"ByteLevel\"}}");
    return s;
}

/* base with the first occurrence of `from` replaced by `to` (malloc'd). */
static char *replace(const char *base, const char *from, const char *to) {
    const char *at = strstr(base, from);
    if (!at) {
        fprintf(stderr, "test setup: \"%s\" not found\n", from);
        exit(2);
    }
    size_t head = (size_t)(at - base), n = strlen(base) - strlen(from) + strlen(to);
    char *s = malloc(n + 1);
    memcpy(s, base, head);
    strcpy(s + head, to);
    strcat(s, at + strlen(from));
    return s;
}

static void write_file(const char *path, const void *data, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "test setup: cannot write %s\n", path);
        exit(2);
    }
}

/* Loading `content` as name must fail with a message holding each `want`. */
static void expect_error(const char *name, const char *content, size_t len, const char *want1, const char *want2) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    write_file(path, content, len);
    Tokenizer *t = tokenizer_load(path);
    const char *msg = dusk_last_error();
    CHECK_MSG(t == NULL, "%s loaded", name);
    CHECK_MSG(strstr(msg, path) != NULL, "%s: message lacks the path: %s", name, msg);
    CHECK_MSG(strstr(msg, want1) != NULL, "%s: message lacks \"%s\": %s", name, want1, msg);
    if (want2) CHECK_MSG(strstr(msg, want2) != NULL, "%s: message lacks \"%s\": %s", name, want2, msg);
    tokenizer_free(t);
}

static void expect_json_error(const char *from, const char *to, const char *want1, const char *want2) {
    char *base = valid_json(), *bad = replace(base, from, to);
    expect_error("bad.json", bad, strlen(bad), want1, want2);
    free(bad);
    free(base);
}

static void test_valid_base(void) {
    char path[512], *json = valid_json();
    snprintf(path, sizeof path, "%s/ok.json", g_dir);
    write_file(path, json, strlen(json));
    Tokenizer *t = tokenizer_load(path);
    CHECK_MSG(t != NULL, "%s", dusk_last_error());
    if (t) {
        int *ids, n;
        CHECK(tokenizer_encode(t, "ab c", 4, 1, &ids, &n) == 0);
        CHECK(n == 4 && ids[0] == 257 && ids[1] == 256 && ids[2] == ' ' && ids[3] == 'c');
        free(ids);
        CHECK(tokenizer_bos_id(t) == 257 && tokenizer_vocab_size(t) == 258);
    }
    tokenizer_free(t);
    free(json);
}

static void test_json_errors(void) {
    expect_error("trunc.json", "{\"model\": {", 11, "invalid JSON", NULL);
    expect_error("array.json", "[1, 2]", 6, "JSON object", NULL);
    expect_error("empty.json", "", 0, "invalid JSON", NULL);
    expect_json_error("\"model\":{", "\"modelx\":{", "model: missing", NULL);
    expect_json_error("\"type\":\"BPE\"", "\"type\":\"WordPiece\"", "model.type", "WordPiece");
    expect_json_error("\"merges\":[\"a b\"]", "\"mergez\":[\"a b\"]", "model.merges: missing", NULL);
    expect_json_error("\"merges\":[\"a b\"]", "\"merges\":\"a b\"", "model.merges: expected an array", NULL);
    expect_json_error("\"a b\"", "\"ab\"", "model.merges[0]", "two tokens");
    expect_json_error("\"a b\"", "\"a \\u00e9\\u00e9\"", "model.merges[0]", "not in model.vocab");
    expect_json_error("\"a b\"", "\"b a\"", "model.merges[0]", "merged token \"ba\"");
    expect_json_error("\"a b\"", "[\"a\"]", "model.merges[0]", NULL);
    expect_json_error("\"ab\":256", "\"ab\":\"x\"", "model.vocab[\"ab\"]", "integer");
    expect_json_error("\"ab\":256", "\"ab\":2.5", "model.vocab[\"ab\"]", "integer");
    expect_json_error("\"ab\":256", "\"ab\":-4", "model.vocab[\"ab\"]", NULL);
    expect_json_error("\"ab\":256", "\"ab\":1e300", "model.vocab[\"ab\"]", NULL);
    expect_json_error("\"ab\":256", "\"ab\":0", "model.vocab", "used twice");
    expect_json_error("\"vocab\":{", "\"vocab\":3,\"x\":{", "model.vocab: expected an object", NULL);
    expect_json_error("\"type\":\"BPE\"", "\"type\":\"BPE\",\"dropout\":0.1", "model.dropout", NULL);
    expect_json_error("\"type\":\"BPE\"", "\"type\":\"BPE\",\"unk_token\":\"<unk>\"", "model.unk_token", NULL);
    expect_json_error("\\\\p{L}+|", "\\\\p{L}+)|", "pre_tokenizer.pretokenizers[0].pattern.Regex", "bad regex at offset");
    expect_json_error("\"Isolated\"", "\"Sideways\"", "pre_tokenizer.pretokenizers[0].behavior", "Sideways");
    expect_json_error("{\"type\":\"Split\"", "{\"type\":\"Whitespace\"", "pre_tokenizer.pretokenizers[0].type",
                      "Whitespace");
    expect_json_error("\"pre_tokenizer\":", "\"pre_tokenizerx\":", "pre_tokenizer: missing", NULL);
    expect_json_error("{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"use_regex\":false}",
                      "{\"type\":\"Split\",\"pattern\":{\"String\":\"x\"},\"behavior\":\"Removed\"}", "pre_tokenizer",
                      "ByteLevel");
    expect_json_error("\"use_regex\":false", "\"use_regex\":0", "pretokenizers[1].use_regex", NULL);
    expect_json_error("\"added_tokens\":", "\"normalizer\":{\"type\":\"NFKC\"},\"added_tokens\":", "normalizer.type",
                      "NFKC");
    expect_json_error("\"decoder\":{\"type\":\"ByteLevel\"}", "\"decoder\":{\"type\":\"WordPiece\"}", "decoder.type",
                      "WordPiece");
    expect_json_error("\"decoder\":{\"type\":\"ByteLevel\"}", "\"decoder\":null", "decoder: missing", NULL);
    expect_json_error("\"ids\":[257]", "\"ids\":[\"x\"]", "post_processor.special_tokens[\"<s>\"].ids[0]", NULL);
    expect_json_error("\"ids\":[257]", "\"ids\":[9999]", "post_processor", "9999");
    expect_json_error("{\"<s>\":{", "{\"<t>\":{", "post_processor.special_tokens", "<s>");
    expect_json_error("\"TemplateProcessing\"", "\"Frobnicate\"", "post_processor.type", "Frobnicate");
    expect_json_error("{\"id\":257,", "{", "added_tokens[0].id: missing", NULL);
    expect_json_error("\"content\":\"<s>\"", "\"content\":7", "added_tokens[0].content", NULL);
}

/* An NFC normalizer loads and normalises: composed and decomposed spellings
 * give the same ids, a singleton maps to its canonical form, invalid bytes
 * pass through. (Exact agreement with HF: tests/node/train_reference.js.) */
static void test_nfc(void) {
    char path[512], *base = valid_json();
    char *json = replace(base, "\"added_tokens\":", "\"normalizer\":{\"type\":\"NFC\"},\"added_tokens\":");
    snprintf(path, sizeof path, "%s/nfc.json", g_dir);
    write_file(path, json, strlen(json));
    Tokenizer *t = tokenizer_load(path);
    CHECK_MSG(t != NULL, "%s", dusk_last_error());
    if (t) {
        int *ids, n, *ids2, n2;
        CHECK(tokenizer_encode(t, "caf\xc3\xa9 \xe2\x80\x94 \xe4\xb8\xad \xff", 13, 0, &ids, &n) == 0);
        free(ids);
        CHECK(tokenizer_encode(t, "cafe\xcc\x81", 6, 0, &ids, &n) == 0);
        CHECK(tokenizer_encode(t, "caf\xc3\xa9", 5, 0, &ids2, &n2) == 0);
        CHECK(n == n2 && memcmp(ids, ids2, sizeof(int) * (size_t)n) == 0);
        free(ids), free(ids2);
        /* OHM SIGN U+2126: NFC makes it GREEK CAPITAL OMEGA U+03A9 */
        CHECK(tokenizer_encode(t, "\xe2\x84\xa6", 3, 0, &ids, &n) == 0);
        CHECK(tokenizer_encode(t, "\xce\xa9", 2, 0, &ids2, &n2) == 0);
        CHECK(n == n2 && memcmp(ids, ids2, sizeof(int) * (size_t)n) == 0);
        free(ids), free(ids2);
    }
    tokenizer_free(t);
    free(json);
    free(base);
}

static void test_missing_files(void) {
    char path[512];
    snprintf(path, sizeof path, "%s/nope.json", g_dir);
    CHECK(tokenizer_load(path) == NULL && strstr(dusk_last_error(), path));
    CHECK(tokenizer_load(g_dir) == NULL && strstr(dusk_last_error(), "tokenizer.json"));
}

static void test_bin_errors(void) {
    unsigned char buf[64];
    int32_t v;
    expect_error("empty.bin", "", 0, "no header", NULL);
    v = 0;
    memcpy(buf, &v, 4);
    expect_error("zero.bin", (char *)buf, 4, "max_token_length", NULL);
    v = 8;
    memcpy(buf, &v, 4);
    expect_error("header.bin", (char *)buf, 4, "only 0 tokens", NULL);
    float score = 0;
    memcpy(buf + 4, &score, 4);
    v = 100; /* longer than the file */
    memcpy(buf + 8, &v, 4);
    expect_error("long.bin", (char *)buf, 16, "token 0", "bad length");
    v = -3;
    memcpy(buf + 8, &v, 4);
    expect_error("negative.bin", (char *)buf, 16, "bad length", NULL);
    expect_error("partial.bin", (char *)buf, 10, "truncated in token 0", NULL);
}

/* Truncations and byte flips of valid files: load or fail, never crash, and
 * any failure message names the file. */
static void test_corruption(void) {
    char *json = valid_json();
    size_t len = strlen(json);
    char path[512];
    snprintf(path, sizeof path, "%s/corrupt.json", g_dir);
    Rng r;
    rng_seed(&r, 3);
    int loaded = 0, failed = 0, unnamed = 0;
    for (int t = 0; t < 400; t++) {
        char *copy = malloc(len + 1);
        memcpy(copy, json, len + 1);
        size_t n = len;
        if (t % 2) n = (size_t)rng_below(&r, len);
        else
            for (int k = 0; k < 3; k++) copy[rng_below(&r, len)] = "{}[]\":,\\x0 -9ue"[rng_below(&r, 16)];
        write_file(path, copy, n);
        Tokenizer *tok = tokenizer_load(path);
        if (tok) {
            int *ids, n_ids;
            if (tokenizer_encode(tok, "abc ab\xff", 7, 1, &ids, &n_ids) == 0) free(ids);
            loaded++;
        } else {
            failed++;
            if (!strstr(dusk_last_error(), path)) unnamed++;
        }
        tokenizer_free(tok);
        free(copy);
    }
    CHECK(failed > 0);
    CHECK_MSG(unnamed == 0, "%d failure messages do not name the file", unnamed);
    printf("corrupted tokenizer.json: %d loaded, %d rejected\n", loaded, failed);
    free(json);
}

int main(void) {
    check_tmpdir_make(g_dir, sizeof g_dir, "dusk-tok");
    test_valid_base();
    test_json_errors();
    test_nfc();
    test_missing_files();
    test_bin_errors();
    test_corruption();
    check_tmpdir_remove(g_dir);
    return check_report("tokenizer_errors");
}
