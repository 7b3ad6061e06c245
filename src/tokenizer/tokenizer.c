/* Placeholder so the tree links while the tokenizer is written. */
#include "tokenizer/tokenizer.h"
#include "util/err.h"

Tokenizer *tokenizer_load(const char *path) {
    dusk_error("%s: tokenizer not implemented yet", path);
    return 0;
}
void tokenizer_free(Tokenizer *tok) { (void)tok; }
int tokenizer_vocab_size(const Tokenizer *tok) { (void)tok; return 0; }
int tokenizer_bos_id(const Tokenizer *tok) { (void)tok; return -1; }
int tokenizer_eos_id(const Tokenizer *tok) { (void)tok; return -1; }
int tokenizer_encode(const Tokenizer *tok, const char *text, size_t len, int add_special, int **ids, int *n_ids) {
    (void)tok; (void)text; (void)len; (void)add_special; (void)ids; (void)n_ids;
    return dusk_error("tokenizer not implemented yet");
}
char *tokenizer_decode(const Tokenizer *tok, const int *ids, int n_ids, int skip_special, int cleanup, size_t *out_len) {
    (void)tok; (void)ids; (void)n_ids; (void)skip_special; (void)cleanup; (void)out_len;
    dusk_error("tokenizer not implemented yet");
    return 0;
}
