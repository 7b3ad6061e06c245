#include "data/chunks.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

void seqlist_free(SeqList *s) {
    for (int i = 0; i < s->n; i++) free(s->seqs[i]);
    free(s->seqs);
    free(s->lens);
    memset(s, 0, sizeof *s);
}

void seqlist_append(SeqList *s, const int *ids, int len) {
    s->seqs = xrealloc(s->seqs, sizeof(int *) * (size_t)(s->n + 1));
    s->lens = xrealloc(s->lens, sizeof(int) * (size_t)(s->n + 1));
    s->seqs[s->n] = xmalloc(sizeof(int) * (size_t)(len ? len : 1));
    memcpy(s->seqs[s->n], ids, sizeof(int) * (size_t)len);
    s->lens[s->n] = len;
    s->T = s->n == 0 ? len : (s->T == len ? len : 0);
    s->n++;
}

void chunk_document(SeqList *out, const int *tokens, int n, int bos, int seq_len) {
    int piece = seq_len - 1;
    int *buf = xmalloc(sizeof(int) * (size_t)seq_len);
    for (int start = 0; start < n; start += piece) {
        int k = n - start < piece ? n - start : piece;
        buf[0] = bos;
        memcpy(buf + 1, tokens + start, sizeof(int) * (size_t)k);
        int len = 1 + k;
        if (len < seq_len) { /* complete with the first chunk: BOS + first tokens */
            buf[len++] = bos;
            for (int i = 0; len < seq_len && i < n; i++) buf[len++] = tokens[i];
        }
        seqlist_append(out, buf, len);
    }
    free(buf);
}

/* Python str.strip(): leading/trailing whitespace. */
static void strip_span(const char *text, size_t *begin, size_t *end) {
    size_t b = 0, e = strlen(text);
    while (b < e && isspace((unsigned char)text[b])) b++;
    while (e > b && isspace((unsigned char)text[e - 1])) e--;
    *begin = b;
    *end = e;
}

int mia_windows(SeqList *out, const Tokenizer *tok, const char *text, int window, int cleanup) {
    return mia_windows_with_text(out, NULL, tok, text, window, cleanup);
}

int mia_windows_with_text(SeqList *out, char ***texts, const Tokenizer *tok, const char *text, int window,
                          int cleanup) {
    size_t b, e;
    strip_span(text, &b, &e);
    int *ids, n;
    if (tokenizer_encode(tok, text + b, e - b, 1, &ids, &n) != 0) return -1;
    int rc = 0;
    for (int start = 0; start + window <= n && rc == 0; start += window) {
        size_t len;
        char *s = tokenizer_decode_text(tok, ids + start, window, 1, cleanup, &len);
        if (!s) {
            rc = -1;
            break;
        }
        int *re, m;
        rc = tokenizer_encode(tok, s, len, 1, &re, &m);
        if (rc == 0) {
            seqlist_append(out, re, m);
            free(re);
            if (texts) {
                *texts = xrealloc(*texts, sizeof(char *) * (size_t)out->n);
                (*texts)[out->n - 1] = s;
                s = NULL;
            }
        }
        free(s);
    }
    free(ids);
    return rc;
}
