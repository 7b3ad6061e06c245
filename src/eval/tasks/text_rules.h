/* lm-eval's answer filters and its exact_match (HF evaluate's rules), on
 * UTF-8 strings. Regular expressions are PCRE2 with the Python `re` syntax
 * the tasks use. */
#ifndef DUSK_TEXT_RULES_H
#define DUSK_TEXT_RULES_H

/* RegexFilter: findall(pattern, s); none → fallback ("[invalid]"); else the
 * match at group_select (negative counts from the end); with several groups
 * the first non-empty one; then strip(). malloc'd, or NULL on a bad pattern. */
char *filter_regex(const char *s, const char *pattern, int group_select, const char *fallback);
/* WhitespaceFilter: drops one leading space. malloc'd. */
char *filter_remove_whitespace(const char *s);

typedef struct {
    const char *const *regexes_to_ignore; /* re.sub(r, "", x) in turn */
    int n_regexes;
    int ignore_case;        /* str.lower() */
    int ignore_punctuation; /* remove string.punctuation */
} ExactMatchRules;

/* 1 if prediction and reference are equal after the rules; -1 on a bad regex. */
int exact_match(const char *prediction, const char *reference, const ExactMatchRules *rules);
/* The string after the rules (exposed for tests and samples). malloc'd. */
char *exact_match_normalise(const char *s, const ExactMatchRules *rules);

#endif
