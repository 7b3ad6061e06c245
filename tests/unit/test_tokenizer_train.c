/* The BPE trainer on a text whose merges are worked out by hand (see the
 * comments), the tokenizer.json it writes (loaded back and used), and
 * determinism. The comparison with an independent trainer and with HF
 * tokenizers on the DUSK documents is tests/node/test_tokenizer_train.sh. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/train.h"
#include "util/err.h"
#include "util/fileio.h"

/* "aaab aaab aaab" pre-tokenizes to "aaab" x1 and " aaab" x2.
 * Pair counts: (a,a) 2+4=6, (a,b) 3, (' ',a) 2: merge a+a -> 256.
 * Then (aa,a) 3 and (a,b) 3 tie: the smaller left id (97 < 256) wins: a+b -> 257.
 * Then (aa,ab) 3 -> 258 "aaab"; then (' ',aaab) 2 -> 259; then no pair is left. */
static void test_hand_worked(const char *dir) {
    const char *text = "aaab aaab aaab";
    size_t len = strlen(text);
    BpeTrainResult r;
    CHECK(bpe_train(&text, &len, 1, 300, &r) == 0);
    const int want[4][3] = {{'a', 'a', 256}, {'a', 'b', 257}, {256, 257, 258}, {' ', 258, 259}};
    CHECK_MSG(r.n_merges == 4 && r.n_tokens == 260, "%d merges, %d tokens", r.n_merges, r.n_tokens);
    for (int k = 0; k < 4 && k < r.n_merges; k++)
        CHECK_MSG(r.merge_left[k] == want[k][0] && r.merge_right[k] == want[k][1] && r.merge_result[k] == want[k][2],
                  "merge %d is %d+%d->%d", k, r.merge_left[k], r.merge_right[k], r.merge_result[k]);
    CHECK(r.token_len[259] == 5 && memcmp(r.token_bytes[259], " aaab", 5) == 0);
    char path[512];
    snprintf(path, sizeof path, "%s/hand.json", dir);
    CHECK(bpe_train_write_json(&r, path) == 0);
    bpe_train_result_free(&r);

    Tokenizer *tok = tokenizer_load(path);
    CHECK_MSG(tok != NULL, "%s", dusk_last_error());
    if (!tok) return;
    int *ids, n;
    CHECK(tokenizer_encode(tok, " aaab aaab", 10, 1, &ids, &n) == 0);
    CHECK(n == 3 && ids[0] == 260 && ids[1] == 259 && ids[2] == 259);
    free(ids);
    CHECK(tokenizer_bos_id(tok) == 260 && tokenizer_eos_id(tok) == 261 && tokenizer_vocab_size(tok) == 262);
    CHECK(tokenizer_encode(tok, "ba\xff", 3, 0, &ids, &n) == 0);
    CHECK(n == 3 && ids[0] == 'b' && ids[1] == 'a' && ids[2] == 0xFF);
    free(ids);
    tokenizer_free(tok);

    /* a vocabulary that ends mid-way stops there */
    CHECK(bpe_train(&text, &len, 1, 260, &r) == 0);
    CHECK(r.n_merges == 2 && r.n_tokens == 258);
    bpe_train_result_free(&r);
    CHECK(bpe_train(&text, &len, 1, 257, &r) != 0 && strstr(dusk_last_error(), "258"));
}

static void test_document(const char *dir) {
    const char *shared = getenv("SHARED") && *getenv("SHARED") ? getenv("SHARED") : "../shared";
    char doc[1024], out1[512], out2[512];
    snprintf(doc, sizeof doc, "%s/dusk-data/data/Prof/Listicle.txt", shared);
    snprintf(out1, sizeof out1, "%s/one.json", dir);
    snprintf(out2, sizeof out2, "%s/two.json", dir);
    const char *files[] = {doc};
    CHECK_MSG(bpe_train_files(files, 1, 1000, out1) == 0, "%s", dusk_last_error());
    CHECK(bpe_train_files(files, 1, 1000, out2) == 0);
    size_t l1, l2, len;
    char *a = read_file_all(out1, &l1), *b = read_file_all(out2, &l2);
    CHECK(a && b && l1 == l2 && memcmp(a, b, l1) == 0);
    free(a);
    free(b);
    Tokenizer *tok = tokenizer_load(out1);
    char *text = read_file_all(doc, &len);
    CHECK(tok && text);
    if (tok && text) {
        int *ids, n;
        CHECK(tokenizer_encode(tok, text, len, 0, &ids, &n) == 0);
        CHECK_MSG(n < (int)len / 2, "%d tokens for %zu bytes", n, len);
        size_t back_len;
        char *back = tokenizer_decode(tok, ids, n, 0, 0, &back_len);
        CHECK(back && back_len == len && memcmp(back, text, len) == 0);
        int out_of_range = 0;
        for (int i = 0; i < n; i++) out_of_range += ids[i] < 0 || ids[i] >= 998;
        CHECK(out_of_range == 0);
        free(back);
        free(ids);
        CHECK(tokenizer_vocab_size(tok) == 1000);
    }
    free(text);
    tokenizer_free(tok);
    CHECK(bpe_train_files(files, 0, 1000, out1) != 0);
    snprintf(doc, sizeof doc, "%s/missing.txt", dir);
    CHECK(bpe_train_files(files, 1, 1000, out1) != 0 && strstr(dusk_last_error(), "missing.txt"));
}

int main(void) {
    char dir[256];
    snprintf(dir, sizeof dir, "%s/dusk-train-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    test_hand_worked(dir);
    test_document(dir);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    return check_report("tokenizer_train");
}
