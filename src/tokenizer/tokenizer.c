/* The public tokenizer interface: loading by path, and the encode/decode
 * entry points shared by both kinds. */
#include "tokenizer/tokenizer.h"
#include "tokenizer/utf8.h"

#include <stdlib.h>
#include <string.h>

#include "tokenizer/tokenizer_impl.h"
#include "util/err.h"
#include "util/fileio.h"

Tokenizer *tokenizer_new(TokenizerKind kind) {
    Tokenizer *tok = xcalloc(1, sizeof *tok);
    tok->kind = kind;
    table_init(&tok->table);
    bpe_init(&tok->bpe);
    tok->bos_id = tok->eos_id = -1;
    tok->config_cleanup = -1;
    return tok;
}

void tokenizer_free(Tokenizer *tok) {
    if (!tok) return;
    table_free(&tok->table);
    bpe_free(&tok->bpe);
    pretok_free(&tok->pre);
    added_free(&tok->added);
    intvec_free(&tok->prefix);
    intvec_free(&tok->suffix);
    free(tok->sp.scores);
    free(tok->sp.pieces);
    free(tok->sp.piece_off);
    free(tok->sp.piece_len);
    strmap_free(&tok->sp.by_piece);
    free(tok);
}

static int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* JSON unless the name says .bin or the content does not start with '{'. */
static int looks_like_json(const char *path, const char *data, size_t len) {
    if (ends_with(path, ".json")) return 1;
    if (ends_with(path, ".bin")) return 0;
    size_t i = 0;
    while (i < len && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t')) i++;
    return i < len && data[i] == '{';
}

/* The directory part of path ("." when none), malloc'd. */
static char *dir_of(const char *path) {
    const char *slash = strrchr(path, '/');
    if (!slash) return xstrdup(".");
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    char *d = xmalloc(n + 1);
    memcpy(d, path, n);
    d[n] = '\0';
    return d;
}

static Tokenizer *load_file(const char *path) {
    size_t len;
    char *data = read_file_all(path, &len);
    if (!data) return NULL;
    int json = looks_like_json(path, data, len);
    Tokenizer *tok = tokenizer_new(json ? TOKENIZER_HF_BPE : TOKENIZER_LLAMA2C);
    int rc;
    if (json) {
        char *dir = dir_of(path);
        rc = hf_load_json(tok, data, len, dir);
        free(dir);
    } else {
        rc = sp_load_bin(tok, (const unsigned char *)data, len);
    }
    free(data);
    if (rc != 0) {
        dusk_error_prefix("%s", path);
        tokenizer_free(tok);
        return NULL;
    }
    return tok;
}

Tokenizer *tokenizer_load(const char *path) {
    if (!is_directory(path)) return load_file(path);
    size_t n = strlen(path);
    char *file = xmalloc(n + sizeof "/tokenizer.json");
    memcpy(file, path, n);
    strcpy(file + n, "/tokenizer.json");
    Tokenizer *tok = load_file(file);
    free(file);
    return tok;
}

int tokenizer_vocab_size(const Tokenizer *tok) { return tok->table.max_id + 1; }
int tokenizer_bos_id(const Tokenizer *tok) { return tok->bos_id; }
int tokenizer_eos_id(const Tokenizer *tok) { return tok->eos_id; }

int tokenizer_config_cleanup(const Tokenizer *tok) { return tok->config_cleanup; }

int tokenizer_is_special(const Tokenizer *tok, int id) {
    return table_has(&tok->table, id) && (tok->table.flags[id] & TOKEN_SPECIAL);
}

int tokenizer_encode_ex(const Tokenizer *tok, const char *text, size_t len, int add_special, int parse_special,
                        int **ids, int *n_ids) {
    IntVec out = {0};
    int rc = tok->kind == TOKENIZER_HF_BPE ? hf_encode(tok, text, len, add_special, parse_special, &out)
                                            : sp_encode(tok, text, len, add_special, &out);
    if (rc != 0 || out.n > (size_t)0x7FFFFFFF) {
        intvec_free(&out);
        *ids = NULL;
        *n_ids = 0;
        return rc != 0 ? -1 : dusk_error("text too long: more than 2^31 tokens");
    }
    *ids = out.data ? out.data : xmalloc(sizeof(int));
    *n_ids = (int)out.n;
    return 0;
}

int tokenizer_encode(const Tokenizer *tok, const char *text, size_t len, int add_special, int **ids, int *n_ids) {
    return tokenizer_encode_ex(tok, text, len, add_special, 1, ids, n_ids);
}

/* llama2.c's run.c drops the leading space of a piece that follows BOS (the
 * dummy prefix); byte pieces like <0x20> are exempt since the check looks at
 * the piece text. */
static int strips_space_after_bos(const Tokenizer *tok, int prev, int id) {
    if (tok->kind != TOKENIZER_LLAMA2C || prev != tok->bos_id) return 0;
    return tok->sp.piece_len[id] > 0 && tok->sp.pieces[tok->sp.piece_off[id]] == ' ';
}

char *tokenizer_decode(const Tokenizer *tok, const int *ids, int n_ids, int skip_special, int cleanup,
                       size_t *out_len) {
    size_t total = 0;
    for (int i = 0; i < n_ids; i++) {
        if (!table_has(&tok->table, ids[i])) {
            dusk_error("token id %d (position %d) is not in the vocabulary (size %d)", ids[i], i,
                       tokenizer_vocab_size(tok));
            return NULL;
        }
        total += tok->table.len[ids[i]];
    }
    char *out = xmalloc(total + 1);
    size_t n = 0;
    for (int i = 0; i < n_ids; i++) {
        int id = ids[i];
        if (skip_special && (tok->table.flags[id] & TOKEN_SPECIAL)) continue;
        size_t skip = strips_space_after_bos(tok, i > 0 ? ids[i - 1] : -1, id) ? 1 : 0;
        memcpy(out + n, table_bytes(&tok->table, id) + skip, tok->table.len[id] - skip);
        n += tok->table.len[id] - skip;
    }
    out[n] = '\0';
    if (cleanup) n = cleanup_tokenization_spaces(out, n);
    if (out_len) *out_len = n;
    return out;
}

char *tokenizer_decode_text(const Tokenizer *tok, const int *ids, int n_ids, int skip_special, int cleanup,
                            size_t *out_len) {
    size_t len;
    char *raw = tokenizer_decode(tok, ids, n_ids, skip_special, cleanup, &len);
    if (!raw) return NULL;
    char *text = utf8_lossy(raw, len, out_len);
    free(raw);
    return text;
}
