#include "eval/rouge_tokenize.h"

#include <stdint.h>
#include <stdlib.h>

#include "eval/porter.h"
#include "tokenizer/utf8.h"
#include "util/err.h"

typedef struct {
    RougeTokens *out;
    size_t used;       /* bytes written to out->chars */
    size_t token_from; /* where the token being built starts */
    int cap;           /* room in offset[] / len[] */
    int use_stemmer;
} TokenBuilder;

static void push_char(TokenBuilder *b, char c) { b->out->chars[b->used++] = c; }

/* Close the token being built (if any): NUL-terminate it and record it. */
static void end_token(TokenBuilder *b) {
    if (b->used == b->token_from) return;
    RougeTokens *t = b->out;
    /* rouge-score stems only tokens longer than three characters; a stem is
     * never longer than its token, so it is written over it. */
    if (b->use_stemmer && b->used - b->token_from > 3)
        b->used = b->token_from + porter_stem(t->chars + b->token_from, b->used - b->token_from,
                                              t->chars + b->token_from);
    if (t->n == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 16;
        t->offset = xrealloc(t->offset, (size_t)b->cap * sizeof *t->offset);
        t->len = xrealloc(t->len, (size_t)b->cap * sizeof *t->len);
    }
    t->offset[t->n] = b->token_from;
    t->len[t->n] = b->used - b->token_from;
    t->n++;
    push_char(b, '\0');
    b->token_from = b->used;
}

/* Feed one code point, as it looks after Python's str.lower(). */
static void feed_code_point(TokenBuilder *b, uint32_t cp) {
    if (cp >= 'A' && cp <= 'Z') push_char(b, (char)(cp - 'A' + 'a'));
    else if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) push_char(b, (char)cp);
    else if (cp == 0x212A) push_char(b, 'k'); /* KELVIN SIGN lowercases to ASCII k */
    else if (cp == 0x0130) {                  /* lowercases to "i" + COMBINING DOT ABOVE, */
        push_char(b, 'i');                    /* and the dot is a separator */
        end_token(b);
    } else end_token(b);
}

int rouge_tokenize(const char *text, size_t len, RougeTokens *out) { return rouge_tokenize_ex(text, len, 0, out); }

int rouge_tokenize_ex(const char *text, size_t len, int use_stemmer, RougeTokens *out) {
    out->n = 0;
    out->offset = NULL;
    out->len = NULL;
    /* Each input byte yields at most one token byte plus one terminator. */
    out->chars = xmalloc(2 * len + 1);
    TokenBuilder b = {out, 0, 0, 0, use_stemmer};
    const unsigned char *p = (const unsigned char *)text;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        int step = utf8_decode(p + i, len - i, &cp);
        if (step == 0) {
            rouge_tokens_free(out);
            return dusk_error("invalid UTF-8 at byte %zu", i);
        }
        feed_code_point(&b, cp);
        i += (size_t)step;
    }
    end_token(&b);
    return 0;
}

void rouge_tokens_free(RougeTokens *t) {
    free(t->chars);
    free(t->offset);
    free(t->len);
    t->chars = NULL;
    t->offset = NULL;
    t->len = NULL;
    t->n = 0;
}
