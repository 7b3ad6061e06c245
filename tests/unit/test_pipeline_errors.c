/* The pipelines as library calls, many in one process: each bad input
 * returns -1 with a message naming the file or the problem and leaves
 * nothing at `out` (nor an out.tmp-* folder), and afterwards finetune,
 * unlearn (TAU: SGA then a task vector) and eval (with a retrain eval) run
 * to completion in the same process; a failing run into an existing result
 * leaves that result as it was. Built with ASan, LeakSanitizer checks that
 * no error path leaks. Data: a generated DUSK-style corpus, a BPE tokenizer
 * trained on it, a random one-layer model. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "data/dusk_data.h"
#include "gen/corpus.h"
#include "model/checkpoint.h"
#include "model/config.h"
#include "model/llama.h"
#include "pipeline/pipeline.h"
#include "tokenizer/train.h"
#include "util/err.h"
#include "util/fileio.h"

static char g_root[256];
static char *const kArgv[] = {"test_pipeline_errors"};
static const CommandLine kCmd = {1, kArgv};

/* ROOT/name; the configs keep these pointers, so each lives to the end. */
static char *g_paths[256];
static int g_n_paths;

static const char *at(const char *name) {
    if (g_n_paths == (int)(sizeof g_paths / sizeof g_paths[0])) abort();
    return g_paths[g_n_paths++] = str_printf("%s/%s", g_root, name);
}

static int exists(const char *p) {
    struct stat st;
    return lstat(p, &st) == 0;
}

/* Neither out nor a leftover out.tmp-* beside it. */
static int nothing_at(const char *out) {
    if (exists(out)) return 0;
    const char *slash = strrchr(out, '/');
    char parent[512];
    snprintf(parent, sizeof parent, "%.*s", (int)(slash - out), out);
    DIR *d = opendir(parent);
    if (!d) return 1;
    char prefix[300];
    snprintf(prefix, sizeof prefix, "%s.tmp-", slash + 1);
    int clean = 1;
    for (struct dirent *e; (e = readdir(d)) != NULL;) clean &= strncmp(e->d_name, prefix, strlen(prefix)) != 0;
    closedir(d);
    return clean;
}

/* rc is -1, the message holds `says`, nothing was written at out. */
static void expect_refused(const char *what, int rc, const char *says, const char *out) {
    CHECK_MSG(rc == -1, "%s: returned %d", what, rc);
    CHECK_MSG(strstr(dusk_last_error(), says) != NULL, "%s: message '%s' lacks '%s'", what, dusk_last_error(), says);
    if (out) CHECK_MSG(nothing_at(out), "%s: output left at %s", what, out);
    printf("refused as expected: %s: %s\n", what, dusk_last_error());
}

static void copy_file(const char *src, const char *dst) {
    size_t n;
    char *text = read_file_all(src, &n);
    CHECK(text && write_file_atomic(dst, text, n) == 0);
    free(text);
}

/* A random one-layer model over the 1000-id tokenizer, saved with it. */
static int make_model(const char *dir, int max_pos) {
    ModelConfig cfg;
    config_defaults(&cfg);
    cfg.vocab_size = 1000, cfg.hidden_size = 16, cfg.intermediate_size = 32, cfg.num_hidden_layers = 1;
    cfg.num_attention_heads = 2, cfg.num_key_value_heads = 1, cfg.head_dim = 8, cfg.max_position_embeddings = max_pos;
    cfg.tie_word_embeddings = 1, cfg.initializer_range = 0.1f;
    Model m;
    if (model_create(&m, &cfg) != 0) return -1;
    model_init_random(&m, 3);
    int rc = model_save(&m, dir, DTYPE_F32, 0);
    model_free(&m);
    if (rc == 0) {
        char *tok = str_printf("%s/tokenizer.json", dir);
        copy_file(at("tok.json"), tok);
        free(tok);
    }
    return rc;
}

/* Corpus, tokenizer (1000 ids, BOS/EOS included), the models m0 and m-short
 * (positions for the MIA windows, too few for a QA prompt). */
static int make_inputs(void) {
    GenOptions go;
    gen_options_default(&go);
    if (make_dirs(at("g")) != 0 || gen_corpus_write(&go, at("g")) != 0) return -1;
    char paths[DUSK_N_DOCS][512];
    const char *docs[DUSK_N_DOCS];
    for (int i = 0; i < DUSK_N_DOCS; i++) {
        snprintf(paths[i], sizeof paths[i], "%s/g/%s.txt", g_root, kDuskDocs[i]);
        docs[i] = paths[i];
    }
    if (bpe_train_files(docs, DUSK_N_DOCS, 1000, at("tok.json")) != 0) return -1;
    return make_model(at("m0"), 1024) == 0 && make_model(at("m-short"), 128) == 0 ? 0 : -1;
}

static FinetuneConfig finetune_config(const char *out) {
    FinetuneConfig c;
    finetune_config_defaults(&c);
    c.model = at("m0"), c.data = at("g"), c.out = out, c.seq_len = 64, c.cmd = kCmd;
    c.train.micro_batch = 2, c.train.grad_accum = 1, c.train.epochs = 0.05, c.train.progress = 0;
    c.train.opt.lr = 1e-3f;
    return c;
}

static void finetune_errors(void) {
    FinetuneConfig c = finetune_config(at("ft-missing-model"));
    c.model = at("no-such-model");
    expect_refused("finetune, missing model", pipeline_finetune(&c), "no-such-model", c.out);
    c = finetune_config(at("ft-missing-data"));
    c.data = at("no-such-data");
    expect_refused("finetune, missing data", pipeline_finetune(&c), "no-such-data", c.out);
    c = finetune_config(at("plain-file/ft"));
    expect_refused("finetune, out under a regular file", pipeline_finetune(&c), "plain-file", NULL);
    CHECK(!exists(at("plain-file/ft")));
    c = finetune_config(at("ft-docs"));
    c.docs = "some";
    expect_refused("finetune, bad docs", pipeline_finetune(&c), "--docs", c.out);
    const char *extra[] = {at("g/world/World.txt"), at("no-such-extra.txt")};
    c = finetune_config(at("ft-extra"));
    c.extra_docs = extra, c.n_extra_docs = 2;
    expect_refused("finetune, missing extra document", pipeline_finetune(&c), "no-such-extra.txt", c.out);
    CHECK(write_file_atomic(at("short.txt"), "A short note.\r\n", 15) == 0);
    const char *short_doc[] = {at("short.txt")};
    c = finetune_config(at("ft-short-extra"));
    c.extra_docs = short_doc, c.n_extra_docs = 1;
    expect_refused("finetune, extra document shorter than a chunk", pipeline_finetune(&c), "short.txt is too short", c.out);
    c = finetune_config(at("ft-seq"));
    c.seq_len = 4096;
    expect_refused("finetune, seq_len past the model", pipeline_finetune(&c), "--seq-len 4096", c.out);
    /* plain SGD at 1e30 overflows the weights after the first step */
    c = finetune_config(at("ft-diverge"));
    c.train.opt.kind = OPT_SGD, c.train.opt.lr = 1e30f, c.train.epochs = 0.2;
    expect_refused("finetune, diverging", pipeline_finetune(&c), "non-finite", c.out);
}

static UnlearnConfig unlearn_config(const char *method, const char *model, const char *out) {
    UnlearnConfig c;
    CHECK(unlearn_config_defaults(&c, method) == 0);
    c.model = model, c.data = at("g"), c.out = out, c.seq_len = 64, c.cmd = kCmd;
    c.train.micro_batch = 2, c.train.grad_accum = 1, c.train.epochs = 0.2, c.train.progress = 0;
    c.sga_epochs = 0.2;
    return c;
}

static void unlearn_errors(void) {
    UnlearnConfig c;
    expect_refused("unlearn defaults, unknown method", unlearn_config_defaults(&c, "XYZ"), "unknown method 'XYZ'", NULL);
    c = unlearn_config("GA", at("m0"), at("ul-unknown"));
    c.method = "FT";
    expect_refused("unlearn, FT is no unlearning method", pipeline_unlearn(&c), "unknown method 'FT'", c.out);
    c = unlearn_config("NPO", at("no-such-model"), at("ul-missing-model"));
    expect_refused("unlearn, missing model", pipeline_unlearn(&c), "no-such-model", c.out);
    c = unlearn_config("NPO+KL", at("m0"), at("ul-missing-ref"));
    c.ref = at("no-such-ref");
    expect_refused("unlearn, missing reference", pipeline_unlearn(&c), "no-such-ref", c.out);
    c = unlearn_config("GA+GD", at("m0"), at("ul-missing-data"));
    c.data = at("no-such-data");
    expect_refused("unlearn, missing data", pipeline_unlearn(&c), "no-such-data", c.out);
    c = unlearn_config("RMU", at("m0"), at("ul-rmu-layer"));
    c.params.rmu_layer = 5;
    expect_refused("unlearn, RMU layer past the model", pipeline_unlearn(&c), "--rmu-layer 5", c.out);
    c = unlearn_config("TAU", at("m0"), at("plain-file/ul"));
    expect_refused("unlearn, out under a regular file", pipeline_unlearn(&c), "plain-file", NULL);
}

static EvalConfig eval_config(const char *model, const char *out) {
    EvalConfig c;
    eval_config_defaults(&c);
    c.model = model, c.data = at("g"), c.out = out, c.only = "mia", c.mia_window = 64, c.batch = 8, c.cmd = kCmd;
    return c;
}

static void eval_errors(void) {
    cJSON *summary = (cJSON *)1;
    EvalConfig c = eval_config(at("m0"), at("ev-retrain"));
    c.retrain_eval = at("empty-dir");
    expect_refused("eval, retrain eval without mia_auroc.json", pipeline_eval(&c, &summary), "mia_auroc.json", c.out);
    CHECK(summary == NULL);
    c = eval_config(at("no-such-model"), at("ev-missing-model"));
    expect_refused("eval, missing model", pipeline_eval(&c, NULL), "no-such-model", c.out);
    c = eval_config(at("m0"), at("ev-missing-data"));
    c.data = at("no-such-data");
    expect_refused("eval, missing data", pipeline_eval(&c, NULL), "no-such-data", c.out);
    c = eval_config(at("m0"), at("ev-only"));
    c.only = "mia,rouge";
    expect_refused("eval, unknown metric", pipeline_eval(&c, NULL), "unknown metric 'rouge'", c.out);
    c = eval_config(at("m0"), at("ev-cleanup"));
    c.clean_up_spaces = "maybe";
    expect_refused("eval, bad clean_up_spaces", pipeline_eval(&c, NULL), "--clean-up-spaces", c.out);
    c = eval_config(at("m0"), at("ev-window"));
    c.mia_window = 2048;
    expect_refused("eval, MIA window past the model", pipeline_eval(&c, NULL), "max_position_embeddings", c.out);
    c = eval_config(at("m-short"), at("ev-qa-long"));
    c.only = "qa"; /* fails inside the metric, after the output directory was begun */
    expect_refused("eval, QA prompt past the model", pipeline_eval(&c, NULL), "exceed max_position_embeddings", c.out);
    c = eval_config(at("m0"), at("plain-file/ev"));
    expect_refused("eval, out under a regular file", pipeline_eval(&c, NULL), "plain-file", NULL);
}

static double number(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? v->valuedouble : -1e300;
}

/* After all the failures: a whole finetune → unlearn → eval chain. */
static void pipelines_still_work(void) {
    const char *extra[] = {at("g/world/World.txt")};
    FinetuneConfig f = finetune_config(at("target"));
    f.extra_docs = extra, f.n_extra_docs = 1;
    CHECK_MSG(pipeline_finetune(&f) == 0, "finetune: %s", dusk_last_error());
    CHECK(exists(at("target/run.json")) && exists(at("target/model.safetensors")) && exists(at("target/tokenizer.json")));
    UnlearnConfig u = unlearn_config("TAU", at("target"), at("tau"));
    CHECK_MSG(pipeline_unlearn(&u) == 0, "unlearn: %s", dusk_last_error());
    CHECK(exists(at("tau/run.json")) && exists(at("tau/model.safetensors")));
    cJSON *s1 = NULL, *s2 = NULL;
    EvalConfig e = eval_config(at("target"), at("eval-target"));
    CHECK_MSG(pipeline_eval(&e, &s1) == 0, "eval: %s", dusk_last_error());
    e = eval_config(at("tau"), at("eval-tau"));
    e.retrain_eval = at("eval-target");
    CHECK_MSG(pipeline_eval(&e, &s2) == 0, "eval with retrain: %s", dusk_last_error());
    CHECK(s1 && s2 && exists(at("eval-tau/summary.json")) && exists(at("eval-tau/mia_auroc.json")));
    if (s1 && s2) {
        CHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(s1, "privleak")));
        CHECK(number(s2, "privleak") > -1e300); /* computed against the target's AUROC table */
        printf("TAU privleak vs target %.3f\n", number(s2, "privleak"));
    }
    cJSON_Delete(s1), cJSON_Delete(s2);

    /* a failing run into an existing result leaves it untouched */
    size_t n0, n1;
    char *before = read_file_all(at("target/run.json"), &n0);
    f.data = at("no-such-data");
    expect_refused("finetune over an earlier result", pipeline_finetune(&f), "no-such-data", NULL);
    char *after = read_file_all(at("target/run.json"), &n1);
    CHECK(before && after && n0 == n1 && memcmp(before, after, n0) == 0);
    free(before), free(after);
}

int main(void) {
    check_tmpdir_make(g_root, sizeof g_root, "dusk-pipeline");
    if (make_inputs() != 0) {
        fprintf(stderr, "setup: %s\n", dusk_last_error());
        check_tmpdir_remove(g_root);
        for (int i = 0; i < g_n_paths; i++) free(g_paths[i]);
        return 2;
    }
    CHECK(write_file_atomic(at("plain-file"), "x\n", 2) == 0);
    CHECK(make_dirs(at("empty-dir")) == 0);
    finetune_errors();
    unlearn_errors();
    eval_errors();
    pipelines_still_work();
    check_tmpdir_remove(g_root);
    for (int i = 0; i < g_n_paths; i++) free(g_paths[i]);
    return check_report("test_pipeline_errors");
}
