/* The DUSK eval-file readers (QA/ICL .jsonl, verbatim.json) and the token-ids
 * file reader on the real DUSK files (record counts from the data's
 * MANIFEST.md) and on malformed input found by fuzzing: a NUL byte used to
 * end the file silently there, and text after a JSON value was ignored; both
 * must now fail naming file and line. Runs under ASan+UBSan too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "data/eval_data.h"
#include "io/ids_file.h"
#include "util/err.h"
#include "util/fileio.h"

static char g_dir[256];

/* Write bytes to a file in the test folder; returns its path (static). */
static const char *write_case(const char *name, const char *bytes, size_t len) {
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    if (write_file_atomic(path, bytes, len) != 0) {
        fprintf(stderr, "%s\n", dusk_last_error());
        exit(2);
    }
    return path;
}

#define CASE(name, literal) write_case(name, literal, sizeof literal - 1)

/* reader fails and its message contains want */
static void expect_error(int rc, const char *want) {
    CHECK_MSG(rc != 0 && strstr(dusk_last_error(), want), "rc %d, message \"%s\", wanted \"%s\"", rc,
              dusk_last_error(), want);
}

static void test_qa_jsonl(void) {
    TextPairs p;
    /* CRLF, a blank line, trailing spaces after the object, no final newline */
    const char *ok = CASE("ok.jsonl", "{\"question\": \"q1\", \"answer\": \"a1\"}  \r\n \t\r\n"
                                      "{\"answer\": \"a\\u00e9\", \"question\": \"q2\"}");
    CHECK(read_qa_jsonl(&p, ok) == 0);
    CHECK(p.n == 2 && strcmp(p.a[0], "q1") == 0 && strcmp(p.b[0], "a1") == 0);
    CHECK(p.n == 2 && strcmp(p.a[1], "q2") == 0 && strcmp(p.b[1], "a\xc3\xa9") == 0);
    text_pairs_free(&p);
    expect_error(read_qa_jsonl(&p, CASE("garbage.jsonl", "{\"question\": \"q\", \"answer\": \"a\"}\n"
                                                         "{\"question\": \"q\", \"answer\": \"a\"} x\n")),
                 "garbage.jsonl:2: malformed JSON");
    expect_error(read_qa_jsonl(&p, CASE("nul.jsonl", "{\"question\": \"q\", \"answer\": \"a\"}\n\n"
                                                     "{\"question\": \"q\", \"answer\": \"a\"}\0 x\n")),
                 "nul.jsonl:3: NUL byte");
    CHECK(p.n == 0 && !p.a && !p.b);
}

static void test_verbatim_json(void) {
    TextPairs p;
    const char *ok = CASE("ok.json", "[{\"prompt\": \"p\", \"gt\": \"g\"}]\n");
    CHECK(read_verbatim_json(&p, ok) == 0 && p.n == 1 && strcmp(p.a[0], "p") == 0 && strcmp(p.b[0], "g") == 0);
    text_pairs_free(&p);
    expect_error(read_verbatim_json(&p, CASE("two.json", "[{\"prompt\": \"p\", \"gt\": \"g\"}]\n[]\n")),
                 "two.json:2: invalid JSON");
    expect_error(read_verbatim_json(&p, CASE("nul.json", "[{\"prompt\": \"p\", \"gt\": \"g\"}]\0junk")),
                 "nul.json:1: NUL byte");
    expect_error(read_verbatim_json(&p, CASE("cut.json", "[{\"prompt\": \"p\",\n \"gt\": ")), "cut.json:2: invalid JSON");
    CHECK(p.n == 0 && !p.a && !p.b);
}

static void test_ids_file(void) {
    IdSequences s;
    CHECK(ids_file_read(&s, CASE("ok.ids", "1 2\t3\n\n 4 5 6 \n7"), 8) == 0);
    CHECK(s.n_seqs == 3 && s.lens[0] == 3 && s.lens[1] == 3 && s.lens[2] == 1 && s.seqs[1][2] == 6 &&
          s.seqs[2][0] == 7);
    ids_free(&s);
    expect_error(ids_file_read(&s, CASE("nul.ids", "1 2\n3\0 4\n5\n"), 0), "nul.ids: NUL byte at offset 5");
    expect_error(ids_file_read(&s, CASE("big.ids", "1 2\n3 8\n"), 8), "big.ids:2: '8' is not a token id");
    CHECK(s.n_seqs == 0 && !s.seqs && !s.lens);
}

/* The real files: as many records as MANIFEST.md lists. */
static void test_dusk_files(const char *shared) {
    static const struct {
        const char *file;
        int records;
    } kFiles[] = {{"GeneralQA.jsonl", 134}, {"SpecificForgetQA.jsonl", 20}, {"SpecificRetainQA.jsonl", 119},
                  {"icl.jsonl", 12},        {"icl_mcqa.jsonl", 12},         {"verbatim.json", 47}};
    for (size_t i = 0; i < sizeof kFiles / sizeof kFiles[0]; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/dusk-data/data/Prof/eval/%s", shared, kFiles[i].file);
        TextPairs p;
        int verbatim = strstr(kFiles[i].file, ".jsonl") == NULL;
        int rc = verbatim ? read_verbatim_json(&p, path) : read_qa_jsonl(&p, path);
        CHECK_MSG(rc == 0 && p.n == kFiles[i].records, "%s: rc %d, %d records (%s)", kFiles[i].file, rc, p.n,
                  rc ? dusk_last_error() : "");
        if (rc == 0) text_pairs_free(&p);
    }
}

int main(void) {
    check_tmpdir_make(g_dir, sizeof g_dir, "dusk-readers");
    test_qa_jsonl();
    test_verbatim_json();
    test_ids_file();
    const char *shared = getenv("SHARED");
    if (shared && *shared) test_dusk_files(shared);
    else CHECK_MSG(0, "set SHARED to the shared asset folder (tests/run_all.sh does)");
    check_tmpdir_remove(g_dir);
    return check_report("test_data_readers");
}
