/* dusk gen --out DIR [--seed S] [options]: a DUSK-style corpus of invented
 * professors (five documents, eval/ files) plus world/ (general knowledge). */
#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "data/dusk_data.h"
#include "gen/corpus.h"
#include "util/err.h"

static int doc_index(const char *name) {
    int i = dusk_doc_index(name);
    if (i >= 0) return i;
    dusk_die("--forget: unknown document '%s' (one of Chronological, Feature_Story, Interview, Inverted_Pyramid, "
             "Listicle)", name);
    return -1;
}

static int int_flag(const ArgSpec *o, int n, const char *name, int def) {
    long v = args_long(o, n, name, def);
    if (v < -1000000 || v > 1000000) dusk_die("--%s: %ld is out of range", name, v);
    return (int)v;
}

static void read_options(GenOptions *g, const ArgSpec *o, int n) {
    gen_options_default(g);
    g->seed = (uint64_t)args_long(o, n, "seed", 0);
    g->n_shared = int_flag(o, n, "shared", g->n_shared);
    g->n_unique = int_flag(o, n, "unique", g->n_unique);
    g->n_holdout = int_flag(o, n, "holdout", g->n_holdout);
    g->n_icl = int_flag(o, n, "icl", g->n_icl);
    g->qa_per_profile = int_flag(o, n, "qa-per-profile", g->qa_per_profile);
    g->n_verbatim = int_flag(o, n, "verbatim", g->n_verbatim);
    g->prompt_words = int_flag(o, n, "prompt-words", g->prompt_words);
    g->gt_words = int_flag(o, n, "gt-words", g->gt_words);
    g->shared_docs = int_flag(o, n, "shared-docs", g->shared_docs);
    g->qa_in_docs = int_flag(o, n, "qa-in-docs", g->qa_in_docs);
    g->forget = doc_index(args_str(o, n, "forget", "Chronological"));
    if (gen_options_check(g) != 0) dusk_die("gen: %s", dusk_last_error());
}

int cmd_gen(int argc, char **argv) {
    ArgSpec o[] = {
        {"out", ARG_VALUE, "output directory (must not exist yet, or be an earlier result without subfolders)", 0, 0},
        {"seed", ARG_VALUE, "random seed (default 0): same seed, same bytes", 0, 0},
        {"shared", ARG_VALUE, "profiles in the forget and --shared-docs retain documents (default 20)", 0, 0},
        {"unique", ARG_VALUE, "profiles only in each document (default 4)", 0, 0},
        {"holdout", ARG_VALUE, "fresh profiles in eval/holdout.txt (default 20)", 0, 0},
        {"icl", ARG_VALUE, "other people in eval/icl.jsonl, 2 questions each (default 6)", 0, 0},
        {"qa-per-profile", ARG_VALUE, "QA questions per shared / unique profile (default 3)", 0, 0},
        {"verbatim", ARG_VALUE, "passages in eval/verbatim.json (default 10)", 0, 0},
        {"prompt-words", ARG_VALUE, "words of each verbatim prompt (default 48)", 0, 0},
        {"gt-words", ARG_VALUE, "words of each verbatim continuation (default 24)", 0, 0},
        {"forget", ARG_VALUE, "the forget document (default Chronological)", 0, 0},
        {"shared-docs", ARG_VALUE, "retain documents that also hold the shared profiles, 0..4 (default 4)", 0, 0},
        {"qa-in-docs", ARG_VALUE, "R: end each document with its people's QA pairs as text, shared once, its own R times (default 0: off)", 0, 0},
        {"help", ARG_FLAG, "show this help", 0, 0},
    };
    int n = sizeof o / sizeof o[0];
    if (args_parse(o, n, argc, argv, 1, NULL, NULL) != 0) dusk_die("gen: %s", dusk_last_error());
    if (args_flag(o, n, "help")) {
        args_usage("gen", "--out DIR [--seed S] [--shared N] [--unique N] [--forget DOC] [--shared-docs K] ...", o, n);
        return 0;
    }
    GenOptions g;
    read_options(&g, o, n);
    OutDir od;
    cli_begin_out(&od, args_required(o, n, "out"));
    if (gen_corpus_write(&g, od.tmp) != 0) dusk_die("gen: %s", dusk_last_error());
    cli_commit_out(&od);
    return 0;
}
