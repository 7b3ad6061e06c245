/* The DUSK benchmark data (public DUSK repository layout): five documents,
 * one of them (or several) the forget set, the others the retain set. */
#ifndef DUSK_DATA_H
#define DUSK_DATA_H

#include "data/chunks.h"
#include "tokenizer/tokenizer.h"

#define DUSK_N_DOCS 5
extern const char *const kDuskDocs[DUSK_N_DOCS]; /* Chronological, Feature_Story, ... */

typedef struct {
    char *dir;
    int is_forget[DUSK_N_DOCS];
    char sha256[DUSK_N_DOCS][65];  /* of each document's bytes */
    SeqList forget, retain;         /* training chunks */
    int first_chunk[DUSK_N_DOCS];   /* document i's chunks: first_chunk[i] .. + n_chunks[i] */
    int n_chunks[DUSK_N_DOCS];      /* in forget or retain, by its role */
} DuskData;

/* Index of the document called name in kDuskDocs, or -1. */
int dusk_doc_index(const char *name);

/* Parse "Chronological" or "Chronological,Listicle" into is_forget; error
 * names an unknown document. NULL or "" means Chronological. */
int dusk_parse_forget(const char *spec, int is_forget[DUSK_N_DOCS]);

/* Read and chunk the documents of dir (seq_len tokens per chunk, BOS first).
 * Errors name the missing or malformed file. */
int dusk_data_load(DuskData *d, const char *dir, const char *forget_spec, const Tokenizer *tok, int seq_len);
void dusk_data_free(DuskData *d);

/* One text file read and chunked as a DUSK document is (read_text_file,
 * tokenized whole without special tokens, chunk_document at seq_len with
 * BOS), appended to out; sha receives the file's sha256. Errors name the
 * file (an empty one included). */
int dusk_chunk_file(SeqList *out, const char *path, const Tokenizer *tok, int seq_len, char sha[65]);

/* Path of DIR/name (malloc'd). */
char *dusk_path(const char *dir, const char *name);

#endif
