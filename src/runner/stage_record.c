/* ROW/wall.json and ROW/stage.json, written atomically. */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "io/json_text.h"
#include "runner/stage_record.h"
#include "util/err.h"
#include "util/fileio.h"

/* The JSON object in dir/name, or an empty object when there is none (or
 * it is unreadable: it is rewritten). */
static cJSON *read_object(const char *dir, const char *name) {
    char *path = path_join(dir, name);
    cJSON *j = json_read_file(path, "the file");
    free(path);
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        j = cJSON_CreateObject();
    }
    return j;
}

static int write_object(const char *dir, const char *name, const cJSON *j) {
    char *path = path_join(dir, name);
    int rc = make_dirs(dir) == 0 ? json_write_file(j, path) : -1;
    free(path);
    return rc;
}

int stage_record_wall(const char *dir, const char *stage, double seconds) {
    cJSON *w = read_object(dir, "wall.json");
    cJSON_DeleteItemFromObjectCaseSensitive(w, stage);
    cJSON_AddNumberToObject(w, stage, seconds);
    int rc = write_object(dir, "wall.json", w);
    cJSON_Delete(w);
    return rc;
}

int stage_record_finish(const char *dir, const char *error, const char *failed_stage) {
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "status", error ? "failed" : "ok");
    if (error) cJSON_AddStringToObject(s, "error", error);
    else cJSON_AddNullToObject(s, "error");
    if (failed_stage) cJSON_AddStringToObject(s, "failed_stage", failed_stage);
    else cJSON_AddNullToObject(s, "failed_stage");
    cJSON_AddItemToObject(s, "wall_s", read_object(dir, "wall.json"));
    int rc = write_object(dir, "stage.json", s);
    cJSON_Delete(s);
    return rc;
}

int stage_record_ok(const char *dir) {
    cJSON *s = read_object(dir, "stage.json");
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(s, "status");
    int ok = cJSON_IsString(st) && strcmp(st->valuestring, "ok") == 0;
    cJSON_Delete(s);
    return ok;
}
