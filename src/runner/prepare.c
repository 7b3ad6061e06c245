/* Corpus, tokenizer and initial model of a from-scratch sweep. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/dusk_data.h"
#include "gen/corpus.h"
#include "model/checkpoint.h"
#include "model/config.h"
#include "runner/prepare.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/train.h"
#include "util/err.h"
#include "util/fileio.h"
#include "util/outdir.h"

static int doc_index(const char *name) {
    int i = name ? dusk_doc_index(name) : 0;
    if (i >= 0) return i;
    return dusk_error("--forget: unknown document '%s' (a generated corpus has one forget document: Chronological, "
                      "Feature_Story, Interview, Inverted_Pyramid or Listicle)", name);
}

/* Commit od when rc == 0, abort it otherwise; returns the outcome. */
static int finish(OutDir *od, int rc) {
    if (rc == 0) return outdir_commit(od);
    outdir_abort(od);
    return -1;
}

int prepare_corpus(const char *dir, const Preset *ps, unsigned long long seed, const char *forget) {
    GenOptions g;
    gen_options_default(&g);
    g.seed = seed;
    g.n_shared = ps->gen_shared, g.n_unique = ps->gen_unique, g.n_holdout = ps->gen_holdout;
    g.n_verbatim = ps->gen_verbatim, g.n_icl = ps->gen_icl, g.qa_per_profile = ps->gen_qa_per_profile;
    g.prompt_words = ps->gen_prompt_words, g.gt_words = ps->gen_gt_words, g.qa_in_docs = ps->gen_qa_in_docs;
    if ((g.forget = doc_index(forget)) < 0 || gen_options_check(&g) != 0) return -1;
    OutDir od;
    if (outdir_begin(&od, dir) != 0) return -1;
    return finish(&od, gen_corpus_write(&g, od.tmp));
}

int prepare_tokenizer(const char *dir, const char *data, const Preset *ps) {
    char *files[DUSK_N_DOCS + 2];
    int n = 0;
    for (int i = 0; i < DUSK_N_DOCS; i++) files[n++] = str_printf("%s/%s.txt", data, kDuskDocs[i]);
    files[n++] = str_printf("%s/eval/holdout.txt", data);
    char *world = str_printf("%s/world/World.txt", data);
    if (access(world, R_OK) == 0) files[n++] = world;
    else free(world);
    OutDir od;
    int rc = outdir_begin(&od, dir);
    if (rc == 0) {
        char *out = outdir_file(&od, "tokenizer.json");
        rc = finish(&od, bpe_train_files((const char *const *)files, n, ps->vocab_size, out));
        free(out);
    }
    for (int i = 0; i < n; i++) free(files[i]);
    return rc;
}

/* config.json text of the preset's model over a tokenizer of vocab ids. */
static char *config_text(const Preset *ps, int vocab, int bos, int eos) {
    return str_printf("{\"architectures\": [\"LlamaForCausalLM\"], \"model_type\": \"llama\", \"vocab_size\": %d, "
                      "\"hidden_size\": %d, \"intermediate_size\": %d, \"num_hidden_layers\": %d, "
                      "\"num_attention_heads\": %d, \"num_key_value_heads\": %d, \"max_position_embeddings\": %d, "
                      "\"rms_norm_eps\": 1e-05, \"rope_theta\": 10000.0, \"hidden_act\": \"silu\", "
                      "\"tie_word_embeddings\": false, \"bos_token_id\": %d, \"eos_token_id\": %d}",
                      vocab, ps->hidden, ps->intermediate, ps->layers, ps->heads, ps->kv_heads, ps->max_positions, bos,
                      eos);
}

int prepare_init_model(const char *dir, const char *tokenizer_json, const Preset *ps, unsigned long long seed) {
    Tokenizer *tok = tokenizer_load(tokenizer_json);
    if (!tok) return -1;
    char *text = config_text(ps, tokenizer_vocab_size(tok), tokenizer_bos_id(tok), tokenizer_eos_id(tok));
    tokenizer_free(tok);
    ModelConfig cfg;
    int rc = config_parse(&cfg, text, "the preset's config.json");
    free(text);
    if (rc != 0) return -1;
    Model m;
    rc = model_create(&m, &cfg);
    config_free(&cfg);
    if (rc != 0) return -1;
    model_init_random(&m, seed);
    OutDir od;
    if ((rc = outdir_begin(&od, dir)) == 0) {
        char *tok_out = outdir_file(&od, "tokenizer.json");
        rc = model_save(&m, od.tmp, DTYPE_F32, 0);
        if (rc == 0) rc = copy_file_atomic(tokenizer_json, tok_out);
        free(tok_out);
        rc = finish(&od, rc);
    }
    model_free(&m);
    return rc;
}
