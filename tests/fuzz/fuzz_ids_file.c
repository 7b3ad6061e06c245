/* libFuzzer target: arbitrary bytes as a file of token id sequences
 * (ids_file_read). It must be read or rejected with a message naming the
 * file. What is read is one sequence per line holding anything but
 * whitespace, every id in [0, vocab_size); reading the same file with the
 * vocabulary cut just below its largest id must fail.
 * fuzz-sources: src/io/ids_file.c src/util/err.c src/util/fileio.c
 * fuzz-libs: */
#include <ctype.h>
#include <limits.h>
#include <string.h>

#include "fuzz_file.h"
#include "io/ids_file.h"
#include "util/err.h"

/* Lines with a non-whitespace byte: each must be one sequence. */
static int count_nonblank_lines(const uint8_t *data, size_t size) {
    int lines = 0, filled = 0;
    for (size_t i = 0; i < size; i++) {
        if (data[i] == '\n') lines += filled, filled = 0;
        else if (!isspace(data[i])) filled = 1;
    }
    return lines + filled;
}

/* 1 if read, 0 if rejected with a message naming path; the largest id. */
static int read_checked(const char *path, int vocab_size, int expect_seqs, int *max_id) {
    IdSequences s;
    if (ids_file_read(&s, path, vocab_size) != 0) {
        if (!strstr(dusk_last_error(), path) || s.n_seqs || s.seqs || s.lens) abort();
        return 0;
    }
    if (s.n_seqs != expect_seqs) abort();
    *max_id = 0;
    for (int i = 0; i < s.n_seqs; i++) {
        if (s.lens[i] < 1) abort();
        for (int k = 0; k < s.lens[i]; k++) {
            int id = s.seqs[i][k];
            if (id < 0 || (vocab_size > 0 && id >= vocab_size)) abort();
            if (id > *max_id) *max_id = id;
        }
    }
    if (ids_equal_length(&s, path, 1) < 0 && !strstr(dusk_last_error(), path)) abort();
    ids_free(&s);
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *path = fuzz_input_file(data, size);
    int expect = count_nonblank_lines(data, size), max_id, again;
    if (!read_checked(path, 0, expect, &max_id)) return 0;
    if (max_id < INT_MAX && (!read_checked(path, max_id + 1, expect, &again) || again != max_id)) abort();
    if (max_id > 0 && read_checked(path, max_id, expect, &again)) abort();
    return 0;
}
