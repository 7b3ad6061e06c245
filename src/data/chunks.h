/* Token sequences cut from documents, as the DUSK reference does. */
#ifndef DUSK_CHUNKS_H
#define DUSK_CHUNKS_H

#include "tokenizer/tokenizer.h"

typedef struct {
    int n, T;        /* n sequences; T = their length (0 if lengths vary) */
    int *lens;
    int **seqs;
} SeqList;

void seqlist_free(SeqList *s);
void seqlist_append(SeqList *s, const int *ids, int len);

/* Training chunks: the document's tokens cut into consecutive pieces of
 * seq_len-1, each prefixed with BOS; a short last piece is completed by
 * appending the document's first chunk (BOS included) and truncating to
 * seq_len. Appends to out. Documents with no tokens add nothing. */
void chunk_document(SeqList *out, const int *tokens, int n, int bos, int seq_len);

/* MIA windows: encode text (stripped) with BOS, cut non-overlapping windows
 * of `window` tokens, drop a final partial one; each window is decoded
 * (skipping special tokens; clean_up_tokenization_spaces when cleanup, as
 * transformers' decode does when the tokenizer's config says so) and
 * re-encoded with BOS. */
int mia_windows(SeqList *out, const Tokenizer *tok, const char *text, int window, int cleanup);
/* The same, also returning each window's decoded text (texts[i] malloc'd,
 * *texts grown alongside out). */
int mia_windows_with_text(SeqList *out, char ***texts, const Tokenizer *tok, const char *text, int window,
                          int cleanup);

#endif
