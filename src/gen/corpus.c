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
    if (o->qa_in_docs < 0 || o->qa_in_docs > 100) return dusk_error("--qa-in-docs must be in 0..100");
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

static int write_qa_set(const char *dir, const char *name, const GenProfile *p, int n, int k, Rng *rng,
                        GenQaLines *lines) {
    TextBuf b = {0};
    gen_qa_jsonl(&b, p, n, k, rng, lines);
    return write_buf(dir, name, &b);
}

/* Each profile's QA pairs as training text (for --qa-in-docs), by document:
 * shared[i] for shared profile i, unique[d][i] for document d's. */
typedef struct {
    GenQaLines *shared, *unique[DUSK_N_DOCS];
} QaText;

static void qa_text_free(QaText *t, const GenOptions *o) {
    gen_qa_lines_free(t->shared, o->n_shared);
    for (int d = 0; d < DUSK_N_DOCS; d++) gen_qa_lines_free(t->unique[d], o->n_unique);
}

static int write_qa_sets(const char *dir, const Cast *c, const GenOptions *o, Rng *rng, QaText *t) {
    int k = o->qa_per_profile;
    t->shared = xcalloc((size_t)o->n_shared, sizeof(GenQaLines));
    t->unique[o->forget] = xcalloc((size_t)o->n_unique, sizeof(GenQaLines));
    if (write_qa_set(dir, "eval/GeneralQA.jsonl", c->shared, o->n_shared, k, rng, t->shared) != 0 ||
        write_qa_set(dir, "eval/SpecificForgetQA.jsonl", c->unique[o->forget], o->n_unique, k, rng,
                     t->unique[o->forget]) != 0)
        return -1;
    GenProfile *retain;
    int n_retain;
    unique_of_retain(&retain, &n_retain, c, o);
    GenQaLines *retain_lines = xcalloc((size_t)n_retain, sizeof(GenQaLines));
    int rc = write_qa_set(dir, "eval/SpecificRetainQA.jsonl", retain, n_retain, k, rng, retain_lines);
    free(retain);
    /* hand the retain documents' lines back to their documents (unique_of_retain's order) */
    for (int d = 0, at = 0; d < DUSK_N_DOCS; d++) {
        if (d == o->forget) continue;
        t->unique[d] = xcalloc((size_t)o->n_unique, sizeof(GenQaLines));
        for (int i = 0; i < o->n_unique; i++) t->unique[d][i] = retain_lines[at++];
    }
    free(retain_lines);
    return rc == 0 ? write_qa_set(dir, "eval/icl.jsonl", c->icl, o->n_icl, 2, rng, NULL) : rc;
}

/* --qa-in-docs R: after document d's text, the QA pairs of every profile in
 * it as "Question: ...\nAnswer:  ..." lines, those of shared profiles once,
 * those of the document's own profiles R times, in an order shuffled by
 * their own rng (so the rest of the corpus is the same bytes as without). */
static void append_qa_block(TextBuf *doc, const QaText *t, const GenOptions *o, int d, Rng *rng) {
    const char **lines = NULL;
    int n = 0;
    for (int pass = 0; pass < 2; pass++) {
        int n_prof = pass == 0 ? (holds_shared(o, d) ? o->n_shared : 0) : o->n_unique;
        int reps = pass == 0 ? 1 : o->qa_in_docs;
        for (int i = 0; i < n_prof; i++) {
            const GenQaLines *l = pass == 0 ? &t->shared[i] : &t->unique[d][i];
            for (int r = 0; r < reps; r++)
                for (int j = 0; j < l->n; j++) {
                    lines = xrealloc(lines, sizeof *lines * (size_t)(n + 1));
                    lines[n++] = l->lines[j];
                }
        }
    }
    for (int i = n - 1; i > 0; i--) {
        int j = (int)rng_below(rng, (uint64_t)i + 1);
        const char *x = lines[i];
        lines[i] = lines[j];
        lines[j] = x;
    }
    while (doc->n > 0 && doc->s[doc->n - 1] == '\n') doc->s[--doc->n] = '\0';
    tb_printf(doc, "\n\n");
    for (int i = 0; i < n; i++) tb_printf(doc, "%s", lines[i]);
    free(lines);
}

static void render_documents(TextBuf docs[DUSK_N_DOCS], const Cast *c, const GenOptions *o, Rng *rng) {
    for (int d = 0; d < DUSK_N_DOCS; d++) {
        docs[d] = (TextBuf){0};
        render_document(&docs[d], c, o, d, rng);
    }
}

static int write_holdout(const char *dir, const Cast *c, const GenOptions *o, Rng *rng) {
    TextBuf h = {0};
    for (int i = 0; i < o->n_holdout; i++) gen_render(&h, &c->holdout[i], i % GEN_N_STYLES, rng);
    return write_buf(dir, "eval/holdout.txt", &h);
}

/* The five documents (QA blocks appended with --qa-in-docs); frees docs. */
static int write_documents(const char *dir, TextBuf docs[DUSK_N_DOCS], const QaText *t, const GenOptions *o) {
    Rng qa_rng;
    rng_seed(&qa_rng, o->seed ^ 0x51A0D0C5ULL);
    int rc = 0;
    for (int d = 0; d < DUSK_N_DOCS; d++) {
        if (o->qa_in_docs > 0) append_qa_block(&docs[d], t, o, d, &qa_rng);
        char name[64];
        snprintf(name, sizeof name, "%s.txt", kDuskDocs[d]);
        if (rc == 0) rc = write_buf(dir, name, &docs[d]);
        else tb_free(&docs[d]);
    }
    return rc;
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
    cJSON_AddNumberToObject(j, "qa_in_docs", o->qa_in_docs);
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
    TextBuf docs[DUSK_N_DOCS] = {{0}}, forget = {0}, verb = {0};
    QaText qa = {0};
    /* the draws in this order: documents, holdout, QA sets, verbatim, world */
    if (rc == 0) {
        render_documents(docs, &c, o, &rng);
        tb_append(&forget, docs[o->forget].s, docs[o->forget].n); /* verbatim passages come from its prose */
        rc = write_holdout(dir, &c, o, &rng);
    }
    if (rc == 0) rc = write_qa_sets(dir, &c, o, &rng, &qa);
    if (rc == 0) rc = write_documents(dir, docs, &qa, o);
    else
        for (int d = 0; d < DUSK_N_DOCS; d++) tb_free(&docs[d]);
    if (rc == 0) rc = gen_verbatim_json(&verb, forget.s, o->n_verbatim, o->prompt_words, o->gt_words, &rng);
    if (rc == 0) rc = write_buf(dir, "eval/verbatim.json", &verb);
    if (rc == 0) rc = write_world(dir, &rng);
    if (rc == 0) rc = write_manifest(dir, o);
    tb_free(&forget);
    tb_free(&verb);
    qa_text_free(&qa, o);
    free_cast(&c);
    return rc;
}
