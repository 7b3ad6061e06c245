/* The sweep's presets: model size, corpus, training and unlearning settings
 * of `dusk run --preset NAME`. One table in preset.c; README says why each
 * number is what it is. */
#ifndef DUSK_RUNNER_PRESET_H
#define DUSK_RUNNER_PRESET_H

#define PRESET_MAX_EPOCHS 8

typedef struct {
    const char *name;
    const char *summary;
    /* generated corpus (when no --data): `dusk gen` options */
    int gen_shared, gen_unique, gen_holdout, gen_verbatim;
    int gen_icl, gen_qa_per_profile, gen_prompt_words, gen_gt_words;
    int gen_qa_in_docs;
    /* tokenizer trained on the corpus (when no --base-model) */
    int vocab_size;
    /* the model created from scratch */
    int hidden, intermediate, layers, heads, kv_heads, max_positions;
    /* fine-tuning of target and retrain */
    int seq_len;
    double ft_epochs, ft_lr;
    int ft_batch, ft_accum;
    /* unlearning: every method over epochs[], RMU over rmu_epochs[] */
    double ul_lr, rmu_lr;
    int ul_batch, ul_accum;
    int epochs[PRESET_MAX_EPOCHS], n_epochs;
    int rmu_epochs[PRESET_MAX_EPOCHS], n_rmu_epochs;
    float rmu_coeff;
    double sga_epochs;  /* TAU's SGA stage */
    /* evaluation */
    int mia_window, eval_batch;
} Preset;

/* The preset called name, or NULL. */
const Preset *preset_find(const char *name);
/* "tiny, small, test" */
const char *preset_names(void);

#endif
