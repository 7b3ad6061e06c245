/* Minimal "--name value" / "--flag" command-line parsing shared by commands.
 *
 * A command declares its options up front; anything undeclared is an error,
 * so typos never silently fall back to defaults. */
#ifndef DUSK_ARGS_H
#define DUSK_ARGS_H

typedef enum { ARG_VALUE, ARG_FLAG } ArgKind;

typedef struct {
    const char *name;  /* without leading dashes, e.g. "model" */
    ArgKind kind;
    const char *help;
    /* filled by args_parse: */
    const char *value; /* ARG_VALUE: last value given, or NULL */
    int present;
} ArgSpec;

/* Parse argv[first..argc). Positional arguments (not starting with "--") are
 * collected into *positional (may be NULL to forbid them). Returns 0 or -1
 * with dusk_error set. */
int args_parse(ArgSpec *specs, int n_specs, int argc, char **argv, int first,
               char ***positional, int *n_positional);

/* Print usage lines for specs to stderr. */
void args_usage(const char *command, const char *synopsis, const ArgSpec *specs, int n_specs);

const ArgSpec *args_get(const ArgSpec *specs, int n_specs, const char *name);
/* Typed accessors: return the default when absent; die with a clear message
 * when the value does not parse. */
const char *args_str(const ArgSpec *specs, int n, const char *name, const char *def);
long args_long(const ArgSpec *specs, int n, const char *name, long def);
double args_double(const ArgSpec *specs, int n, const char *name, double def);
int args_flag(const ArgSpec *specs, int n, const char *name);
/* Die unless the option was given. */
const char *args_required(const ArgSpec *specs, int n, const char *name);

#endif
