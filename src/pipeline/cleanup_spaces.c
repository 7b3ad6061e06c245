#include "pipeline/cleanup_spaces.h"

#include <string.h>

#include "util/err.h"

int cleanup_choice(CleanupChoice *c, const char *flag, const Tokenizer *tok) {
    *c = (CleanupChoice){0, 1, "transformers default (no tokenizer_config.json flag)"};
    if (!flag || !strcmp(flag, "auto")) {
        int from_config = tokenizer_config_cleanup(tok);
        if (from_config >= 0) {
            c->mia_windows = from_config;
            c->mia_source = "tokenizer_config.json";
        }
        return 0;
    }
    if (strcmp(flag, "true") && strcmp(flag, "false"))
        return dusk_error("--clean-up-spaces must be auto, true or false (got '%s')", flag);
    c->mia_windows = c->generation = !strcmp(flag, "true");
    c->mia_source = "--clean-up-spaces";
    return 0;
}

void cleanup_choice_record(cJSON *obj, const CleanupChoice *c) {
    cJSON *e = cJSON_AddObjectToObject(obj, "clean_up_tokenization_spaces");
    cJSON_AddBoolToObject(e, "mia_windows", c->mia_windows);
    cJSON_AddBoolToObject(e, "generation", c->generation);
    cJSON_AddStringToObject(e, "mia_windows_source", c->mia_source);
}
