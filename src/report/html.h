/* RESULTS/report.html: the table, every plot inline, the failed rows'
 * messages and the sweep's configuration, in one self-contained page (no
 * script, no external resource: readable offline). */
#ifndef DUSK_REPORT_HTML_H
#define DUSK_REPORT_HTML_H

#include "report/plots.h"
#include "report/table.h"

char *report_html(const ReportTable *t, const PlotFile *plots, int n_plots);

#endif
