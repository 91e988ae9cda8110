/* plot.c: charts on a Cairo image surface, returned as a Canvas (see plot.h). */
#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "untangle/core/i18n.h"
#include "untangle/core/interrupt.h"
#include "untangle/render/plot.h"
#include "untangle/core/xalloc.h"

struct Plot {
    cairo_surface_t *surface;  /* ARGB32, premultiplied, native-endian 32-bit words */
    cairo_t *cr;
    int w, h;
};

#define PLOT_FONT "sans-serif"
#define PLOT_TICK_LEN 3.5      /* pixels, outward as matplotlib's */
#define PLOT_FRAME 0x000000ffu
#define PLOT_GRID 0xb0b0b0ffu

/* matplotlib's tab10, a fact of the lab's figures */
static const uint32_t plot_tab10[PLOT_PALETTE_N] = {
    0x1f77b4ffu, 0xff7f0effu, 0x2ca02cffu, 0xd62728ffu, 0x9467bdffu,
    0x8c564bffu, 0xe377c2ffu, 0x7f7f7fffu, 0xbcbd22ffu, 0x17becfffu,
};

uint32_t plot_palette(int i)
{
    int k = i % PLOT_PALETTE_N;
    return plot_tab10[k < 0 ? k + PLOT_PALETTE_N : k];
}

uint32_t plot_alpha(uint32_t rgba, double a)
{
    double v = a < 0 ? 0 : a > 1 ? 1 : a;
    return (rgba & 0xffffff00u) | (uint32_t)lround(v * 255);
}

static void plot_source(cairo_t *cr, uint32_t rgba)
{
    cairo_set_source_rgba(cr, (rgba >> 24) / 255.0, ((rgba >> 16) & 0xff) / 255.0,
                          ((rgba >> 8) & 0xff) / 255.0, (rgba & 0xff) / 255.0);
}

/* The background, painted row by row rather than by one cairo_paint: a picture
 * of 16384x16384 is a gigabyte touched for the first time, seconds during which
 * Ctrl-C is looked at (when it comes, the rest is left unpainted and
 * plot_to_canvas reports the interruption). */
static void fill_background(Plot *p, uint32_t rgba)
{
    unsigned a = rgba & 0xff;
    uint32_t px = (uint32_t)a << 24;
    for (int k = 0; k < 3; k++) /* premultiplied, as cairo stores ARGB32 */
        px |= (((rgba >> (24 - 8 * k)) & 0xff) * a + 127) / 255 << (16 - 8 * k);
    cairo_surface_flush(p->surface);
    unsigned char *data = cairo_image_surface_get_data(p->surface);
    int stride = cairo_image_surface_get_stride(p->surface);
    for (int y = 0; y < p->h; y++) {
        if ((y & 63) == 0 && interrupt_pending())
            break;
        uint32_t *row = (uint32_t *)(void *)(data + (size_t)y * (size_t)stride);
        for (int x = 0; x < p->w; x++)
            row[x] = px;
    }
    cairo_surface_mark_dirty(p->surface);
}

Plot *plot_new(int w, int h, uint32_t background, Err *e)
{
    if (w < 1 || h < 1 || w > CANVAS_MAX_SIDE || h > CANVAS_MAX_SIDE) {
        err_set(e, _("plot size %dx%d is out of range; each side must be 1..%d"), w, h,
                CANVAS_MAX_SIDE);
        return NULL;
    }
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        err_set(e, _("cannot create a %dx%d picture: %s; try a smaller size"), w, h,
                cairo_status_to_string(cairo_surface_status(s)));
        cairo_surface_destroy(s);
        return NULL;
    }
    Plot *p = xmalloc(sizeof *p);
    p->surface = s;
    p->cr = cairo_create(s);
    p->w = w;
    p->h = h;
    fill_background(p, background);
    cairo_select_font_face(p->cr, PLOT_FONT, CAIRO_FONT_SLANT_NORMAL,
                           CAIRO_FONT_WEIGHT_NORMAL);
    return p;
}

void plot_free(Plot *p)
{
    if (!p)
        return;
    cairo_destroy(p->cr);
    cairo_surface_destroy(p->surface);
    free(p);
}

int plot_width(const Plot *p) { return p->w; }
int plot_height(const Plot *p) { return p->h; }

Canvas *plot_to_canvas(Plot *p, Err *e)
{
    if (cairo_status(p->cr) != CAIRO_STATUS_SUCCESS) {
        err_set(e, _("drawing failed: %s"), cairo_status_to_string(cairo_status(p->cr)));
        return NULL;
    }
    cairo_surface_flush(p->surface);
    Canvas *c = canvas_new(p->w, p->h, 0, e);
    if (!c)
        return NULL;
    if (interrupt_pending()) {
        canvas_free(c);
        err_interrupted(e, _("drawing the picture"));
        return NULL;
    }
    const unsigned char *data = cairo_image_surface_get_data(p->surface);
    int stride = cairo_image_surface_get_stride(p->surface);
    for (int y = 0; y < p->h; y++) {
        if ((y & 63) == 0 && interrupt_pending()) { /* a 16384x16384 picture takes seconds */
            canvas_free(c);
            err_interrupted(e, _("drawing the picture"));
            return NULL;
        }
        const unsigned char *row = data + (size_t)y * (size_t)stride;
        uint8_t *dst = c->px + (size_t)y * (size_t)p->w * 4;
        for (int x = 0; x < p->w; x++) {
            uint32_t v;
            memcpy(&v, row + 4 * (size_t)x, 4);   /* one native-endian ARGB word */
            unsigned a = v >> 24, ch[3] = {(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff};
            for (int k = 0; k < 3; k++) {
                /* undo the premultiplication, rounding to nearest */
                unsigned s = a ? (ch[k] * 255 + a / 2) / a : 0;
                dst[4 * x + k] = (uint8_t)(s > 255 ? 255 : s);
            }
            dst[4 * x + 3] = (uint8_t)a;
        }
    }
    return c;
}

/* ---- areas ---- */

PlotArea plot_area(double px, double py, double pw, double ph, double x0, double x1,
                   double y0, double y1)
{
    if (!(x1 > x0 || x1 < x0)) {
        x0 -= 0.5;
        x1 += 0.5;
    }
    if (!(y1 > y0 || y1 < y0)) {
        y0 -= 0.5;
        y1 += 0.5;
    }
    return (PlotArea){px, py, pw, ph, x0, x1, y0, y1};
}

void plot_range(const double *v, size_t n, double margin, double *lo, double *hi)
{
    double a = INFINITY, b = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) {
            a = fmin(a, v[i]);
            b = fmax(b, v[i]);
        }
    if (a > b) {                       /* nothing finite */
        a = 0;
        b = 1;
    }
    double m = (b - a) * margin;
    *lo = a - m;
    *hi = b + m;
}

void plot_limits_xy(const float *xy, size_t n, double margin, double lim[4])
{
    double x[2] = {INFINITY, -INFINITY}, y[2] = {INFINITY, -INFINITY};
    for (size_t i = 0; i < n; i++) {
        double u = xy[2 * i], v = xy[2 * i + 1];
        if (!isfinite(u) || !isfinite(v))
            continue;
        x[0] = fmin(x[0], u);
        x[1] = fmax(x[1], u);
        y[0] = fmin(y[0], v);
        y[1] = fmax(y[1], v);
    }
    plot_range(x, 2, margin, &lim[0], &lim[1]);
    plot_range(y, 2, margin, &lim[2], &lim[3]);
}

double plot_x(const PlotArea *a, double x) { return a->px + (x - a->x0) / (a->x1 - a->x0) * a->pw; }
double plot_y(const PlotArea *a, double y) { return a->py + (a->y1 - y) / (a->y1 - a->y0) * a->ph; }

static void plot_clip(Plot *p, const PlotArea *a)
{
    cairo_save(p->cr);
    cairo_rectangle(p->cr, a->px, a->py, a->pw, a->ph);
    cairo_clip(p->cr);
}

/* ---- text ---- */

static void plot_font(Plot *p, double size)
{
    cairo_set_font_size(p->cr, size > 0 ? size : 10);
}

double plot_text_width(Plot *p, const char *text, double size)
{
    cairo_text_extents_t te;
    plot_font(p, size);
    cairo_text_extents(p->cr, text, &te);
    return te.x_advance;
}

void plot_text(Plot *p, double x, double y, const char *text, double size, PlotAlign al,
               uint32_t rgba)
{
    cairo_text_extents_t te;
    cairo_font_extents_t fe;
    plot_font(p, size);
    cairo_text_extents(p->cr, text, &te);
    cairo_font_extents(p->cr, &fe);
    double w = te.x_advance;
    double left = al == PLOT_LEFT ? x : al == PLOT_CENTER ? x - w / 2 : x - w;
    /* the middle of the font's ascent..descent box on y, whatever the glyphs */
    double base = y + (fe.ascent - fe.descent) / 2;
    plot_source(p->cr, rgba);
    cairo_move_to(p->cr, left, base);
    cairo_show_text(p->cr, text);
    cairo_new_path(p->cr);
}

/* ---- axes ---- */

/* A "nice" tick step (1, 2, 2.5 or 5 times a power of ten) giving about `want` ticks. */
static double plot_tick_step(double span, int want)
{
    double raw = span / want;
    double mag = pow(10, floor(log10(raw)));
    static const double m[] = {1, 2, 2.5, 5, 10};
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
        if (m[i] * mag >= raw * (1 - 1e-9))
            return m[i] * mag;
    return 10 * mag;
}

/* Fewest decimals that write the step exactly. */
static int plot_tick_decimals(double step)
{
    for (int d = 0; d < 10; d++) {
        double s = step * pow(10, d);
        if (fabs(s - round(s)) < 1e-6 * s)
            return d;
    }
    return 10;
}

/* Tick values in [lo, hi] into t (capacity cap); returns the count. */
static int plot_ticks(double lo, double hi, int want, double *t, int cap, int *decimals)
{
    double step = plot_tick_step(hi - lo, want);
    *decimals = plot_tick_decimals(step);
    double first = ceil(lo / step - 1e-9);
    int n = 0;
    for (int i = 0; n < cap; i++) {
        double v = (first + i) * step;
        if (v > hi + step * 1e-9)
            break;
        t[n++] = fabs(v) < step * 1e-9 ? 0 : v;   /* no "-0" */
    }
    return n;
}

#define PLOT_MAX_TICKS 32

void plot_axes(Plot *p, const PlotArea *a, const PlotAxes *ax)
{
    cairo_t *cr = p->cr;
    double font = ax->font > 0 ? ax->font : 10;
    int want = ax->ticks == 0 ? 5 : ax->ticks;
    double t[PLOT_MAX_TICKS];
    char label[48];
    double ytick_w = 0;

    cairo_save(cr);
    cairo_set_line_width(cr, 1);
    if (want > 0) {
        int dec;
        /* x ticks below the area */
        int nt = plot_ticks(a->x0 < a->x1 ? a->x0 : a->x1, a->x0 < a->x1 ? a->x1 : a->x0,
                            want, t, PLOT_MAX_TICKS, &dec);
        for (int i = 0; i < nt; i++) {
            double x = floor(plot_x(a, t[i])) + 0.5;
            double yb = a->py + a->ph;
            if (ax->grid) {
                plot_source(cr, PLOT_GRID);
                cairo_move_to(cr, x, a->py);
                cairo_line_to(cr, x, yb);
                cairo_stroke(cr);
            }
            plot_source(cr, PLOT_FRAME);
            cairo_move_to(cr, x, yb);
            cairo_line_to(cr, x, yb + PLOT_TICK_LEN);
            cairo_stroke(cr);
            snprintf(label, sizeof label, "%.*f", dec, t[i]);
            plot_text(p, x, yb + PLOT_TICK_LEN + 2 + font * 0.6, label, font, PLOT_CENTER,
                      PLOT_FRAME);
        }
        /* y ticks left of the area */
        nt = plot_ticks(a->y0 < a->y1 ? a->y0 : a->y1, a->y0 < a->y1 ? a->y1 : a->y0, want,
                        t, PLOT_MAX_TICKS, &dec);
        for (int i = 0; i < nt; i++) {
            double y = floor(plot_y(a, t[i])) + 0.5;
            if (ax->grid) {
                plot_source(cr, PLOT_GRID);
                cairo_move_to(cr, a->px, y);
                cairo_line_to(cr, a->px + a->pw, y);
                cairo_stroke(cr);
            }
            plot_source(cr, PLOT_FRAME);
            cairo_move_to(cr, a->px - PLOT_TICK_LEN, y);
            cairo_line_to(cr, a->px, y);
            cairo_stroke(cr);
            snprintf(label, sizeof label, "%.*f", dec, t[i]);
            ytick_w = fmax(ytick_w, plot_text_width(p, label, font));
            plot_text(p, a->px - PLOT_TICK_LEN - 2, y, label, font, PLOT_RIGHT, PLOT_FRAME);
        }
    }
    /* frame on whole pixels so that it is sharp */
    plot_source(cr, PLOT_FRAME);
    cairo_rectangle(cr, floor(a->px) + 0.5, floor(a->py) + 0.5, round(a->pw) - 1,
                    round(a->ph) - 1);
    cairo_stroke(cr);

    double below = a->py + a->ph + (want > 0 ? PLOT_TICK_LEN + 4 + font * 1.2 : 4);
    if (ax->xlabel)
        plot_text(p, a->px + a->pw / 2, below + font * 0.7, ax->xlabel, font * 1.1,
                  PLOT_CENTER, PLOT_FRAME);
    if (ax->ylabel) {
        double x = a->px - PLOT_TICK_LEN - 6 - ytick_w - font * 0.7;
        cairo_save(cr);
        cairo_translate(cr, x, a->py + a->ph / 2);
        cairo_rotate(cr, -M_PI / 2);
        plot_text(p, 0, 0, ax->ylabel, font * 1.1, PLOT_CENTER, PLOT_FRAME);
        cairo_restore(cr);
    }
    if (ax->title) {
        double tf = ax->title_font > 0 ? ax->title_font : font * 1.2;
        plot_text(p, a->px + a->pw / 2, a->py - tf * 0.9, ax->title, tf, PLOT_CENTER,
                  PLOT_FRAME);
    }
    cairo_restore(cr);
}

/* ---- data ---- */

static void plot_disc(cairo_t *cr, double x, double y, double r)
{
    cairo_new_path(cr);
    cairo_arc(cr, x, y, r, 0, 2 * M_PI);
    cairo_fill(cr);
}

void plot_scatter(Plot *p, const PlotArea *a, const float *xy, size_t n, double radius,
                  uint32_t rgba)
{
    plot_clip(p, a);
    plot_source(p->cr, rgba);
    for (size_t i = 0; i < n; i++)
        if (isfinite(xy[2 * i]) && isfinite(xy[2 * i + 1]))
            plot_disc(p->cr, plot_x(a, xy[2 * i]), plot_y(a, xy[2 * i + 1]), radius);
    cairo_restore(p->cr);
}

void plot_scatter_labels(Plot *p, const PlotArea *a, const float *xy, const uint8_t *labels,
                         size_t n, double radius, double alpha)
{
    plot_clip(p, a);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(xy[2 * i]) || !isfinite(xy[2 * i + 1]))
            continue;
        plot_source(p->cr, plot_alpha(plot_palette(labels[i]), alpha));
        plot_disc(p->cr, plot_x(a, xy[2 * i]), plot_y(a, xy[2 * i + 1]), radius);
    }
    cairo_restore(p->cr);
}

void plot_dots_labels(Plot *p, const PlotArea *a, const float *xy, const uint8_t *labels,
                      size_t n, int side)
{
    if (side < 1)
        side = 1;
    cairo_surface_flush(p->surface);
    unsigned char *data = cairo_image_surface_get_data(p->surface);
    int stride = cairo_image_surface_get_stride(p->surface);
    /* the area's pixels, clipped to the picture */
    int x0 = (int)ceil(a->px), y0 = (int)ceil(a->py);
    int x1 = (int)floor(a->px + a->pw), y1 = (int)floor(a->py + a->ph);
    x0 = x0 < 0 ? 0 : x0, y0 = y0 < 0 ? 0 : y0;
    x1 = x1 > p->w ? p->w : x1, y1 = y1 > p->h ? p->h : y1;
    uint32_t words[PLOT_PALETTE_N];
    for (int k = 0; k < PLOT_PALETTE_N; k++) {
        uint32_t c = plot_palette(k); /* opaque: premultiplied is the same */
        words[k] = 0xff000000u | (c >> 8);
    }
    for (size_t i = 0; i < n; i++) {
        double fx = xy[2 * i], fy = xy[2 * i + 1];
        if (!isfinite(fx) || !isfinite(fy))
            continue;
        int cx = (int)floor(plot_x(a, fx) - side / 2.0 + 0.5);
        int cy = (int)floor(plot_y(a, fy) - side / 2.0 + 0.5);
        uint32_t w = words[labels[i] % PLOT_PALETTE_N];
        for (int y = cy; y < cy + side; y++) {
            if (y < y0 || y >= y1)
                continue;
            uint32_t *row = (uint32_t *)(data + (size_t)y * (size_t)stride);
            for (int x = cx; x < cx + side; x++)
                if (x >= x0 && x < x1)
                    row[x] = w;
        }
    }
    cairo_surface_mark_dirty(p->surface);
}

void plot_polyline(Plot *p, const PlotArea *a, const double *xy, size_t n, int closed,
                   double width, uint32_t rgba)
{
    if (n == 0)
        return;
    cairo_t *cr = p->cr;
    plot_clip(p, a);
    plot_source(cr, rgba);
    if (n == 1) {
        plot_disc(cr, plot_x(a, xy[0]), plot_y(a, xy[1]), width);
    } else {
        cairo_new_path(cr);
        cairo_move_to(cr, plot_x(a, xy[0]), plot_y(a, xy[1]));
        for (size_t i = 1; i < n; i++)
            cairo_line_to(cr, plot_x(a, xy[2 * i]), plot_y(a, xy[2 * i + 1]));
        if (closed)
            cairo_close_path(cr);
        cairo_set_line_width(cr, width);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
        cairo_stroke(cr);
    }
    cairo_restore(cr);
}

void plot_ellipse(Plot *p, const PlotArea *a, double cx, double cy, double w, double h,
                  double angle_deg, uint32_t fill)
{
    if (!(w > 0) || !(h > 0) || !isfinite(w) || !isfinite(h))
        return;
    cairo_t *cr = p->cr;
    plot_clip(p, a);
    plot_source(cr, fill);
    /* Build the unit circle in data space (rotate, scale by the half axes), then map
     * data to pixels (x right, y up): the path is the true data ellipse. */
    cairo_translate(cr, plot_x(a, cx), plot_y(a, cy));
    cairo_scale(cr, a->pw / (a->x1 - a->x0), -a->ph / (a->y1 - a->y0));
    cairo_rotate(cr, angle_deg * M_PI / 180);
    cairo_scale(cr, w / 2, h / 2);
    cairo_new_path(cr);
    cairo_arc(cr, 0, 0, 1, 0, 2 * M_PI);
    cairo_identity_matrix(cr);         /* fill with the path as built, in pixels */
    cairo_fill(cr);
    cairo_restore(cr);
}

void plot_rect(Plot *p, const PlotArea *a, double x0, double y0, double x1, double y1,
               uint32_t fill)
{
    plot_clip(p, a);
    plot_source(p->cr, fill);
    double u0 = plot_x(a, x0), u1 = plot_x(a, x1), v0 = plot_y(a, y0), v1 = plot_y(a, y1);
    cairo_rectangle(p->cr, fmin(u0, u1), fmin(v0, v1), fabs(u1 - u0), fabs(v1 - v0));
    cairo_fill(p->cr);
    cairo_restore(p->cr);
}

void plot_image(Plot *p, const PlotArea *a, const Canvas *img, double x0, double y0,
                double x1, double y1, int smooth)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, img->w, img->h);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        return;
    }
    /* straight RGBA -> premultiplied native-endian ARGB words */
    unsigned char *data = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    for (int y = 0; y < img->h; y++)
        for (int x = 0; x < img->w; x++) {
            const uint8_t *q = img->px + ((size_t)y * (size_t)img->w + (size_t)x) * 4;
            unsigned al = q[3];
            uint32_t v = (uint32_t)al << 24 | (uint32_t)((q[0] * al + 127) / 255) << 16 |
                         (uint32_t)((q[1] * al + 127) / 255) << 8 | (q[2] * al + 127) / 255;
            memcpy(data + (size_t)y * (size_t)stride + 4 * (size_t)x, &v, 4);
        }
    cairo_surface_mark_dirty(s);

    cairo_t *cr = p->cr;
    plot_clip(p, a);
    double u0 = plot_x(a, x0), u1 = plot_x(a, x1), v1 = plot_y(a, y1), v0 = plot_y(a, y0);
    cairo_translate(cr, u0, v1);
    cairo_scale(cr, (u1 - u0) / img->w, (v0 - v1) / img->h);
    cairo_set_source_surface(cr, s, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr),
                             smooth ? CAIRO_FILTER_BILINEAR : CAIRO_FILTER_NEAREST);
    cairo_rectangle(cr, 0, 0, img->w, img->h);
    cairo_fill(cr);
    cairo_restore(cr);
    cairo_surface_destroy(s);
}

/* ---- legends ---- */

void plot_colorbar(Plot *p, double x, double y, double w, double h, const uint32_t *colours,
                   const char *const *labels, size_t n, double font)
{
    if (n == 0)
        return;
    cairo_t *cr = p->cr;
    double box = h / (double)n;
    cairo_save(cr);
    for (size_t i = 0; i < n; i++) {
        double top = y + h - (double)(i + 1) * box;
        /* box edges on whole pixels: neighbours meet without a seam or an overlap */
        double t0 = round(top), t1 = round(top + box);
        plot_source(cr, colours[i]);
        cairo_rectangle(cr, round(x), t0, round(w), t1 - t0);
        cairo_fill(cr);
        plot_source(cr, PLOT_FRAME);
        cairo_set_line_width(cr, 1);
        double ty = floor(top + box / 2) + 0.5;
        cairo_move_to(cr, x + w, ty);
        cairo_line_to(cr, x + w + PLOT_TICK_LEN, ty);
        cairo_stroke(cr);
        if (labels && labels[i])
            plot_text(p, x + w + PLOT_TICK_LEN + 2, top + box / 2, labels[i], font, PLOT_LEFT,
                      PLOT_FRAME);
    }
    plot_source(cr, PLOT_FRAME);
    cairo_set_line_width(cr, 1);
    cairo_rectangle(cr, round(x) + 0.5, round(y) + 0.5, round(w) - 1, round(y + h) - round(y) - 1);
    cairo_stroke(cr);
    cairo_restore(cr);
}

void plot_legend(Plot *p, double x, double y, const uint32_t *colours,
                 const char *const *labels, size_t n, double font, int style)
{
    if (n == 0)
        return;
    cairo_t *cr = p->cr;
    double row = font * 1.5, sw = style == 0 ? font * 2 : font, pad = font * 0.5;
    double tw = 0;
    for (size_t i = 0; i < n; i++)
        tw = fmax(tw, plot_text_width(p, labels[i] ? labels[i] : "", font));
    double bw = pad * 3 + sw + tw, bh = pad * 2 + row * (double)n - (row - font);
    cairo_save(cr);
    cairo_rectangle(cr, floor(x) + 0.5, floor(y) + 0.5, round(bw), round(bh));
    plot_source(cr, 0xffffffccu);
    cairo_fill_preserve(cr);
    plot_source(cr, 0xccccccffu);
    cairo_set_line_width(cr, 1);
    cairo_stroke(cr);
    for (size_t i = 0; i < n; i++) {
        double cy = y + pad + font / 2 + row * (double)i;
        plot_source(cr, colours[i]);
        if (style == 0) {
            cairo_set_line_width(cr, 2);
            cairo_move_to(cr, x + pad, cy);
            cairo_line_to(cr, x + pad + sw, cy);
            cairo_stroke(cr);
        } else {
            cairo_rectangle(cr, x + pad, cy - sw / 2, sw, sw);
            cairo_fill(cr);
        }
        if (labels[i])
            plot_text(p, x + pad * 2 + sw, cy, labels[i], font, PLOT_LEFT, PLOT_FRAME);
    }
    cairo_restore(cr);
}
