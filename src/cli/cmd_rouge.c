/* dusk rouge: ROUGE (as Google's rouge-score computes it) plus DUSK's extra
 * verbatim scores for one target/prediction pair or a JSONL file of pairs.
 *
 *   dusk rouge --target T --prediction P
 *   dusk rouge --pairs-file F.jsonl              one JSON line per pair
 *   dusk rouge --pairs-file F.jsonl --aggregate  DUSK's RougeEvalLogger.report()
 *   dusk rouge --stem-words < TEXT                rouge-score's stemmed tokens
 *
 * --stemmer scores as rouge-score's use_stemmer=True (DUSK uses False).
 * --stem-words prints the tokens rouge-score's tokenizer makes of stdin with
 * use_stemmer=True, one per line, so the stemmer can be checked against
 * NLTK in bulk.
 *
 * Each pairs-file line is {"target": str, "prediction": str}; blank lines are
 * skipped. Every pair is scored before anything is printed, so bad input
 * prints nothing but the error. */
#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "eval/rouge.h"
#include "eval/rouge_tokenize.h"
#include "eval/stats.h"
#include "eval/verbatim_similarity.h"
#include "util/err.h"
#include "util/fileio.h"

typedef struct {
    RougeScores rouge;
    size_t word_lcs, lev_distance;
    double lev_similarity;
} PairScores;

static int score_pair(const char *target, size_t tlen, const char *pred, size_t plen, int use_stemmer,
                      PairScores *out) {
    if (rouge_score_ex(target, tlen, pred, plen, use_stemmer, &out->rouge) != 0) return -1;
    if (word_lcs_length(target, tlen, pred, plen, &out->word_lcs) != 0 ||
        char_levenshtein(target, tlen, pred, plen, &out->lev_distance, &out->lev_similarity) != 0)
        return dusk_error_prefix("target/prediction");
    return 0;
}

static void print_score(const char *name, const RougeScore *s) {
    printf("\"%s\": {\"precision\": ", name);
    json_print_double(stdout, s->precision);
    fputs(", \"recall\": ", stdout);
    json_print_double(stdout, s->recall);
    fputs(", \"fmeasure\": ", stdout);
    json_print_double(stdout, s->fmeasure);
    fputs("}", stdout);
}

static void print_pair(const PairScores *p) {
    fputs("{", stdout);
    print_score("rouge1", &p->rouge.rouge1);
    fputs(", ", stdout);
    print_score("rouge2", &p->rouge.rouge2);
    fputs(", ", stdout);
    print_score("rougeL", &p->rouge.rougeL);
    fputs(", ", stdout);
    print_score("rougeLsum", &p->rouge.rougeLsum);
    printf(", \"word_lcs\": %zu, \"levenshtein_distance\": %zu, \"levenshtein_similarity\": ", p->word_lcs,
           p->lev_distance);
    json_print_double(stdout, p->lev_similarity);
    fputs("}\n", stdout);
}

/* A string field of a pairs-file record, or an error naming file:line. */
static const char *string_field(const cJSON *obj, const char *key, const char *path, int line) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsString(v)) {
        dusk_error("%s:%d: missing string field \"%s\"", path, line, key);
        return NULL;
    }
    return v->valuestring;
}

static int score_line(char *line, const char *path, int line_no, int use_stemmer, PairScores *out) {
    const char *end = NULL;
    cJSON *obj = cJSON_ParseWithOpts(line, &end, 1);
    if (!cJSON_IsObject(obj)) {
        cJSON_Delete(obj);
        return dusk_error("%s:%d: expected a JSON object {\"target\": ..., \"prediction\": ...}", path, line_no);
    }
    const char *t = string_field(obj, "target", path, line_no), *p = t ? string_field(obj, "prediction", path, line_no) : NULL;
    int rc = -1;
    if (t && p) {
        rc = score_pair(t, strlen(t), p, strlen(p), use_stemmer, out);
        if (rc != 0) dusk_error_prefix("%s:%d", path, line_no);
    }
    cJSON_Delete(obj);
    return rc;
}

static int line_of_offset(const char *text, size_t offset) {
    int line = 1;
    for (size_t i = 0; i < offset; i++) line += text[i] == '\n';
    return line;
}

/* Score every record of a pairs file; *out gets one entry per record. */
static int score_pairs_file(const char *path, int use_stemmer, PairScores **out, size_t *n_out) {
    size_t len;
    char *text = read_file_all(path, &len);
    if (!text) return -1;
    *out = NULL;
    *n_out = 0;
    /* cJSON strings end at a NUL byte; refuse rather than score a truncated text */
    char *nul = memchr(text, '\0', len);
    if (nul) {
        int line = line_of_offset(text, (size_t)(nul - text));
        free(text);
        return dusk_error("%s:%d: contains a NUL byte", path, line);
    }
    size_t cap = 0;
    int rc = 0, line_no = 0;
    for (char *line = text; rc == 0 && line < text + len;) {
        char *nl = memchr(line, '\n', (size_t)(text + len - line));
        char *next = nl ? nl + 1 : text + len;
        if (nl) *nl = '\0';
        line_no++;
        if (line[strspn(line, " \t\r")] != '\0') {
            if (*n_out == cap) *out = xrealloc(*out, (cap = cap ? 2 * cap : 64) * sizeof **out);
            rc = score_line(line, path, line_no, use_stemmer, &(*out)[*n_out]);
            if (rc == 0) (*n_out)++;
        }
        line = next;
    }
    free(text);
    if (rc == 0 && *n_out == 0) rc = dusk_error("%s: no records", path);
    if (rc != 0) {
        free(*out);
        *out = NULL;
    }
    return rc;
}

static void print_summary_fields(const char *key, const double *x, size_t n, uint64_t seed, int first) {
    SummaryStats s;
    if (stats_summary(x, n, seed, &s) != 0) dusk_die("rouge: %s", dusk_last_error());
    printf("%s\"max_%s\": ", first ? "" : ", ", key);
    json_print_double(stdout, s.max);
    printf(", \"mean_%s\": ", key);
    json_print_double(stdout, s.mean);
    printf(", \"%s_ci_lo\": ", key);
    json_print_double(stdout, s.ci_lo);
    printf(", \"%s_ci_hi\": ", key);
    json_print_double(stdout, s.ci_hi);
}

/* The keys and order of DUSK's RougeEvalLogger.report(). */
static void print_aggregate(const PairScores *p, size_t n, uint64_t seed) {
    static const char *const keys[4] = {"rougeL", "rougeL_recall", "rouge1", "rouge1_recall"};
    double *x = xmalloc(n * sizeof *x);
    fputs("{", stdout);
    for (int k = 0; k < 4; k++) {
        for (size_t i = 0; i < n; i++) {
            const RougeScore *s = k < 2 ? &p[i].rouge.rougeL : &p[i].rouge.rouge1;
            x[i] = k % 2 ? s->recall : s->fmeasure;
        }
        print_summary_fields(keys[k], x, n, seed, k == 0);
    }
    printf(", \"n\": %zu}\n", n);
    free(x);
}

static void print_stemmed_tokens(void) {
    size_t len;
    char *text = read_stdin_all(&len);
    if (!text) dusk_die("rouge: %s", dusk_last_error());
    RougeTokens t;
    if (rouge_tokenize_ex(text, len, 1, &t) != 0) dusk_die("rouge: stdin: %s", dusk_last_error());
    for (int i = 0; i < t.n; i++) printf("%s\n", t.chars + t.offset[i]);
    rouge_tokens_free(&t);
    free(text);
}

static uint64_t parse_seed(const char *s) {
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*s == '\0' || *s == '-' || *end != '\0') dusk_die("rouge: --seed must be a non-negative integer (got '%s')", s);
    return (uint64_t)v;
}

int cmd_rouge(int argc, char **argv) {
    ArgSpec o[] = {
        {"target", ARG_VALUE, "reference text", 0, 0},
        {"prediction", ARG_VALUE, "generated text", 0, 0},
        {"pairs-file", ARG_VALUE, "JSONL of {\"target\", \"prediction\"}: one JSON line per pair", 0, 0},
        {"aggregate", ARG_FLAG, "with --pairs-file: print mean/max/95% bootstrap CI instead", 0, 0},
        {"seed", ARG_VALUE, "bootstrap seed for --aggregate (default 0)", 0, 0},
        {"stemmer", ARG_FLAG, "stem tokens as rouge-score's use_stemmer=True (NLTK Porter)", 0, 0},
        {"stem-words", ARG_FLAG, "print rouge-score's stemmed tokens of stdin, one per line", 0, 0},
        {"help", ARG_FLAG, "show this help", 0, 0},
    };
    int n = sizeof o / sizeof o[0];
    if (args_parse(o, n, argc, argv, 1, NULL, NULL) != 0) dusk_die("rouge: %s", dusk_last_error());
    if (args_flag(o, n, "help")) {
        args_usage("rouge",
                   "--target T --prediction P | --pairs-file F.jsonl [--aggregate --seed N] [--stemmer] | "
                   "--stem-words < TEXT",
                   o, n);
        return 0;
    }
    if (args_flag(o, n, "stem-words")) {
        if (args_get(o, n, "target")->present || args_get(o, n, "prediction")->present ||
            args_get(o, n, "pairs-file")->present)
            dusk_die("rouge: --stem-words reads stdin; it takes no --target/--prediction/--pairs-file");
        print_stemmed_tokens();
        return 0;
    }
    int use_stemmer = args_flag(o, n, "stemmer");
    const char *pairs = args_str(o, n, "pairs-file", NULL);
    if (!pairs) {
        if (args_flag(o, n, "aggregate")) dusk_die("rouge: --aggregate needs --pairs-file");
        const char *t = args_required(o, n, "target"), *p = args_required(o, n, "prediction");
        PairScores s;
        if (score_pair(t, strlen(t), p, strlen(p), use_stemmer, &s) != 0) dusk_die("rouge: %s", dusk_last_error());
        print_pair(&s);
        return 0;
    }
    if (args_get(o, n, "target")->present || args_get(o, n, "prediction")->present)
        dusk_die("rouge: give either --pairs-file or --target/--prediction, not both");
    uint64_t seed = parse_seed(args_str(o, n, "seed", "0"));
    PairScores *scores;
    size_t count = 0;
    if (score_pairs_file(pairs, use_stemmer, &scores, &count) != 0) dusk_die("rouge: %s", dusk_last_error());
    if (args_flag(o, n, "aggregate")) print_aggregate(scores, count, seed);
    else
        for (size_t i = 0; i < count; i++) print_pair(&scores[i]);
    free(scores);
    return 0;
}
