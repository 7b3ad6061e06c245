#include "io/ids_file.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/fileio.h"

static void add_seq(IdSequences *s, int *ids, int n) {
    s->seqs = xrealloc(s->seqs, sizeof(int *) * (size_t)(s->n_seqs + 1));
    s->lens = xrealloc(s->lens, sizeof(int) * (size_t)(s->n_seqs + 1));
    s->seqs[s->n_seqs] = ids;
    s->lens[s->n_seqs] = n;
    s->n_seqs++;
}

int ids_file_read(IdSequences *s, const char *path, int vocab_size) {
    memset(s, 0, sizeof *s);
    size_t len;
    char *text = read_file_all(path, &len);
    if (!text) return -1;
    /* lines are read as NUL-terminated strings: a NUL would silently end the
     * file there */
    const char *nul = memchr(text, '\0', len);
    if (nul) {
        dusk_error("%s: NUL byte at offset %zu (not a text file of token ids)", path, (size_t)(nul - text));
        free(text);
        return -1;
    }
    int line_no = 0;
    char *line = text;
    while (line && *line) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        line_no++;
        int cap = 64, n = 0, *ids = xmalloc(sizeof(int) * cap);
        char *p = line;
        for (;;) {
            while (isspace((unsigned char)*p)) p++;
            if (!*p) break;
            errno = 0;
            char *end;
            long v = strtol(p, &end, 10);
            if (end == p || errno || (*end && !isspace((unsigned char)*end)) || v < 0 ||
                (vocab_size > 0 && v >= vocab_size) || v > 0x7fffffff) {
                /* format the message before freeing text: p points into it */
                dusk_error("%s:%d: '%.*s' is not a token id%s", path, line_no, (int)strcspn(p, " \t\r\n"), p,
                           vocab_size > 0 ? " within the vocabulary" : "");
                free(ids);
                free(text);
                ids_free(s);
                return -1;
            }
            if (n == cap) ids = xrealloc(ids, sizeof(int) * (size_t)(cap *= 2));
            ids[n++] = (int)v;
            p = end;
        }
        if (n > 0) add_seq(s, ids, n);
        else free(ids);
        line = nl ? nl + 1 : NULL;
    }
    free(text);
    if (s->n_seqs == 0) return dusk_error("%s: no token id sequences", path);
    return 0;
}

void ids_free(IdSequences *s) {
    for (int i = 0; i < s->n_seqs; i++) free(s->seqs[i]);
    free(s->seqs);
    free(s->lens);
    memset(s, 0, sizeof *s);
}

int ids_equal_length(const IdSequences *s, const char *path, int min_len) {
    for (int i = 0; i < s->n_seqs; i++) {
        if (s->lens[i] != s->lens[0])
            return dusk_error("%s: sequence %d has %d ids but sequence 1 has %d (a batch needs equal lengths)", path,
                              i + 1, s->lens[i], s->lens[0]);
    }
    if (s->lens[0] < min_len) return dusk_error("%s: sequences need at least %d ids", path, min_len);
    return s->lens[0];
}
