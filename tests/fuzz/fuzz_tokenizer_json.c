/* libFuzzer target: arbitrary bytes as a tokenizer file -- a tokenizer.json
 * when they start with '{', else a llama2.c tokenizer.bin. Loading must
 * succeed or fail with a message; a tokenizer that loads must encode text
 * (with and without special tokens) into ids that all decode.
 * fuzz-sources: src/tokenizer/added.c src/tokenizer/bpe.c src/tokenizer/bytelevel.c src/tokenizer/cleanup.c src/tokenizer/hashmap.c src/tokenizer/hf_encode.c src/tokenizer/hf_fields.c src/tokenizer/hf_json.c src/tokenizer/hf_model.c src/tokenizer/hf_pipeline.c src/tokenizer/nfc.c src/tokenizer/pretokenize.c src/tokenizer/sp_bin.c src/tokenizer/token_table.c src/tokenizer/tokenizer.c src/tokenizer/utf8.c src/util/arena.c src/util/err.c src/util/fileio.c
 * fuzz-libs: -lcjson -lpcre2-8 -lutf8proc -lm */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer/tokenizer_impl.h"
#include "util/err.h"

/* Words repeat across added tokens (so pieces after the first meet cached
 * words of earlier pieces: issue 13's use-after-free needed that with NFC),
 * and "cafe" + U+0301 is one NFC actually changes. */
static const char kText[] = "Hello world! I'm 12345 <s> <|endoftext|> \xff\xfe ab  \n\n\t caf\xc3\xa9 \xe4\xb8\xad"
                            " Hello world<|end_of_text|>Hello world [M] cafe\xcc\x81 world</s>ab x </s> y";

static void exercise(const Tokenizer *tok) {
    for (int flags = 0; flags < 4; flags++) {
        int *ids, n;
        if (tokenizer_encode_ex(tok, kText, sizeof kText - 1, flags & 1, flags >> 1, &ids, &n) != 0) {
            if (!dusk_last_error()[0]) abort(); /* a failure must say why */
            continue;
        }
        for (int mode = 0; mode < 4; mode++) {
            size_t len;
            char *s = tokenizer_decode(tok, ids, n, mode & 1, mode >> 1, &len);
            if (!s) abort(); /* every id the encoder makes is a token */
            free(s);
        }
        free(ids);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    int json = size > 0 && data[0] == '{';
    Tokenizer *tok = tokenizer_new(json ? TOKENIZER_HF_BPE : TOKENIZER_LLAMA2C);
    dusk_error("%s", "");
    int rc = json ? hf_load_json(tok, (const char *)data, size, NULL) : sp_load_bin(tok, data, size);
    if (rc == 0) exercise(tok);
    else if (!dusk_last_error()[0]) abort();
    tokenizer_free(tok);
    return 0;
}
