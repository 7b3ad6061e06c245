/* Internals shared by the tokenizer's source files (not part of the API). */
#ifndef DUSK_TOKENIZER_IMPL_H
#define DUSK_TOKENIZER_IMPL_H

#include "tokenizer/added.h"
#include "tokenizer/bpe.h"
#include "tokenizer/hashmap.h"
#include "tokenizer/intvec.h"
#include "tokenizer/pretokenize.h"
#include "tokenizer/token_table.h"
#include "tokenizer/tokenizer.h"

typedef enum { TOKENIZER_HF_BPE, TOKENIZER_LLAMA2C } TokenizerKind;

/* llama2.c's SentencePiece-style BPE (tokenizer.bin). */
typedef struct {
    float *scores;
    StrMap by_piece; /* piece text -> id; keys point into the token table's pieces */
    char *pieces;    /* the pieces as stored (bytes pieces spelled "<0xXX>") */
    size_t *piece_off;
    int *piece_len;
    int byte_id[256]; /* "<0xXX>" piece of each byte, -1 if none */
    int space_id;     /* the dummy prefix " ", -1 if none */
    int max_token_length;
} SpModel;

struct Tokenizer {
    TokenizerKind kind;
    TokenTable table; /* what each id decodes to */
    int bos_id, eos_id;
    int config_cleanup;    /* tokenizer_config.json's clean_up_tokenization_spaces, -1 if absent */
    /* HF tokenizer.json */
    BpeModel bpe;
    PreTokenizer pre;
    AddedTokens added;
    IntVec prefix, suffix; /* post-processor ids around a single sequence */
    int nfc;               /* the normalizer is NFC: encode only text it leaves unchanged */
    /* llama2.c tokenizer.bin */
    SpModel sp;
};

Tokenizer *tokenizer_new(TokenizerKind kind);

/* Loaders fill a fresh Tokenizer; -1 with dusk_error (without the path,
 * which the caller adds). */
int hf_load_json(Tokenizer *tok, const char *json, size_t len, const char *dir);
int sp_load_bin(Tokenizer *tok, const unsigned char *data, size_t len);

int hf_encode(const Tokenizer *tok, const char *text, size_t len, int add_special, int parse_special, IntVec *out);
int sp_encode(const Tokenizer *tok, const char *text, size_t len, int add_special, IntVec *out);

/* HF's clean_up_tokenization_spaces, in place; returns the new length. */
size_t cleanup_tokenization_spaces(char *s, size_t len);

#endif
