/* ROUGE, its tokenizer and the verbatim similarities on hand-worked cases
 * (the exhaustive comparison with a Python reference is tests/ref/test_rouge.py). */
#include <string.h>

#include "check.h"
#include "eval/rouge.h"
#include "eval/rouge_tokenize.h"
#include "eval/sequence_align.h"
#include "eval/verbatim_similarity.h"
#include "util/err.h"

/* Tokenize s and compare with the space-joined expectation. */
static int tokens_are(const char *s, const char *want) {
    RougeTokens t;
    if (rouge_tokenize(s, strlen(s), &t) != 0) return 0;
    char joined[512] = "";
    for (int i = 0; i < t.n; i++) {
        if (i) strcat(joined, " ");
        strncat(joined, t.chars + t.offset[i], sizeof joined - strlen(joined) - 1);
    }
    rouge_tokens_free(&t);
    if (strcmp(joined, want) != 0) fprintf(stderr, "tokens of '%s': '%s', want '%s'\n", s, joined, want);
    return strcmp(joined, want) == 0;
}

static void check_tokenizer(void) {
    CHECK(tokens_are("The quick, brown FOX!", "the quick brown fox"));
    CHECK(tokens_are("it's 1,000 e-mails", "it s 1 000 e mails"));
    CHECK(tokens_are("caf\xc3\xa9 na\xc3\xafve", "caf na ve"));             /* é, ï separate */
    CHECK(tokens_are("\xc4\xb0stanbul", "i stanbul"));                     /* U+0130 -> "i" + U+0307 */
    CHECK(tokens_are("\xe2\x84\xaa" "elvin", "kelvin"));                    /* U+212A -> "k" */
    CHECK(tokens_are("\xef\xbc\x91\xef\xbc\x92 x2", "x2"));                 /* fullwidth digits are not [0-9] */
    CHECK(tokens_are("", ""));
    CHECK(tokens_are("!!! ...", ""));
    RougeTokens t;
    CHECK(rouge_tokenize("ok \xc3 no", 7, &t) == -1);
    CHECK(strstr(dusk_last_error(), "UTF-8") != NULL);
    CHECK(rouge_tokenize("\xed\xa0\x80", 3, &t) == -1); /* an encoded surrogate */
    rouge_tokens_free(&t);
}

static int score(const char *target, const char *pred, RougeScores *s) {
    return rouge_score(target, strlen(target), pred, strlen(pred), s);
}

static void check_rouge(void) {
    RougeScores s;
    /* target: the quick brown fox jumps over the lazy dog (9 tokens)
     * pred:   the quick brown dog jumps on the log (8): unigram overlap 6
     * (the x2, quick, brown, dog, jumps); bigrams: "the quick", "quick brown"
     * of 7 and 8; LCS "the quick brown jumps the" = 5 */
    CHECK(score("The quick brown fox jumps over the lazy dog", "The quick brown dog jumps on the log.", &s) == 0);
    CHECK(s.rouge1.precision == 6.0 / 8 && s.rouge1.recall == 6.0 / 9);
    CHECK(s.rouge1.fmeasure == 2 * (6.0 / 8) * (6.0 / 9) / (6.0 / 8 + 6.0 / 9));
    CHECK(s.rouge2.precision == 2.0 / 7 && s.rouge2.recall == 2.0 / 8);
    CHECK(s.rougeL.precision == 5.0 / 8 && s.rougeL.recall == 5.0 / 9);
    CHECK(s.rougeLsum.precision == s.rougeL.precision && s.rougeLsum.recall == s.rougeL.recall);

    /* Lin (2004), summary-level LCS: r = w1..w5, c1 = w1 w2 w6 w7 w8,
     * c2 = w1 w3 w8 w9 w5; union LCS = w1 w2 w3 w5 -> R = 4/5, P = 4/10 */
    CHECK(score("w1 w2 w3 w4 w5", "w1 w2 w6 w7 w8\nw1 w3 w8 w9 w5", &s) == 0);
    CHECK(s.rougeLsum.recall == 4.0 / 5 && s.rougeLsum.precision == 4.0 / 10);
    CHECK(s.rougeL.recall == 4.0 / 5); /* whole-text LCS w1 w2 w3 w5 */

    /* clipped counts: "a a a" vs "a": overlap 1 */
    CHECK(score("a a a", "a", &s) == 0);
    CHECK(s.rouge1.precision == 1.0 && s.rouge1.recall == 1.0 / 3);
    CHECK(s.rouge2.precision == 0.0 && s.rouge2.recall == 0.0 && s.rouge2.fmeasure == 0.0);
    /* Lsum hits are clipped by remaining counts: the single "a" is hit once */
    CHECK(score("a\na\na", "a", &s) == 0);
    CHECK(s.rougeLsum.recall == 1.0 / 3 && s.rougeLsum.precision == 1.0);

    CHECK(score("", "anything", &s) == 0);
    CHECK(s.rouge1.fmeasure == 0 && s.rougeL.fmeasure == 0 && s.rougeLsum.fmeasure == 0);
    CHECK(score("!!\n\n", "?", &s) == 0 && s.rougeLsum.recall == 0);
    CHECK(score("same words", "same words", &s) == 0 && s.rougeL.fmeasure == 1.0 && s.rouge2.fmeasure == 1.0);
    CHECK(score("fine", "bad \xff", &s) == -1);
    CHECK(strstr(dusk_last_error(), "prediction") != NULL);
    CHECK(rouge_fmeasure(0, 0) == 0.0);
}

static void check_alignment(void) {
    const int a[] = {1, 2, 3, 2, 4, 1}, b[] = {2, 4, 3, 1, 2, 1};
    CHECK(lcs_length(a, 6, b, 6) == 4); /* e.g. 2 3 2 1 */
    size_t idx[6];
    long k = lcs_indices(a, 6, b, 6, idx);
    CHECK(k == 4);
    for (long i = 1; i < k; i++) CHECK(idx[i - 1] < idx[i]);
    const int kitten[] = {'k', 'i', 't', 't', 'e', 'n'}, sitting[] = {'s', 'i', 't', 't', 'i', 'n', 'g'};
    CHECK(levenshtein_distance(kitten, 6, sitting, 7) == 3);
    CHECK(levenshtein_distance(kitten, 0, sitting, 7) == 7);
}

static void check_verbatim(void) {
    size_t lcs, d;
    double sim;
    /* words keep case and punctuation; \x1c is whitespace to Python's split() */
    CHECK(word_lcs_length("The cat, sat\x1con the mat", 23, "the cat, sat on mat", 19, &lcs) == 0);
    CHECK(lcs == 4); /* cat, sat on mat */
    CHECK(char_levenshtein("kitten", 6, "sitting", 7, &d, &sim) == 0 && d == 3 && sim == 1 - 3.0 / 7);
    /* code points, not bytes: é -> e is one substitution */
    CHECK(char_levenshtein("caf\xc3\xa9", 5, "cafe", 4, &d, &sim) == 0 && d == 1 && sim == 0.75);
    CHECK(char_levenshtein("", 0, "", 0, &d, &sim) == 0 && d == 0 && sim == 1.0);
    CHECK(word_lcs_length("a \xc3", 3, "a", 1, &lcs) == -1);
    CHECK(python_isspace(0x85) && python_isspace(0x1f) && python_isspace(0x3000) && !python_isspace(0x200b));
}

int main(void) {
    check_tokenizer();
    check_rouge();
    check_alignment();
    check_verbatim();
    return check_report("test_rouge");
}
