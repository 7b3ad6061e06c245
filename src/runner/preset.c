/* The presets of `dusk run`. Numbers are chosen so that, from scratch, the
 * target memorises its documents (VerbMem and UFK well above the retrain's)
 * within the time the README promises; see README "dusk run presets". */
#include <string.h>

#include "runner/preset.h"

static const Preset kPresets[] = {
    {
        .name = "tiny",
        .summary = "the built-in default: generated corpus, 1.1M-parameter model from scratch, minutes on 2 cores",
        .gen_shared = 8, .gen_unique = 2, .gen_holdout = 8, .gen_verbatim = 10,
        .gen_icl = 1, .gen_qa_per_profile = 3, .gen_prompt_words = 48, .gen_gt_words = 100, .gen_qa_in_docs = 3,
        .vocab_size = 768,
        .hidden = 128, .intermediate = 512, .layers = 4, .heads = 4, .kv_heads = 4, .max_positions = 512,
        .seq_len = 256, .ft_epochs = 30, .ft_lr = 2e-3, .ft_batch = 4, .ft_accum = 1,
        .ul_lr = 2e-4, .rmu_lr = 1e-3, .ul_batch = 4, .ul_accum = 1,
        .epochs = {2, 5}, .n_epochs = 2,
        .rmu_epochs = {2, 5, 10}, .n_rmu_epochs = 3,
        .rmu_coeff = 20, .sga_epochs = 2,
        .mia_window = 128, .eval_batch = 16,
    },
    {
        .name = "small",
        .summary = "for the real DUSK data from scratch: 2.2M-parameter model, about half an hour on 2 cores",
        .gen_shared = 60, .gen_unique = 12, .gen_holdout = 60, .gen_verbatim = 47,
        .gen_icl = 6, .gen_qa_per_profile = 3, .gen_prompt_words = 48, .gen_gt_words = 100, .gen_qa_in_docs = 3,
        .vocab_size = 4096,
        .hidden = 128, .intermediate = 512, .layers = 4, .heads = 4, .kv_heads = 4, .max_positions = 2048,
        .seq_len = 512, .ft_epochs = 20, .ft_lr = 2e-3, .ft_batch = 4, .ft_accum = 1,
        .ul_lr = 1e-4, .rmu_lr = 5e-4, .ul_batch = 4, .ul_accum = 1,
        .epochs = {1, 2}, .n_epochs = 2,
        .rmu_epochs = {1, 2, 4}, .n_rmu_epochs = 3,
        .rmu_coeff = 20, .sga_epochs = 1,
        .mia_window = 256, .eval_batch = 16,
    },
    {
        .name = "paper",
        .summary = "DUSK's own settings, for --target/--retrain or --base-model (HF Llama checkpoints)",
        .gen_shared = 60, .gen_unique = 12, .gen_holdout = 60, .gen_verbatim = 47,
        .gen_icl = 6, .gen_qa_per_profile = 3, .gen_prompt_words = 48, .gen_gt_words = 24,
        .vocab_size = 0,
        .seq_len = 1024, .ft_epochs = 5, .ft_lr = 1e-5, .ft_batch = 4, .ft_accum = 8,
        .ul_lr = 1e-5, .rmu_lr = 1e-5, .ul_batch = 4, .ul_accum = 8,
        .epochs = {1, 2, 3, 4, 5}, .n_epochs = 5,
        .rmu_epochs = {1, 2, 3, 4, 5}, .n_rmu_epochs = 5,
        .rmu_coeff = 20, .sga_epochs = 5,
        .mia_window = 1024, .eval_batch = 16,
    },
    {
        .name = "test",
        .summary = "for the test suite only: seconds, nothing is learnt",
        .gen_shared = 3, .gen_unique = 1, .gen_holdout = 3, .gen_verbatim = 2,
        .gen_icl = 1, .gen_qa_per_profile = 1, .gen_prompt_words = 12, .gen_gt_words = 8, .gen_qa_in_docs = 1,
        .vocab_size = 400,
        .hidden = 16, .intermediate = 32, .layers = 2, .heads = 2, .kv_heads = 2, .max_positions = 256,
        .seq_len = 32, .ft_epochs = 1, .ft_lr = 1e-3, .ft_batch = 4, .ft_accum = 1,
        .ul_lr = 1e-4, .rmu_lr = 1e-4, .ul_batch = 2, .ul_accum = 1,
        .epochs = {1, 2}, .n_epochs = 2,
        .rmu_epochs = {1}, .n_rmu_epochs = 1,
        .rmu_coeff = 20, .sga_epochs = 1,
        .mia_window = 32, .eval_batch = 8,
    },
};

const Preset *preset_find(const char *name) {
    for (size_t i = 0; i < sizeof kPresets / sizeof kPresets[0]; i++)
        if (strcmp(kPresets[i].name, name) == 0) return &kPresets[i];
    return NULL;
}

const char *preset_names(void) { return "tiny, small, paper, test"; }
