/* What the pipelines (and the CLI commands beside them) share: loading a
 * model's tokenizer, reading token-id chunk files, recording inputs in
 * run.json, and writing a trained checkpoint. Every function returns 0 (or
 * a pointer) on success and -1 (or NULL) with dusk_last_error() set; none
 * exits. */
#ifndef DUSK_PIPELINE_COMMON_H
#define DUSK_PIPELINE_COMMON_H

#include <cjson/cJSON.h>

#include "data/chunks.h"
#include "data/dusk_data.h"
#include "model/llama.h"
#include "tokenizer/tokenizer.h"
#include "train/trainer.h"
#include "util/dtype.h"
#include "util/outdir.h"

/* Load a model for generation: the EOS ids become those of
 * generation_config.json beside it when it names any (as HF generate takes
 * them); *source says where they come from (generation_config_apply). On
 * error nothing stays allocated. */
int pipeline_load_generation_model(Model *m, const char *path, const char **source);
/* The tokenizer at `path`, or (path == NULL) the one inside the HF model
 * directory model_path; NULL with a message when neither exists. */
Tokenizer *pipeline_load_tokenizer(const char *path, const char *model_path);
/* The tokenizer file a run uses: path itself, or tokenizer.json inside the
 * directory path (or model_path when path is NULL). malloc'd, or NULL. */
char *pipeline_tokenizer_file(const char *path, const char *model_path);
/* Add {"path", "sha256"} of that file to obj under "tokenizer". */
void pipeline_record_tokenizer(cJSON *obj, const char *path, const char *model_path);
/* -1 when the tokenizer has ids the model cannot embed. */
int pipeline_check_tokenizer_fits(const Tokenizer *tok, const Model *m);
/* -1 unless 2 <= seq_len <= the model's max_position_embeddings. */
int pipeline_check_seq_len(int seq_len, const Model *m);
/* Add {"role", "sha256"} of each DUSK document under "documents" in obj. */
void pipeline_record_documents(cJSON *obj, const DuskData *d);

/* View a SeqList of equal-length sequences as a ChunkSet (no copy). */
ChunkSet chunkset_of(const SeqList *s);
/* Read an ids file of equal-length sequences (ids < vocab_size, at most
 * max_len long) into *out. On error *out is empty. */
int read_ids_chunks(SeqList *out, const char *path, int vocab_size, int max_len);

/* Copy tokenizer.json / tokenizer_config.json / special_tokens_map.json /
 * generation_config.json from a model directory into out (if present). */
int copy_side_files(const char *model_dir, const char *out_dir);
/* A tokenizer given as a tokenizer.json file travels with the checkpoint:
 * copied to out/tokenizer.json (other kinds are left alone). */
int copy_tokenizer_json(const char *tokenizer, const char *out_dir);
/* A trained checkpoint, whole: weights and config, the starting model's side
 * files, a given tokenizer.json, run.json last; then committed. On error
 * the directory is aborted (nothing at od's target). */
int save_trained_checkpoint(OutDir *od, const Model *m, DType dtype, const char *model_path, const char *tokenizer,
                            const cJSON *rec);

#endif
