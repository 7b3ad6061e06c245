/* The lm-eval rules of `dusk downstream` on hand-made cases. Expected values
 * were computed with /usr/bin/python3 (random, re, string, numpy) restating
 * lm-eval's definitions; the commands are quoted beside each block. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "eval/tasks/csv_records.h"
#include "eval/tasks/lm_requests.h"
#include "eval/tasks/pyrandom.h"
#include "eval/tasks/task.h"
#include "eval/tasks/task_scoring.h"
#include "eval/tasks/text_rules.h"

static int same_ints(const int *a, const int *b, int n) {
    for (int i = 0; i < n; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}

/* python3: r = random.Random(1234); [r.sample(range(7473), 5) for _ in range(3)]
 *          r = random.Random(1234); [r.sample(range(10), 3) for _ in range(2)]
 *          r = random.Random(0); [r.getrandbits(32) for _ in range(3)]
 *          random.Random(2**40 + 5).sample(range(100000), 4)
 *          random.Random(7).sample(range(200), 30) */
static void check_python_random(void) {
    static const int big[3][5] = {{6374, 3610, 957, 61, 742}, {7462, 6610, 4769, 286, 5501}, {5677, 687, 806, 6279, 2905}};
    PyRandom r;
    int got[30];
    pyrandom_seed(&r, 1234);
    for (int i = 0; i < 3; i++) {
        pyrandom_sample(&r, 7473, 5, got);
        CHECK_MSG(same_ints(got, big[i], 5), "gsm8k draw %d: %d %d %d %d %d", i, got[0], got[1], got[2], got[3], got[4]);
    }
    static const int small[2][3] = {{7, 1, 0}, {1, 0, 9}}; /* the pool branch (n <= 21) */
    pyrandom_seed(&r, 1234);
    for (int i = 0; i < 2; i++) {
        pyrandom_sample(&r, 10, 3, got);
        CHECK(same_ints(got, small[i], 3));
    }
    pyrandom_seed(&r, 0);
    CHECK(pyrandom_getrandbits(&r, 32) == 3626764237u);
    CHECK(pyrandom_getrandbits(&r, 32) == 1654615998u);
    CHECK(pyrandom_getrandbits(&r, 32) == 3255389356u);
    static const int wide[4] = {66110, 67753, 35206, 87005}; /* a seed of two 32-bit words */
    pyrandom_seed(&r, (1ull << 40) + 5);
    pyrandom_sample(&r, 100000, 4, got);
    CHECK(same_ints(got, wide, 4));
    static const int k30[30] = {82, 38, 101, 166, 12, 18, 137, 24, 93, 149, 14, 129, 54, 9, 22,
                                111, 107, 17, 61, 23, 141, 108, 15, 144, 31, 57, 161, 160, 190, 177};
    pyrandom_seed(&r, 7); /* k > 5: setsize 21 + 4**ceil(log4(90)) = 277 > 200, the pool branch */
    pyrandom_sample(&r, 200, 30, got);
    CHECK(same_ints(got, k30, 30));
}

static void check_rstrip(void) {
    CHECK(lm_rstrip_len("abc \n\t", 6) == 3);
    CHECK(lm_rstrip_len("abc\xc2\xa0", 5) == 3);          /* U+00A0 is str.isspace() */
    CHECK(lm_rstrip_len("abc\xe3\x80\x80 ", 7) == 3);     /* U+3000 */
    CHECK(lm_rstrip_len("a\xe2\x80\x8b", 4) == 4);        /* U+200B is not */
    CHECK(lm_rstrip_len("   ", 3) == 0);
    CHECK(lm_rstrip_len("", 0) == 0);
}

static void check_encoding(const char *tok_path) {
    Tokenizer *tok = tokenizer_load(tok_path);
    CHECK(tok != NULL);
    if (!tok) return;
    /* the trailing space moves onto the continuation */
    LLRequest r, plain;
    CHECK(lm_request_encode(tok, "Question: 2+2?\nAnswer: ", "4", 1, &r) == 0);
    CHECK(lm_request_encode(tok, "Question: 2+2?\nAnswer:", " 4", 1, &plain) == 0);
    CHECK(r.n_ctx == plain.n_ctx && same_ints(r.ctx, plain.ctx, r.n_ctx));
    CHECK(r.n_cont == plain.n_cont && same_ints(r.cont, plain.cont, r.n_cont));
    int *whole, n_whole, *ctx, n_ctx;
    tokenizer_encode(tok, "Question: 2+2?\nAnswer: 4", 24, 1, &whole, &n_whole);
    tokenizer_encode(tok, "Question: 2+2?\nAnswer:", 22, 1, &ctx, &n_ctx);
    CHECK(ctx[0] == tokenizer_bos_id(tok) && r.ctx[0] == tokenizer_bos_id(tok)); /* BOS as the tokenizer adds it */
    CHECK(r.n_ctx == n_ctx && r.n_cont == n_whole - n_ctx && same_ints(r.cont, whole + n_ctx, r.n_cont));
    free(whole), free(ctx);
    /* empty context: [BOS] then the continuation encoded alone */
    LLRequest e;
    CHECK(lm_request_encode(tok, "", "hello", 0, &e) == 0);
    int *h, nh;
    tokenizer_encode(tok, "hello", 5, 0, &h, &nh);
    CHECK(e.n_ctx == 1 && e.ctx[0] == tokenizer_bos_id(tok) && e.n_cont == nh && same_ints(e.cont, h, nh));
    free(h);
    /* left truncation: (ctx + cont)[-(max_len + 1):][:-1] */
    LLRequest t = {0};
    int c[5] = {1, 2, 3, 4, 5}, k[3] = {6, 7, 8};
    t.ctx = c, t.n_ctx = 5, t.cont = k, t.n_cont = 3;
    int n_in, *in = lm_request_input(&t, 4, &n_in);
    int want[4] = {4, 5, 6, 7};
    CHECK(n_in == 4 && same_ints(in, want, 4));
    free(in);
    in = lm_request_input(&t, 100, &n_in);
    int all[7] = {1, 2, 3, 4, 5, 6, 7};
    CHECK(n_in == 7 && same_ints(in, all, 7));
    free(in);
    /* generate-until: left truncation to max_len - max_gen and the EOS string appended */
    GenRequest g;
    const char *until[1] = {"\n\n"};
    CHECK(gen_request_encode(tok, "one two three four five six seven", until, 1, 4, 1, 7, &g) == 0);
    CHECK(g.n_ctx == 3 && g.n_until == 2 && strcmp(g.until[0], "\n\n") == 0);
    CHECK(strcmp(g.until[1], "<|end_of_text|>") == 0);
    gen_request_free(&g);
    lm_request_free(&r), lm_request_free(&plain), lm_request_free(&e);
    tokenizer_free(tok);
}

/* Stop strings act on the decoded text, so one that spans tokens ("Question:"
 * is "Question" + ":") cuts as well as one inside a token. */
static void check_stops(void) {
    char s1[] = "42 apples.\nQuestion: what", s2[] = "The answer\n\nis", s3[] = "no stop here";
    const char *u1[2] = {"Question:", "</s>"}, *u2[2] = {"\n\n", ""}, *u3[1] = {"zzz"};
    gen_cut_at_stops(s1, u1, 2);
    gen_cut_at_stops(s2, u2, 2);
    gen_cut_at_stops(s3, u3, 1);
    CHECK(strcmp(s1, "42 apples.\n") == 0);
    CHECK(strcmp(s2, "The answer") == 0);
    CHECK(strcmp(s3, "no stop here") == 0);
    char s4[] = "a, b. c";
    const char *u4[3] = {"\n", ".", ","}; /* triviaqa: each term splits in turn */
    gen_cut_at_stops(s4, u4, 3);
    CHECK(strcmp(s4, "a") == 0);
}

/* python3: re.compile(p).findall(s)[group_select] (first non-empty of a tuple), strip */
static void check_filters(void) {
    const char *strict = "#### (\\-?[0-9\\.\\,]+)", *flex = "(-?[$0-9.,]{2,})|(-?[0-9]+)";
    struct {
        const char *s, *strict, *flex;
    } cases[] = {{"so 5 eggs.\n#### 1,234.\nQuestion", "1,234.", "1,234."},
                 {"I have 3 apples and $1,200.50 total.", "[invalid]", "$1,200.50"},
                 {"no number here", "[invalid]", "[invalid]"},
                 {"x = -7 then 8", "[invalid]", "8"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *a = filter_regex(cases[i].s, strict, 0, "[invalid]"), *b = filter_regex(cases[i].s, flex, -1, "[invalid]");
        CHECK_MSG(a && strcmp(a, cases[i].strict) == 0, "strict %zu: %s", i, a);
        CHECK_MSG(b && strcmp(b, cases[i].flex) == 0, "flexible %zu: %s", i, b);
        free(a), free(b);
    }
    char *w = filter_remove_whitespace("  Paris");
    CHECK(strcmp(w, " Paris") == 0); /* exactly one leading space */
    free(w);
    static const char *const gsm[] = {",", "\\$", "(?s).*#### ", "\\.$"};
    ExactMatchRules g = {gsm, 4, 1, 0}, tq = {NULL, 0, 1, 1};
    CHECK(exact_match("1,234.", "step\n#### 1234", &g) == 1);
    CHECK(exact_match("$1,200.50", "x\n#### 1200.50", &g) == 1);
    CHECK(exact_match("[invalid]", "#### 5", &g) == 0);
    CHECK(exact_match("The Beatles!", "the beatles", &tq) == 1);
    CHECK(exact_match("\xc3\x89" "COLE", "\xc3\xa9" "cole", &tq) == 1); /* str.lower() beyond ASCII */
    CHECK(filter_regex("x", "(", 0, "f") == NULL);
}

static void check_scores(void) {
    /* mc2: exp(ll) normalised over all choices, mass on those before the first false */
    double ll[4] = {log(0.2), log(0.1), log(0.3), log(0.4)};
    CHECK_NEAR(mc2_score(ll, 4, 2), 0.3, 1e-12);
    double ll2[3] = {-1.0, -2.0, -3.0}; /* unnormalised: e^-1 / (e^-1 + e^-2 + e^-3) */
    CHECK_NEAR(mc2_score(ll2, 3, 1), exp(-1.0) / (exp(-1.0) + exp(-2.0) + exp(-3.0)), 1e-12);
    double ties[4] = {-1, -0.5, -0.5, -2};
    CHECK(first_argmax(ties, 4) == 1);
    CHECK(utf8_chars("caf\xc3\xa9") == 4);
    /* python3: weighted mean and lm-eval's pooled_sample_stderr of means
     * [0.5, 0.25], stderrs [0.1, 0.2], sizes [10, 4] */
    double means[2] = {0.5, 0.25}, se[2] = {0.1, 0.2}, m, e;
    int sizes[2] = {10, 4};
    group_weighted(means, se, sizes, 2, &m, &e);
    CHECK_NEAR(m, 0.42857142857142855, 1e-15);
    CHECK_NEAR(e, 0.09063269671749659, 1e-15);
    /* numpy: a.mean(), a.std(ddof=1) / sqrt(5) for a = [1, 0, 1, 1, 0] */
    double a[5] = {1, 0, 1, 1, 0};
    mean_and_stderr(a, 5, &m, &e);
    CHECK_NEAR(m, 0.6, 1e-15);
    CHECK_NEAR(e, 0.24494897427831783, 1e-15);
    mean_and_stderr(a, 1, &m, &e);
    CHECK(m == 1.0 && isnan(e));
}

/* The few-shot layout: description, shots "text target" joined by "\n\n". */
static void check_fewshot_layout(void) {
    char *texts[2] = {"Q1", "Q2"}, *targets[2] = {"A1", "A2"};
    char *p = fewshot_prompt("Desc.\n\n", texts, targets, 2, "Q3");
    CHECK(strcmp(p, "Desc.\n\nQ1 A1\n\nQ2 A2\n\nQ3") == 0);
    free(p);
    p = fewshot_prompt(NULL, texts, targets, 0, "Q3");
    CHECK(strcmp(p, "Q3") == 0);
    free(p);
}

/* python3: list(csv.reader(io.StringIO(t, newline=''))) for the text below */
static void check_csv(void) {
    const char *t = "a,\"b, c\",\"d \"\"e\"\"\nf\",g\r\nh,,\"\"\nlast,\"x\"y,z";
    const char *want[3][4] = {{"a", "b, c", "d \"e\"\nf", "g"}, {"h", "", ""}, {"last", "xy", "z"}};
    const int n_fields[3] = {4, 3, 3}, lines[3] = {1, 3, 4};
    size_t pos = 0, len = strlen(t);
    int line = 1;
    CsvRecord rec;
    for (int r = 0; r < 3; r++) {
        CHECK(csv_next_record(t, len, &pos, &line, &rec) == 1);
        CHECK_MSG(rec.n_fields == n_fields[r] && rec.line == lines[r], "record %d: %d fields, line %d", r, rec.n_fields, rec.line);
        for (int f = 0; f < rec.n_fields && f < n_fields[r]; f++) CHECK_MSG(strcmp(rec.fields[f], want[r][f]) == 0, "%d.%d: %s", r, f, rec.fields[f]);
        csv_record_free(&rec);
    }
    CHECK(csv_next_record(t, len, &pos, &line, &rec) == 0);
    pos = 0, line = 1;
    CHECK(csv_next_record("x,\"open", 7, &pos, &line, &rec) == -1);
}

int main(int argc, char **argv) {
    const char *shared = getenv("SHARED");
    char path[1024];
    snprintf(path, sizeof path, "%s/tokenizers/llama3/tokenizer.json", shared ? shared : "../shared");
    (void)argc, (void)argv;
    check_python_random();
    check_rstrip();
    check_encoding(path);
    check_stops();
    check_filters();
    check_scores();
    check_fewshot_layout();
    check_csv();
    return check_report("test_downstream_rules");
}
