#include "eval/verbatim_similarity.h"

#include <stdint.h>
#include <stdlib.h>

#include "eval/sequence_align.h"
#include "tokenizer/hashmap.h"
#include "tokenizer/intvec.h"
#include "tokenizer/utf8.h"
#include "util/err.h"

int python_isspace(unsigned cp) { return utf8_is_whitespace(cp) || (cp >= 0x1C && cp <= 0x1F); }

/* Decode text to code points; -1 with an error naming the byte offset. */
static int decode_code_points(const char *text, size_t len, IntVec *out) {
    const unsigned char *p = (const unsigned char *)text;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        int step = utf8_decode(p + i, len - i, &cp);
        if (step == 0) return dusk_error("invalid UTF-8 at byte %zu", i);
        intvec_push(out, (int)cp);
        i += (size_t)step;
    }
    return 0;
}

/* Split on Python whitespace and intern every word (byte string) to an id. */
static int intern_words(const char *text, size_t len, StrMap *words, IntVec *ids) {
    const unsigned char *p = (const unsigned char *)text;
    size_t word_from = 0;
    int in_word = 0;
    for (size_t i = 0; i <= len;) {
        uint32_t cp = ' ';
        int step = 1;
        if (i < len && (step = utf8_decode(p + i, len - i, &cp)) == 0)
            return dusk_error("invalid UTF-8 at byte %zu", i);
        int space = i == len || python_isspace(cp);
        if (space && in_word) {
            int inserted;
            intvec_push(ids, *strmap_upsert(words, text + word_from, i - word_from, (int)words->count, &inserted));
        } else if (!space && !in_word) {
            word_from = i;
        }
        in_word = !space;
        i += (size_t)step;
    }
    return 0;
}

int word_lcs_length(const char *a, size_t a_len, const char *b, size_t b_len, size_t *lcs) {
    StrMap words;
    strmap_init(&words, 256);
    IntVec wa = {0}, wb = {0};
    int rc = -1;
    if (intern_words(a, a_len, &words, &wa) != 0) dusk_error_prefix("first text");
    else if (intern_words(b, b_len, &words, &wb) != 0) dusk_error_prefix("second text");
    else {
        *lcs = lcs_length(wa.data, wa.n, wb.data, wb.n);
        rc = 0;
    }
    intvec_free(&wa);
    intvec_free(&wb);
    strmap_free(&words);
    return rc;
}

int char_levenshtein(const char *a, size_t a_len, const char *b, size_t b_len, size_t *distance,
                     double *similarity) {
    IntVec ca = {0}, cb = {0};
    int rc = -1;
    if (decode_code_points(a, a_len, &ca) != 0) dusk_error_prefix("first text");
    else if (decode_code_points(b, b_len, &cb) != 0) dusk_error_prefix("second text");
    else {
        *distance = levenshtein_distance(ca.data, ca.n, cb.data, cb.n);
        size_t longest = ca.n > cb.n ? ca.n : cb.n;
        *similarity = 1 - ((double)*distance / (double)(longest ? longest : 1));
        rc = 0;
    }
    intvec_free(&ca);
    intvec_free(&cb);
    return rc;
}
