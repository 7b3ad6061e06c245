/* Editing members of a JSON object's text without re-printing it: every
 * other byte (key order, keys the caller does not know, number spellings
 * such as 1e-05 or 500000.0, whitespace) stays as it was. Used to write a
 * checkpoint's config.json from the one it was loaded from. */
#ifndef DUSK_JSON_EDIT_H
#define DUSK_JSON_EDIT_H

/* A copy of text (a JSON object) with the value of top-level member `key`
 * replaced by value_json (itself valid JSON), every occurrence if the key
 * repeats; appended as the last member if absent. Keys are compared after
 * decoding escapes. NULL with an error naming `what` if text is not a JSON
 * object. malloc'd. */
char *json_object_text_set(const char *text, const char *key, const char *value_json, const char *what);

#endif
