/* report.html (see html.h). */
#include "report/html.h"

#include <stdlib.h>
#include <string.h>

#include "report/svg.h"
#include "util/err.h"

static const char kStyle[] =
    "body{font-family:sans-serif;margin:24px;color:#111}"
    "table{border-collapse:collapse;font-size:14px}"
    "th,td{border:1px solid #bbb;padding:4px 8px}"
    "td.num{text-align:right;font-variant-numeric:tabular-nums}"
    "tr.failed td{background:#fde8e8}tr.missing td{background:#f2f2f2;color:#666}"
    "svg{max-width:100%;height:auto;border:1px solid #ddd}"
    "pre{background:#f6f6f6;padding:8px;overflow-x:auto}";

static void html_table(TextBuf *b, const ReportTable *t) {
    tb_printf(b, "<table id=\"results\">\n<thead><tr>");
    for (int c = 0; c < N_COLUMNS; c++) {
        tb_printf(b, "<th>");
        xml_escape_append(b, kColumnNames[c]);
        tb_printf(b, "</th>");
    }
    tb_printf(b, "</tr></thead>\n<tbody>\n");
    for (int i = 0; i < t->n_rows; i++) {
        tb_printf(b, "<tr class=\"%s\">", report_status_name(t->rows[i].status));
        for (int c = 0; c < N_COLUMNS; c++) {
            char *cell = report_cell(&t->rows[i], c, 0);
            tb_printf(b, c == COL_ROW || c == COL_STATUS ? "<td>" : "<td class=\"num\">");
            xml_escape_append(b, cell);
            tb_printf(b, "</td>");
            free(cell);
        }
        tb_printf(b, "</tr>\n");
    }
    tb_printf(b, "</tbody>\n</table>\n");
}

static void html_failures(TextBuf *b, const ReportTable *t) {
    int any = 0;
    for (int i = 0; i < t->n_rows; i++) {
        const ReportRow *r = &t->rows[i];
        if (r->status != STATUS_FAILED) continue;
        if (!any++) tb_printf(b, "<h2>Failed rows</h2>\n<ul id=\"failures\">\n");
        tb_printf(b, "<li><b>");
        xml_escape_append(b, r->row);
        if (r->epochs >= 0) tb_printf(b, ", %ld epochs", r->epochs);
        tb_printf(b, "</b> (");
        xml_escape_append(b, r->dir);
        if (r->failed_stage) {
            tb_printf(b, ", stage ");
            xml_escape_append(b, r->failed_stage);
        }
        tb_printf(b, "): <pre>");
        xml_escape_append(b, r->error);
        tb_printf(b, "</pre></li>\n");
    }
    if (any) tb_printf(b, "</ul>\n");
}

static void html_plots(TextBuf *b, const PlotFile *plots, int n) {
    tb_printf(b, "<h2>Plots</h2>\n<p>Dashed lines: the Target and Retrain levels. Also in plots/*.svg.</p>\n");
    for (int i = 0; i < n; i++) {
        tb_printf(b, "<section class=\"plot\">\n<h3>");
        xml_escape_append(b, plots[i].title);
        tb_printf(b, "</h3>\n%s</section>\n", plots[i].svg);
    }
}

static void html_config(TextBuf *b, const ReportTable *t) {
    tb_printf(b, "<h2>Configuration</h2>\n");
    if (t->compute_json) {
        tb_printf(b, "<p>Compute: <code>");
        xml_escape_append(b, t->compute_json);
        tb_printf(b, "</code></p>\n");
    }
    tb_printf(b, "<pre id=\"config\">");
    xml_escape_append(b, t->config_json ? t->config_json : "(sweep.json records no config)");
    tb_printf(b, "</pre>\n");
}

char *report_html(const ReportTable *t, const PlotFile *plots, int n_plots) {
    int count[3] = {0, 0, 0};
    for (int i = 0; i < t->n_rows; i++) count[t->rows[i].status]++;
    TextBuf b = {0};
    tb_printf(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                  "<title>dusk sweep report</title>\n<style>%s</style>\n</head>\n<body>\n<h1>dusk sweep report</h1>\n",
              kStyle);
    tb_printf(&b, "<p id=\"summary\">dusk version <b>");
    xml_escape_append(&b, t->dusk_version ? t->dusk_version : "unknown");
    tb_printf(&b, "</b> &middot; %d rows: %d ok, %d failed, %d missing &middot; metrics &times;100 as the paper prints "
                  "them; wall times in seconds</p>\n",
              t->n_rows, count[STATUS_OK], count[STATUS_FAILED], count[STATUS_MISSING]);
    html_table(&b, t);
    html_failures(&b, t);
    html_plots(&b, plots, n_plots);
    html_config(&b, t);
    tb_printf(&b, "</body>\n</html>\n");
    return b.s;
}
