/* The report's plots, as SVG text: per method, each metric against epochs
 * with the Target and Retrain levels as dashed reference lines; and the
 * trade-off scatter of forgetting (UFK drop) against SK over every method row. */
#ifndef DUSK_REPORT_PLOTS_H
#define DUSK_REPORT_PLOTS_H

#include "report/table.h"

typedef struct {
    char *file;  /* name inside RESULTS/plots: "<method>.svg", "tradeoff.svg" */
    char *title; /* heading in report.html */
    char *svg;   /* a standalone <svg> element */
} PlotFile;

/* One plot per method (in order of first appearance), then the trade-off
 * scatter. Caller frees with report_plots_free. */
PlotFile *report_plots(const ReportTable *t, int *n);
void report_plots_free(PlotFile *p, int n);

#endif
