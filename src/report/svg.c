/* The SVG writer behind the report's plots (see svg.h). */
#include "report/svg.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void xml_escape_append(TextBuf *b, const char *s) {
    for (; *s; s++) {
        switch (*s) {
        case '&': tb_append(b, "&amp;", 5); break;
        case '<': tb_append(b, "&lt;", 4); break;
        case '>': tb_append(b, "&gt;", 4); break;
        case '"': tb_append(b, "&quot;", 6); break;
        case '\'': tb_append(b, "&#39;", 5); break;
        default: tb_append(b, s, 1);
        }
    }
}

void svg_begin(TextBuf *b, double width, double height, const char *title) {
    tb_printf(b,
              "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
              "font-family=\"sans-serif\">\n<title>",
              width, height, width, height);
    xml_escape_append(b, title);
    tb_printf(b, "</title>\n<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n", width, height);
}

void svg_end(TextBuf *b) { tb_printf(b, "</svg>\n"); }

void svg_group_begin(TextBuf *b, const char *cls, const char *name) {
    tb_printf(b, "<g class=\"%s\"", cls);
    if (name) {
        tb_printf(b, " data-name=\"");
        xml_escape_append(b, name);
        tb_printf(b, "\"");
    }
    tb_printf(b, ">\n");
}

void svg_group_end(TextBuf *b) { tb_printf(b, "</g>\n"); }

void svg_line(TextBuf *b, double x1, double y1, double x2, double y2, const char *stroke, double width, int dashed,
              const char *cls) {
    tb_printf(b, "<line class=\"%s\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"%s\" stroke-width=\"%.1f\"%s/>\n",
              cls, x1, y1, x2, y2, stroke, width, dashed ? " stroke-dasharray=\"6 4\"" : "");
}

void svg_polyline(TextBuf *b, const double *xs, const double *ys, int n, const char *stroke, const char *cls) {
    tb_printf(b, "<polyline class=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", cls, stroke);
    for (int i = 0; i < n; i++) tb_printf(b, "%s%.2f,%.2f", i ? " " : "", xs[i], ys[i]);
    tb_printf(b, "\"/>\n");
}

void svg_circle(TextBuf *b, double x, double y, double r, const char *fill, const char *cls) {
    tb_printf(b, "<circle class=\"%s\" cx=\"%.2f\" cy=\"%.2f\" r=\"%.1f\" fill=\"%s\"/>\n", cls, x, y, r, fill);
}

void svg_rect(TextBuf *b, double x, double y, double w, double h, const char *fill, const char *stroke, const char *cls) {
    tb_printf(b, "<rect class=\"%s\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\" stroke=\"%s\"/>\n",
              cls, x, y, w, h, fill, stroke);
}

void svg_text(TextBuf *b, double x, double y, const char *anchor, double size, double rotate, const char *text) {
    tb_printf(b, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"%s\" font-size=\"%.0f\"", x, y, anchor, size);
    if (rotate != 0) tb_printf(b, " transform=\"rotate(%.0f %.2f %.2f)\"", rotate, x, y);
    tb_printf(b, ">");
    xml_escape_append(b, text);
    tb_printf(b, "</text>\n");
}

/* The k-th round step at or above 10^floor(log10(raw)): 1, 2, 5, 10, 20, ... x mag. */
static double round_step(double mag, int k) {
    static const double kMult[3] = {1, 2, 5};
    return kMult[k % 3] * mag * pow(10, k / 3);
}

void svg_nice_ticks(double lo, double hi, int target, int integer, SvgTicks *t) {
    if (!isfinite(lo) || !isfinite(hi) || lo > hi) lo = 0, hi = 1;
    lo = fmax(lo, -1e12), hi = fmin(hi, 1e12); /* absurd values draw off the frame, not hang the tick search */
    if (lo > hi) lo = hi - 1;
    if (hi - lo <= 1e-9 * fmax(1, fabs(hi))) { /* one value: show it in the middle */
        double pad = integer ? 1 : fmax(1, fabs(lo) * 0.1);
        lo -= pad, hi += pad;
    }
    if (!integer) { /* a margin, so a value at the end of the range stays off the frame */
        double margin = 0.04 * (hi - lo);
        lo -= margin, hi += margin;
    }
    double raw = (hi - lo) / (target > 0 ? target : 5);
    double mag = pow(10, floor(log10(raw))), step = mag, first = lo, last = hi;
    for (int k = 0;; k++) {
        step = round_step(mag, k);
        if (step < raw || (integer && step < 1)) continue;
        first = floor(lo / step) * step;
        last = ceil(hi / step) * step;
        if ((last - first) / step + 1.5 <= SVG_MAX_TICKS) break;
    }
    t->n = (int)floor((last - first) / step + 0.5) + 1;
    for (int i = 0; i < t->n; i++) {
        double v = first + i * step;
        t->v[i] = fabs(v) < step * 1e-9 ? 0 : v;
    }
    t->decimals = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
}

void svg_frame_set(SvgFrame *f, double left, double top, double width, double height, const SvgTicks *xt,
                   const SvgTicks *yt) {
    f->left = left, f->top = top, f->width = width, f->height = height;
    f->x0 = xt->v[0], f->x1 = xt->v[xt->n - 1];
    f->y0 = yt->v[0], f->y1 = yt->v[yt->n - 1];
}

double svg_px(const SvgFrame *f, double x) { return f->left + (x - f->x0) / (f->x1 - f->x0) * f->width; }
double svg_py(const SvgFrame *f, double y) { return f->top + f->height - (y - f->y0) / (f->y1 - f->y0) * f->height; }

static void tick_label(char *buf, size_t cap, double v, int decimals) { snprintf(buf, cap, "%.*f", decimals, v); }

void svg_axes(TextBuf *b, const SvgFrame *f, const SvgTicks *xt, const SvgTicks *yt, const char *xlabel,
              const char *ylabel) {
    char label[48];
    double bottom = f->top + f->height, right = f->left + f->width;
    for (int i = 0; i < xt->n; i++) {
        double x = svg_px(f, xt->v[i]);
        svg_line(b, x, f->top, x, bottom, "#e0e0e0", 1, 0, "grid");
        svg_line(b, x, bottom, x, bottom + 4, "#000000", 1, 0, "tick");
        tick_label(label, sizeof label, xt->v[i], xt->decimals);
        svg_text(b, x, bottom + 16, "middle", 11, 0, label);
    }
    for (int i = 0; i < yt->n; i++) {
        double y = svg_py(f, yt->v[i]);
        svg_line(b, f->left, y, right, y, "#e0e0e0", 1, 0, "grid");
        svg_line(b, f->left - 4, y, f->left, y, "#000000", 1, 0, "tick");
        tick_label(label, sizeof label, yt->v[i], yt->decimals);
        svg_text(b, f->left - 6, y + 4, "end", 11, 0, label);
    }
    svg_rect(b, f->left, f->top, f->width, f->height, "none", "#000000", "frame");
    if (xlabel) svg_text(b, f->left + f->width / 2, bottom + 32, "middle", 12, 0, xlabel);
    if (ylabel) svg_text(b, f->left - 40, f->top + f->height / 2, "middle", 12, -90, ylabel);
}

void svg_reference_line(TextBuf *b, const SvgFrame *f, double y, const char *stroke, const char *cls) {
    double py = svg_py(f, y);
    svg_line(b, f->left, py, f->left + f->width, py, stroke, 1.5, 1, cls);
}

void svg_legend(TextBuf *b, double x, double y, const LegendEntry *e, int n) {
    svg_group_begin(b, "legend", NULL);
    for (int i = 0; i < n; i++) {
        double cy = y + 18 * i;
        switch (e[i].mark) {
        case LEGEND_LINE: svg_line(b, x, cy, x + 24, cy, e[i].colour, 2, 0, "legend-mark"); break;
        case LEGEND_DASHED: svg_line(b, x, cy, x + 24, cy, e[i].colour, 1.5, 1, "legend-mark"); break;
        case LEGEND_POINT: svg_circle(b, x + 12, cy, 4, e[i].colour, "legend-mark"); break;
        case LEGEND_SQUARE: svg_rect(b, x + 7, cy - 5, 10, 10, e[i].colour, "#000000", "legend-mark"); break;
        }
        svg_text(b, x + 32, cy + 4, "start", 12, 0, e[i].label);
    }
    svg_group_end(b);
}
