#include "eval/tasks/csv_records.h"

#include <stdlib.h>
#include <string.h>

#include "util/err.h"

typedef struct {
    char *s;
    size_t n, cap;
} Buf;

static void buf_put(Buf *b, char c) {
    if (b->n + 2 > b->cap) b->cap = b->cap ? 2 * b->cap : 64, b->s = xrealloc(b->s, b->cap);
    b->s[b->n++] = c;
    b->s[b->n] = '\0';
}

static void add_field(CsvRecord *rec, Buf *b) {
    rec->fields = xrealloc(rec->fields, sizeof(char *) * (size_t)(rec->n_fields + 1));
    rec->fields[rec->n_fields++] = b->s ? b->s : xstrdup("");
    memset(b, 0, sizeof *b);
}

int csv_next_record(const char *text, size_t len, size_t *pos, int *line, CsvRecord *rec) {
    memset(rec, 0, sizeof *rec);
    size_t i = *pos;
    if (i >= len) return 0;
    rec->line = *line;
    Buf b = {0};
    int quoted = 0, field_start = 1;
    for (;; i++) {
        if (i >= len) {
            if (quoted) return csv_record_free(rec), free(b.s), dusk_error("line %d: a quoted field is not closed", rec->line);
            add_field(rec, &b);
            break;
        }
        char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < len && text[i + 1] == '"') buf_put(&b, '"'), i++;
            else if (c == '"') quoted = 0;
            else {
                if (c == '\n') (*line)++;
                buf_put(&b, c);
            }
            continue;
        }
        if (c == '"' && field_start) quoted = 1, field_start = 0;
        else if (c == ',') add_field(rec, &b), field_start = 1;
        else if (c == '\n' || c == '\r') {
            add_field(rec, &b);
            if (c == '\r' && i + 1 < len && text[i + 1] == '\n') i++;
            (*line)++;
            i++;
            break;
        } else buf_put(&b, c), field_start = 0;
    }
    *pos = i;
    return 1;
}

void csv_record_free(CsvRecord *rec) {
    for (int i = 0; i < rec->n_fields; i++) free(rec->fields[i]);
    free(rec->fields);
    memset(rec, 0, sizeof *rec);
}
