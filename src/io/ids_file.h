/* Files of token id sequences: one sequence per line, ids separated by
 * whitespace. Blank lines are skipped. */
#ifndef DUSK_IDS_FILE_H
#define DUSK_IDS_FILE_H

typedef struct {
    int n_seqs;
    int *lens;
    int **seqs;
} IdSequences;

/* Errors name the file and line (non-integer, negative, or >= vocab_size
 * when vocab_size > 0). */
int ids_file_read(IdSequences *s, const char *path, int vocab_size);
void ids_free(IdSequences *s);
/* Check every sequence has the same length (>= min_len); returns it or -1. */
int ids_equal_length(const IdSequences *s, const char *path, int min_len);

#endif
