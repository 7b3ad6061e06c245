#include "eval/porter.h"

#include <string.h>

/* The word being stemmed. Every step only shortens it or rewrites its tail,
 * so it never outgrows the caller's len + 1 bytes. */
typedef struct {
    char *b;
    size_t n;
} Word;

static int is_vowel_letter(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; }

/* Consonant-ness of c given that of the letter before it: a y is a vowel
 * exactly when it follows a consonant, and a leading y is a consonant. */
static int consonant_after(char c, int is_first, int prev_consonant) {
    if (is_vowel_letter(c)) return 0;
    if (c == 'y' && !is_first) return !prev_consonant;
    return 1;
}

/* Whether w[i] is a consonant. It depends on the letters before it (through
 * runs of y), so it is computed from the start rather than recursively,
 * which would go as deep as a run of y's is long. */
static int is_consonant(const char *w, size_t i) {
    int c = 1;
    for (size_t k = 0; k <= i; k++) c = consonant_after(w[k], k == 0, c);
    return c;
}

/* Porter's m: the number of vowel-to-consonant transitions in w[0..n). */
static size_t measure(const char *w, size_t n) {
    size_t m = 0;
    int prev = 1;
    for (size_t k = 0; k < n; k++) {
        int c = consonant_after(w[k], k == 0, prev);
        if (k > 0 && !prev && c) m++;
        prev = c;
    }
    return m;
}

static int contains_vowel(const char *w, size_t n) {
    int c = 1;
    for (size_t k = 0; k < n; k++) {
        c = consonant_after(w[k], k == 0, c);
        if (!c) return 1;
    }
    return 0;
}

static int ends_double_consonant(const char *w, size_t n) {
    return n >= 2 && w[n - 1] == w[n - 2] && is_consonant(w, n - 1);
}

/* Porter's *o (consonant-vowel-consonant, last not w/x/y). NLTK also counts
 * a whole two-letter stem vowel+consonant, with no w/x/y exception. */
static int ends_cvc(const char *w, size_t n) {
    if (n == 2) return !is_consonant(w, 0) && is_consonant(w, 1);
    if (n < 3) return 0;
    char last = w[n - 1];
    return is_consonant(w, n - 3) && !is_consonant(w, n - 2) && is_consonant(w, n - 1) && last != 'w' &&
           last != 'x' && last != 'y';
}

static int ends_with(const Word *w, const char *suffix) {
    size_t k = strlen(suffix);
    return w->n >= k && memcmp(w->b + w->n - k, suffix, k) == 0;
}

static void replace_tail(Word *w, size_t stem_len, const char *replacement) {
    size_t k = strlen(replacement);
    memcpy(w->b + stem_len, replacement, k);
    w->n = stem_len + k;
}

/* A condition on the stem w[0..stem_len) left once a suffix is removed. */
typedef int (*StemTest)(const char *w, size_t stem_len);

typedef struct {
    const char *suffix, *replacement;
    StemTest test; /* NULL: unconditional */
} Rule;

static int m_positive(const char *w, size_t n) { return measure(w, n) > 0; }
static int m_above_one(const char *w, size_t n) { return measure(w, n) > 1; }

/* NLTK measures -logi stems with the l kept, so that short stems like geo-
 * and theo- reduce like archaeo- and philo- do. */
static int logi_stem(const char *w, size_t n) { return measure(w, n + 1) > 0; }

static int ion_stem(const char *w, size_t n) { return measure(w, n) > 1 && (w[n - 1] == 's' || w[n - 1] == 't'); }

/* Porter's rule lists are ordered: the first rule whose suffix matches
 * decides, and when its condition fails no later rule is tried (so
 * -ational with m = 0 does not fall through to -tional). */
static void apply_first_rule(Word *w, const Rule *rules, size_t n_rules) {
    for (size_t i = 0; i < n_rules; i++) {
        if (!ends_with(w, rules[i].suffix)) continue;
        size_t stem_len = w->n - strlen(rules[i].suffix);
        if (!rules[i].test || rules[i].test(w->b, stem_len)) replace_tail(w, stem_len, rules[i].replacement);
        return;
    }
}

#define N_RULES(r) (sizeof(r) / sizeof((r)[0]))

/* Plurals. NLTK keeps the e of four-letter -ies words (dies -> die, but
 * flies -> fli). */
static void step1a(Word *w) {
    static const Rule rules[] = {{"sses", "ss", NULL}, {"ies", "i", NULL}, {"ss", "ss", NULL}, {"s", "", NULL}};
    if (w->n == 4 && ends_with(w, "ies")) {
        w->n = 3;
        return;
    }
    apply_first_rule(w, rules, N_RULES(rules));
}

/* After -ed/-ing comes off, restore what the suffix hid: the e of
 * -ate/-ble/-ize and of short cvc stems (fil(ing) -> file), and undo the
 * consonant doubling (hopp(ing) -> hop) except for l, s and z. */
static void step1b_tidy(Word *w) {
    if (ends_with(w, "at") || ends_with(w, "bl") || ends_with(w, "iz")) {
        w->b[w->n++] = 'e';
    } else if (ends_double_consonant(w->b, w->n)) {
        char last = w->b[w->n - 1];
        if (last != 'l' && last != 's' && last != 'z') w->n--;
    } else if (measure(w->b, w->n) == 1 && ends_cvc(w->b, w->n)) {
        w->b[w->n++] = 'e';
    }
}

/* Past tenses and participles. NLTK handles -ied first (died -> die, spied
 * -> spi), and an -eed word is settled by the -eed rule alone (feed stays
 * feed even though "fe" has a vowel). */
static void step1b(Word *w) {
    if (ends_with(w, "ied")) {
        replace_tail(w, w->n - 3, w->n == 4 ? "ie" : "i");
        return;
    }
    if (ends_with(w, "eed")) {
        if (measure(w->b, w->n - 3) > 0) w->n--;
        return;
    }
    if (ends_with(w, "ed") && contains_vowel(w->b, w->n - 2)) w->n -= 2;
    else if (ends_with(w, "ing") && contains_vowel(w->b, w->n - 3)) w->n -= 3;
    else return;
    step1b_tidy(w);
}

/* NLTK turns y into i only after a consonant that is not the whole stem, so
 * enjoy stays and spy -> spi conflates with spied. */
static void step1c(Word *w) {
    if (w->n > 2 && w->b[w->n - 1] == 'y' && is_consonant(w->b, w->n - 2)) w->b[w->n - 1] = 'i';
}

static void step2(Word *w) {
    static const Rule rules[] = {
        {"ational", "ate", m_positive}, {"tional", "tion", m_positive}, {"enci", "ence", m_positive},
        {"anci", "ance", m_positive},   {"izer", "ize", m_positive},    {"bli", "ble", m_positive},
        {"alli", "al", m_positive},     {"entli", "ent", m_positive},   {"eli", "e", m_positive},
        {"ousli", "ous", m_positive},   {"ization", "ize", m_positive}, {"ation", "ate", m_positive},
        {"ator", "ate", m_positive},    {"alism", "al", m_positive},    {"iveness", "ive", m_positive},
        {"fulness", "ful", m_positive}, {"ousness", "ous", m_positive}, {"aliti", "al", m_positive},
        {"iviti", "ive", m_positive},   {"biliti", "ble", m_positive},  {"fulli", "ful", m_positive},
        {"logi", "log", logi_stem},
    };
    /* NLTK tries -alli -> -al before everything else and then runs the list
     * on the result, so e.g. -tionalli becomes -tion. The result ends in -al,
     * which the -alli check cannot match again. */
    if (ends_with(w, "alli") && measure(w->b, w->n - 4) > 0) w->n -= 2;
    apply_first_rule(w, rules, N_RULES(rules));
}

static void step3(Word *w) {
    static const Rule rules[] = {
        {"icate", "ic", m_positive}, {"ative", "", m_positive}, {"alize", "al", m_positive},
        {"iciti", "ic", m_positive}, {"ical", "ic", m_positive}, {"ful", "", m_positive},
        {"ness", "", m_positive},
    };
    apply_first_rule(w, rules, N_RULES(rules));
}

static void step4(Word *w) {
    static const Rule rules[] = {
        {"al", "", m_above_one},   {"ance", "", m_above_one}, {"ence", "", m_above_one}, {"er", "", m_above_one},
        {"ic", "", m_above_one},   {"able", "", m_above_one}, {"ible", "", m_above_one}, {"ant", "", m_above_one},
        {"ement", "", m_above_one}, {"ment", "", m_above_one}, {"ent", "", m_above_one}, {"ion", "", ion_stem},
        {"ou", "", m_above_one},   {"ism", "", m_above_one},  {"ate", "", m_above_one},  {"iti", "", m_above_one},
        {"ous", "", m_above_one},  {"ive", "", m_above_one},  {"ize", "", m_above_one},
    };
    apply_first_rule(w, rules, N_RULES(rules));
}

/* Both e rules are tried (unlike -eed/-ed in step 1b): m > 1 drops it, and
 * so does m = 1 unless the stem ends cvc (cease -> ceas, but rate stays). */
static void step5a(Word *w) {
    if (!ends_with(w, "e")) return;
    size_t m = measure(w->b, w->n - 1);
    if (m > 1 || (m == 1 && !ends_cvc(w->b, w->n - 1))) w->n--;
}

/* controll -> control; the measure includes the first l. */
static void step5b(Word *w) {
    if (ends_with(w, "ll") && measure(w->b, w->n - 1) > 1) w->n--;
}

/* NLTK's irregular forms, answered without running the steps. */
static const char *irregular_stem(const char *word, size_t len) {
    static const char *const pool[][2] = {
        {"sky", "sky"},         {"skies", "sky"},      {"dying", "die"},     {"lying", "lie"},
        {"tying", "tie"},       {"news", "news"},      {"innings", "inning"}, {"inning", "inning"},
        {"outings", "outing"},  {"outing", "outing"},  {"cannings", "canning"}, {"canning", "canning"},
        {"howe", "howe"},       {"proceed", "proceed"}, {"exceed", "exceed"}, {"succeed", "succeed"},
    };
    for (size_t i = 0; i < sizeof pool / sizeof pool[0]; i++)
        if (strlen(pool[i][0]) == len && memcmp(pool[i][0], word, len) == 0) return pool[i][1];
    return NULL;
}

size_t porter_stem(const char *word, size_t len, char *out) {
    const char *irregular = irregular_stem(word, len);
    if (irregular) { /* never longer than its form, so it fits */
        size_t k = strlen(irregular);
        memcpy(out, irregular, k + 1);
        return k;
    }
    memmove(out, word, len);
    Word w = {out, len};
    if (len > 2) { /* NLTK leaves one- and two-letter words alone */
        step1a(&w);
        step1b(&w);
        step1c(&w);
        step2(&w);
        step3(&w);
        step4(&w);
        step5a(&w);
        step5b(&w);
    }
    out[w.n] = '\0';
    return w.n;
}
