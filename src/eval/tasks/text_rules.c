#define PCRE2_CODE_UNIT_WIDTH 8
#include "eval/tasks/text_rules.h"

#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "util/err.h"

static pcre2_code *compile(const char *pattern) {
    int err;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &err,
                                   &off, NULL);
    if (!re) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(err, msg, sizeof msg);
        dusk_error("regular expression \"%s\" at offset %zu: %s", pattern, (size_t)off, (const char *)msg);
    }
    return re;
}

static char *copy_range(const char *s, size_t a, size_t b) {
    char *out = xmalloc(b - a + 1);
    memcpy(out, s + a, b - a);
    out[b - a] = '\0';
    return out;
}

/* Python str.strip() for ASCII whitespace and the common Unicode spaces
 * that model outputs hold. */
static char *py_strip(const char *s) {
    size_t a = 0, b = strlen(s);
    while (a < b && (s[a] == ' ' || (s[a] >= '\t' && s[a] <= '\r') || (s[a] >= 0x1c && s[a] <= 0x1f))) a++;
    while (b > a && (s[b - 1] == ' ' || (s[b - 1] >= '\t' && s[b - 1] <= '\r') || (s[b - 1] >= 0x1c && s[b - 1] <= 0x1f))) b--;
    return copy_range(s, a, b);
}

/* The findall element of one match: the whole match without groups, the
 * group with one, the first non-empty group with several. */
static char *findall_item(const char *s, const PCRE2_SIZE *ov, int n_groups) {
    if (n_groups == 0) return copy_range(s, ov[0], ov[1]);
    for (int g = 1; g <= n_groups; g++) {
        if (ov[2 * g] == PCRE2_UNSET) {
            if (n_groups == 1) return xstrdup("");
            continue;
        }
        if (ov[2 * g + 1] > ov[2 * g] || n_groups == 1) return copy_range(s, ov[2 * g], ov[2 * g + 1]);
    }
    return xstrdup("");
}

char *filter_regex(const char *s, const char *pattern, int group_select, const char *fallback) {
    pcre2_code *re = compile(pattern);
    if (!re) return NULL;
    uint32_t n_groups;
    pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &n_groups);
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    size_t len = strlen(s), at = 0;
    char **items = NULL;
    int n = 0;
    while (at <= len && pcre2_match(re, (PCRE2_SPTR)s, len, at, 0, md, NULL) >= 0) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        items = xrealloc(items, sizeof(char *) * (size_t)(n + 1));
        items[n++] = findall_item(s, ov, (int)n_groups);
        at = ov[1] > ov[0] ? ov[1] : ov[1] + 1;
    }
    char *out;
    int pick = group_select < 0 ? n + group_select : group_select;
    if (n == 0 || pick < 0 || pick >= n) out = xstrdup(fallback);
    else out = py_strip(items[pick]);
    for (int i = 0; i < n; i++) free(items[i]);
    free(items);
    pcre2_match_data_free(md);
    pcre2_code_free(re);
    return out;
}

char *filter_remove_whitespace(const char *s) { return xstrdup(s[0] == ' ' ? s + 1 : s); }

static char *regex_remove_all(const char *s, const char *pattern) {
    pcre2_code *re = compile(pattern);
    if (!re) return NULL;
    size_t cap = strlen(s) + 1;
    char *out = xmalloc(cap);
    PCRE2_SIZE out_len = cap;
    int rc = pcre2_substitute(re, (PCRE2_SPTR)s, PCRE2_ZERO_TERMINATED, 0, PCRE2_SUBSTITUTE_GLOBAL, NULL, NULL,
                              (PCRE2_SPTR) "", 0, (PCRE2_UCHAR *)out, &out_len);
    pcre2_code_free(re);
    if (rc < 0) {
        free(out);
        dusk_error("regular expression \"%s\": substitution failed (%d)", pattern, rc);
        return NULL;
    }
    return out;
}

/* str.lower() per code point (utf8proc's simple lowercase mapping). */
static char *lower_utf8(const char *s) {
    size_t len = strlen(s), o = 0;
    char *out = xmalloc(len * 2 + 5);
    for (size_t i = 0; i < len;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &cp);
        if (n <= 0) { out[o++] = s[i++]; continue; }
        o += (size_t)utf8proc_encode_char(utf8proc_tolower(cp), (utf8proc_uint8_t *)out + o);
        i += (size_t)n;
    }
    out[o] = '\0';
    return out;
}

static void remove_ascii_punctuation(char *s) {
    static const char kPunct[] = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
    char *o = s;
    for (char *p = s; *p; p++)
        if (!strchr(kPunct, *p)) *o++ = *p;
    *o = '\0';
}

char *exact_match_normalise(const char *s, const ExactMatchRules *rules) {
    char *cur = xstrdup(s);
    for (int i = 0; i < rules->n_regexes; i++) {
        char *next = regex_remove_all(cur, rules->regexes_to_ignore[i]);
        free(cur);
        if (!next) return NULL;
        cur = next;
    }
    if (rules->ignore_case) {
        char *next = lower_utf8(cur);
        free(cur);
        cur = next;
    }
    if (rules->ignore_punctuation) remove_ascii_punctuation(cur);
    return cur;
}

int exact_match(const char *prediction, const char *reference, const ExactMatchRules *rules) {
    char *p = exact_match_normalise(prediction, rules), *r = p ? exact_match_normalise(reference, rules) : NULL;
    int rc = p && r ? strcmp(p, r) == 0 : -1;
    free(p), free(r);
    return rc;
}
