/* digit_view.c: a person's digit as read, as normalised, as classified (see
 * digit_view.h). */
#include <math.h>
#include <stdio.h>

#include "untangle/core/i18n.h"
#include "untangle/render/confusion.h"
#include "untangle/render/digit_view.h"
#include "untangle/render/plot.h"

#define DV_MARGIN 16
#define DV_TITLE 40
#define DV_CAPTION 26
#define DV_BARS_W 300
#define DV_INK 0x202020ffu
#define DV_FRAME 0xb0b0b0ffu
#define DV_MAX_CLASSES 32
#define DV_MIN_TITLE_W 480 /* room for a title line */

void digit_view_origin(int *x, int *y)
{
    *x = DV_MARGIN * 2 + DIGIT_VIEW_PANEL;
    *y = DV_TITLE;
}

static void dv_frame(Plot *p, const PlotArea *pix, double x, double y, double w, double h,
                     uint32_t colour)
{
    double r[8] = {x + 0.5, y + 0.5, x + w - 0.5, y + 0.5, x + w - 0.5, y + h - 0.5, x + 0.5,
                   y + h - 0.5};
    plot_polyline(p, pix, r, 4, 1, 1, colour);
}

/* The image (rows, cols) in [0, 1], grey on black, at DIGIT_VIEW_ZOOM times its
 * size with its top-left corner at (dx, dy). */
static int dv_zoomed(Plot *p, const PlotArea *pix, const float *img, int rows, int cols, int dx,
                     int dy, Err *e)
{
    Canvas *d = canvas_new(cols, rows, 0x000000ffu, e);
    if (!d)
        return -1;
    for (int i = 0; i < rows * cols; i++) {
        float v = img[i] > 0 ? (img[i] < 1 ? img[i] : 1) : 0;
        uint8_t g = (uint8_t)(v * 255.0f + 0.5f);
        d->px[4 * i] = d->px[4 * i + 1] = d->px[4 * i + 2] = g;
    }
    plot_image(p, pix, d, dx, dy + rows * DIGIT_VIEW_ZOOM, dx + cols * DIGIT_VIEW_ZOOM, dy, 0);
    canvas_free(d);
    return 0;
}

/* A bar per class in the DV_BARS_W-wide column at bx, between rows top and base,
 * the most probable in red with its percentage; `caption` under it. */
static void dv_bars(Plot *p, const PlotArea *pix, const float *probs, size_t k, double bx,
                    double top, double base, double caption_y)
{
    char buf[32];
    size_t best = confusion_argmax(probs, k);
    double bw = DV_BARS_W / (double)k;
    for (size_t i = 0; i < k; i++) {
        double v = isfinite(probs[i]) ? fmin(1, fmax(0, probs[i])) : 0;
        double x = bx + (double)i * bw;
        uint32_t col = i == best ? plot_palette(3) : plot_palette(0);
        plot_rect(p, pix, x + 2, base, x + bw - 2, base - v * (base - top), col);
        snprintf(buf, sizeof buf, "%zu", i);
        plot_text(p, x + bw / 2, base + 9, buf, 11, PLOT_CENTER, DV_INK);
    }
    double axis[4] = {bx, base + 0.5, bx + DV_BARS_W, base + 0.5};
    plot_polyline(p, pix, axis, 2, 0, 1, DV_INK);
    snprintf(buf, sizeof buf, "%.1f%%", 100 * probs[best]);
    plot_text(p, bx + ((double)best + 0.5) * bw, base - probs[best] * (base - top) - 8, buf, 10,
              PLOT_CENTER, DV_INK);
    plot_text(p, bx + DV_BARS_W / 2.0, caption_y, _("probability of each class"), 11, PLOT_CENTER,
              DV_INK);
}

Canvas *digit_view(const Canvas *original, const float *digit, int side, const int box[4],
                   const float *probs, size_t k, Err *e)
{
    if (!original || !digit || side < 1 || side * DIGIT_VIEW_ZOOM > 4096 ||
        (probs && (k < 1 || k > DV_MAX_CLASSES))) {
        err_set(e, _("bad digit picture request"));
        return NULL;
    }
    int zoomed = side * DIGIT_VIEW_ZOOM;
    int panel = zoomed > DIGIT_VIEW_PANEL ? zoomed : DIGIT_VIEW_PANEL;
    int w = DV_MARGIN * 3 + DIGIT_VIEW_PANEL + panel + (probs ? DV_MARGIN + DV_BARS_W : 0);
    int h = DV_TITLE + panel + DV_CAPTION + 4;
    Plot *p = plot_new(w, h, PLOT_WHITE, e);
    if (!p)
        return NULL;
    PlotArea pix = plot_area(0, 0, w, h, 0, w, h, 0);
    char buf[96];

    /* 1. the picture as read, aspect kept */
    double sc = fmin((double)DIGIT_VIEW_PANEL / original->w, (double)DIGIT_VIEW_PANEL / original->h);
    double ow = original->w * sc, oh = original->h * sc;
    double ox = DV_MARGIN + (DIGIT_VIEW_PANEL - ow) / 2, oy = DV_TITLE + (panel - oh) / 2;
    plot_image(p, &pix, original, ox, oy + oh, ox + ow, oy, sc < 1);
    dv_frame(p, &pix, ox, oy, ow, oh, DV_FRAME);
    snprintf(buf, sizeof buf, _("your picture (%dx%d)"), original->w, original->h);
    plot_text(p, DV_MARGIN + DIGIT_VIEW_PANEL / 2.0, DV_TITLE + panel + DV_CAPTION / 2.0, buf,
              11, PLOT_CENTER, DV_INK);

    /* 2. the normalised digit, square pixels */
    Canvas *c = NULL;
    int dx, dy;
    digit_view_origin(&dx, &dy);
    if (dv_zoomed(p, &pix, digit, side, side, dx, dy, e) != 0)
        goto out;
    if (box)
        dv_frame(p, &pix, dx + box[0] * DIGIT_VIEW_ZOOM, dy + box[1] * DIGIT_VIEW_ZOOM,
                 box[2] * DIGIT_VIEW_ZOOM, box[3] * DIGIT_VIEW_ZOOM, 0x4a90d9ffu);
    snprintf(buf, sizeof buf, _("what the network sees (%dx%d)"), side, side);
    plot_text(p, dx + zoomed / 2.0, DV_TITLE + panel + DV_CAPTION / 2.0, buf, 11, PLOT_CENTER,
              DV_INK);

    /* 3. probabilities */
    if (probs) {
        size_t best = confusion_argmax(probs, k);
        dv_bars(p, &pix, probs, k, dx + panel + DV_MARGIN, DV_TITLE + 14, DV_TITLE + panel - 16,
                DV_TITLE + panel + DV_CAPTION / 2.0);
        snprintf(buf, sizeof buf, _("predicted %zu (probability %.3f)"), best, probs[best]);
    } else {
        snprintf(buf, sizeof buf, _("your digit, normalised as MNIST"));
    }
    plot_text(p, w / 2.0, DV_TITLE / 2.0, buf, 15, PLOT_CENTER, DV_INK);
    c = plot_to_canvas(p, e);
out:
    plot_free(p);
    return c;
}

Canvas *image_view(const float *img, int rows, int cols, const char *title,
                   const char *caption, const float *probs, size_t k, Err *e)
{
    if (!img || rows < 1 || cols < 1 || rows * DIGIT_VIEW_ZOOM > 4096 ||
        cols * DIGIT_VIEW_ZOOM > 4096 || (probs && (k < 1 || k > DV_MAX_CLASSES))) {
        err_set(e, _("bad image picture request"));
        return NULL;
    }
    int zw = cols * DIGIT_VIEW_ZOOM, zh = rows * DIGIT_VIEW_ZOOM;
    int bars_h = zh > DIGIT_VIEW_PANEL ? zh : DIGIT_VIEW_PANEL;
    int panel = probs ? bars_h : zh;
    int w = DV_MARGIN * 2 + zw + (probs ? DV_MARGIN * 2 + DV_BARS_W : 0);
    if (title && w < DV_MIN_TITLE_W)
        w = DV_MIN_TITLE_W;
    int h = DV_TITLE + panel + DV_CAPTION + 4;
    Plot *p = plot_new(w, h, PLOT_WHITE, e);
    if (!p)
        return NULL;
    PlotArea pix = plot_area(0, 0, w, h, 0, w, h, 0);
    Canvas *c = NULL;
    int iy = DV_TITLE + (panel - zh) / 2;
    if (dv_zoomed(p, &pix, img, rows, cols, DV_MARGIN, iy, e) != 0)
        goto out;
    if (caption)
        plot_text(p, DV_MARGIN + zw / 2.0, DV_TITLE + panel + DV_CAPTION / 2.0, caption, 11,
                  PLOT_CENTER, DV_INK);
    if (probs)
        dv_bars(p, &pix, probs, k, DV_MARGIN * 3 + zw, DV_TITLE + 14, DV_TITLE + panel - 16,
                DV_TITLE + panel + DV_CAPTION / 2.0);
    if (title)
        plot_text(p, w / 2.0, DV_TITLE / 2.0, title, 15, PLOT_CENTER, DV_INK);
    c = plot_to_canvas(p, e);
out:
    plot_free(p);
    return c;
}
