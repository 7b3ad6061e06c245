/* The eval files VerbMem and QA read, loaded once per `dusk eval` run. */
#include <stdlib.h>
#include <string.h>

#include "data/dusk_data.h"
#include "eval/metrics/eval_metrics.h"

const char *const kQaSetNames[QA_N_SETS] = {"ufk", "sk", "urk"};
const char *const kQaSetFiles[QA_N_SETS] = {"eval/SpecificForgetQA.jsonl", "eval/GeneralQA.jsonl",
                                            "eval/SpecificRetainQA.jsonl"};

static int read_pairs(TextPairs *p, const char *dir, const char *file) {
    char *path = dusk_path(dir, file);
    int rc = read_qa_jsonl(p, path);
    free(path);
    return rc;
}

int eval_inputs_read(EvalInputs *in, const char *dir, int verbmem, int qa) {
    memset(in, 0, sizeof *in);
    int rc = 0;
    if (verbmem) {
        char *path = dusk_path(dir, "eval/verbatim.json");
        rc = read_verbatim_json(&in->verbatim, path);
        free(path);
    }
    if (qa && rc == 0) rc = read_pairs(&in->icl, dir, "eval/icl.jsonl");
    for (int i = 0; qa && i < QA_N_SETS && rc == 0; i++) rc = read_pairs(&in->qa[i], dir, kQaSetFiles[i]);
    if (rc) eval_inputs_free(in);
    return rc;
}

void eval_inputs_free(EvalInputs *in) {
    text_pairs_free(&in->verbatim);
    text_pairs_free(&in->icl);
    for (int i = 0; i < QA_N_SETS; i++) text_pairs_free(&in->qa[i]);
}
