/* The sweep report: reads a RESULTS directory written by `dusk run` (result
 * files only, never models) and writes summary.json, summary.csv,
 * summary.md, plots/<method>.svg, plots/tradeoff.svg and report.html. */
#ifndef DUSK_REPORT_REPORT_H
#define DUSK_REPORT_REPORT_H

/* Write every output into results_dir (each file atomically; plots/ as one
 * directory swapped into place) and return the Markdown table in
 * *markdown_out (caller frees; may be NULL). Bad input fails before anything
 * is written: -1 with dusk_error naming the file. */
int report_build(const char *results_dir, char **markdown_out);

#endif
