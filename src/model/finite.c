/* Non-finite weights: found at load (a corrupt or diverged checkpoint must
 * not evaluate to all-zero metrics) and after training (a diverged run must
 * not be saved). */
#include <math.h>

#include "model/llama.h"

const char *model_nonfinite_tensor(const Model *m) {
    for (int i = 0; i < m->n_tensors; i++) {
        const float *p = m->params + m->tensors[i].offset;
        size_t n = m->tensors[i].numel;
        int bad = 0;
#pragma omp parallel for reduction(| : bad) schedule(static)
        for (size_t j = 0; j < n; j++) bad |= !isfinite(p[j]);
        if (bad) return m->tensors[i].name;
    }
    return NULL;
}
