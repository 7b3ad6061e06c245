/* The tokenizer of Google's rouge-score package (DefaultTokenizer),
 * reproduced for UTF-8 input.
 *
 * rouge-score does: text.lower(); replace every run of characters outside
 * [a-z0-9] by one space; split on whitespace; keep only tokens matching
 * ^[a-z0-9]+$. Python's str.lower() is full Unicode lowercasing, and exactly
 * two non-ASCII code points lowercase to something containing [a-z0-9]:
 * U+0130 (capital I with dot) -> "i" + U+0307, and U+212A (Kelvin sign) -> "k".
 * Everything else outside ASCII letters/digits only separates tokens.
 *
 * With use_stemmer=True rouge-score then replaces every token longer than
 * three bytes by NLTK's Porter stem of it (eval/porter.h); shorter tokens are
 * kept as they are. DUSK itself runs rouge-score with use_stemmer=False. */
#ifndef DUSK_EVAL_ROUGE_TOKENIZE_H
#define DUSK_EVAL_ROUGE_TOKENIZE_H

#include <stddef.h>

typedef struct {
    char *chars;    /* every token, each followed by '\0' */
    size_t *offset; /* token i starts at chars + offset[i] */
    size_t *len;    /* ...and has len[i] bytes */
    int n;
} RougeTokens;

/* Tokenize text[0..len). Invalid UTF-8 is an error (recorded with
 * dusk_error, naming the byte offset); returns 0 or -1. On error *out is
 * left empty, so rouge_tokens_free is always safe. */
int rouge_tokenize(const char *text, size_t len, RougeTokens *out);
/* The same, stemming as rouge-score's use_stemmer=True when use_stemmer is
 * non-zero. */
int rouge_tokenize_ex(const char *text, size_t len, int use_stemmer, RougeTokens *out);
void rouge_tokens_free(RougeTokens *t);

#endif
