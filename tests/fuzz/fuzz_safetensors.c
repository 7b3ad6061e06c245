/* libFuzzer target: st_parse on arbitrary bytes must either reject them with
 * a message or produce a header whose every tensor can be found and read
 * within the buffer (ASan/UBSan catch anything else).
 * fuzz-sources: src/io/safetensors.c src/io/json_text.c src/util/dtype.c src/util/err.c src/util/fileio.c
 * fuzz-libs: -lcjson -lm */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/safetensors.h"
#include "util/err.h"

static void touch_every_tensor(const StFile *f) {
    for (int i = 0; i < f->n_tensors; i++) {
        const StTensor *t = &f->tensors[i];
        if (st_find(f, t->name) != t) abort(); /* sorted, unique names */
        if (t->end > f->data_size || t->end - t->begin != t->numel * dtype_size(t->dtype)) abort();
        float *dst = malloc(sizeof(float) * (size_t)(t->numel ? t->numel : 1));
        st_read_f32(f, t, dst);
        free(dst);
    }
    for (int i = 0; i < f->n_meta; i++)
        if (!f->meta_keys[i] || !f->meta_values[i]) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    StFile f;
    if (st_parse(&f, data, size, "fuzz-input") == 0) {
        touch_every_tensor(&f);
        st_close(&f);
    } else if (strstr(dusk_last_error(), "fuzz-input") == NULL) {
        abort(); /* every rejection names the file */
    }
    return 0;
}
