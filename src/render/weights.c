/* weights.c: a layer's weights as pictures (see weights.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "untangle/core/i18n.h"
#include "untangle/render/plot.h"
#include "untangle/render/weights.h"
#include "untangle/core/xalloc.h"

const char *const weights_scale_names[] = {"shared", "unit", NULL};

#define WT_MARGIN 12     /* around the grid */
#define WT_GAP 8         /* between images */
#define WT_LABEL 16      /* band under each image for its index */
#define WT_TITLE 36      /* title band */
#define WT_BAR 50        /* colour bar band at the bottom */
#define WT_BAR_W 240
#define WT_MIN_W 420     /* room for the title and the colour bar */
#define WT_INK 0x202020ffu
#define WT_FONT 10.0

/* Five stops of matplotlib's "RdBu" reversed (dark blue, blue, white, red, dark red),
 * linear between: the half-way stops keep moderate weights clearly coloured. */
uint32_t weights_colour(double t)
{
    static const double stop[5][3] = {
        {5, 48, 97}, {67, 147, 195}, {255, 255, 255}, {214, 96, 77}, {103, 0, 31}};
    if (isnan(t))
        return 0x808080ffu;
    double u = (t < -1 ? -1 : t > 1 ? 1 : t) * 2 + 2; /* 0..4 */
    int k = u >= 4 ? 3 : (int)u;
    double f = u - k;
    uint32_t rgba = 0xff;
    for (int ch = 0; ch < 3; ch++)
        rgba |= (uint32_t)lround(stop[k][ch] + (stop[k + 1][ch] - stop[k][ch]) * f)
                << (24 - 8 * ch);
    return rgba;
}

/* ---- a grid of small images with their index under each ---- */

typedef struct WtGrid {
    size_t n;          /* images */
    int cols;          /* images per row */
    int cw, ch;        /* image size in pixels */
    int label;         /* height of the label band (0: none) */
    int gap;           /* pixels between images */
    int w, h;          /* whole picture */
} WtGrid;

static void wt_grid_layout(WtGrid *g, size_t n, int cols, int cw, int ch, int label)
{
    g->n = n;
    g->cols = cols;
    g->cw = cw;
    g->ch = ch;
    g->label = label;
    /* small kernels sit closer together, or the gaps would outweigh them */
    int small = cw < ch ? cw : ch;
    g->gap = label || small >= 24 ? WT_GAP : small >= 10 ? 3 : 1;
    size_t rows = (n + (size_t)cols - 1) / (size_t)cols;
    int across = (int)(n < (size_t)cols ? n : (size_t)cols);
    g->w = 2 * WT_MARGIN + across * (cw + g->gap) - g->gap;
    if (g->w < WT_MIN_W)
        g->w = WT_MIN_W;
    g->h = WT_TITLE + (int)rows * (ch + label + g->gap) + WT_BAR;
}

static void wt_grid_cell(const WtGrid *g, size_t i, int *x, int *y)
{
    int across = (int)(g->n < (size_t)g->cols ? g->n : (size_t)g->cols);
    int used = across * (g->cw + g->gap) - g->gap;
    int left = (g->w - used) / 2; /* centred when the title makes the picture wider */
    *x = left + (int)(i % (size_t)g->cols) * (g->cw + g->gap);
    *y = WT_TITLE + (int)(i / (size_t)g->cols) * (g->ch + g->label + g->gap);
}

/* Picture dimensions that a layout would need, checked against the canvas limit. */
static int wt_check_size(int w, int h, Err *e)
{
    if (w > CANVAS_MAX_SIDE || h > CANVAS_MAX_SIDE)
        return err_set(e, _("the weights picture would be %dx%d pixels, larger than %d; "
                          "the layer is too large to draw"), w, h, CANVAS_MAX_SIDE);
    return 0;
}

/* Draws values v (h, w) / scale as a diverging image over the pixel rectangle. */
static int wt_image(Plot *p, const PlotArea *pix, const float *v, size_t stride, int h, int w,
                    double scale, int x, int y, int pw, int ph, int smooth, Err *e)
{
    Canvas *img = canvas_new(w, h, 0, e);
    if (!img)
        return -1;
    for (int r = 0; r < h; r++)
        for (int c = 0; c < w; c++)
            canvas_set(img, c, r, weights_colour(v[((size_t)r * (size_t)w + (size_t)c) * stride]
                                                 / scale));
    plot_image(p, pix, img, x, y + ph, x + pw, y, smooth);
    canvas_free(img);
    return 0;
}

/* The colour bar at the bottom: -scale .. +scale, with a caption. */
static void wt_colour_bar(Plot *p, const PlotArea *pix, double scale, const char *caption,
                          Err *e)
{
    int w = plot_width(p), h = plot_height(p);
    int x = (w - WT_BAR_W) / 2, y = h - WT_BAR + 8;
    Canvas *ramp = canvas_new(WT_BAR_W, 1, 0, e);
    if (!ramp)
        return;
    for (int i = 0; i < WT_BAR_W; i++)
        canvas_set(ramp, i, 0, weights_colour(2.0 * (i + 0.5) / WT_BAR_W - 1));
    plot_image(p, pix, ramp, x, y + 10, x + WT_BAR_W, y, 1);
    canvas_free(ramp);
    char buf[48];
    double ty = y + 10 + WT_FONT;
    if (scale > 0) {
        snprintf(buf, sizeof buf, "%.3g", -scale);
        plot_text(p, x, ty, buf, WT_FONT, PLOT_CENTER, WT_INK);
        snprintf(buf, sizeof buf, "+%.3g", scale);
        plot_text(p, x + WT_BAR_W, ty, buf, WT_FONT, PLOT_CENTER, WT_INK);
    } else {
        plot_text(p, x, ty, "-max", WT_FONT, PLOT_CENTER, WT_INK);
        plot_text(p, x + WT_BAR_W, ty, "+max", WT_FONT, PLOT_CENTER, WT_INK);
    }
    plot_text(p, x + WT_BAR_W / 2.0, ty, "0", WT_FONT, PLOT_CENTER, WT_INK);
    plot_text(p, w / 2.0, ty + WT_FONT * 1.4, caption, WT_FONT, PLOT_CENTER, 0x606060ffu);
}

/* Largest finite |v| over n values spaced by stride; 0 when there is none. */
static double wt_max_abs(const float *v, size_t n, size_t stride)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        double a = fabs((double)v[i * stride]);
        if (isfinite(a) && a > m)
            m = a;
    }
    return m;
}

/* A scale to divide by: all-zero weights draw white rather than undefined. */
static double wt_scale(double max_abs)
{
    return max_abs > 0 ? max_abs : 1;
}

static void wt_units_layout(WtGrid *g, size_t units, int rows, int cols)
{
    int k = units <= 10 ? 3 : units <= 100 ? 2 : 1;     /* integer zoom: square pixels */
    int side = rows > cols ? rows : cols;
    while (k > 1 && side * k > 96)
        k--;
    int gcols = units <= 10 ? (int)units : units <= 100 ? 10 : 25;
    wt_grid_layout(g, units, gcols, cols * k, rows * k, WT_LABEL);
}

void weights_units_cell(size_t units, int rows, int cols, size_t j, int *x, int *y, int *w,
                        int *h)
{
    WtGrid g;
    wt_units_layout(&g, units, rows, cols);
    wt_grid_cell(&g, j, x, y);
    *w = g.cw;
    *h = g.ch;
}

static Plot *wt_begin(int w, int h, const char *title, Err *e)
{
    if (wt_check_size(w, h, e) != 0)
        return NULL;
    Plot *p = plot_new(w, h, PLOT_WHITE, e);
    if (p)
        plot_text(p, w / 2.0, WT_TITLE / 2.0, title, 14, PLOT_CENTER, WT_INK);
    return p;
}

static Canvas *wt_end(Plot *p, int ok, Err *e)
{
    Canvas *c = ok ? plot_to_canvas(p, e) : NULL;
    plot_free(p);
    return c;
}

Canvas *weights_units_picture(const float *w, size_t in, size_t units, int rows, int cols,
                              WeightsScale scale, const char *title, Err *e)
{
    if (rows < 1 || cols < 1 || rows > 256 || cols > 256 ||
        in != (size_t)rows * (size_t)cols || units == 0) {
        err_set(e, _("cannot draw %zu weights per unit as %dx%d images"), in, rows, cols);
        return NULL;
    }
    size_t shown = units < WEIGHTS_MAX_UNITS ? units : WEIGHTS_MAX_UNITS;
    WtGrid g;
    wt_units_layout(&g, shown, rows, cols);
    double shared = 0;
    for (size_t j = 0; j < shown; j++) {
        double m = wt_max_abs(w + j, in, units);
        shared = m > shared ? m : shared;
    }
    char buf[200], cap[120], num[24];
    if (!title) {
        snprintf(buf, sizeof buf, _("weights of %zu%s units (%dx%d each), %s scale"), shown,
                 shown < units ? _(" (first)") : "", rows, cols,
                 scale == WEIGHTS_SCALE_SHARED ? _("shared") : _("per-unit"));
        title = buf;
    }
    if (scale == WEIGHTS_SCALE_SHARED)
        snprintf(cap, sizeof cap, _("one scale for all units: blue negative, red positive"));
    else
        snprintf(cap, sizeof cap, _("each unit scaled to its own largest |weight|"));
    Plot *p = wt_begin(g.w, g.h, title, e);
    if (!p)
        return NULL;
    PlotArea pix = plot_area(0, 0, g.w, g.h, 0, g.w, g.h, 0);
    int ok = 1;
    for (size_t j = 0; j < shown && ok; j++) {
        int x, y;
        wt_grid_cell(&g, j, &x, &y);
        double s = wt_scale(scale == WEIGHTS_SCALE_SHARED ? shared
                                                          : wt_max_abs(w + j, in, units));
        ok = wt_image(p, &pix, w + j, units, rows, cols, s, x, y, g.cw, g.ch, 0, e) == 0;
        snprintf(num, sizeof num, "%zu", j);
        plot_text(p, x + g.cw / 2.0, y + g.ch + WT_LABEL / 2.0, num, WT_FONT, PLOT_CENTER,
                  WT_INK);
    }
    if (ok)
        wt_colour_bar(p, &pix, scale == WEIGHTS_SCALE_SHARED ? wt_scale(shared) : 0, cap, e);
    return wt_end(p, ok, e);
}

Canvas *weights_matrix_picture(const float *w, size_t in, size_t units, const char *title,
                               Err *e)
{
    if (in == 0 || units == 0 || in > CANVAS_MAX_SIDE || units > CANVAS_MAX_SIDE) {
        err_set(e, _("cannot draw a %zu x %zu weight matrix (each side must be 1..%d)"), units,
                in, CANVAS_MAX_SIDE);
        return NULL;
    }
    /* whole pixels per weight while it fits, else squeezed (smoothly) into the room */
    int aw = in <= 720 ? (int)(720 / in) * (int)in : 1440 < (int)in ? 1440 : (int)in;
    int ah = units <= 420 ? (int)(420 / units) * (int)units : 840 < (int)units ? 840 : (int)units;
    int smooth = aw < (int)in || ah < (int)units;
    int left = 64, top = WT_TITLE + 4, bottom = 40;
    int pw = left + aw + 24, ph = top + ah + bottom + WT_BAR;
    if (pw < WT_MIN_W)
        pw = WT_MIN_W;
    char buf[160];
    double s = wt_scale(wt_max_abs(w, in * units, 1));
    if (!title) {
        snprintf(buf, sizeof buf, _("weights: %zu units (rows) x %zu inputs (columns)"), units, in);
        title = buf;
    }
    Plot *p = wt_begin(pw, ph, title, e);
    if (!p)
        return NULL;
    PlotArea pix = plot_area(0, 0, pw, ph, 0, pw, ph, 0);
    /* the matrix transposed: row j is unit j, column i is input i */
    Canvas *img = canvas_new((int)in, (int)units, 0, e);
    int ok = img != NULL;
    if (ok) {
        for (size_t j = 0; j < units; j++)
            for (size_t i = 0; i < in; i++)
                canvas_set(img, (int)i, (int)j, weights_colour(w[i * units + j] / s));
        /* data: x = input index, y = unit index growing downwards */
        PlotArea a = plot_area(left, top, aw, ah, 0, (double)in, (double)units, 0);
        plot_image(p, &a, img, 0, (double)units, (double)in, 0, smooth);
        plot_axes(p, &a, &(PlotAxes){.xlabel = _("input"), .ylabel = _("unit"), .font = WT_FONT,
                                     .ticks = 5});
        canvas_free(img);
        wt_colour_bar(p, &pix, s, _("one scale for the layer: blue negative, red positive"), e);
    }
    return wt_end(p, ok, e);
}

Canvas *weights_filters_picture(const float *w, int kh, int kw, int cin, int filters,
                                const char *title, Err *e)
{
    if (kh < 1 || kw < 1 || cin < 1 || filters < 1 || kh > 256 || kw > 256) {
        err_set(e, _("cannot draw %d filters of %dx%dx%d"), filters, kh, kw, cin);
        return NULL;
    }
    /* kernels as (kh, kw) images: value (r, c) of (channel ci, filter f) sits at
     * w[((r * kw + c) * cin + ci) * filters + f], so consecutive pixels are
     * cin * filters floats apart */
    size_t stride = (size_t)cin * (size_t)filters;
    size_t kernel = (size_t)kh * (size_t)kw;
    int shown_f = filters;
    if ((size_t)filters * (size_t)cin > WEIGHTS_MAX_CELLS)
        shown_f = (int)(WEIGHTS_MAX_CELLS / (size_t)cin) > 0 ? (int)(WEIGHTS_MAX_CELLS / (size_t)cin)
                                                             : 1;
    int side = kh > kw ? kh : kw;
    double s = wt_scale(wt_max_abs(w, kernel * stride, 1));
    char buf[200];
    WtGrid g;
    int row_labels = cin > 1;
    if (!row_labels) {
        int k = side * 8 <= 48 ? 8 : 48 / side > 1 ? 48 / side : 1;
        int gcols = filters <= 8 ? filters : filters <= 64 ? 8 : 16;
        wt_grid_layout(&g, (size_t)shown_f, gcols, kw * k, kh * k, WT_LABEL);
    } else {
        int most = shown_f > cin ? shown_f : cin;
        int k = (int)fmin(48.0 / side, 900.0 / ((double)most * (side + 1)));
        if (k < 1)
            k = 1;
        wt_grid_layout(&g, (size_t)shown_f * (size_t)cin, cin, kw * k, kh * k, 0);
        /* room for the filter numbers at the left and the channel numbers above */
        g.w += 40;
        g.h += 16;
    }
    if (!title) {
        snprintf(buf, sizeof buf, _("%d%s filters %dx%d%s"), shown_f,
                 shown_f < filters ? _(" (first)") : "", kh, kw,
                 cin > 1 ? _(": rows are filters, columns input channels") : "");
        title = buf;
    }
    Plot *p = wt_begin(g.w, g.h, title, e);
    if (!p)
        return NULL;
    PlotArea pix = plot_area(0, 0, g.w, g.h, 0, g.w, g.h, 0);
    int ok = 1;
    char num[24];
    for (size_t i = 0; i < g.n && ok; i++) {
        int f = row_labels ? (int)(i / (size_t)cin) : (int)i;
        int ci = row_labels ? (int)(i % (size_t)cin) : 0;
        int x, y;
        wt_grid_cell(&g, i, &x, &y);
        if (row_labels)
            y += 16;   /* below the channel numbers; across, the grid is centred in a
                          picture 40 px wider, which leaves 20 px for the filter numbers */
        ok = wt_image(p, &pix, w + (size_t)ci * (size_t)filters + (size_t)f, stride, kh, kw, s,
                      x, y, g.cw, g.ch, 0, e) == 0;
        double font = fmin(WT_FONT, fmax(6, g.ch * 0.8));
        if (!row_labels) {
            snprintf(num, sizeof num, "%d", f);
            plot_text(p, x + g.cw / 2.0, y + g.ch + WT_LABEL / 2.0, num, WT_FONT, PLOT_CENTER,
                      WT_INK);
        } else {
            int every = g.ch >= 8 ? 1 : 5;
            if (ci == 0 && f % every == 0) {
                snprintf(num, sizeof num, "%d", f);
                plot_text(p, x - 4, y + g.ch / 2.0, num, font, PLOT_RIGHT, WT_INK);
            }
            if (f == 0 && ci % (g.cw >= 8 ? 1 : 5) == 0) {
                snprintf(num, sizeof num, "%d", ci);
                plot_text(p, x + g.cw / 2.0, y - 8, num, font, PLOT_CENTER, WT_INK);
            }
        }
    }
    if (ok)
        wt_colour_bar(p, &pix, s, _("one scale for the layer: blue negative, red positive"), e);
    return wt_end(p, ok, e);
}
