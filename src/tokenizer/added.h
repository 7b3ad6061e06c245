/* Added tokens (HF "added_tokens": specials such as <|begin_of_text|> and
 * user-added words): found in the text before pre-tokenization and emitted as
 * single ids, never run through BPE. */
#ifndef DUSK_TOKENIZER_ADDED_H
#define DUSK_TOKENIZER_ADDED_H

#include <stddef.h>

typedef struct {
    char *content;
    size_t len;
    int id;
    int special;     /* only matched when the caller asks for special tokens */
    int lstrip;      /* swallow whitespace on the left */
    int rstrip;      /* swallow whitespace on the right */
    int single_word; /* only match when not inside a word */
    int normalized;  /* HF matches these after normalization, in a second pass */
} AddedToken;

typedef struct {
    AddedToken *tokens;
    int n;
    /* tokens of each pass bucketed by first byte, longest first */
    int *bucket[2][256];
    int bucket_n[2][256];
} AddedTokens;

/* A stretch of the input: an added token (id >= 0) or text to pre-tokenize. */
typedef struct {
    const char *s;
    size_t len;
    int id;
} TextPiece;

typedef struct {
    TextPiece *items;
    size_t n, cap;
} TextPieceVec;

/* Takes a copy of content. */
void added_add(AddedTokens *a, const char *content, size_t len, int id, int special, int lstrip, int rstrip,
               int single_word, int normalized);
/* Build the match index; call after the last added_add. */
void added_finish(AddedTokens *a);
void added_free(AddedTokens *a);
/* The token with this id, or NULL. */
const AddedToken *added_by_id(const AddedTokens *a, int id);
const AddedToken *added_by_content(const AddedTokens *a, const char *content, size_t len);

/* Split text into added tokens and text pieces, as HF does: leftmost-longest
 * non-overlapping matches, non-normalized tokens first. With parse_special
 * == 0, special tokens are left in the text (HF encode_special_tokens). */
void added_split(const AddedTokens *a, const char *text, size_t len, int parse_special, TextPieceVec *out);

void textpiece_free(TextPieceVec *v);

#endif
