/* A tiny SVG writer for the report's plots: shapes, text, axes with ticks,
 * dashed reference lines and legends, appended to a text buffer. No
 * library; the output is a standalone <svg> element that also inlines into
 * HTML. Coordinates are in pixels, y down. */
#ifndef DUSK_REPORT_SVG_H
#define DUSK_REPORT_SVG_H

#include "util/textbuf.h"

/* Text with &, <, >, " and ' escaped for XML/HTML. */
void xml_escape_append(TextBuf *b, const char *s);

void svg_begin(TextBuf *b, double width, double height, const char *title);
void svg_end(TextBuf *b);
/* <g class="cls" data-name="name"> (name may be NULL) ... </g> */
void svg_group_begin(TextBuf *b, const char *cls, const char *name);
void svg_group_end(TextBuf *b);

void svg_line(TextBuf *b, double x1, double y1, double x2, double y2, const char *stroke, double width, int dashed,
              const char *cls);
void svg_polyline(TextBuf *b, const double *xs, const double *ys, int n, const char *stroke, const char *cls);
void svg_circle(TextBuf *b, double x, double y, double r, const char *fill, const char *cls);
void svg_rect(TextBuf *b, double x, double y, double w, double h, const char *fill, const char *stroke, const char *cls);
/* anchor: "start", "middle" or "end"; rotate: degrees about (x, y). */
void svg_text(TextBuf *b, double x, double y, const char *anchor, double size, double rotate, const char *text);

/* Axis ticks at round numbers (1, 2 or 5 x 10^k) covering [lo, hi]. */
#define SVG_MAX_TICKS 16
typedef struct {
    double v[SVG_MAX_TICKS];
    int n;
    int decimals; /* for the labels */
} SvgTicks;
/* Ticks for about `target` intervals; the axis range becomes [first, last]
 * tick. An empty or one-point range is widened first, any other by a small
 * margin. integer: whole steps of at least 1 and no margin (epochs). */
void svg_nice_ticks(double lo, double hi, int target, int integer, SvgTicks *t);

/* A plotting area: the pixel box and the data range it shows. */
typedef struct {
    double left, top, width, height;
    double x0, x1, y0, y1;
} SvgFrame;
void svg_frame_set(SvgFrame *f, double left, double top, double width, double height, const SvgTicks *xt,
                   const SvgTicks *yt);
double svg_px(const SvgFrame *f, double x);
double svg_py(const SvgFrame *f, double y);
/* Box, grid, tick marks and labels, axis titles. */
void svg_axes(TextBuf *b, const SvgFrame *f, const SvgTicks *xt, const SvgTicks *yt, const char *xlabel,
              const char *ylabel);
/* A dashed horizontal line across the frame at data value y. */
void svg_reference_line(TextBuf *b, const SvgFrame *f, double y, const char *stroke, const char *cls);

typedef enum { LEGEND_LINE, LEGEND_DASHED, LEGEND_POINT, LEGEND_SQUARE } LegendMark;
typedef struct {
    const char *label;
    const char *colour;
    LegendMark mark;
} LegendEntry;
/* Entries stacked downwards from (x, y). */
void svg_legend(TextBuf *b, double x, double y, const LegendEntry *e, int n);

#endif
