/* report_build: collect, render everything in memory, then write. Rendering
 * cannot fail on collected input, so a malformed file stops the report before
 * any output is touched. */
#include "report/report.h"

#include <stdlib.h>
#include <string.h>

#include "report/html.h"
#include "report/plots.h"
#include "report/table.h"
#include "util/err.h"
#include "util/fileio.h"
#include "util/outdir.h"

/* plots/ as one transaction: all the new plots or the old directory. */
static int write_plots(const char *results_dir, const PlotFile *plots, int n) {
    char *dir = path_join(results_dir, "plots");
    OutDir od;
    int rc = outdir_begin(&od, dir);
    for (int i = 0; rc == 0 && i < n; i++) {
        char *path = outdir_file(&od, plots[i].file);
        rc = write_file_atomic(path, plots[i].svg, strlen(plots[i].svg));
        free(path);
    }
    if (rc == 0) rc = outdir_commit(&od);
    else outdir_abort(&od);
    free(dir);
    return rc;
}

static int write_text(const char *results_dir, const char *name, const char *text) {
    char *path = path_join(results_dir, name);
    int rc = write_file_atomic(path, text, strlen(text));
    free(path);
    return rc;
}

int report_build(const char *results_dir, char **markdown_out) {
    ReportTable t;
    if (markdown_out) *markdown_out = NULL;
    if (report_collect(results_dir, &t) != 0) return -1;
    int n_plots;
    PlotFile *plots = report_plots(&t, &n_plots);
    char *md = report_markdown(&t), *csv = report_csv(&t), *json = report_json(&t);
    char *html = report_html(&t, plots, n_plots);
    int rc = write_plots(results_dir, plots, n_plots);
    if (rc == 0) rc = write_text(results_dir, "summary.json", json);
    if (rc == 0) rc = write_text(results_dir, "summary.csv", csv);
    if (rc == 0) rc = write_text(results_dir, "summary.md", md);
    if (rc == 0) rc = write_text(results_dir, "report.html", html);
    if (rc == 0 && markdown_out) *markdown_out = md;
    else free(md);
    free(csv);
    free(json);
    free(html);
    report_plots_free(plots, n_plots);
    report_table_free(&t);
    return rc;
}
