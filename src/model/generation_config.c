#include "model/generation_config.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/fileio.h"

int generation_config_apply(ModelConfig *c, const char *model_dir, const char **source) {
    *source = "llama2.c checkpoint";
    if (!model_dir || !is_directory(model_dir)) return 0;
    *source = "config.json";
    size_t n = strlen(model_dir) + sizeof "/generation_config.json";
    char *path = xmalloc(n);
    snprintf(path, n, "%s/generation_config.json", model_dir);
    FILE *probe = fopen(path, "rb");
    if (!probe) {
        free(path);
        return 0;
    }
    fclose(probe);
    size_t len;
    char *text = read_file_all(path, &len);
    cJSON *root = text ? cJSON_ParseWithLength(text, len) : NULL;
    int rc = 0;
    if (!text) rc = -1;
    else if (!cJSON_IsObject(root)) rc = dusk_error("%s: not a JSON object", path);
    free(text);
    const cJSON *eos = root ? cJSON_GetObjectItemCaseSensitive(root, "eos_token_id") : NULL;
    if (rc == 0 && eos && !cJSON_IsNull(eos)) {
        rc = config_parse_eos(c, root, path);
        if (rc == 0) *source = "generation_config.json";
    }
    cJSON_Delete(root);
    free(path);
    return rc;
}
