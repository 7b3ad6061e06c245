/* The checks shared by the fuzz targets of the DUSK eval-file readers
 * (src/data/eval_data.c): the input is read as a file, and must be read or
 * rejected with a message naming the file (handing back nothing); what is
 * read is at least one record of two UTF-8 strings, and expect_records of
 * them unless that is -1. */
#ifndef DUSK_FUZZ_TEXT_PAIRS_H
#define DUSK_FUZZ_TEXT_PAIRS_H

#include <string.h>

#include "data/eval_data.h"
#include "data/text.h"
#include "fuzz_file.h"
#include "util/err.h"

static int fuzz_text_pairs_reader(int (*reader)(TextPairs *, const char *), const uint8_t *data, size_t size,
                                  int expect_records) {
    const char *path = fuzz_input_file(data, size);
    TextPairs p;
    if (reader(&p, path) != 0) {
        if (!strstr(dusk_last_error(), path)) abort();
        if (p.n != 0 || p.a || p.b) abort();
        return 0;
    }
    if (p.n < 1 || (expect_records >= 0 && p.n != expect_records)) abort();
    for (int i = 0; i < p.n; i++) {
        size_t bad;
        if (!p.a[i] || !p.b[i]) abort();
        if (!utf8_valid(p.a[i], strlen(p.a[i]), &bad) || !utf8_valid(p.b[i], strlen(p.b[i]), &bad)) abort();
    }
    text_pairs_free(&p);
    return 0;
}

#endif
