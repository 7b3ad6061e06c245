/* The weights of an HF checkpoint directory: either model.safetensors or
 * shards listed by model.safetensors.index.json ("weight_map": name -> file). */
#ifndef DUSK_HF_WEIGHTS_H
#define DUSK_HF_WEIGHTS_H

#include "io/safetensors.h"

typedef struct {
    int n_files;
    StFile *files;
} HfWeights;

/* Open every file of the checkpoint in dir. For a sharded checkpoint, checks
 * that each tensor named in the index is present in the shard the index names. */
int hfw_open(HfWeights *w, const char *dir);
void hfw_close(HfWeights *w);

/* Look a tensor up by its HF name; NULL if absent. *file receives its file. */
const StTensor *hfw_find(const HfWeights *w, const char *name, const StFile **file);

/* Write tensors as model.safetensors in dir (single file; atomic). When the
 * total size exceeds max_shard_bytes (> 0), write shards
 * model-0000i-of-0000n.safetensors plus model.safetensors.index.json instead,
 * as HF save_pretrained does. */
int hfw_write(const char *dir, const StWriteTensor *tensors, int n, uint64_t max_shard_bytes);

#endif
