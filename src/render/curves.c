/* curves.c: loss and accuracy per epoch (see curves.h).
 *
 * plot_axes picks the same number of ticks for both axes, which gives x ticks such
 * as 1.5 epochs on a short run; the ticks are drawn here instead: whole epochs on
 * x, "nice" values on y. Lines and marks outside the data area go through a
 * second PlotArea that maps pixels to pixels (plot.h clips to an area). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "untangle/core/i18n.h"
#include "untangle/render/curves.h"
#include "untangle/render/plot.h"
#include "untangle/core/xalloc.h"

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

/* Panel `panel` of a width x height picture whose bottom `caption` pixels hold a
 * line of text. */
static void cv_area(int width, int height, double caption, int panel, double *x, double *y,
                    double *w, double *h)
{
    double pw = width / 2.0;
    *x = panel * pw + CV_LEFT;
    *y = CV_TOP;
    *w = pw - CV_LEFT - CV_RIGHT;
    *h = height - caption - CV_TOP - CV_BOTTOM;
}

void curves_area(int panel, double *x, double *y, double *w, double *h)
{
    cv_area(CURVES_WIDTH, CURVES_HEIGHT, 0, panel, x, y, w, h);
}

void curves_live_area(int panel, double *x, double *y, double *w, double *h)
{
    cv_area(CURVES_LIVE_WIDTH, CURVES_LIVE_HEIGHT, CURVES_LIVE_CAPTION, panel, x, y, w, h);
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

/* One line of a panel: the values v (n) at x (n), or at epochs 1..n when x is NULL. */
typedef struct CvSeries {
    const float *x, *v;
    size_t n;
    int dots;          /* a dot at each value as well */
} CvSeries;

static double cv_x(const CvSeries *s, size_t i)
{
    return s->x ? (double)s->x[i] : (double)(i + 1);
}

/* The series as a line broken at NaNs, with dots when asked (and for a lone
 * value). xy: scratch (n, 2). */
static void cv_series(Plot *p, const PlotArea *a, const CvSeries *s, uint32_t colour, double *xy)
{
    size_t run = 0, n = s->n;
    const float *v = s->v;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && isfinite(v[i])) {
            xy[2 * run] = cv_x(s, i);
            xy[2 * run + 1] = v[i];
            run++;
            continue;
        }
        if (run > 1)
            plot_polyline(p, a, xy, run, 0, CV_LINE, colour);
        if (run > 0 && (s->dots || run == 1))
            for (size_t k = 0; k < run; k++)
                plot_polyline(p, a, xy + 2 * k, 1, 0, CV_DOT, colour);
        run = 0;
    }
}

static int cv_any_finite(const CvSeries *s)
{
    for (size_t i = 0; s->v && i < s->n; i++)
        if (isfinite(s->v[i]))
            return 1;
    return 0;
}

/* The last finite value of s, NaN when none. */
static double cv_last(const CvSeries *s)
{
    for (size_t i = s->n; s->v && i > 0; i--)
        if (isfinite(s->v[i - 1]))
            return s->v[i - 1];
    return NAN;
}

/* How many points sampled along the line of v fall inside the pixel box (with a
 * few pixels of margin): how much a legend there would hide. */
static size_t cv_hits(const PlotArea *a, const CvSeries *sr, double bx, double by, double bw,
                      double bh)
{
    enum { SAMPLES = 16 };
    const double margin = 4;
    size_t hits = 0, n = sr->n;
    const float *v = sr->v;
    /* many values: every one is a sample already */
    int samples = n > CURVES_MAX_DOTS ? 1 : SAMPLES;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i]))
            continue;
        int next = i + 1 < n && isfinite(v[i + 1]);
        for (int s = 0; s < (next ? samples : 1); s++) {
            double t = (double)s / samples;
            double x0 = cv_x(sr, i), x1 = next ? cv_x(sr, i + 1) : x0;
            double px = plot_x(a, x0 + (x1 - x0) * t);
            double py = plot_y(a, next ? v[i] + (v[i + 1] - v[i]) * t : v[i]);
            if (px >= bx - margin && px <= bx + bw + margin && py >= by - margin &&
                py <= by + bh + margin)
                hits++;
        }
    }
    return hits;
}

/* Where a panel goes and what its x axis spans. */
typedef struct CvFrame {
    int width, height;         /* the picture */
    double caption;            /* pixels kept at the bottom for a line of text */
    double xlo, xhi;           /* x limits */
    double tick_lo, tick_hi;   /* whole epochs ticked */
} CvFrame;

static void cv_panel(Plot *p, const PlotArea *pix, const CvFrame *f, int panel, const char *title,
                     const CvSeries *train, const CvSeries *val, double *xy)
{
    int has_val = val && cv_any_finite(val);
    double lo, hi;
    {
        /* y limits over both series */
        double ends[4];
        double a0, a1, b0 = INFINITY, b1 = -INFINITY;
        for (size_t i = 0; i < train->n; i++)
            if (isfinite(train->v[i]))
                b0 = fmin(b0, train->v[i]), b1 = fmax(b1, train->v[i]);
        for (size_t i = 0; has_val && i < val->n; i++)
            if (isfinite(val->v[i]))
                b0 = fmin(b0, val->v[i]), b1 = fmax(b1, val->v[i]);
        ends[0] = b0, ends[1] = b1, ends[2] = b0, ends[3] = b1;
        plot_range(ends, 4, 0.08, &a0, &a1);
        lo = a0, hi = a1;
    }
    double x, y, w, h;
    cv_area(f->width, f->height, f->caption, panel, &x, &y, &w, &h);
    PlotArea a = plot_area(x, y, w, h, f->xlo, f->xhi, lo, hi);
    lo = a.y0, hi = a.y1; /* plot_area widens an empty range */

    cv_ticks(p, &a, pix, 0, f->tick_lo, f->tick_hi, 8, 1);
    cv_ticks(p, &a, pix, 1, lo, hi, 5, 0);
    plot_axes(p, &a, &(PlotAxes){.title = title, .font = CV_FONT, .title_font = CV_FONT * 1.3,
                                 .ticks = -1});
    plot_text(p, x + w / 2, y + h + CV_TICK + 3 + CV_FONT * 2.1, _("epoch"), CV_FONT * 1.1,
              PLOT_CENTER, CV_INK);

    cv_series(p, &a, train, plot_palette(0), xy);
    if (has_val)
        cv_series(p, &a, val, plot_palette(1), xy);

    /* legend with the last values, in the corner the curve leaves empty */
    if (!cv_any_finite(train))
        return; /* a live view before its first point */
    char lt[48], lv[48];
    snprintf(lt, sizeof lt, _("train %.4f"), cv_last(train));
    snprintf(lv, sizeof lv, _("validation %.4f"), has_val ? cv_last(val) : NAN);
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
        size_t hits = cv_hits(&a, train, cx, cy, bw, bh) +
                      (has_val ? cv_hits(&a, val, cx, cy, bw, bh) : 0);
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
        err_set(e, _("no training history; run `fit` first"));
        return NULL;
    }
    if (d->n > CURVES_MAX_EPOCHS) {
        err_set(e, _("%zu epochs are too many to draw (at most %d)"), d->n, CURVES_MAX_EPOCHS);
        return NULL;
    }
    Plot *p = plot_new(CURVES_WIDTH, CURVES_HEIGHT, PLOT_WHITE, e);
    if (!p)
        return NULL;
    size_t n = d->n;
    double *xy = xmalloc(n * 2 * sizeof *xy); /* (n, 2); n is bounded above */
    /* y down: data y0 at the bottom is the picture's height */
    PlotArea pix = plot_area(0, 0, CURVES_WIDTH, CURVES_HEIGHT, 0, CURVES_WIDTH, CURVES_HEIGHT, 0);
    double span = n > 1 ? (double)(n - 1) : 1;
    CvFrame f = {CURVES_WIDTH, CURVES_HEIGHT, 0, 1 - 0.04 * span, (double)n + 0.04 * span, 1,
                 (double)n};
    if (n == 1)
        f.xlo = 0.5, f.xhi = 1.5;
    int dots = n <= CURVES_MAX_DOTS;
    CvSeries tl = {NULL, d->loss, n, dots}, vl = {NULL, d->val_loss, d->val_loss ? n : 0, dots};
    CvSeries ta = {NULL, d->accuracy, n, dots},
             va = {NULL, d->val_accuracy, d->val_accuracy ? n : 0, dots};
    cv_panel(p, &pix, &f, 0, _("loss"), &tl, &vl, xy);
    cv_panel(p, &pix, &f, 1, _("accuracy"), &ta, &va, xy);
    free(xy);
    Canvas *c = plot_to_canvas(p, e);
    plot_free(p);
    return c;
}

Canvas *curves_live_picture(const CurvesLive *d, Err *e)
{
    if (!d || d->epochs < 1 || d->epochs > CURVES_MAX_EPOCHS ||
        (d->n > 0 && (!d->x || !d->loss || !d->accuracy)) ||
        (d->nv > 0 && (!d->vx || !d->val_loss || !d->val_accuracy)) ||
        d->n > CURVES_LIVE_MAX_SAMPLES || d->nv > (size_t)d->epochs) {
        err_set(e, _("bad live curves: %zu samples, %zu validations over %d epochs"),
                d ? d->n : 0, d ? d->nv : 0, d ? d->epochs : 0);
        return NULL;
    }
    int W = CURVES_LIVE_WIDTH, H = CURVES_LIVE_HEIGHT;
    Plot *p = plot_new(W, H, PLOT_WHITE, e);
    if (!p)
        return NULL;
    size_t most = d->n > d->nv ? d->n : d->nv;
    double *xy = xmalloc((most + 1) * 2 * sizeof *xy); /* (most, 2) */
    PlotArea pix = plot_area(0, 0, W, H, 0, W, H, 0);
    /* the whole run on x: the lines grow from the left */
    double span = (double)d->epochs;
    CvFrame f = {W, H, CURVES_LIVE_CAPTION, -0.02 * span, span * 1.02, 0, span};
    CvSeries tl = {d->x, d->loss, d->n, 0}, vl = {d->vx, d->val_loss, d->nv, 1};
    CvSeries ta = {d->x, d->accuracy, d->n, 0}, va = {d->vx, d->val_accuracy, d->nv, 1};
    cv_panel(p, &pix, &f, 0, _("loss"), &tl, &vl, xy);
    cv_panel(p, &pix, &f, 1, _("accuracy"), &ta, &va, xy);
    if (d->caption)
        plot_text(p, W / 2.0, H - CURVES_LIVE_CAPTION / 2.0, d->caption, CV_FONT * 1.2,
                  PLOT_CENTER, CV_INK);
    free(xy);
    Canvas *c = plot_to_canvas(p, e);
    plot_free(p);
    return c;
}
