/* Non-finite weights: found at load (a corrupt or diverged checkpoint must
 * not evaluate to all-zero metrics) and after training (a diverged run must
 * not be saved). */
#include "model/llama.h"

const char *model_nonfinite_tensor(const Model *m) {
    for (int i = 0; i < m->n_tensors; i++)
        if (!all_finite(m->params + m->tensors[i].offset, m->tensors[i].numel)) return m->tensors[i].name;
    return NULL;
}
