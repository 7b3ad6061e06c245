/* json_object_text_set: one member's value replaced (or appended), every
 * other byte of the text kept. Expected texts are written out by hand. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "io/json_edit.h"
#include "util/err.h"

static void expect(const char *text, const char *key, const char *value, const char *want) {
    char *got = json_object_text_set(text, key, value, "test");
    CHECK_MSG(got && strcmp(got, want) == 0, "set %s=%s in %s: got %s, want %s", key, value, text, got ? got : "NULL",
              want);
    free(got);
}

int main(void) {
    /* replaced in place; numbers, unknown keys and layout elsewhere untouched */
    expect("{\"a\": 1e-05, \"t\": \"float32\", \"z\": 500000.0}\n", "t", "\"bfloat16\"",
           "{\"a\": 1e-05, \"t\": \"bfloat16\", \"z\": 500000.0}\n");
    /* values holding braces, brackets, quotes and the key's name inside strings */
    expect("{\"s\": \"}\\\"t\\\": {[\", \"n\": {\"t\": [1, {\"x\": \"]\"}]}, \"t\":1}", "t", "2",
           "{\"s\": \"}\\\"t\\\": {[\", \"n\": {\"t\": [1, {\"x\": \"]\"}]}, \"t\":2}");
    /* a key written with an escape is the same key; a repeated key is set every time */
    expect("{\"\\u0074\": 0, \"t\": 0}", "t", "true", "{\"\\u0074\": true, \"t\": true}");
    /* absent: appended after the last member with that member's indentation */
    expect("{\n  \"a\": [1,\n 2],\n  \"b\": null\n}\n", "t", "\"f\"",
           "{\n  \"a\": [1,\n 2],\n  \"b\": null,\n  \"t\": \"f\"\n}\n");
    expect("{ }", "t", "1", "{ \"t\": 1}");
    expect("\xEF\xBB\xBF{\"a\":1}", "a", "2", "\xEF\xBB\xBF{\"a\":2}");
    /* not an object: NULL and a message naming the file */
    char *bad = json_object_text_set("[1, 2]", "t", "1", "cfg.json");
    CHECK(bad == NULL && strstr(dusk_last_error(), "cfg.json"));
    free(bad);
    return check_report("test_json_edit");
}
