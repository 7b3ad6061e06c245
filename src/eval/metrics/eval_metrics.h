/* The DUSK metrics, one file each, run by `dusk eval`:
 *   verbmem.c  VerbMem: ROUGE of greedy continuations of verbatim.json prompts
 *   qa.c       UFK / SK / URK: ROUGE of few-shot QA answers
 *   mia.c      MIA scores per window, AUROC tables, PrivLeak, RetainDeviation
 *   eval_inputs.c  the eval files VerbMem and QA use, read once up front
 * Each fills a cJSON log (per item) and aggregate. */
#ifndef DUSK_EVAL_METRICS_H
#define DUSK_EVAL_METRICS_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "data/eval_data.h"
#include "eval/mia_scores.h"
#include "model/llama.h"
#include "tokenizer/tokenizer.h"

/* The eval files VerbMem and QA use, read once (and so checked) before any
 * model work. n == 0 for a set the run does not evaluate. */
enum { QA_UFK, QA_SK, QA_URK, QA_N_SETS };
extern const char *const kQaSetNames[QA_N_SETS]; /* "ufk", "sk", "urk" */
extern const char *const kQaSetFiles[QA_N_SETS]; /* eval/SpecificForgetQA.jsonl, ... */
typedef struct {
    TextPairs verbatim, icl, qa[QA_N_SETS];
} EvalInputs;
/* Read what the metrics ask for (verbatim.json; icl.jsonl and the QA files)
 * from dir; on error nothing stays allocated. */
int eval_inputs_read(EvalInputs *in, const char *dir, int verbmem, int qa);
void eval_inputs_free(EvalInputs *in);

typedef struct {
    Model *model;
    const Tokenizer *tok;
    const char *data_dir;       /* the Prof directory */
    const EvalInputs *inputs;
    const int *is_forget;       /* [5] document roles */
    int gen_batch;              /* prompts generated together */
    uint64_t seed;              /* bootstrap seed */
    int use_recall;             /* report ROUGE-L recall instead of F */
    int use_stemmer;            /* rouge-score's use_stemmer (off in DUSK) */
    int verbatim_new_tokens;    /* 128 */
    int qa_new_tokens;          /* 32 */
    int mia_window;             /* 1024 */
    int gen_cleanup;            /* clean_up_tokenization_spaces for generated text and the VerbMem reference */
    int mia_cleanup;            /* the same for MIA window text */
} EvalContext;

/* Each returns 0 or -1; *items gets the per-item log (array), *agg the
 * aggregate object; *headline the reported number (ROUGE-L x 100). */
int metric_verbmem(const EvalContext *ctx, cJSON **items, cJSON **agg, double *headline);
/* set: QA_UFK (SpecificForgetQA), QA_SK (GeneralQA), QA_URK (SpecificRetainQA) */
int metric_qa(const EvalContext *ctx, int set, cJSON **items, cJSON **agg, double *headline);
/* Per-window scores of forget/retain/holdout and the AUROC table. */
int metric_mia(const EvalContext *ctx, cJSON **windows, cJSON **auroc);
/* The MIA windows of one text file (decoded with cleanup as given), scored: appended to set and, one object
 * per window (with its ids and text when with_ids), to log. */
typedef struct {
    int n;
    MiaScores *scores;
} MiaSet;
int mia_score_file(Model *m, const Tokenizer *tok, const char *path, int window, int cleanup, MiaSet *set,
                   cJSON *log, const char *set_name, int with_ids);
/* Every score of n windows (ids[i] of lens[i] >= 2 tokens, texts[i] its text
 * for the zlib score) into out[0..n-1]; what mia_score_file runs per file. */
int mia_score_windows(Model *m, int n, const int *const *ids, const int *lens, const char *const *texts,
                      MiaScores *out);
/* PrivLeak and RetainDeviation from this model's AUROC table and the retrain
 * model's (both at mink++_0.4). */
int metric_privleak(const cJSON *auroc, const cJSON *retrain_auroc, double *privleak, double *retain_dev);
/* Check a retrain AUROC table (read from path) before any work: both keys
 * metric_privleak reads are finite numbers and non-zero. 0 or -1 with a
 * message naming path and the key. */
int mia_check_retrain_table(const cJSON *t, const char *path);

/* ROUGE aggregates of a list of per-item scores under the reference's names
 * (mean_/max_/_ci_lo/_ci_hi of rougeL, rougeL_recall, rouge1, rouge1_recall). */
cJSON *rouge_aggregate(const cJSON *items, uint64_t seed);

#endif
