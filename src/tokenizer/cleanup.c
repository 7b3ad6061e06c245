/* HF transformers' clean_up_tokenization: undo the spaces a word-level
 * detokenizer would put before punctuation and English contractions. Each
 * rule is applied to the whole string in turn, like the chain of Python
 * str.replace calls it mirrors (so the order of the rules matters). */
#include <string.h>

#include "tokenizer/tokenizer_impl.h"

static size_t replace_all(char *s, size_t len, const char *from, const char *to) {
    size_t from_len = strlen(from), to_len = strlen(to), r = 0, w = 0;
    /* every replacement is shorter than what it replaces, so in place is safe */
    while (r < len) {
        if (len - r >= from_len && memcmp(s + r, from, from_len) == 0) {
            memmove(s + w, to, to_len);
            w += to_len;
            r += from_len;
        } else {
            s[w++] = s[r++];
        }
    }
    return w;
}

size_t cleanup_tokenization_spaces(char *s, size_t len) {
    static const char *const kRules[][2] = {
        {" .", "."},   {" ?", "?"},     {" !", "!"},     {" ,", ","},     {" ' ", "'"},
        {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"},
    };
    for (size_t i = 0; i < sizeof kRules / sizeof kRules[0]; i++) len = replace_all(s, len, kRules[i][0], kRules[i][1]);
    s[len] = '\0';
    return len;
}
