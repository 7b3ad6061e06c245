/* HF-style pre-tokenization: a sequence of regex splits (PCRE2, UTF + Unicode
 * properties) and ByteLevel steps that cut text into the pieces ("words")
 * that BPE then encodes one by one. */
#ifndef DUSK_TOKENIZER_PRETOKENIZE_H
#define DUSK_TOKENIZER_PRETOKENIZE_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stddef.h>

#include "util/arena.h"

/* GPT-2's split regex, which HF's ByteLevel pre-tokenizer applies when its
 * use_regex is true. */
extern const char kGpt2SplitPattern[];

typedef enum {
    SPLIT_ISOLATED,              /* matches and the text between them are pieces */
    SPLIT_REMOVED,               /* matches are dropped */
    SPLIT_MERGED_WITH_PREVIOUS,  /* a match joins the piece before it */
    SPLIT_MERGED_WITH_NEXT,      /* a match joins the piece after it */
    SPLIT_CONTIGUOUS             /* runs of matches (and of non-matches) are one piece */
} SplitBehavior;

typedef struct {
    pcre2_code *re; /* NULL: this step does not split */
    SplitBehavior behavior;
    int invert;           /* the pattern describes the pieces' complement */
    int add_prefix_space; /* ByteLevel: prepend ' ' to a piece not starting with one */
} PreStep;

typedef struct {
    PreStep *steps;
    int n_steps;
} PreTokenizer;

typedef struct {
    const char *s;
    size_t len;
} Span;

typedef struct {
    Span *items;
    size_t n, cap;
} SpanVec;

/* Per-call matching state, so one PreTokenizer can serve several threads. */
typedef struct {
    pcre2_match_data *md;
    pcre2_match_context *mc;
    pcre2_jit_stack *jit_stack;
    Arena arena; /* copies of pieces that got a prefix space; they live
                    until pretok_scratch_free, as the spans point into them */
    SpanVec tmp[2];
} PretokScratch;

/* Compile a pattern (literal != 0: match it as plain text). NULL with
 * dusk_error "... at offset N: reason" on a bad regex. */
pcre2_code *pretok_compile(const char *pattern, size_t len, int literal);

void pretok_add_split(PreTokenizer *p, pcre2_code *re, SplitBehavior behavior, int invert);
/* ByteLevel step; use_regex adds GPT-2's split. Returns 0 or -1. */
int pretok_add_bytelevel(PreTokenizer *p, int add_prefix_space, int use_regex);
void pretok_free(PreTokenizer *p);

void pretok_scratch_init(PretokScratch *sc);
void pretok_scratch_free(PretokScratch *sc);

/* Append the pieces of text[0..len) to out. Returns 0, or -1 with dusk_error
 * if the regex engine gives up (match or memory limit). */
int pretok_split(const PreTokenizer *p, const char *text, size_t len, PretokScratch *sc, SpanVec *out);

void spanvec_push(SpanVec *v, const char *s, size_t len);
void spanvec_free(SpanVec *v);

#endif
