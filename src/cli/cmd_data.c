/* dusk data --data DIR --tokenizer PATH [--forget DOCS] [--seq-len N] [--window N]
 * What a run would see of the DUSK data, without a model: the training
 * chunks of the forget and retain sets, the MIA windows of forget, retain and
 * holdout, and each document's sha256, as one JSON object. The
 * chunks_sha256 / windows_sha256 of a document hash its sequences written as
 * text, one per line, ids separated by single spaces, so an independent
 * implementation can confirm every id without dusk printing them all. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "data/dusk_data.h"
#include "data/text.h"
#include "pipeline/cleanup_spaces.h"
#include "util/err.h"

static void hash_sequences(const SeqList *s, int first, int n, char out[65]) {
    size_t cap = 64, len = 0;
    char *buf = xmalloc(cap);
    for (int i = first; i < first + n; i++)
        for (int t = 0; t < s->lens[i]; t++) {
            if (len + 16 > cap) buf = xrealloc(buf, cap *= 2);
            len += (size_t)sprintf(buf + len, "%d%s", s->seqs[i][t], t + 1 < s->lens[i] ? " " : "\n");
        }
    sha256_hex(buf, len, out);
    free(buf);
}

/* Adds the file's window count and hash to e; returns the count. */
static int describe_windows(const Tokenizer *tok, const char *path, int window, int cleanup, cJSON *e) {
    char *text = read_text_file(path, NULL);
    if (!text) dusk_die("%s", dusk_last_error());
    SeqList w = {0};
    if (mia_windows(&w, tok, text, window, cleanup) != 0) dusk_die("%s: %s", path, dusk_last_error());
    char sha[65];
    hash_sequences(&w, 0, w.n, sha);
    cJSON_AddNumberToObject(e, "mia_windows", w.n);
    cJSON_AddStringToObject(e, "windows_sha256", sha);
    int n = w.n;
    seqlist_free(&w);
    free(text);
    return n;
}

int cmd_data(int argc, char **argv) {
    ArgSpec o[] = {
        {"data", ARG_VALUE, "DUSK data directory (data/Prof layout)", 0, 0},
        {"tokenizer", ARG_VALUE, "tokenizer.json, a directory holding one, or a llama2.c tokenizer.bin", 0, 0},
        {"forget", ARG_VALUE, "forget document(s) (default Chronological)", 0, 0},
        {"seq-len", ARG_VALUE, "training chunk length (default 1024)", 0, 0},
        {"window", ARG_VALUE, "MIA window length (default 1024)", 0, 0},
        {"clean-up-spaces", ARG_VALUE, CLEANUP_SPACES_HELP, 0, 0},
        {"help", ARG_FLAG, "show this help", 0, 0},
    };
    int n = sizeof o / sizeof o[0];
    if (args_parse(o, n, argc, argv, 1, NULL, NULL) != 0) dusk_die("data: %s", dusk_last_error());
    if (args_flag(o, n, "help")) {
        args_usage("data", "--data DIR --tokenizer PATH [--forget DOCS] [--seq-len N] [--window N] [--clean-up-spaces auto|true|false]", o, n);
        return 0;
    }
    const char *dir = args_required(o, n, "data");
    long seq_len = args_long(o, n, "seq-len", 1024), window = args_long(o, n, "window", 1024);
    if (seq_len < 2 || window < 2) dusk_die("--seq-len and --window must be at least 2");
    Tokenizer *tok = cli_load_tokenizer(args_required(o, n, "tokenizer"), NULL);
    CleanupChoice cleanup = cli_cleanup_choice(args_str(o, n, "clean-up-spaces", NULL), tok);
    DuskData d;
    if (dusk_data_load(&d, dir, args_str(o, n, "forget", NULL), tok, (int)seq_len) != 0)
        dusk_die("%s", dusk_last_error());
    cJSON *out = cJSON_CreateObject();
    cJSON *chunks = cJSON_AddObjectToObject(out, "chunks");
    cJSON_AddNumberToObject(chunks, "forget", d.forget.n);
    cJSON_AddNumberToObject(chunks, "retain", d.retain.n);
    int counts[3] = {0, 0, 0};
    cJSON *docs = cJSON_AddObjectToObject(out, "documents");
    for (int i = 0; i < DUSK_N_DOCS; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s.txt", kDuskDocs[i]);
        char *p = dusk_path(dir, name);
        cJSON *e = cJSON_AddObjectToObject(docs, name);
        cJSON_AddStringToObject(e, "role", d.is_forget[i] ? "forget" : "retain");
        cJSON_AddStringToObject(e, "sha256", d.sha256[i]);
        char sha[65];
        hash_sequences(d.is_forget[i] ? &d.forget : &d.retain, d.first_chunk[i], d.n_chunks[i], sha);
        cJSON_AddNumberToObject(e, "chunks", d.n_chunks[i]);
        cJSON_AddStringToObject(e, "chunks_sha256", sha);
        counts[d.is_forget[i] ? 0 : 1] += describe_windows(tok, p, (int)window, cleanup.mia_windows, e);
        free(p);
    }
    char *hp = dusk_path(dir, "eval/holdout.txt");
    counts[2] = describe_windows(tok, hp, (int)window, cleanup.mia_windows, cJSON_AddObjectToObject(docs, "eval/holdout.txt"));
    free(hp);
    cJSON *windows = cJSON_AddObjectToObject(out, "windows");
    cJSON_AddNumberToObject(windows, "forget", counts[0]);
    cJSON_AddNumberToObject(windows, "retain", counts[1]);
    cJSON_AddNumberToObject(windows, "holdout", counts[2]);
    cleanup_choice_record(out, &cleanup);
    char *s = cJSON_PrintUnformatted(out);
    printf("%s\n", s);
    free(s);
    cJSON_Delete(out);
    dusk_data_free(&d);
    tokenizer_free(tok);
    return 0;
}
