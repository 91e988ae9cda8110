/* curves.c: loss and accuracy per epoch (see curves.h).
 *
 * plot_axes picks the same number of ticks for both axes, which gives x ticks such
 * as 1.5 epochs on a short run; the ticks are drawn here instead: whole epochs on
 * x, "nice" values on y. Lines and marks outside the data area go through a
 * second PlotArea that maps pixels to pixels (plot.h clips to an area). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "untangle/render/curves.h"
#include "untangle/render/plot.h"
#include "untangle/core/xalloc.h"

#define CV_PANEL_W (CURVES_WIDTH / 2)
#define CV_LEFT 62.0     /* y tick labels */
#define CV_RIGHT 18.0
#define CV_TOP 34.0      /* title */
#define CV_BOTTOM 48.0   /* x tick labels and "epoch" */
#define CV_FONT 11.0
#define CV_TICK 4.0
#define CV_LINE 2.0
#define CV_DOT 3.0
#define CV_GRID 0xe0e0e0ffu
#define CV_INK 0x000000ffu
#define CV_MAX_TICKS 24

void curves_area(int panel, double *x, double *y, double *w, double *h)
{
    *x = panel * CV_PANEL_W + CV_LEFT;
    *y = CV_TOP;
    *w = CV_PANEL_W - CV_LEFT - CV_RIGHT;
    *h = CURVES_HEIGHT - CV_TOP - CV_BOTTOM;
}

/* A step of 1, 2, 2.5 or 5 times a power of ten giving at most about `want` ticks
 * over span; when `whole` the step is at least 1 (epochs). */
static double cv_step(double span, int want, int whole)
{
    double raw = span / want;
    if (whole && raw < 1)
        return 1;
    double mag = pow(10, floor(log10(raw)));
    static const double m[] = {1, 2, 2.5, 5, 10};
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
        if (m[i] * mag >= raw * (1 - 1e-9))
            return whole && m[i] == 2.5 ? 5 * mag : m[i] * mag; /* no 2.5 epochs */
    return 10 * mag;
}

static int cv_decimals(double step)
{
    for (int d = 0; d < 8; d++) {
        double s = step * pow(10, d);
        if (fabs(s - round(s)) < 1e-6 * s)
            return d;
    }
    return 8;
}

/* Ticks along one axis of area a: x (vertical == 0) or y, with labels. `pix` maps
 * pixels to pixels for the tick marks and grid lines. */
static void cv_ticks(Plot *p, const PlotArea *a, const PlotArea *pix, int vertical, double lo,
                     double hi, int want, int whole)
{
    double step = cv_step(hi - lo, want, whole);
    int dec = cv_decimals(step);
    double first = ceil(lo / step - 1e-9) * step;
    char label[32];
    for (int i = 0; i < CV_MAX_TICKS; i++) {
        double v = first + i * step;
        if (v > hi + step * 1e-9)
            break;
        if (fabs(v) < step * 1e-9)
            v = 0;  /* no "-0" */
        snprintf(label, sizeof label, "%.*f", dec, v);
        double seg[4];
        if (!vertical) {
            double x = floor(plot_x(a, v)) + 0.5, yb = a->py + a->ph;
            seg[0] = x, seg[1] = a->py, seg[2] = x, seg[3] = yb;
            plot_polyline(p, pix, seg, 2, 0, 1, CV_GRID);
            seg[1] = yb, seg[3] = yb + CV_TICK;
            plot_polyline(p, pix, seg, 2, 0, 1, CV_INK);
            plot_text(p, x, yb + CV_TICK + 3 + CV_FONT * 0.6, label, CV_FONT, PLOT_CENTER, CV_INK);
        } else {
            double y = floor(plot_y(a, v)) + 0.5;
            seg[0] = a->px, seg[1] = y, seg[2] = a->px + a->pw, seg[3] = y;
            plot_polyline(p, pix, seg, 2, 0, 1, CV_GRID);
            seg[0] = a->px - CV_TICK, seg[2] = a->px;
            plot_polyline(p, pix, seg, 2, 0, 1, CV_INK);
            plot_text(p, a->px - CV_TICK - 3, y, label, CV_FONT, PLOT_RIGHT, CV_INK);
        }
    }
}

/* The series v (n) as a line broken at NaNs, with dots when few. xy: scratch (n, 2). */
static void cv_series(Plot *p, const PlotArea *a, const float *v, size_t n, uint32_t colour,
                      double *xy)
{
    size_t run = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && isfinite(v[i])) {
            xy[2 * run] = (double)(i + 1);
            xy[2 * run + 1] = v[i];
            run++;
            continue;
        }
        if (run > 1)
            plot_polyline(p, a, xy, run, 0, CV_LINE, colour);
        if (run > 0 && (n <= CURVES_MAX_DOTS || run == 1))
            for (size_t k = 0; k < run; k++)
                plot_polyline(p, a, xy + 2 * k, 1, 0, CV_DOT, colour);
        run = 0;
    }
}

static int cv_any_finite(const float *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        if (isfinite(v[i]))
            return 1;
    return 0;
}

/* The last finite value of v, NaN when none. */
static double cv_last(const float *v, size_t n)
{
    for (size_t i = n; v && i > 0; i--)
        if (isfinite(v[i - 1]))
            return v[i - 1];
    return NAN;
}

/* How many points sampled along the line of v fall inside the pixel box (with a
 * few pixels of margin): how much a legend there would hide. */
static size_t cv_hits(const PlotArea *a, const float *v, size_t n, double bx, double by,
                      double bw, double bh)
{
    enum { SAMPLES = 16 };
    const double margin = 4;
    size_t hits = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i]))
            continue;
        int next = i + 1 < n && isfinite(v[i + 1]);
        for (int s = 0; s < (next ? SAMPLES : 1); s++) {
            double t = (double)s / SAMPLES;
            double px = plot_x(a, (double)(i + 1) + (next ? t : 0));
            double py = plot_y(a, next ? v[i] + (v[i + 1] - v[i]) * t : v[i]);
            if (px >= bx - margin && px <= bx + bw + margin && py >= by - margin &&
                py <= by + bh + margin)
                hits++;
        }
    }
    return hits;
}

static void cv_panel(Plot *p, const PlotArea *pix, int panel, const char *title,
                     const float *train, const float *val, size_t n, double *xy)
{
    int has_val = cv_any_finite(val, n);
    double lo, hi, xlo, xhi;
    {
        /* y limits over both series */
        double ends[4];
        double a0, a1, b0 = INFINITY, b1 = -INFINITY;
        for (size_t i = 0; i < n; i++) {
            if (isfinite(train[i]))
                b0 = fmin(b0, train[i]), b1 = fmax(b1, train[i]);
            if (has_val && isfinite(val[i]))
                b0 = fmin(b0, val[i]), b1 = fmax(b1, val[i]);
        }
        ends[0] = b0, ends[1] = b1, ends[2] = b0, ends[3] = b1;
        plot_range(ends, 4, 0.08, &a0, &a1);
        lo = a0, hi = a1;
    }
    double span = n > 1 ? (double)(n - 1) : 1;
    xlo = 1 - 0.04 * span;
    xhi = (double)n + 0.04 * span;
    if (n == 1)
        xlo = 0.5, xhi = 1.5;
    double x, y, w, h;
    curves_area(panel, &x, &y, &w, &h);
    PlotArea a = plot_area(x, y, w, h, xlo, xhi, lo, hi);
    lo = a.y0, hi = a.y1; /* plot_area widens an empty range */

    cv_ticks(p, &a, pix, 0, 1, (double)n, 8, 1);
    cv_ticks(p, &a, pix, 1, lo, hi, 5, 0);
    plot_axes(p, &a, &(PlotAxes){.title = title, .font = CV_FONT, .title_font = CV_FONT * 1.3,
                                 .ticks = -1});
    plot_text(p, x + w / 2, y + h + CV_TICK + 3 + CV_FONT * 2.1, "epoch", CV_FONT * 1.1,
              PLOT_CENTER, CV_INK);

    cv_series(p, &a, train, n, plot_palette(0), xy);
    if (has_val)
        cv_series(p, &a, val, n, plot_palette(1), xy);

    /* legend with the last values, in the corner the curve leaves empty */
    char lt[48], lv[48];
    snprintf(lt, sizeof lt, "train %.4f", cv_last(train, n));
    snprintf(lv, sizeof lv, "validation %.4f", cv_last(val, n));
    const char *labels[2] = {lt, lv};
    uint32_t colours[2] = {plot_palette(0), plot_palette(1)};
    size_t entries = has_val ? 2 : 1;
    double pad = CV_FONT / 2, tw = fmax(plot_text_width(p, lt, CV_FONT),
                                         has_val ? plot_text_width(p, lv, CV_FONT) : 0);
    double bw = pad * 3 + CV_FONT * 2 + tw;
    double bh = pad * 2 + CV_FONT * 1.5 * (double)entries - CV_FONT * 0.5;
    /* the corner where the lines pass least; on a tie, the one the curve usually
     * leaves empty: top right for a falling loss, bottom right for a rising accuracy */
    static const int corners[2][4][2] = {{{1, 0}, {1, 1}, {0, 0}, {0, 1}},
                                         {{1, 1}, {1, 0}, {0, 1}, {0, 0}}};
    size_t best = SIZE_MAX;
    double lx = 0, ly = 0;
    for (int k = 0; k < 4; k++) {
        double cx = corners[panel][k][0] ? x + w - bw - 8 : x + 8;
        double cy = corners[panel][k][1] ? y + h - bh - 8 : y + 8;
        size_t hits = cv_hits(&a, train, n, cx, cy, bw, bh) +
                      (has_val ? cv_hits(&a, val, n, cx, cy, bw, bh) : 0);
        if (hits < best) {
            best = hits;
            lx = cx;
            ly = cy;
        }
    }
    plot_legend(p, lx, ly, colours, labels, entries, CV_FONT, 0);
}

Canvas *curves_picture(const CurvesData *d, Err *e)
{
    if (!d || d->n == 0 || !d->loss || !d->accuracy) {
        err_set(e, "no training history; run `fit` first");
        return NULL;
    }
    if (d->n > CURVES_MAX_EPOCHS) {
        err_set(e, "%zu epochs are too many to draw (at most %d)", d->n, CURVES_MAX_EPOCHS);
        return NULL;
    }
    Plot *p = plot_new(CURVES_WIDTH, CURVES_HEIGHT, PLOT_WHITE, e);
    if (!p)
        return NULL;
    double *xy = xmalloc(d->n * 2 * sizeof *xy); /* (n, 2); n is bounded above */
    /* y down: data y0 at the bottom is the picture's height */
    PlotArea pix = plot_area(0, 0, CURVES_WIDTH, CURVES_HEIGHT, 0, CURVES_WIDTH, CURVES_HEIGHT, 0);
    cv_panel(p, &pix, 0, "loss", d->loss, d->val_loss, d->n, xy);
    cv_panel(p, &pix, 1, "accuracy", d->accuracy, d->val_accuracy, d->n, xy);
    free(xy);
    Canvas *c = plot_to_canvas(p, e);
    plot_free(p);
    return c;
}
