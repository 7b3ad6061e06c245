/* Per-item ROUGE records and their aggregates, shared by VerbMem and QA. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/metrics/eval_metrics.h"
#include "eval/stats.h"
#include "util/err.h"

static const char *const kRougeKeys[] = {"rougeL", "rougeL_recall", "rouge1", "rouge1_recall"};

cJSON *rouge_aggregate(const cJSON *items, uint64_t seed) {
    cJSON *agg = cJSON_CreateObject();
    int n = cJSON_GetArraySize(items);
    double *v = xmalloc(sizeof(double) * (size_t)(n ? n : 1));
    for (size_t k = 0; k < sizeof kRougeKeys / sizeof kRougeKeys[0]; k++) {
        for (int i = 0; i < n; i++)
            v[i] = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(items, i), kRougeKeys[k])->valuedouble;
        SummaryStats st;
        if (n == 0 || stats_summary(v, (size_t)n, seed, &st) != 0) continue;
        char key[64];
        snprintf(key, sizeof key, "max_%s", kRougeKeys[k]);
        cJSON_AddNumberToObject(agg, key, st.max);
        snprintf(key, sizeof key, "mean_%s", kRougeKeys[k]);
        cJSON_AddNumberToObject(agg, key, st.mean);
        snprintf(key, sizeof key, "%s_ci_lo", kRougeKeys[k]);
        cJSON_AddNumberToObject(agg, key, st.ci_lo);
        snprintf(key, sizeof key, "%s_ci_hi", kRougeKeys[k]);
        cJSON_AddNumberToObject(agg, key, st.ci_hi);
    }
    cJSON_AddNumberToObject(agg, "n", n);
    free(v);
    return agg;
}
