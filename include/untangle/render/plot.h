/* plot.h: charts drawn with Cairo (antialiased lines, real text), handed over as a
 * Canvas.
 *
 * A Plot is a white (or any colour) picture; a PlotArea maps a rectangle of it to
 * data limits. Everything in data coordinates (scatter, polylines, ellipses,
 * rectangles, images) is clipped to its area; axes, text and legends are in pixels.
 * Usage, a loss curve:
 *
 *     Plot *p = plot_new(480, 320, PLOT_WHITE, &e);
 *     double lo, hi;  plot_range(loss, n, 0.05, &lo, &hi);
 *     PlotArea a = plot_area(60, 30, 400, 240, 1, n, lo, hi);
 *     plot_axes(p, &a, &(PlotAxes){.title = "loss", .xlabel = "epoch"});
 *     plot_polyline(p, &a, xy, n, 0, 1.5, plot_palette(0));   (xy: (n, 2) doubles)
 *     Canvas *c = plot_to_canvas(p, &e);  plot_free(p);
 *
 * Colours are 0xRRGGBBAA (as canvas.h), alpha 0xff opaque. Coordinates are in
 * pixels from the top-left corner, y down; data y goes up. Cairo draws into an
 * ARGB32 surface (premultiplied, native-endian words); plot_to_canvas converts
 * to the straight RGBA of a Canvas. */
#ifndef UNTANGLE_PLOT_H
#define UNTANGLE_PLOT_H

#include <stddef.h>
#include <stdint.h>
#include "untangle/core/canvas.h"
#include "untangle/core/err.h"

#define PLOT_WHITE 0xffffffffu
#define PLOT_BLACK 0x000000ffu
#define PLOT_PALETTE_N 10

typedef struct Plot Plot;

/* New picture of w x h pixels (1..CANVAS_MAX_SIDE) filled with `background`; NULL with e
 * set on a bad size or when Cairo cannot allocate it. Free with plot_free (accepts NULL). */
Plot *plot_new(int w, int h, uint32_t background, Err *e);
void plot_free(Plot *p);
int plot_width(const Plot *p);
int plot_height(const Plot *p);
/* A new Canvas (caller frees) holding the picture as straight RGBA; NULL with e set. */
Canvas *plot_to_canvas(Plot *p, Err *e);

/* The qualitative palette (matplotlib's tab10), opaque; i is taken modulo 10. */
uint32_t plot_palette(int i);
/* The same colour with alpha a in [0, 1]. */
uint32_t plot_alpha(uint32_t rgba, double a);

/* ---- areas and limits ---- */

typedef struct PlotArea {
    double px, py, pw, ph;     /* pixel rectangle: left, top, width, height */
    double x0, x1, y0, y1;     /* data at the left, right, bottom, top edges */
} PlotArea;

/* An area; an empty data range (x0 == x1) is widened by 0.5 on each side. */
PlotArea plot_area(double px, double py, double pw, double ph, double x0, double x1,
                   double y0, double y1);
/* Range [*lo, *hi] of the n finite values v (non-finite ones skipped), widened by
 * `margin` times the span on each side (matplotlib pads by 0.05). */
void plot_range(const double *v, size_t n, double margin, double *lo, double *hi);
/* The same for points (n, 2) float: lim = {x0, x1, y0, y1}. */
void plot_limits_xy(const float *xy, size_t n, double margin, double lim[4]);
double plot_x(const PlotArea *a, double x);  /* data -> pixel */
double plot_y(const PlotArea *a, double y);

/* ---- axes and text ---- */

typedef struct PlotAxes {
    const char *title;         /* above the area, centred; NULL for none */
    const char *xlabel, *ylabel;
    double font;               /* tick label size in pixels; 0 = 10 */
    double title_font;         /* title size in pixels; 0 = 1.2 * font */
    int ticks;                 /* about this many ticks per axis; 0 = 5; < 0 none */
    int grid;                  /* light grid lines at the ticks */
} PlotAxes;

/* Frame, ticks with "nice" values (1, 2, 2.5, 5 times a power of ten), their
 * labels, the axis labels and the title, all outside the area. */
void plot_axes(Plot *p, const PlotArea *a, const PlotAxes *ax);

/* Horizontal alignment of text: the anchor x is at the left, centre or right. */
typedef enum PlotAlign { PLOT_LEFT, PLOT_CENTER, PLOT_RIGHT } PlotAlign;
/* Text (UTF-8, sans-serif, `size` pixels) whose vertical middle is at y. */
void plot_text(Plot *p, double x, double y, const char *text, double size, PlotAlign al,
               uint32_t rgba);
/* Width in pixels that plot_text would use. */
double plot_text_width(Plot *p, const char *text, double size);

/* ---- data ---- */

/* Discs of `radius` pixels at the points (n, 2), in one colour, drawn in order. */
void plot_scatter(Plot *p, const PlotArea *a, const float *xy, size_t n, double radius,
                  uint32_t rgba);
/* The same, each point in the palette colour of its label, with alpha `alpha`;
 * drawn in the points' order, as matplotlib's scatter with c=labels. */
void plot_scatter_labels(Plot *p, const PlotArea *a, const float *xy, const uint8_t *labels,
                         size_t n, double radius, double alpha);
/* The same as opaque squares of side pixels, without antialiasing, written
 * straight into the picture: many times faster, for frames drawn many times
 * (live views, animations). */
void plot_dots_labels(Plot *p, const PlotArea *a, const float *xy, const uint8_t *labels,
                      size_t n, int side);
/* Line through the n points xy (n, 2) doubles, closed back to the first when `closed`;
 * width in pixels. n == 1 draws a dot. */
void plot_polyline(Plot *p, const PlotArea *a, const double *xy, size_t n, int closed,
                   double width, uint32_t rgba);
/* Filled ellipse centred at (cx, cy) with full axes w, h (data units) turned by
 * angle_deg counter-clockwise in data coordinates (so it is the true data ellipse even
 * when the two axes are scaled differently). */
void plot_ellipse(Plot *p, const PlotArea *a, double cx, double cy, double w, double h,
                  double angle_deg, uint32_t fill);
/* Filled rectangle between data corners (x0, y0) and (x1, y1): bars, heat-map cells. */
void plot_rect(Plot *p, const PlotArea *a, double x0, double y0, double x1, double y1,
               uint32_t fill);
/* The picture img stretched over the data rectangle (x0, y0)-(x1, y1), x0 at the left
 * and y1 at the top; `smooth` 0 keeps square pixels (a heat map), 1 interpolates. */
void plot_image(Plot *p, const PlotArea *a, const Canvas *img, double x0, double y0,
                double x1, double y1, int smooth);

/* ---- legends ---- */

/* A discrete colour bar, as matplotlib's colorbar with integer ticks: n boxes stacked
 * in the pixel rectangle (x, y, w, h), the first at the bottom, each labelled on its
 * right at its middle. */
void plot_colorbar(Plot *p, double x, double y, double w, double h, const uint32_t *colours,
                   const char *const *labels, size_t n, double font);
/* A boxed legend with its top-left corner at (x, y): one row per entry, a short line
 * (style 0) or a square swatch (style 1) in the colour, then the label. */
void plot_legend(Plot *p, double x, double y, const uint32_t *colours,
                 const char *const *labels, size_t n, double font, int style);

#endif
