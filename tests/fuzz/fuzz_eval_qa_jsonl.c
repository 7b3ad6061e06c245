/* libFuzzer target: arbitrary bytes as a DUSK QA / ICL .jsonl file
 * (read_qa_jsonl), checked as fuzz_text_pairs.h says; a file that is read
 * gives one record per line holding more than spaces and tabs (no line is
 * dropped silently).
 * fuzz-sources: src/data/eval_data.c src/data/text.c src/util/err.c src/util/fileio.c
 * fuzz-libs: -lcjson -lcrypto */
#include "fuzz_text_pairs.h"

/* Lines (ended by \n, \r\n or a lone \r, as Python's universal newlines)
 * with a byte other than ' ' and '\t'. */
static int count_filled_lines(const uint8_t *data, size_t size) {
    int lines = 0, filled = 0;
    for (size_t i = 0; i < size; i++) {
        if (data[i] == '\n' || data[i] == '\r') {
            lines += filled, filled = 0;
            if (data[i] == '\r' && i + 1 < size && data[i + 1] == '\n') i++;
        } else if (data[i] != ' ' && data[i] != '\t') {
            filled = 1;
        }
    }
    return lines + filled;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    return fuzz_text_pairs_reader(read_qa_jsonl, data, size, count_filled_lines(data, size));
}
