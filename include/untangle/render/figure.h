/* figure.h: the lab's 3-panel picture of a labelled 2-D embedding.
 *
 * Three panels stacked vertically, sharing the same data limits:
 *   1. the points, coloured by class, with a colour bar 0..9: "NAME NH=93.3%";
 *   2. each class's convex hull outline over faint points: "NAME convex hulls";
 *   3. each class's Gaussian ellipse, translucent, over faint points:
 *      "NAME fitting ellipses".
 * Colours are the qualitative palette of plot.h (tab10), one per digit. */
#ifndef UNTANGLE_FIGURE_H
#define UNTANGLE_FIGURE_H

#include <stddef.h>
#include <stdint.h>
#include "untangle/core/canvas.h"
#include "untangle/core/err.h"

#define FIGURE_WIDTH 384       /* the lab's figure: 3.841 x 7.195 inches at 100 dpi */
#define FIGURE_HEIGHT 719
#define FIGURE_MIN_WIDTH 160
#define FIGURE_MIN_HEIGHT 240
#define FIGURE_PANEL_WIDTH 640   /* one panel alone (`show hulls`) */
#define FIGURE_PANEL_HEIGHT 560

/* The three panels, top to bottom. */
typedef enum FigureKind { FIGURE_POINTS, FIGURE_HULLS, FIGURE_ELLIPSES } FigureKind;

/* Where panel i (0 top, 1, 2) of a width x height figure is drawn, in pixels. */
typedef struct FigurePanel {
    int top, bottom;           /* the panel's band of rows [top, bottom) */
    int title_y;               /* middle row of the title */
    int ax, ay, aw, ah;        /* the plot area: left, top, width, height */
    int bar_x, bar_w;          /* the colour bar's columns (panels 0 and 1) */
    double font;               /* tick label size in pixels */
} FigurePanel;

void figure_layout(int width, int height, int panel, FigurePanel *out);

/* Draws the figure of the points xy (n, 2) row-major with labels (n) into a new Canvas
 * (caller frees with canvas_free). `name` starts each title; nh (0..1) goes into the
 * first title as a percentage with one decimal, or is left out when it is NaN. width
 * and height <= 0 mean FIGURE_WIDTH x FIGURE_HEIGHT. Returns NULL with e set when n is
 * 0, a coordinate is not finite, or the size is below the minimum or too large. */
Canvas *figure_embedding(const float *xy, const uint8_t *labels, size_t n, const char *name,
                         double nh, int width, int height, Err *e);

/* One panel alone, larger: width and height <= 0 mean FIGURE_PANEL_WIDTH x
 * FIGURE_PANEL_HEIGHT; its title as in the figure (nh is used by FIGURE_POINTS
 * only). FIGURE_POINTS alone is a frame of a live view, drawn many times: its
 * points are small squares (plot_dots_labels). NULL with e set as
 * figure_embedding. */
Canvas *figure_panel(const float *xy, const uint8_t *labels, size_t n, const char *name,
                     double nh, FigureKind kind, int width, int height, Err *e);

#endif
