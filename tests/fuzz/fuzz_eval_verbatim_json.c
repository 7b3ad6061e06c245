/* libFuzzer target: arbitrary bytes as DUSK's verbatim.json
 * (read_verbatim_json), checked as fuzz_text_pairs.h says.
 * fuzz-sources: src/data/eval_data.c src/data/text.c src/util/err.c src/util/fileio.c
 * fuzz-libs: -lcjson -lcrypto */
#include "fuzz_text_pairs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    return fuzz_text_pairs_reader(read_verbatim_json, data, size, -1);
}
