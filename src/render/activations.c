/* activations.c: the stacked picture of a network's feature maps (see activations.h).
 *
 * Drawn in two passes over the maps: the first lays out every band (so that the
 * picture's height is known before Cairo allocates it), the second draws. */
#include <math.h>
#include <stdio.h>

#include "untangle/core/i18n.h"
#include "untangle/render/activations.h"
#include "untangle/render/plot.h"
#include "untangle/core/xalloc.h"

#define ACT_MARGIN 12
#define ACT_TITLE 34
#define ACT_HEAD 22        /* band header line */
#define ACT_GAP 4          /* between channel images */
#define ACT_NUM 12         /* channel number under each image */
#define ACT_BAND_GAP 14    /* after each band */
#define ACT_BARS_H 90
#define ACT_STRIP_CELL 6   /* pixels per value in a long rank-1 strip */
#define ACT_INK 0x202020ffu
#define ACT_FONT 11.0

/* Where one band goes. */
typedef struct ActBand {
    int top, height;
    int cw, ch;        /* rank 3: image size; rank 1 strip: cell size */
    int per_row;       /* images or cells per row */
} ActBand;

static size_t act_count(const ActMap *m)
{
    return m->rank == 3 ? (size_t)m->h * (size_t)m->w * (size_t)m->c : (size_t)m->c;
}

static int act_valid(const ActMap *m)
{
    if (!m->v || m->c < 1 || m->c > (1 << 20))
        return 0;
    if (m->rank == 1)
        return 1;
    return m->rank == 3 && m->h >= 1 && m->w >= 1 && m->h <= 4096 && m->w <= 4096;
}

/* Integer zoom so that a map is about 56 px on its larger side, at least 1. */
static int act_zoom(int h, int w)
{
    int side = h > w ? h : w;
    int k = 56 / side;
    return k < 1 ? 1 : k > 8 ? 8 : k;
}

static void act_layout(const ActMap *m, int top, ActBand *b)
{
    int room = ACT_WIDTH - 2 * ACT_MARGIN;
    b->top = top;
    if (m->rank == 3) {
        int k = act_zoom(m->h, m->w);
        b->cw = m->w * k;
        b->ch = m->h * k;
        if (b->cw > room) {     /* a huge map: shrink to the width (smoothly) */
            b->ch = (int)((double)b->ch * room / b->cw);
            b->cw = room;
            if (b->ch < 1)
                b->ch = 1;
        }
        b->per_row = room / (b->cw + ACT_GAP);
        if (b->per_row < 1)
            b->per_row = 1;
        int rows = (m->c + b->per_row - 1) / b->per_row;
        b->height = ACT_HEAD + rows * (b->ch + ACT_NUM + ACT_GAP);
    } else if (m->c <= ACT_BARS_MAX) {
        b->cw = b->ch = 0;
        b->per_row = m->c;
        b->height = ACT_HEAD + ACT_BARS_H + ACT_NUM + 4;
    } else {
        /* one row of cells as wide as the room allows (up to 16 px), else wrapped rows
         * of ACT_STRIP_CELL squares */
        int cw = room / m->c;
        b->cw = cw > 16 ? 16 : cw < ACT_STRIP_CELL ? ACT_STRIP_CELL : cw;
        b->ch = cw >= ACT_STRIP_CELL ? 16 : ACT_STRIP_CELL;
        b->per_row = room / b->cw;
        int rows = (m->c + b->per_row - 1) / b->per_row;
        b->height = ACT_HEAD + rows * b->ch + 4;
    }
}

static uint8_t act_grey(double v, double lo, double hi)
{
    double t = hi > lo ? (v - lo) / (hi - lo) : 0;
    if (!(t > 0))
        t = 0;  /* NaN as black too */
    if (t > 1)
        t = 1;
    return (uint8_t)lround(t * 255);
}

static void act_band(Plot *p, const PlotArea *pix, const ActMap *m, const ActBand *b, Err *e)
{
    size_t n = act_count(m);
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (isfinite(m->v[i])) {
            lo = fmin(lo, m->v[i]);
            hi = fmax(hi, m->v[i]);
        }
    if (lo > hi)
        lo = hi = 0;
    char head[200];
    snprintf(head, sizeof head, _("%s   values %.3g .. %.3g"), m->label ? m->label : "", lo, hi);
    /* grey levels span the band's own range: sigmoid maps live in about 0.4..0.6
     * and would all look one grey on 0..1 (relu maps start at 0 anyway) */
    plot_text(p, ACT_MARGIN, b->top + ACT_HEAD / 2.0, head, ACT_FONT, PLOT_LEFT, ACT_INK);
    int y0 = b->top + ACT_HEAD;
    char num[24];
    if (m->rank == 3) {
        Canvas *img = canvas_new(m->w, m->h, 0, e);
        if (!img)
            return;
        for (int ch = 0; ch < m->c; ch++) {
            for (int r = 0; r < m->h; r++)
                for (int c = 0; c < m->w; c++) {
                    size_t at = ((size_t)r * (size_t)m->w + (size_t)c) * (size_t)m->c + (size_t)ch;
                    uint8_t g = act_grey(m->v[at], lo, hi);
                    uint8_t *q = img->px + ((size_t)r * (size_t)m->w + (size_t)c) * 4;
                    q[0] = q[1] = q[2] = g;
                    q[3] = 255;
                }
            int x = ACT_MARGIN + (ch % b->per_row) * (b->cw + ACT_GAP);
            int y = y0 + (ch / b->per_row) * (b->ch + ACT_NUM + ACT_GAP);
            int smooth = b->cw < m->w;
            plot_image(p, pix, img, x, y + b->ch, x + b->cw, y, smooth);
            snprintf(num, sizeof num, "%d", ch);
            if (m->c > 1)
                plot_text(p, x + b->cw / 2.0, y + b->ch + ACT_NUM / 2.0, num, 9, PLOT_CENTER,
                          0x707070ffu);
        }
        canvas_free(img);
    } else if (m->c <= ACT_BARS_MAX) {
        /* bars from 0 up (or down, for negative values) to each value */
        double bw = fmin(40, (ACT_WIDTH - 2.0 * ACT_MARGIN) / m->c);
        double lo_v = lo < 0 ? lo : 0, top_v = hi > 0 ? hi : 0;
        double scale = top_v > lo_v ? ACT_BARS_H / (top_v - lo_v) : 0;
        double base = y0 + top_v * scale; /* the pixel row of 0 */
        size_t best = 0;
        for (size_t i = 1; i < (size_t)m->c; i++)
            if (m->v[i] > m->v[best])
                best = i;
        for (int i = 0; i < m->c; i++) {
            double x = ACT_MARGIN + i * bw, v = isfinite(m->v[i]) ? m->v[i] : 0;
            double top = base - v * scale;
            uint32_t col = (size_t)i == best ? plot_palette(3) : plot_palette(0);
            plot_rect(p, pix, x + 2, base, x + bw - 2, top, col);
            snprintf(num, sizeof num, "%d", i);
            plot_text(p, x + bw / 2, y0 + ACT_BARS_H + ACT_NUM / 2.0 + 2, num, 10, PLOT_CENTER,
                      ACT_INK);
        }
        double axis[4] = {ACT_MARGIN, base + 0.5, ACT_MARGIN + bw * m->c, base + 0.5};
        plot_polyline(p, pix, axis, 2, 0, 1, ACT_INK);
    } else {
        for (int i = 0; i < m->c; i++) {
            uint8_t g = act_grey(m->v[i], lo, hi);
            uint32_t col = (uint32_t)g << 24 | (uint32_t)g << 16 | (uint32_t)g << 8 | 0xff;
            double x = ACT_MARGIN + (i % b->per_row) * b->cw;
            double y = y0 + (i / b->per_row) * b->ch;
            plot_rect(p, pix, x, y + b->ch, x + b->cw, y, col);
        }
        /* a frame, so that white cells do not vanish into the page */
        int rows = (m->c + b->per_row - 1) / b->per_row;
        double fw = (double)(rows > 1 ? b->per_row : m->c) * b->cw, fh = (double)rows * b->ch;
        double r[8] = {ACT_MARGIN - 0.5, y0 - 0.5, ACT_MARGIN + fw + 0.5, y0 - 0.5,
                       ACT_MARGIN + fw + 0.5, y0 + fh + 0.5, ACT_MARGIN - 0.5, y0 + fh + 0.5};
        plot_polyline(p, pix, r, 4, 1, 1, 0x909090ffu);
    }
}

Canvas *activations_picture(const ActMap *maps, size_t n, const char *title, Err *e)
{
    if (n == 0 || n > ACT_MAX_MAPS) {
        err_set(e, _("cannot draw %zu feature maps (1..%d)"), n, ACT_MAX_MAPS);
        return NULL;
    }
    ActBand *bands = xmalloc(n * sizeof *bands);
    long top = ACT_TITLE;
    for (size_t i = 0; i < n; i++) {
        if (!act_valid(&maps[i])) {
            free(bands);
            err_set(e, _("feature map %zu has a bad shape"), i);
            return NULL;
        }
        act_layout(&maps[i], (int)top, &bands[i]);
        top += bands[i].height + ACT_BAND_GAP;
        if (top > CANVAS_MAX_SIDE) {
            free(bands);
            err_set(e, _("the feature maps would make a picture taller than %d pixels; the "
                       "network is too large to draw whole"), CANVAS_MAX_SIDE);
            return NULL;
        }
    }
    Canvas *c = NULL;
    Plot *p = plot_new(ACT_WIDTH, (int)top, PLOT_WHITE, e);
    if (p) {
        if (title)
            plot_text(p, ACT_WIDTH / 2.0, ACT_TITLE / 2.0, title, 14, PLOT_CENTER, ACT_INK);
        PlotArea pix = plot_area(0, 0, ACT_WIDTH, (double)top, 0, ACT_WIDTH, (double)top, 0);
        for (size_t i = 0; i < n; i++)
            act_band(p, &pix, &maps[i], &bands[i], e);
        c = plot_to_canvas(p, e);
        plot_free(p);
    }
    free(bands);
    return c;
}
