/* json_format_float / json_create_float: the shortest decimal that reads
 * back as the same float, also through a cJSON tree and json_print_exact.
 *
 * Without arguments: round trips over random float bit patterns plus the
 * values users type (1e-3 -> "0.001", 0.9 -> "0.9", 1e-05 -> "1e-05").
 * With --stdin: reads one float bit pattern (hex) per line and prints
 * "<json_format_float> <json_print_exact of json_create_float>" for
 * tests/ref/test_json_float.py, which compares them with numpy's shortest
 * float32 repr. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "io/json_text.h"

static float float_of_bits(uint32_t u) {
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static int same_bits(float a, float b) { return memcmp(&a, &b, 4) == 0; }

/* The number printed for v as a lone array element through json_print_exact. */
static void print_in_tree(float v, char *out, size_t cap) {
    cJSON *a = cJSON_CreateArray();
    cJSON_AddItemToArray(a, json_create_float(v));
    char *s = json_print_exact(a, 0); /* "[...]" */
    size_t n = strlen(s);
    snprintf(out, cap, "%.*s", (int)(n - 2), s + 1);
    free(s);
    cJSON_Delete(a);
}

static void check_known(float v, const char *want) {
    char buf[32], tree[64];
    json_format_float(v, buf);
    print_in_tree(v, tree, sizeof tree);
    CHECK_MSG(strcmp(buf, want) == 0, "json_format_float(%.9g) = %s, want %s", (double)v, buf, want);
    CHECK_MSG(strcmp(tree, want) == 0, "json_print_exact(json_create_float(%.9g)) = %s, want %s", (double)v, tree, want);
}

static void check_round_trip(float v) {
    char buf[32], tree[64];
    json_format_float(v, buf);
    print_in_tree(v, tree, sizeof tree);
    CHECK_MSG(same_bits(strtof(buf, NULL), v), "%s does not read back as %a", buf, (double)v);
    CHECK_MSG(same_bits(strtof(tree, NULL), v), "tree %s does not read back as %a", tree, (double)v);
}

static int serve_stdin(void) {
    char line[64];
    while (fgets(line, sizeof line, stdin)) {
        float v = float_of_bits((uint32_t)strtoul(line, NULL, 16));
        char buf[32], tree[64];
        json_format_float(v, buf);
        print_in_tree(v, tree, sizeof tree);
        printf("%s %s\n", buf, tree);
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--stdin") == 0) return serve_stdin();
    check_known(1e-3f, "0.001");
    check_known(0.9f, "0.9");
    check_known(0.999f, "0.999");
    check_known(1e-5f, "1e-05");
    check_known(1e-8f, "1e-08");
    check_known(0.02f, "0.02");
    check_known(-0.5f, "-0.5");
    check_known(500000.0f, "500000");
    check_known(3e38f, "3e+38");
    check_known(FLT_MAX, "3.4028235e+38");
    check_known(FLT_MIN, "1.1754944e-38");
    check_known(float_of_bits(1), "1e-45"); /* smallest subnormal */
    check_known(NAN, "null");
    check_known(INFINITY, "null");
    uint64_t state = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < 50000; i++) {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        float v = float_of_bits((uint32_t)(state >> 32));
        if (isfinite(v)) check_round_trip(v);
    }
    for (int e = -149; e <= 127; e++) { /* powers of two: the gap below is half the gap above */
        float p = ldexpf(1.0f, e);
        check_round_trip(p);
        check_round_trip(nextafterf(p, 0.0f));
        check_round_trip(nextafterf(p, INFINITY));
    }
    return check_report("test_json_float");
}
