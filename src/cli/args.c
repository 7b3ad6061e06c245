#include "cli/args.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

static ArgSpec *find_spec(ArgSpec *specs, int n, const char *name) {
    for (int i = 0; i < n; i++)
        if (strcmp(specs[i].name, name) == 0) return &specs[i];
    return NULL;
}

int args_parse(ArgSpec *specs, int n_specs, int argc, char **argv, int first,
               char ***positional, int *n_positional) {
    if (positional) {
        *positional = xcalloc((size_t)argc + 1, sizeof(char *));
        *n_positional = 0;
    }
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
            if (!positional) return dusk_error("unexpected argument '%s'", a);
            (*positional)[(*n_positional)++] = argv[i];
            continue;
        }
        char name[128];
        const char *eq = strchr(a + 2, '=');
        size_t len = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
        if (len >= sizeof name) return dusk_error("option too long: %s", a);
        memcpy(name, a + 2, len);
        name[len] = '\0';
        ArgSpec *s = find_spec(specs, n_specs, name);
        if (!s) return dusk_error("unknown option --%s", name);
        s->present = 1;
        if (s->kind == ARG_FLAG) {
            if (eq) return dusk_error("option --%s takes no value", name);
            continue;
        }
        if (eq) {
            s->value = eq + 1;
        } else {
            if (i + 1 >= argc) return dusk_error("option --%s needs a value", name);
            s->value = argv[++i];
        }
    }
    return 0;
}

void args_usage(const char *command, const char *synopsis, const ArgSpec *specs, int n_specs) {
    fprintf(stderr, "usage: dusk %s %s\n", command, synopsis ? synopsis : "[options]");
    for (int i = 0; i < n_specs; i++)
        fprintf(stderr, "  --%-18s %s%s\n", specs[i].name, specs[i].kind == ARG_VALUE ? "VALUE  " : "",
                specs[i].help ? specs[i].help : "");
}

const ArgSpec *args_get(const ArgSpec *specs, int n_specs, const char *name) {
    for (int i = 0; i < n_specs; i++)
        if (strcmp(specs[i].name, name) == 0) return &specs[i];
    dusk_die("internal: option --%s not declared", name);
    return NULL;
}

const char *args_str(const ArgSpec *specs, int n, const char *name, const char *def) {
    const ArgSpec *s = args_get(specs, n, name);
    return s->value ? s->value : def;
}

long args_long(const ArgSpec *specs, int n, const char *name, long def) {
    const ArgSpec *s = args_get(specs, n, name);
    if (!s->value) return def;
    char *end;
    errno = 0;
    long v = strtol(s->value, &end, 10);
    if (errno || end == s->value || *end) dusk_die("--%s: expected an integer, got '%s'", name, s->value);
    return v;
}

double args_double(const ArgSpec *specs, int n, const char *name, double def) {
    const ArgSpec *s = args_get(specs, n, name);
    if (!s->value) return def;
    char *end;
    errno = 0;
    double v = strtod(s->value, &end);
    if (errno || end == s->value || *end) dusk_die("--%s: expected a number, got '%s'", name, s->value);
    return v;
}

int args_flag(const ArgSpec *specs, int n, const char *name) { return args_get(specs, n, name)->present; }

const char *args_required(const ArgSpec *specs, int n, const char *name) {
    const ArgSpec *s = args_get(specs, n, name);
    if (!s->value) dusk_die("missing required option --%s", name);
    return s->value;
}
