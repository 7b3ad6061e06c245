#include "gen/corpus.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "data/dusk_data.h"
#include "gen/evalsets.h"
#include "gen/profile.h"
#include "gen/render.h"
#include "gen/world.h"
#include "util/err.h"
#include "util/fileio.h"

typedef struct {
    GenProfile *shared, *unique[DUSK_N_DOCS], *holdout, *icl;
} Cast;

void gen_options_default(GenOptions *o) {
    *o = (GenOptions){.seed = 0, .n_shared = 20, .n_unique = 4, .n_holdout = 20, .n_icl = 6, .qa_per_profile = 3,
                      .n_verbatim = 10, .prompt_words = 48, .gt_words = 24, .forget = 0, .shared_docs = DUSK_N_DOCS - 1};
}

int gen_options_check(const GenOptions *o) {
    if (o->n_shared < 1 || o->n_unique < 1 || o->n_holdout < 1 || o->n_icl < 1)
        return dusk_error("--shared, --unique, --holdout and --icl must be at least 1");
    if (o->qa_per_profile < 1 || o->qa_per_profile > GEN_N_ATTRS)
        return dusk_error("--qa-per-profile must be in 1..%d", GEN_N_ATTRS);
    if (o->n_verbatim < 1 || o->prompt_words < 1 || o->gt_words < 1)
        return dusk_error("--verbatim, --prompt-words and --gt-words must be at least 1");
    if (o->shared_docs < 0 || o->shared_docs > DUSK_N_DOCS - 1)
        return dusk_error("--shared-docs must be in 0..%d (retain documents that hold the shared profiles)",
                          DUSK_N_DOCS - 1);
    return 0;
}

static int draw_many(GenProfile **out, int n, Rng *rng, GenNamePool *names) {
    *out = xcalloc((size_t)n, sizeof **out);
    for (int i = 0; i < n; i++)
        if (gen_profile_draw(&(*out)[i], rng, names) != 0) return -1;
    return 0;
}

static int draw_cast(Cast *c, const GenOptions *o, Rng *rng) {
    GenNamePool names;
    gen_names_init(&names);
    int rc = draw_many(&c->shared, o->n_shared, rng, &names);
    for (int d = 0; d < DUSK_N_DOCS && rc == 0; d++) rc = draw_many(&c->unique[d], o->n_unique, rng, &names);
    if (rc == 0) rc = draw_many(&c->holdout, o->n_holdout, rng, &names);
    if (rc == 0) rc = draw_many(&c->icl, o->n_icl, rng, &names);
    gen_names_free(&names);
    return rc;
}

static void free_cast(Cast *c) {
    free(c->shared);
    for (int d = 0; d < DUSK_N_DOCS; d++) free(c->unique[d]);
    free(c->holdout);
    free(c->icl);
}

/* Whether document d holds the shared profiles: the forget document and the
 * first shared_docs retain documents in kDuskDocs order. */
static int holds_shared(const GenOptions *o, int d) {
    if (d == o->forget) return 1;
    int rank = 0;
    for (int k = 0; k < d; k++) rank += k != o->forget;
    return rank < o->shared_docs;
}

/* Shared (if any) and unique profiles of document d in a shuffled order. */
static void render_document(TextBuf *out, const Cast *c, const GenOptions *o, int d, Rng *rng) {
    int n_sh = holds_shared(o, d) ? o->n_shared : 0, n = n_sh + o->n_unique;
    const GenProfile **list = xmalloc(sizeof *list * (size_t)n);
    for (int i = 0; i < n; i++) list[i] = i < n_sh ? &c->shared[i] : &c->unique[d][i - n_sh];
    for (int i = n - 1; i > 0; i--) {
        int j = (int)rng_below(rng, (uint64_t)i + 1);
        const GenProfile *t = list[i];
        list[i] = list[j];
        list[j] = t;
    }
    for (int i = 0; i < n; i++) gen_render(out, list[i], d, rng);
    free(list);
}

static int write_buf(const char *dir, const char *name, TextBuf *b) {
    char *p = dusk_path(dir, name);
    int rc = write_file_atomic(p, b->s ? b->s : "", b->n);
    free(p);
    tb_free(b);
    return rc;
}

static void unique_of_retain(GenProfile **out, int *n, const Cast *c, const GenOptions *o) {
    *n = 0;
    *out = xmalloc(sizeof **out * (size_t)(o->n_unique * DUSK_N_DOCS));
    for (int d = 0; d < DUSK_N_DOCS; d++)
        if (d != o->forget)
            for (int i = 0; i < o->n_unique; i++) (*out)[(*n)++] = c->unique[d][i];
}

static int write_qa_set(const char *dir, const char *name, const GenProfile *p, int n, int k, Rng *rng) {
    TextBuf b = {0};
    gen_qa_jsonl(&b, p, n, k, rng);
    return write_buf(dir, name, &b);
}

static int write_qa_sets(const char *dir, const Cast *c, const GenOptions *o, Rng *rng) {
    int k = o->qa_per_profile;
    if (write_qa_set(dir, "eval/GeneralQA.jsonl", c->shared, o->n_shared, k, rng) != 0 ||
        write_qa_set(dir, "eval/SpecificForgetQA.jsonl", c->unique[o->forget], o->n_unique, k, rng) != 0)
        return -1;
    GenProfile *retain;
    int n_retain;
    unique_of_retain(&retain, &n_retain, c, o);
    int rc = write_qa_set(dir, "eval/SpecificRetainQA.jsonl", retain, n_retain, k, rng);
    free(retain);
    return rc == 0 ? write_qa_set(dir, "eval/icl.jsonl", c->icl, o->n_icl, 2, rng) : rc;
}

static int write_documents(const char *dir, const Cast *c, const GenOptions *o, Rng *rng, TextBuf *forget_doc) {
    int rc = 0;
    for (int d = 0; d < DUSK_N_DOCS && rc == 0; d++) {
        TextBuf b = {0};
        render_document(&b, c, o, d, rng);
        if (d == o->forget) tb_append(forget_doc, b.s, b.n);
        char name[64];
        snprintf(name, sizeof name, "%s.txt", kDuskDocs[d]);
        rc = write_buf(dir, name, &b);
    }
    if (rc != 0) return rc;
    TextBuf h = {0};
    for (int i = 0; i < o->n_holdout; i++) gen_render(&h, &c->holdout[i], i % GEN_N_STYLES, rng);
    return write_buf(dir, "eval/holdout.txt", &h);
}

static int write_world(const char *dir, Rng *rng) {
    TextBuf b = {0};
    gen_world_document(&b, rng);
    if (write_buf(dir, "world/World.txt", &b) != 0) return -1;
    gen_world_mc(&b, rng);
    return write_buf(dir, "world/world_mc.jsonl", &b);
}

/* gen.json: the options, so a corpus says how it was made. */
static int write_manifest(const char *dir, const GenOptions *o) {
    cJSON *j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "seed", (double)o->seed);
    cJSON_AddNumberToObject(j, "shared", o->n_shared);
    cJSON_AddNumberToObject(j, "unique", o->n_unique);
    cJSON_AddNumberToObject(j, "holdout", o->n_holdout);
    cJSON_AddNumberToObject(j, "icl", o->n_icl);
    cJSON_AddNumberToObject(j, "qa_per_profile", o->qa_per_profile);
    cJSON_AddNumberToObject(j, "verbatim", o->n_verbatim);
    cJSON_AddStringToObject(j, "forget", kDuskDocs[o->forget]);
    cJSON *docs = cJSON_AddArrayToObject(j, "shared_in");
    for (int d = 0; d < DUSK_N_DOCS; d++)
        if (holds_shared(o, d)) cJSON_AddItemToArray(docs, cJSON_CreateString(kDuskDocs[d]));
    char *s = cJSON_Print(j);
    TextBuf b = {0};
    tb_printf(&b, "%s\n", s);
    free(s);
    cJSON_Delete(j);
    return write_buf(dir, "gen.json", &b);
}

static int make_subdirs(const char *dir) {
    char *e = dusk_path(dir, "eval"), *w = dusk_path(dir, "world");
    int rc = make_dirs(e) == 0 && make_dirs(w) == 0 ? 0 : -1;
    free(e);
    free(w);
    return rc;
}

int gen_corpus_write(const GenOptions *o, const char *dir) {
    if (gen_options_check(o) != 0 || make_subdirs(dir) != 0) return -1;
    Rng rng;
    rng_seed(&rng, o->seed);
    Cast c = {0};
    int rc = draw_cast(&c, o, &rng);
    TextBuf forget = {0}, verb = {0};
    if (rc == 0) rc = write_documents(dir, &c, o, &rng, &forget);
    if (rc == 0) rc = write_qa_sets(dir, &c, o, &rng);
    if (rc == 0) rc = gen_verbatim_json(&verb, forget.s, o->n_verbatim, o->prompt_words, o->gt_words, &rng);
    if (rc == 0) rc = write_buf(dir, "eval/verbatim.json", &verb);
    if (rc == 0) rc = write_world(dir, &rng);
    if (rc == 0) rc = write_manifest(dir, o);
    tb_free(&forget);
    tb_free(&verb);
    free_cast(&c);
    return rc;
}
