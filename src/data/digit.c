/* digit.c: normalising a person's own digit as MNIST's were (see digit.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "untangle/core/i18n.h"
#include "untangle/data/digit.h"
#include "untangle/core/xalloc.h"

/* Grey level in [0, 1] of every pixel, alpha composited on white: (h, w). */
static float *dg_grey(const Canvas *img)
{
    size_t n = (size_t)img->w * (size_t)img->h;
    float *g = xmalloc_floats(n);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = img->px + 4 * i;
        double lum = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
        double a = p[3] / 255.0;
        g[i] = (float)((a * lum + (1 - a) * 255.0) / 255.0);
    }
    return g;
}

static int dg_cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Mean and median of the border ring `b` pixels thick. */
static void dg_border(const float *g, int w, int h, int b, double *mean, double *median)
{
    size_t cap = 0;
    for (int y = 0; y < h; y++)
        cap += (y < b || y >= h - b) ? (size_t)w : (size_t)(2 * b < w ? 2 * b : w);
    float *ring = xmalloc_floats(cap);
    size_t n = 0;
    double sum = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            if (!(y < b || y >= h - b || x < b || x >= w - b))
                continue;
            float v = g[(size_t)y * (size_t)w + (size_t)x];
            ring[n++] = v;
            sum += v;
        }
    qsort(ring, n, sizeof *ring, dg_cmp_float);
    *mean = sum / (double)n;
    *median = n % 2 ? ring[n / 2] : 0.5 * ((double)ring[n / 2 - 1] + ring[n / 2]);
    free(ring);
}

/* Area averaging along one axis: src has `sn` samples `sstride` apart, dst gets `dn`
 * samples `dstride` apart; dst sample d is the mean of src over [d*r, (d+1)*r) with
 * r = sn / dn, partial pixels weighted by their overlap. */
static void dg_area_1d(const float *src, size_t sn, size_t sstride, float *dst, size_t dn,
                       size_t dstride)
{
    double r = (double)sn / (double)dn;
    for (size_t d = 0; d < dn; d++) {
        double a = (double)d * r, b = (double)(d + 1) * r, sum = 0;
        size_t s0 = (size_t)floor(a), s1 = (size_t)ceil(b);
        if (s1 > sn)
            s1 = sn;
        for (size_t s = s0; s < s1; s++) {
            double lo = fmax(a, (double)s), hi = fmin(b, (double)(s + 1));
            if (hi > lo)
                sum += (hi - lo) * src[s * sstride];
        }
        dst[d * dstride] = (float)(sum / r);
    }
}

/* Centre of mass of v (h, w) in pixel indices; the middle when v sums to 0. */
static double dg_com(const float *v, int w, int h, double *cx, double *cy)
{
    double s = 0, sx = 0, sy = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double t = v[(size_t)y * (size_t)w + (size_t)x];
            s += t;
            sx += t * x;
            sy += t * y;
        }
    *cx = s > 0 ? sx / s : (w - 1) / 2.0;
    *cy = s > 0 ? sy / s : (h - 1) / 2.0;
    return s;
}

/* The whole-pixel offset placing a box of `size` with centre of mass `com` nearest
 * DIGIT_CENTRE, clamped so that the box stays inside the field. */
static int dg_offset(double com, int size)
{
    int o = (int)lround(DIGIT_CENTRE - com);
    if (o < 0)
        o = 0;
    if (o > DIGIT_SIDE - size)
        o = DIGIT_SIDE - size;
    return o;
}

int digit_normalize(const Canvas *img, float *out, DigitInfo *info, Err *e)
{
    if (!img || !img->px || img->w < 1 || img->h < 1)
        return err_set(e, _("the picture is empty"));
    int w = img->w, h = img->h;
    DigitInfo di;
    memset(&di, 0, sizeof di);
    float *g = dg_grey(img), *crop = NULL, *mid = NULL, *box = NULL;
    int rc = -1;

    /* 2. polarity, from the border */
    int small = w < h ? w : h;
    int b = (int)lround(small * DIGIT_BORDER_SHARE);
    if (b < 1)
        b = 1;
    double mean, median;
    dg_border(g, w, h, b, &mean, &median);
    di.border_mean = mean;
    di.inverted = mean > 0.5;
    size_t n = (size_t)w * (size_t)h;
    double bg = di.inverted ? 1 - median : median, peak = 0;
    for (size_t i = 0; i < n; i++) {
        if (di.inverted)
            g[i] = 1 - g[i];
        if (g[i] > peak)
            peak = g[i];
    }
    /* 3. contrast */
    if (peak - bg < DIGIT_MIN_CONTRAST) {
        err_set(e, _("no ink found: the picture is %s all over; draw the digit in a colour "
                   "that stands out from its background"),
                peak - bg < 1e-3 ? _("one uniform shade") : _("nearly one shade"));
        goto out;
    }
    int x0 = w, y0 = h, x1 = -1, y1 = -1;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float *v = &g[(size_t)y * (size_t)w + (size_t)x];
            double t = (*v - bg) / (peak - bg);
            t = t < DIGIT_NOISE ? 0 : t > 1 ? 1 : t;
            *v = (float)t;
            if (t > DIGIT_INK_THRESHOLD) {
                x0 = x < x0 ? x : x0;
                x1 = x > x1 ? x : x1;
                y0 = y < y0 ? y : y0;
                y1 = y > y1 ? y : y1;
            }
        }
    if (x1 < 0) {
        err_set(e, _("no ink found: nothing stands out from the background; draw the digit "
                   "darker (or, on a dark background, lighter)"));
        goto out;
    }
    /* 4. crop */
    int bw = x1 - x0 + 1, bh = y1 - y0 + 1;
    di.box_x = x0, di.box_y = y0, di.box_w = bw, di.box_h = bh;
    crop = xmalloc_floats((size_t)bw * (size_t)bh);   /* (bh, bw) */
    for (int y = 0; y < bh; y++)
        memcpy(crop + (size_t)y * (size_t)bw, g + (size_t)(y0 + y) * (size_t)w + (size_t)x0,
               (size_t)bw * sizeof *crop);
    /* 5. scale: larger side DIGIT_BOX, aspect kept */
    double s = (double)DIGIT_BOX / (bw > bh ? bw : bh);
    int tw = (int)lround(bw * s), th = (int)lround(bh * s);
    tw = tw < 1 ? 1 : tw > DIGIT_BOX ? DIGIT_BOX : tw;
    th = th < 1 ? 1 : th > DIGIT_BOX ? DIGIT_BOX : th;
    di.scaled_w = tw, di.scaled_h = th;
    mid = xmalloc_floats((size_t)bh * (size_t)tw);    /* (bh, tw): rows first */
    for (int y = 0; y < bh; y++)
        dg_area_1d(crop + (size_t)y * (size_t)bw, (size_t)bw, 1, mid + (size_t)y * (size_t)tw,
                   (size_t)tw, 1);
    box = xmalloc_floats((size_t)th * (size_t)tw);    /* (th, tw) */
    for (int x = 0; x < tw; x++)
        dg_area_1d(mid + x, (size_t)bh, (size_t)tw, box + x, (size_t)th, (size_t)tw);
    /* 6. place by the centre of mass */
    double cx, cy;
    dg_com(box, tw, th, &cx, &cy);
    di.off_x = dg_offset(cx, tw);
    di.off_y = dg_offset(cy, th);
    memset(out, 0, DIGIT_PIXELS * sizeof *out);
    for (int y = 0; y < th; y++)
        for (int x = 0; x < tw; x++) {
            float v = box[(size_t)y * (size_t)tw + (size_t)x];
            out[(y + di.off_y) * DIGIT_SIDE + x + di.off_x] = v < 0 ? 0 : v > 1 ? 1 : v;
        }
    dg_com(out, DIGIT_SIDE, DIGIT_SIDE, &di.com_x, &di.com_y);
    if (info)
        *info = di;
    rc = 0;
out:
    free(g);
    free(crop);
    free(mid);
    free(box);
    return rc;
}
