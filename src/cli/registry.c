#include "cli/commands.h"

const Command kCommands[] = {
    {"run", "run the main job on its built-in default", cmd_run},
    {"report", "table, plots and report.html of a sweep's RESULTS directory (rebuilt from its result files)", cmd_report},
    {"init", "create a randomly initialised model from a config.json", cmd_init},
    {"generate", "greedy generation from a model", cmd_generate},
    {"score", "per-token log-probabilities of token id sequences", cmd_score},
    {"grad", "loss and parameter gradients on a batch", cmd_grad},
    {"forward", "write the logits of token id sequences (for reference checks)", cmd_forward},
    {"finetune", "cross-entropy training on DUSK documents (target / retrain models)", cmd_finetune},
    {"unlearn", "run an unlearning method with the DUSK schedule", cmd_unlearn},
    {"inspect", "list the tensors of a .safetensors file or HF checkpoint (JSON lines)", cmd_inspect},
    {"eval", "the DUSK metrics of a model (VerbMem, UFK, SK, URK, MIA, PrivLeak, RetainDeviation)", cmd_eval},
    {"convert", "convert a checkpoint (e.g. llama2.c .bin) to HF layout", cmd_convert},
    {"tokenize", "text on stdin to token ids", cmd_tokenize},
    {"detokenize", "token ids on stdin to text", cmd_detokenize},
    {"tokenizer", "tokenizer tools (train)", cmd_tokenizer},
    {"rouge", "ROUGE (rouge-score) and verbatim scores of target/prediction pairs", cmd_rouge},
    {"data", "training chunks and MIA windows of the DUSK data under a tokenizer (counts, hashes)", cmd_data},
    {"mia", "MIA scores (loss, zlib, Min-K%, Min-K%++) of a text's 1024-token windows", cmd_mia},
    {"downstream", "lm-eval-compatible downstream tasks (arc, truthfulqa, mmlu, gsm8k, triviaqa, bbq; DC)", cmd_downstream},
    {"auc", "AUROC of two score lists (as sklearn roc_curve + auc)", cmd_auc},
    {"gen", "generate a DUSK-style corpus of invented professors (documents, eval sets, world knowledge)", cmd_gen},
};
const int kNumCommands = (int)(sizeof kCommands / sizeof kCommands[0]);
