/* The parts of a tokenizer.json around the model: normalizer,
 * pre_tokenizer, post_processor and decoder. Each parser accepts what dusk
 * implements and names the field of anything else. */
#ifndef DUSK_TOKENIZER_HF_PIPELINE_H
#define DUSK_TOKENIZER_HF_PIPELINE_H

#include <cjson/cJSON.h>

#include "tokenizer/intvec.h"
#include "tokenizer/pretokenize.h"

/* Accepts no normalizer, or NFC (*nfc = 1: text is normalised, see nfc.h). */
int hf_parse_normalizer(const cJSON *root, int *nfc);
/* Fails unless the pipeline is byte-level (a ByteLevel step, last). */
int hf_parse_pre_tokenizer(const cJSON *root, PreTokenizer *pre);
int hf_parse_decoder(const cJSON *root);
/* Ids the post-processor puts before and after a single sequence. */
int hf_parse_post_processor(const cJSON *root, IntVec *prefix, IntVec *suffix);

#endif
