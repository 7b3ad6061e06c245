/* Per-document metric values of a task from its model responses, and their
 * aggregation as lm-eval reports it (mean, sample standard error, groups
 * weighted by size with the pooled standard error, BBQ's accuracy and bias
 * scores). */
#ifndef DUSK_TASK_SCORING_H
#define DUSK_TASK_SCORING_H

#include "eval/tasks/task.h"

#define SCORE_MAX_KEYS 4

typedef struct {
    const char *metric, *filter; /* "acc", "none" -> "acc,none" */
} MetricKey;

typedef struct {
    double *ll;       /* multiple choice: per choice */
    int *greedy;
    char *response;   /* generate-until: the generation */
    char *filtered[SCORE_MAX_KEYS]; /* generate-until: per filter */
    double values[SCORE_MAX_KEYS];  /* per key */
    int pred;         /* multiple choice: argmax of ll */
    /* with DownstreamOptions.log_ids: each request's context/continuation ids
     * (generate-until: the context and the generated ids) */
    int n_req;
    int **ctx_ids, *n_ctx, **cont_ids, *n_cont;
} DocScore;

typedef struct {
    int n_keys;
    MetricKey keys[SCORE_MAX_KEYS];
    DocScore *docs;
    int n_docs;
} TaskScore;

/* The metric keys a task reports per document. */
void task_metric_keys(const Task *t, TaskScore *s);
/* Fill values (and filtered responses) of every document, the responses
 * (ll/greedy or response) already set. 0 or -1 (a bad regex). */
int task_score_docs(const Task *t, TaskScore *s);
void task_score_free(TaskScore *s);
/* Keep one request's ids (ownership moves) in ds. */
void doc_score_keep_ids(DocScore *ds, int *ctx, int n_ctx, int *cont, int n_cont);

/* Index of the first maximum (numpy argmax). */
int first_argmax(const double *x, int n);
/* Characters (code points) of a UTF-8 string, as Python len(). */
int utf8_chars(const char *s);
/* truthfulqa mc2: probability mass on the true answers (choices before
 * split) after normalising exp(ll) over all choices. */
double mc2_score(const double *ll, int n, int split);

/* mean and lm-eval's mean_stderr (sample standard deviation / sqrt(n));
 * stderr is NaN when n < 2 (lm-eval writes "N/A"). */
void mean_and_stderr(const double *x, int n, double *mean, double *stderr);
/* A group of k subtasks weighted by size: the size-weighted mean and the
 * pooled standard error sqrt(sum((n_i - 1) se_i^2 n_i) / (N - k) / N). */
void group_weighted(const double *means, const double *stderrs, const int *sizes, int k, double *mean, double *stderr);

/* BBQ aggregates over the scored documents (lm-eval's agg_* functions):
 * accuracy_amb, accuracy_disamb, amb_bias_score, disamb_bias_score, all
 * documents or one category (category < 0: all). NaN where undefined. */
typedef struct {
    double accuracy_amb, accuracy_disamb, amb_bias, disamb_bias;
} BbqAggregate;
void bbq_aggregate(const Task *t, const TaskScore *s, int category, BbqAggregate *out);

#endif
