/* The two request types of lm-evaluation-harness's HF backend, for a causal
 * model: loglikelihood(context, continuation) and generate_until(context,
 * until). Requests are encoded first (lm_request_encode / the generate
 * context), then run in batches against the model. */
#ifndef DUSK_LM_REQUESTS_H
#define DUSK_LM_REQUESTS_H

#include "model/llama.h"
#include "tokenizer/tokenizer.h"

typedef struct {
    int *ctx, n_ctx;   /* context_enc */
    int *cont, n_cont; /* continuation_enc */
    double ll;         /* summed log-probability of the continuation */
    int is_greedy;     /* every continuation token is the argmax */
} LLRequest;

/* lm-eval's _encode_pair: the context's trailing whitespace (Python
 * str.isspace characters) moves onto the continuation; context + continuation
 * and the context are each encoded (add_bos: special tokens as the tokenizer
 * adds them, HF add_special_tokens); the continuation tokens are the whole
 * string's tokens after the context's count. An empty context becomes
 * [BOS] (EOS when there is no BOS) and the continuation is encoded alone,
 * with the same add_bos (lm-eval's tok_encode).
 * Returns 0, or -1 (tokenizer failure, or no continuation tokens). */
int lm_request_encode(const Tokenizer *tok, const char *context, const char *continuation, int add_bos,
                      LLRequest *r);
void lm_request_free(LLRequest *r);

/* Length of s without its trailing Python-whitespace characters (UTF-8). */
size_t lm_rstrip_len(const char *s, size_t len);

/* The token ids the model reads for r: (ctx + cont) cut to its last
 * max_len + 1 ids, without the final one; *n_in is their count. Pointer into
 * a malloc'd buffer the caller frees. */
int *lm_request_input(const LLRequest *r, int max_len, int *n_in);

/* Score every request: ll and is_greedy. Requests are sorted by length
 * (longest first), run `batch` at a time through one padded forward
 * pass, and only the continuation rows are projected onto the vocabulary.
 * max_len: the model's maximum length (left truncation). 0 or -1. */
int lm_score_requests(Model *m, LLRequest *reqs, int n, int batch, int max_len);

typedef struct {
    int *ctx, n_ctx;   /* context ids after left truncation */
    char **until;      /* stop strings (the EOS string appended) */
    int n_until;
    int max_gen;       /* new tokens at most */
    char *text;        /* the generation, cut at the first stop string */
    int *gen, n_gen;   /* the generated ids (EOS excluded; may run past the stop string) */
} GenRequest;

/* Encode context (add_bos as above) and copy the stop strings: no
 * truncation, no EOS string (the DUSK release's QA generation). */
int gen_request_init(const Tokenizer *tok, const char *context, const char *const *until, int n_until, int max_gen,
                     int add_bos, GenRequest *g);

/* lm-eval's request: gen_request_init, then keep the context's last
 * max_len - max_gen ids and add the tokenizer's EOS string to the stops. */
int gen_request_encode(const Tokenizer *tok, const char *context, const char *const *until, int n_until,
                       int max_gen, int add_bos, int max_len, GenRequest *g);
void gen_request_free(GenRequest *g);

/* Greedy generation for every request (batch prompts at a time, KV cache;
 * a request stops at an EOS id of the model's config, after max_gen tokens,
 * or once a stop string has settled in its text), decoded skipping special
 * tokens, with HF's clean-up of spaces when cleanup (lm-eval: always), then
 * split at each stop string in turn (s = s.split(term)[0]). Errors when a
 * context plus max_gen exceeds max_position_embeddings. */
int gen_run_requests(Model *m, const Tokenizer *tok, GenRequest *reqs, int n, int batch, int cleanup);

/* s cut before the first occurrence of each non-empty term, in order. */
void gen_cut_at_stops(char *s, const char *const *until, int n_until);

#endif
