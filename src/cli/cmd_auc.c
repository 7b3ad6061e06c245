/* dusk auc --a FILE --b FILE: AUROC of two whitespace-separated score lists,
 * a labelled 0 and b labelled 1 (sklearn roc_curve + auc, which is
 * P(score_b > score_a) + P(tie) / 2). Prints one number. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "eval/stats.h"
#include "util/err.h"
#include "util/fileio.h"

typedef struct {
    double *v;
    size_t n, cap;
} Scores;

static void scores_push(Scores *s, double x) {
    if (s->n == s->cap) s->v = xrealloc(s->v, (s->cap = s->cap ? 2 * s->cap : 256) * sizeof *s->v);
    s->v[s->n++] = x;
}

/* Parse one decimal number (as Python's float() would, minus nan/inf, which
 * sklearn rejects); the token is tok[0..len). */
static int parse_score(const char *tok, size_t len, const char *path, int line, double *out) {
    char buf[128];
    if (len >= sizeof buf) return dusk_error("%s:%d: value '%.40s...' is too long to be a number", path, line, tok);
    memcpy(buf, tok, len);
    buf[len] = '\0';
    char *end;
    /* strtod also takes hex floats; the score lists are decimal */
    if (strpbrk(buf, "xXpP")) return dusk_error("%s:%d: '%s' is not a decimal number", path, line, buf);
    *out = strtod(buf, &end);
    if (end == buf || *end != '\0') return dusk_error("%s:%d: '%s' is not a number", path, line, buf);
    if (!isfinite(*out)) return dusk_error("%s:%d: '%s' is not a finite number", path, line, buf);
    return 0;
}

static int is_separator(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

static int read_scores(const char *path, Scores *out) {
    size_t len;
    char *text = read_file_all(path, &len);
    if (!text) return -1;
    memset(out, 0, sizeof *out);
    int line = 1, rc = 0;
    for (size_t i = 0; i < len && rc == 0;) {
        if (is_separator(text[i])) {
            line += text[i++] == '\n';
            continue;
        }
        size_t from = i;
        while (i < len && !is_separator(text[i])) i++;
        double x = 0;
        rc = parse_score(text + from, i - from, path, line, &x);
        if (rc == 0) scores_push(out, x);
    }
    free(text);
    if (rc == 0 && out->n == 0) rc = dusk_error("%s: no scores (expected whitespace-separated numbers)", path);
    if (rc != 0) free(out->v);
    return rc;
}

int cmd_auc(int argc, char **argv) {
    ArgSpec o[] = {
        {"a", ARG_VALUE, "scores labelled 0 (whitespace-separated numbers)", 0, 0},
        {"b", ARG_VALUE, "scores labelled 1", 0, 0},
        {"help", ARG_FLAG, "show this help", 0, 0},
    };
    int n = sizeof o / sizeof o[0];
    if (args_parse(o, n, argc, argv, 1, NULL, NULL) != 0) dusk_die("auc: %s", dusk_last_error());
    if (args_flag(o, n, "help")) {
        args_usage("auc", "--a FILE --b FILE", o, n);
        return 0;
    }
    const char *pa = args_required(o, n, "a"), *pb = args_required(o, n, "b");
    Scores a, b;
    if (read_scores(pa, &a) != 0) dusk_die("auc: %s", dusk_last_error());
    if (read_scores(pb, &b) != 0) {
        free(a.v);
        dusk_die("auc: %s", dusk_last_error());
    }
    double auc;
    int rc = stats_auroc(a.v, a.n, b.v, b.n, &auc);
    free(a.v);
    free(b.v);
    if (rc != 0) dusk_die("auc: %s", dusk_last_error());
    json_print_double(stdout, auc);
    fputc('\n', stdout);
    return 0;
}
