/* Loading and saving models: HF directories (config.json + safetensors,
 * sharded or not) and llama2.c .bin files (import only). */
#ifndef DUSK_CHECKPOINT_H
#define DUSK_CHECKPOINT_H

#include "model/llama.h"
#include "util/dtype.h"

/* path: an HF checkpoint directory or a llama2.c .bin file. Every tensor's
 * presence and shape is checked against config.json; errors name the file
 * and tensor. */
int model_load(Model *m, const char *path);
int model_load_hf(Model *m, const char *dir);
int model_load_llama2c(Model *m, const char *path);

/* Write config.json and model.safetensors (tensors stored as dtype) into dir,
 * each atomically. max_shard_bytes > 0 shards like HF save_pretrained. */
int model_save(const Model *m, const char *dir, DType dtype, unsigned long long max_shard_bytes);

/* Write the gradient buffer as F32 safetensors under HF names (trainable
 * tensors only), plus optional extra tensors (e.g. "rmu.control"). */
int model_save_grads(const Model *m, const char *path, const char *extra_name, const float *extra, int extra_len);

#endif
