/* The benchmark sweep behind `dusk run`: prepare the models (generated
 * corpus, tokenizer, from-scratch or pretrained target and retrain), run
 * every method at every epoch of its grid, evaluate every row, and write
 * the report. Layout of RESULTS: README "dusk run".
 *
 * Every stage writes its own directory as one transaction (util/outdir.h),
 * so a stage whose directory exists is complete and is skipped when the
 * same sweep is run again: an interrupted sweep resumes where it stopped.
 * RESULTS/sweep.json holds the sweep's whole configuration; a run with
 * another configuration in the same RESULTS is refused. A failing stage is
 * recorded in its row's stage.json (and the table) and the others go on. */
#ifndef DUSK_RUNNER_SWEEP_H
#define DUSK_RUNNER_SWEEP_H

#include "pipeline/pipeline.h"
#include "runner/preset.h"

typedef struct {
    const char *out;             /* RESULTS */
    const char *data;            /* a DUSK data directory; NULL: generate one */
    const Preset *preset;
    const char *base_model;      /* fine-tune target and retrain from this HF model */
    const char *target, *retrain; /* ready models: no fine-tuning */
    const char *methods;         /* comma-separated; NULL: the default list */
    const char *epochs;          /* comma-separated grid for every method; NULL: the preset's */
    const char *forget;          /* forget document; NULL: Chronological */
    const char *tasks;           /* DC tasks; NULL: the data's world/world_mc.jsonl if present */
    const char *task_dir;
    int compat_release;
    unsigned long long seed;
    int keep_checkpoints;
    int progress;                /* progress lines on stderr */
    CommandLine cmd;
} SweepConfig;

/* The methods run by default ("all"): every method `dusk unlearn` knows. */
extern const char *const kSweepDefaultMethods;

/* Run (or resume) the sweep. 0 when every row succeeded, 1 when some row
 * failed (recorded; the rest ran), -1 (message) when the sweep could not
 * run at all. *markdown (if not NULL) receives the table. */
int sweep_run(const SweepConfig *c, char **markdown);

#endif
