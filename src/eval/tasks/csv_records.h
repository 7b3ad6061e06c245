/* CSV records as Python's csv module reads them (default dialect: comma,
 * double quotes, "" inside quotes, newlines allowed inside quotes). */
#ifndef DUSK_CSV_RECORDS_H
#define DUSK_CSV_RECORDS_H

#include <stddef.h>

typedef struct {
    char **fields;
    int n_fields;
    int line;     /* the line the record starts on (1-based) */
} CsvRecord;

/* Parse the next record from text[*pos..len); 1 when one was read, 0 at the
 * end, -1 on an unterminated quote (message names the line). *line tracks
 * the current line number. */
int csv_next_record(const char *text, size_t len, size_t *pos, int *line, CsvRecord *rec);
void csv_record_free(CsvRecord *rec);

#endif
