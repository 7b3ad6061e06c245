/* dusk report RESULTS: rebuild the sweep's table, plots and report.html from
 * the result files `dusk run` left in RESULTS, and print the Markdown table. */
#include <stdio.h>
#include <stdlib.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "report/report.h"
#include "util/err.h"

int cmd_report(int argc, char **argv) {
    ArgSpec o[] = {
        {"help", ARG_FLAG, "show this help", 0, 0},
    };
    int n = sizeof o / sizeof o[0];
    char **pos = NULL;
    int n_pos = 0;
    if (args_parse(o, n, argc, argv, 1, &pos, &n_pos) != 0) dusk_die("report: %s", dusk_last_error());
    if (args_flag(o, n, "help")) {
        args_usage("report", "RESULTS (a directory written by `dusk run`)", o, n);
        fprintf(stderr, "  writes RESULTS/summary.{md,csv,json}, RESULTS/plots/*.svg and RESULTS/report.html\n");
        free(pos);
        return 0;
    }
    if (n_pos != 1) dusk_die("report: expected exactly one RESULTS directory");
    const char *results = pos[0];
    free(pos);
    char *markdown;
    if (report_build(results, &markdown) != 0) dusk_die("report: %s", dusk_last_error());
    fputs(markdown, stdout);
    free(markdown);
    return 0;
}
