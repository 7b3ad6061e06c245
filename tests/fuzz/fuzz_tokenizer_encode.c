/* libFuzzer target: arbitrary bytes through the real vocabularies in
 * ../shared (GPT-2, Llama-3, Llama-2 and stories260K's llama2.c files).
 * The first byte picks the tokenizer; the rest is the text. Byte-level BPE
 * must give back exactly the input bytes; llama2.c tokenizers must too when
 * BOS is added and specials are skipped (the dummy-prefix space goes).
 * fuzz-sources: src/tokenizer/added.c src/tokenizer/bpe.c src/tokenizer/bytelevel.c src/tokenizer/cleanup.c src/tokenizer/hashmap.c src/tokenizer/hf_encode.c src/tokenizer/hf_fields.c src/tokenizer/hf_json.c src/tokenizer/hf_model.c src/tokenizer/hf_pipeline.c src/tokenizer/nfc.c src/tokenizer/pretokenize.c src/tokenizer/sp_bin.c src/tokenizer/token_table.c src/tokenizer/tokenizer.c src/tokenizer/utf8.c src/util/arena.c src/util/err.c src/util/fileio.c
 * fuzz-libs: -lcjson -lpcre2-8 -lutf8proc -lm */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer/tokenizer.h"
#include "util/err.h"

static Tokenizer *g_tok[4];
static const int kIsByteLevel[4] = {1, 1, 0, 0};

/* $SHARED, else ../shared next to the repository holding this binary
 * (build-fuzz/NAME -> ROOT/../shared). */
static void shared_path(char *out, size_t size, const char *argv0, const char *rel) {
    const char *env = getenv("SHARED");
    if (env && *env) {
        snprintf(out, size, "%s/%s", env, rel);
        return;
    }
    const char *slash = strrchr(argv0, '/');
    int dir_len = slash ? (int)(slash - argv0) : 1;
    snprintf(out, size, "%.*s/../../shared/%s", dir_len, slash ? argv0 : ".", rel);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    static const char *const kFiles[4] = {"tokenizers/gpt2/tokenizer.json", "tokenizers/llama3/tokenizer.json",
                                          "tokenizers/llama2/tokenizer.bin", "models/stories260K/tok512.bin"};
    (void)argc;
    for (int i = 0; i < 4; i++) {
        char path[4096];
        shared_path(path, sizeof path, (*argv)[0], kFiles[i]);
        if (!(g_tok[i] = tokenizer_load(path))) {
            fprintf(stderr, "fuzz_tokenizer_encode: %s (set SHARED)\n", dusk_last_error());
            exit(1);
        }
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    int which = data[0] & 3, parse_special = (data[0] >> 2) & 1, cleanup = (data[0] >> 3) & 1;
    const Tokenizer *tok = g_tok[which];
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    int byte_level = kIsByteLevel[which];
    int *ids, n;
    /* byte-level: no BOS, specials as text -> exact bytes back; llama2.c: with BOS */
    if (tokenizer_encode_ex(tok, text, len, !byte_level, byte_level ? 0 : parse_special, &ids, &n) != 0) abort();
    size_t out_len;
    char *back = tokenizer_decode(tok, ids, n, !byte_level, 0, &out_len);
    if (!back || out_len != len || memcmp(back, text, len) != 0) abort();
    free(back);
    free(ids);
    /* the other options must work too */
    if (tokenizer_encode_ex(tok, text, len, 1, 1, &ids, &n) != 0) abort();
    back = tokenizer_decode(tok, ids, n, 1, cleanup, &out_len);
    if (!back) abort();
    free(back);
    free(ids);
    return 0;
}
