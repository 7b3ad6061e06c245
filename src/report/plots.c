/* The report's plots (see plots.h). Only rows that finished have values; a
 * metric with no value draws no point, a missing reference no line. */
#include "report/plots.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/svg.h"
#include "util/err.h"

#define TARGET_COLOUR "#d62728"
#define RETRAIN_COLOUR "#2ca02c"
#define SERIES_COLOUR "#1f77b4"
static const char *const kMethodColours[] = {"#1f77b4", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
                                             "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939"};
#define N_METHOD_COLOURS ((int)(sizeof kMethodColours / sizeof kMethodColours[0]))

/* Small multiples: four panels a line. */
#define PANEL_COLS 4
#define PANEL_W 300.0
#define PANEL_H 240.0
#define HEADER_H 36.0

static double ref_metric(const ReportTable *t, RowKind kind, int m) {
    const ReportRow *r = report_reference_row(t, kind);
    return r ? r->metric[m] : NAN;
}

/* The method's rows, sorted by epochs (stable). Caller frees. */
static const ReportRow **method_rows(const ReportTable *t, const char *method, int *n) {
    const ReportRow **rows = xcalloc((size_t)t->n_rows + 1, sizeof *rows);
    *n = 0;
    for (int i = 0; i < t->n_rows; i++) {
        const ReportRow *r = &t->rows[i];
        if (r->kind != ROW_METHOD || strcmp(r->method, method) != 0) continue;
        int at = (*n)++;
        while (at > 0 && rows[at - 1]->epochs > r->epochs) rows[at] = rows[at - 1], at--;
        rows[at] = r;
    }
    return rows;
}

/* One metric against epochs in the panel whose top-left corner is (x, y). */
static void metric_panel(TextBuf *b, const ReportTable *t, const ReportRow **rows, int n, int m, double x, double y) {
    double target = ref_metric(t, ROW_TARGET, m), retrain = ref_metric(t, ROW_RETRAIN, m);
    double lo = INFINITY, hi = -INFINITY, *xs = xcalloc((size_t)n + 1, sizeof *xs), *ys = xcalloc((size_t)n + 1, sizeof *ys);
    double ref[2] = {target, retrain};
    for (int k = 0; k < 2; k++)
        if (isfinite(ref[k])) lo = fmin(lo, ref[k]), hi = fmax(hi, ref[k]);
    for (int i = 0; i < n; i++)
        if (isfinite(rows[i]->metric[m])) lo = fmin(lo, rows[i]->metric[m]), hi = fmax(hi, rows[i]->metric[m]);
    SvgTicks xt, yt;
    svg_nice_ticks((double)rows[0]->epochs, (double)rows[n - 1]->epochs, 5, 1, &xt);
    svg_nice_ticks(lo, hi, 5, 0, &yt);
    SvgFrame f;
    svg_frame_set(&f, x + 58, y + 30, PANEL_W - 78, PANEL_H - 78, &xt, &yt);
    svg_group_begin(b, "panel", kMetricKeys[m]);
    svg_text(b, f.left + f.width / 2, y + 20, "middle", 14, 0, kMetricLabels[m]);
    svg_axes(b, &f, &xt, &yt, "epochs", NULL);
    if (isfinite(target)) svg_reference_line(b, &f, target, TARGET_COLOUR, "ref target");
    if (isfinite(retrain)) svg_reference_line(b, &f, retrain, RETRAIN_COLOUR, "ref retrain");
    int np = 0;
    for (int i = 0; i < n; i++) {
        if (!isfinite(rows[i]->metric[m])) continue;
        xs[np] = svg_px(&f, (double)rows[i]->epochs), ys[np] = svg_py(&f, rows[i]->metric[m]);
        np++;
    }
    if (np > 0) svg_polyline(b, xs, ys, np, SERIES_COLOUR, "series");
    for (int i = 0; i < np; i++) svg_circle(b, xs[i], ys[i], 3.5, SERIES_COLOUR, "point");
    if (np == 0) svg_text(b, f.left + f.width / 2, f.top + f.height / 2, "middle", 12, 0, "no values");
    svg_group_end(b);
    free(xs);
    free(ys);
}

static char *method_svg(const ReportTable *t, const char *method) {
    int n;
    const ReportRow **rows = method_rows(t, method, &n);
    int panel_rows = (N_METRICS + 1 + PANEL_COLS - 1) / PANEL_COLS; /* the legend takes a slot */
    double width = PANEL_COLS * PANEL_W, height = HEADER_H + panel_rows * PANEL_H;
    TextBuf b = {0};
    char *title = str_printf("%s: metrics against unlearning epochs", method);
    svg_begin(&b, width, height, title);
    svg_text(&b, width / 2, 24, "middle", 16, 0, title);
    for (int m = 0; m < N_METRICS; m++)
        metric_panel(&b, t, rows, n, m, (m % PANEL_COLS) * PANEL_W, HEADER_H + (m / PANEL_COLS) * PANEL_H);
    LegendEntry legend[] = {{method, SERIES_COLOUR, LEGEND_LINE},
                            {"Target", TARGET_COLOUR, LEGEND_DASHED},
                            {"Retrain", RETRAIN_COLOUR, LEGEND_DASHED}};
    svg_legend(&b, (N_METRICS % PANEL_COLS) * PANEL_W + 40, HEADER_H + (N_METRICS / PANEL_COLS) * PANEL_H + 60, legend, 3);
    svg_end(&b);
    free(title);
    free(rows);
    return b.s;
}

/* The distinct method names in order of first appearance (borrowed). */
static const char **method_names(const ReportTable *t, int *n) {
    const char **names = xcalloc((size_t)t->n_rows + 1, sizeof *names);
    *n = 0;
    for (int i = 0; i < t->n_rows; i++) {
        if (t->rows[i].kind != ROW_METHOD) continue;
        int seen = 0;
        for (int k = 0; k < *n && !seen; k++) seen = strcmp(names[k], t->rows[i].method) == 0;
        if (!seen) names[(*n)++] = t->rows[i].method;
    }
    return names;
}

/* A marked reference model in the scatter: a square with its name. */
static void reference_marker(TextBuf *b, const SvgFrame *f, double x, double y, const char *name, const char *colour,
                             const char *cls) {
    if (!isfinite(x) || !isfinite(y)) return;
    double px = svg_px(f, x), py = svg_py(f, y);
    svg_rect(b, px - 6, py - 6, 12, 12, colour, "#000000", cls);
    svg_text(b, px + 9, py - 8, "start", 12, 0, name);
}

/* x = Target UFK - row UFK (how much was forgotten), y = SK (what was kept). */
static int tradeoff_point(const ReportRow *r, double target_ufk, double *x, double *y) {
    *x = target_ufk - r->metric[METRIC_UFK], *y = r->metric[METRIC_SK];
    return isfinite(*x) && isfinite(*y);
}

static void tradeoff_range(const ReportTable *t, double target_ufk, const ReportRow *refs[2], SvgTicks *xt, SvgTicks *yt) {
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY, x, y;
    for (int i = 0; i < t->n_rows; i++) {
        const ReportRow *r = &t->rows[i];
        int counts = r->kind == ROW_METHOD || r == refs[0] || r == refs[1];
        if (counts && tradeoff_point(r, target_ufk, &x, &y))
            x0 = fmin(x0, x), x1 = fmax(x1, x), y0 = fmin(y0, y), y1 = fmax(y1, y);
    }
    svg_nice_ticks(x0, x1, 6, 0, xt);
    svg_nice_ticks(y0, y1, 6, 0, yt);
}

static char *tradeoff_svg(const ReportTable *t, const char **methods, int n_methods) {
    const ReportRow *refs[2] = {report_reference_row(t, ROW_TARGET), report_reference_row(t, ROW_RETRAIN)};
    double target_ufk = refs[0] ? refs[0]->metric[METRIC_UFK] : NAN, x, y;
    SvgTicks xt, yt;
    tradeoff_range(t, target_ufk, refs, &xt, &yt);
    SvgFrame f;
    svg_frame_set(&f, 80, 50, 620, 440, &xt, &yt);
    TextBuf b = {0};
    const char *title = "Forgetting vs shared-knowledge retention";
    svg_begin(&b, 940, 560, title);
    svg_text(&b, 470, 28, "middle", 16, 0, title);
    svg_axes(&b, &f, &xt, &yt, "UFK drop (Target UFK \xe2\x88\x92 row UFK)", "SK");
    if (!isfinite(target_ufk)) svg_text(&b, f.left + f.width / 2, f.top + 20, "middle", 12, 0, "no Target UFK: nothing to plot");
    LegendEntry *legend = xcalloc((size_t)n_methods + 2, sizeof *legend);
    for (int k = 0; k < n_methods; k++) {
        const char *colour = kMethodColours[k % N_METHOD_COLOURS];
        svg_group_begin(&b, "method", methods[k]);
        for (int i = 0; i < t->n_rows; i++) {
            const ReportRow *r = &t->rows[i];
            if (r->kind == ROW_METHOD && strcmp(r->method, methods[k]) == 0 && tradeoff_point(r, target_ufk, &x, &y))
                svg_circle(&b, svg_px(&f, x), svg_py(&f, y), 5, colour, "point");
        }
        svg_group_end(&b);
        legend[k] = (LegendEntry){methods[k], colour, LEGEND_POINT};
    }
    for (int k = 0; k < 2; k++)
        if (refs[k] && tradeoff_point(refs[k], target_ufk, &x, &y))
            reference_marker(&b, &f, x, y, refs[k]->row, k ? RETRAIN_COLOUR : TARGET_COLOUR, k ? "ref-point retrain" : "ref-point target");
    legend[n_methods] = (LegendEntry){"Target", TARGET_COLOUR, LEGEND_SQUARE};
    legend[n_methods + 1] = (LegendEntry){"Retrain", RETRAIN_COLOUR, LEGEND_SQUARE};
    svg_legend(&b, 730, 70, legend, n_methods + 2);
    svg_end(&b);
    free(legend);
    return b.s;
}

/* "<method>.svg" with anything but [A-Za-z0-9+_-] as '_', made unique. */
static char *plot_file_name(const char *method, const PlotFile *taken, int n_taken) {
    char *base = xstrdup(method);
    for (char *p = base; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("+_-", *p))) *p = '_';
    char *name = str_printf("%s.svg", base);
    for (int suffix = 2;; suffix++) {
        int clash = strcmp(name, "tradeoff.svg") == 0;
        for (int i = 0; i < n_taken && !clash; i++) clash = strcmp(taken[i].file, name) == 0;
        if (!clash) break;
        free(name);
        name = str_printf("%s-%d.svg", base, suffix);
    }
    free(base);
    return name;
}

PlotFile *report_plots(const ReportTable *t, int *n) {
    int n_methods;
    const char **methods = method_names(t, &n_methods);
    PlotFile *plots = xcalloc((size_t)n_methods + 1, sizeof *plots);
    for (int k = 0; k < n_methods; k++) {
        plots[k].file = plot_file_name(methods[k], plots, k);
        plots[k].title = xstrdup(methods[k]);
        plots[k].svg = method_svg(t, methods[k]);
    }
    plots[n_methods].file = xstrdup("tradeoff.svg");
    plots[n_methods].title = xstrdup("Trade-off: forgetting vs shared knowledge");
    plots[n_methods].svg = tradeoff_svg(t, methods, n_methods);
    *n = n_methods + 1;
    free(methods);
    return plots;
}

void report_plots_free(PlotFile *p, int n) {
    for (int i = 0; i < n; i++) {
        free(p[i].file);
        free(p[i].title);
        free(p[i].svg);
    }
    free(p);
}
