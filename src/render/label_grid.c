/* label_grid.c: images with a label under each (see label_grid.h). */
#include <stdio.h>

#include "untangle/core/i18n.h"
#include "untangle/render/label_grid.h"
#include "untangle/render/plot.h"

#define LG_MARGIN 10
#define LG_GAP 8
#define LG_LABEL 18
#define LG_TITLE 34
#define LG_MIN_W 360
#define LG_INK 0x202020ffu

static int lg_width(size_t n, int cols)
{
    int across = n < (size_t)cols ? (int)n : cols;
    int w = 2 * LG_MARGIN + across * (LABEL_GRID_CELL + LG_GAP) - LG_GAP;
    return w < LG_MIN_W ? LG_MIN_W : w;
}

void label_grid_cell(size_t i, int cols, int *x, int *y)
{
    *x = LG_MARGIN + (int)(i % (size_t)cols) * (LABEL_GRID_CELL + LG_GAP);
    *y = LG_TITLE + (int)(i / (size_t)cols) * (LABEL_GRID_CELL + LG_LABEL + LG_GAP);
}

Canvas *label_grid(const float *x, size_t n, int rows_px, int cols_px,
                   const char *const *labels, int cols, const char *title, Err *e)
{
    if (n == 0 || n > LABEL_GRID_MAX || cols < 1 || cols > 256 || rows_px < 1 || cols_px < 1 ||
        rows_px > 4096 || cols_px > 4096) {
        err_set(e, _("cannot lay out %zu images of %dx%d in %d columns (1..%d images, 1..256 "
                   "columns)"), n, rows_px, cols_px, cols, LABEL_GRID_MAX);
        return NULL;
    }
    size_t rows = (n + (size_t)cols - 1) / (size_t)cols;
    int w = lg_width(n, cols);
    size_t h = LG_TITLE + rows * (LABEL_GRID_CELL + LG_LABEL + LG_GAP) + LG_MARGIN;
    if (h > CANVAS_MAX_SIDE) {
        err_set(e, _("%zu images in %d columns make a picture taller than %d pixels; show fewer "
                   "or use more columns"), n, cols, CANVAS_MAX_SIDE);
        return NULL;
    }
    Plot *p = plot_new(w, (int)h, PLOT_WHITE, e);
    if (!p)
        return NULL;
    PlotArea pix = plot_area(0, 0, w, (double)h, 0, w, (double)h, 0);
    if (title)
        plot_text(p, w / 2.0, LG_TITLE / 2.0, title, 13, PLOT_CENTER, LG_INK);
    Canvas *img = canvas_new(cols_px, rows_px, 0, e);
    Canvas *c = NULL;
    if (!img)
        goto out;
    size_t dim = (size_t)rows_px * (size_t)cols_px;
    for (size_t i = 0; i < n; i++) {
        const float *v = x + i * dim; /* (rows_px, cols_px) */
        for (size_t k = 0; k < dim; k++) {
            float t = v[k] > 0 ? (v[k] < 1 ? v[k] : 1) : 0; /* NaN as black */
            uint8_t g = (uint8_t)(t * 255.0f + 0.5f);
            img->px[4 * k] = img->px[4 * k + 1] = img->px[4 * k + 2] = g;
            img->px[4 * k + 3] = 255;
        }
        int cx, cy;
        label_grid_cell(i, cols, &cx, &cy);
        plot_image(p, &pix, img, cx, cy + LABEL_GRID_CELL, cx + LABEL_GRID_CELL, cy, 1);
        if (labels && labels[i])
            plot_text(p, cx + LABEL_GRID_CELL / 2.0, cy + LABEL_GRID_CELL + LG_LABEL / 2.0,
                      labels[i], 12, PLOT_CENTER, LG_INK);
    }
    c = plot_to_canvas(p, e);
out:
    canvas_free(img);
    plot_free(p);
    return c;
}
