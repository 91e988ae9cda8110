/* confusion.c: counting a confusion matrix and drawing it (see confusion.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "untangle/core/i18n.h"
#include "untangle/render/confusion.h"
#include "untangle/render/plot.h"

#define CF_TITLE_H 40       /* title band */
#define CF_HEAD_H 38        /* "predicted" and the column labels */
#define CF_LEFT 58          /* "true" and the row labels */
#define CF_ACC_W 74         /* the per-class accuracy column */
#define CF_BOTTOM 30        /* the colour note */
#define CF_GRID_PX 440      /* the matrix side, whatever k (cells are square) */
#define CF_INK 0x202020ffu
#define CF_LINE 0xffffffffu

size_t confusion_argmax(const float *scores, size_t k)
{
    size_t best = 0;
    for (size_t j = 1; j < k; j++)
        if (scores[j] > scores[best] || (isnan(scores[best]) && !isnan(scores[j])))
            best = j;
    return best;
}

int confusion_count(const float *scores, size_t n, size_t k, const uint8_t *labels,
                    size_t *counts, uint8_t *pred, Err *e)
{
    if (k < 2 || k > CONFUSION_MAX_CLASSES)
        return err_set(e, _("a confusion matrix needs 2..%d classes, not %zu"),
                       CONFUSION_MAX_CLASSES, k);
    for (size_t i = 0; i < n; i++)
        if (labels[i] >= k)
            return err_set(e, _("label %u of image %zu is not one of the %zu classes"),
                           labels[i], i, k);
    memset(counts, 0, k * k * sizeof *counts);
    for (size_t i = 0; i < n; i++) {
        size_t p = confusion_argmax(scores + i * k, k);
        counts[labels[i] * k + p]++;
        if (pred)
            pred[i] = (uint8_t)p;
    }
    return 0;
}

double confusion_accuracy(const size_t *counts, size_t k)
{
    size_t all = 0, diag = 0;
    for (size_t i = 0; i < k * k; i++)
        all += counts[i];
    for (size_t c = 0; c < k; c++)
        diag += counts[c * k + c];
    return all ? (double)diag / (double)all : NAN;
}

double confusion_class_accuracy(const size_t *counts, size_t k, size_t c)
{
    size_t row = 0;
    for (size_t p = 0; p < k; p++)
        row += counts[c * k + p];
    return row ? (double)counts[c * k + c] / (double)row : NAN;
}

static int cf_side(size_t k)
{
    int s = CF_GRID_PX / (int)k;
    return s < 4 ? 4 : s;
}

void confusion_cell_rect(size_t k, size_t t, size_t p, int *x, int *y, int *side)
{
    int s = cf_side(k);
    *x = CF_LEFT + (int)p * s;
    *y = CF_TITLE_H + CF_HEAD_H + (int)t * s;
    *side = s;
}

/* matplotlib's "Blues" at three stops, linear between */
uint32_t confusion_colour(double share)
{
    static const double stop[3][3] = {{247, 251, 255}, {107, 174, 214}, {8, 48, 107}};
    double t = share > 0 ? (share < 1 ? share : 1) : 0;
    int seg = t < 0.5 ? 0 : 1;
    double f = (t - 0.5 * seg) * 2;
    uint32_t rgba = 0xff;
    for (int ch = 0; ch < 3; ch++) {
        double v = stop[seg][ch] + (stop[seg + 1][ch] - stop[seg][ch]) * f;
        rgba |= (uint32_t)lround(v) << (24 - 8 * ch);
    }
    return rgba;
}

/* Dark text on light colours, white on dark ones (relative luminance). */
static uint32_t cf_text_colour(uint32_t bg)
{
    double l = 0.2126 * (bg >> 24) + 0.7152 * ((bg >> 16) & 0xff) + 0.0722 * ((bg >> 8) & 0xff);
    return l < 140 ? 0xffffffffu : CF_INK;
}

Canvas *confusion_picture(const size_t *counts, size_t k, const char *title, Err *e)
{
    if (k < 2 || k > CONFUSION_MAX_CLASSES) {
        err_set(e, _("a confusion matrix needs 2..%d classes, not %zu"), CONFUSION_MAX_CLASSES, k);
        return NULL;
    }
    int s = cf_side(k);
    int grid = s * (int)k;
    int w = CF_LEFT + grid + CF_ACC_W + 10, h = CF_TITLE_H + CF_HEAD_H + grid + CF_BOTTOM;
    Plot *p = plot_new(w, h, PLOT_WHITE, e);
    if (!p)
        return NULL;
    size_t total = 0;
    for (size_t i = 0; i < k * k; i++)
        total += counts[i];
    double acc = confusion_accuracy(counts, k);
    char buf[160];
    if (!title) {
        snprintf(buf, sizeof buf, _("confusion matrix, accuracy %.2f%% (%zu images)"), 100 * acc,
                 total);
        title = buf;
    }
    plot_text(p, w / 2.0, CF_TITLE_H / 2.0, title, 15, PLOT_CENTER, CF_INK);

    /* cells in pixel coordinates: an area that maps pixels to pixels */
    PlotArea pix = plot_area(0, 0, w, h, 0, w, h, 0);
    double font = fmin(13, s * 0.3);
    double label_font = fmin(13, s * 0.45);
    for (size_t t = 0; t < k; t++) {
        size_t row = 0;
        for (size_t q = 0; q < k; q++)
            row += counts[t * k + q];
        for (size_t q = 0; q < k; q++) {
            int x, y, side;
            confusion_cell_rect(k, t, q, &x, &y, &side);
            size_t n = counts[t * k + q];
            double share = row ? (double)n / (double)row : 0;
            uint32_t col = confusion_colour(share);
            plot_rect(p, &pix, x, y, x + side, y + side, col);
            if (n && font >= 5) {
                snprintf(buf, sizeof buf, "%zu", n);
                plot_text(p, x + side / 2.0, y + side / 2.0, buf, font, PLOT_CENTER,
                          cf_text_colour(col));
            }
        }
        int x, y, side;
        confusion_cell_rect(k, t, 0, &x, &y, &side);
        snprintf(buf, sizeof buf, "%zu", t);
        plot_text(p, x - 8, y + side / 2.0, buf, label_font, PLOT_RIGHT, CF_INK);
        double ca = confusion_class_accuracy(counts, k, t);
        if (isnan(ca))
            snprintf(buf, sizeof buf, "-");
        else
            snprintf(buf, sizeof buf, "%.1f%%", 100 * ca);
        plot_text(p, CF_LEFT + grid + CF_ACC_W - 8, y + side / 2.0, buf, label_font, PLOT_RIGHT,
                  isnan(ca) || ca >= acc ? CF_INK : 0xc02020ffu);
        snprintf(buf, sizeof buf, "%zu", t);
        plot_text(p, CF_LEFT + (t + 0.5) * s, CF_TITLE_H + CF_HEAD_H - 10, buf, label_font,
                  PLOT_CENTER, CF_INK);
    }
    /* thin white lines between cells, drawn over them, when cells are large */
    if (s >= 12)
        for (size_t i = 1; i < k; i++) {
            double v = CF_LEFT + (double)i * s, u = CF_TITLE_H + CF_HEAD_H + (double)i * s;
            double seg[4] = {v, CF_TITLE_H + CF_HEAD_H, v, CF_TITLE_H + CF_HEAD_H + grid};
            plot_polyline(p, &pix, seg, 2, 0, 1, CF_LINE);
            double seg2[4] = {CF_LEFT, u, CF_LEFT + grid, u};
            plot_polyline(p, &pix, seg2, 2, 0, 1, CF_LINE);
        }
    plot_text(p, CF_LEFT + grid / 2.0, CF_TITLE_H + 8, _("predicted"), 12, PLOT_CENTER, CF_INK);
    plot_text(p, CF_LEFT - 8, CF_TITLE_H + CF_HEAD_H - 10, _("true"), 12, PLOT_RIGHT, CF_INK);
    plot_text(p, CF_LEFT + grid + CF_ACC_W - 8, CF_TITLE_H + CF_HEAD_H - 10, _("class acc."), 11,
              PLOT_RIGHT, CF_INK);
    plot_text(p, CF_LEFT, CF_TITLE_H + CF_HEAD_H + grid + CF_BOTTOM / 2.0,
              _("rows: true class; colour: share of the row; red: below the overall accuracy"), 10,
              PLOT_LEFT, 0x606060ffu);
    Canvas *c = plot_to_canvas(p, e);
    plot_free(p);
    return c;
}
