/* image_grid.c: lays out small grey images in one picture (see image_grid.h). */
#include <math.h>
#include <stdlib.h>

#include "untangle/core/i18n.h"
#include "untangle/render/image_grid.h"
#include "untangle/core/xalloc.h"

ImageGridLayout image_grid_default(void)
{
    ImageGridLayout lay = {IMAGE_GRID_COLS, IMAGE_GRID_CELL, IMAGE_GRID_HPAD, IMAGE_GRID_VPAD};
    return lay;
}

static int check_layout(const ImageGridLayout *lay, Err *e)
{
    if (!lay || lay->cols < 1 || lay->cell < 1 || lay->hpad < 0 || lay->vpad < 0 ||
        lay->cell > CANVAS_MAX_SIDE || lay->hpad > CANVAS_MAX_SIDE || lay->vpad > CANVAS_MAX_SIDE)
        return err_set(e, _("bad image grid layout; columns and cell size must be at least 1, "
                          "padding at least 0"));
    return 0;
}

int image_grid_size(size_t n, const ImageGridLayout *lay, int *w, int *h, Err *e)
{
    if (check_layout(lay, e) != 0)
        return -1;
    if (n == 0)
        return err_set(e, _("no images to lay out; ask for at least 1"));
    size_t cols = n < (size_t)lay->cols ? n : (size_t)lay->cols;
    size_t rows = n / (size_t)lay->cols + (n % (size_t)lay->cols != 0);
    size_t slot_w = (size_t)lay->cell + (size_t)lay->hpad;
    size_t slot_h = (size_t)lay->cell + (size_t)lay->vpad;
    /* each factor is at most ~2^15 and the other bounded by n, so compare by division */
    if (cols > CANVAS_MAX_SIDE / slot_w || rows > CANVAS_MAX_SIDE / slot_h)
        return err_set(e,
                       _("%zu images in %zu columns make a picture wider or taller than %d pixels; "
                       "show fewer images or change the number of columns"),
                       n, cols, CANVAS_MAX_SIDE);
    *w = (int)(cols * slot_w);
    *h = (int)(rows * slot_h);
    return 0;
}

void image_grid_cell_origin(size_t i, const ImageGridLayout *lay, int *x, int *y)
{
    size_t col = i % (size_t)lay->cols, row = i / (size_t)lay->cols;
    *x = (int)(col * (size_t)(lay->cell + lay->hpad)) + lay->hpad / 2;
    *y = (int)(row * (size_t)(lay->cell + lay->vpad)) + lay->vpad / 2;
}

/* Bilinear sampling positions along one axis: destination pixel d of `cell`
 * samples source pixels lo[d] and lo[d]+step[d] (step 0 at the border) with
 * weight frac[d] on the second; pixel centres are aligned. */
typedef struct Axis {
    int *lo, *step;
    float *frac;
} Axis;

static void axis_init(Axis *a, int cell, int src)
{
    a->lo = xmalloc((size_t)cell * sizeof *a->lo);
    a->step = xmalloc((size_t)cell * sizeof *a->step);
    a->frac = xmalloc((size_t)cell * sizeof *a->frac);
    for (int d = 0; d < cell; d++) {
        double s = (d + 0.5) * (double)src / cell - 0.5;
        if (s < 0)
            s = 0;
        if (s > src - 1)
            s = src - 1;
        int lo = (int)floor(s);
        a->lo[d] = lo;
        a->step[d] = lo + 1 < src ? 1 : 0;
        a->frac[d] = (float)(s - lo);
    }
}

static void axis_free(Axis *a)
{
    free(a->lo);
    free(a->step);
    free(a->frac);
}

/* A source value clamped to [0, 1], NaN as 0: clamping before interpolating keeps
 * a stray value from bleeding into its neighbours (NaN * 0 is still NaN). */
static float clamp01(float v)
{
    return v > 0 ? (v < 1 ? v : 1) : 0;
}

static uint8_t grey_byte(float v)
{
    return (uint8_t)(v * 255.0f + 0.5f); /* v in [0, 1] */
}

Canvas *image_grid(const float *x, size_t n, int rows_px, int cols_px,
                   const ImageGridLayout *lay, Err *e)
{
    if (rows_px < 1 || cols_px < 1 || rows_px > CANVAS_MAX_SIDE || cols_px > CANVAS_MAX_SIDE) {
        err_set(e, _("bad image size %dx%d for the grid"), rows_px, cols_px);
        return NULL;
    }
    int w, h;
    if (image_grid_size(n, lay, &w, &h, e) != 0)
        return NULL;
    Canvas *c = canvas_new(w, h, 0x000000ffu, e);
    if (!c)
        return NULL;
    Axis ax, ay;
    axis_init(&ax, lay->cell, cols_px);
    axis_init(&ay, lay->cell, rows_px);
    size_t dim = (size_t)rows_px * (size_t)cols_px;
    for (size_t i = 0; i < n; i++) {
        const float *img = x + i * dim; /* (rows_px, cols_px) */
        int x0, y0;
        image_grid_cell_origin(i, lay, &x0, &y0);
        for (int dy = 0; dy < lay->cell; dy++) {
            const float *r0 = img + (size_t)ay.lo[dy] * (size_t)cols_px;
            const float *r1 = r0 + (size_t)ay.step[dy] * (size_t)cols_px;
            float fy = ay.frac[dy];
            uint8_t *p = c->px + ((size_t)(y0 + dy) * (size_t)w + (size_t)x0) * 4;
            for (int dx = 0; dx < lay->cell; dx++, p += 4) {
                int a = ax.lo[dx], b = a + ax.step[dx];
                float fx = ax.frac[dx];
                float ta = clamp01(r0[a]), tb = clamp01(r0[b]);
                float ba = clamp01(r1[a]), bb = clamp01(r1[b]);
                float top = ta + (tb - ta) * fx;
                float bot = ba + (bb - ba) * fx;
                uint8_t g = grey_byte(top + (bot - top) * fy);
                p[0] = p[1] = p[2] = g;
                p[3] = 255;
            }
        }
    }
    axis_free(&ax);
    axis_free(&ay);
    return c;
}
