/* --clean-up-spaces auto|true|false: when decoded text gets transformers'
 * clean_up_tokenization_spaces.
 *   MIA windows: the DUSK release decodes them with tokenizer.decode(...,
 *     skip_special_tokens=True), so the flag comes from the tokenizer's
 *     tokenizer_config.json, and without one from current transformers'
 *     default, False (older transformers defaulted to True).
 *   Generated text and the VerbMem reference: the release passes
 *     clean_up_tokenization_spaces=True explicitly.
 * auto follows the release for both; true / false force both. */
#ifndef DUSK_PIPELINE_CLEANUP_SPACES_H
#define DUSK_PIPELINE_CLEANUP_SPACES_H

#include <cjson/cJSON.h>

#include "tokenizer/tokenizer.h"

typedef struct {
    int mia_windows; /* cleanup when decoding MIA windows */
    int generation;  /* cleanup when decoding generated text and the VerbMem reference */
    const char *mia_source; /* why: "tokenizer_config.json", "transformers default", "--clean-up-spaces" */
} CleanupChoice;

/* Parse the flag's value (NULL = auto) against tok into *c; -1 with a
 * message on a bad value. */
int cleanup_choice(CleanupChoice *c, const char *flag, const Tokenizer *tok);
/* {"mia_windows": b, "generation": b, "mia_windows_source": s} under
 * "clean_up_tokenization_spaces" in obj. */
void cleanup_choice_record(cJSON *obj, const CleanupChoice *c);

#define CLEANUP_SPACES_HELP "clean_up_tokenization_spaces: auto (MIA windows as tokenizer_config.json says, else false; generated text true, as DUSK), true or false (both)"

#endif
