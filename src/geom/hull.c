/* hull.c: convex hull of each class (Andrew's monotone chain) and its area. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "untangle/core/i18n.h"
#include "untangle/geom/geom.h"
#include "untangle/core/xalloc.h"

typedef struct HullPt {
    double x, y;
    size_t i;              /* index into the caller's point array */
} HullPt;

/* Sorted by x, then y, then index: equal points end up adjacent, the lowest index
 * first, so the kept copy of a duplicate does not depend on qsort's stability. */
static int hull_cmp(const void *pa, const void *pb)
{
    const HullPt *a = pa, *b = pb;
    if (a->x != b->x)
        return a->x < b->x ? -1 : 1;
    if (a->y != b->y)
        return a->y < b->y ? -1 : 1;
    return (a->i > b->i) - (a->i < b->i);
}

/* > 0 when o -> a -> b turns counter-clockwise. */
static double hull_cross(const HullPt *o, const HullPt *a, const HullPt *b)
{
    return (a->x - o->x) * (b->y - o->y) - (a->y - o->y) * (b->x - o->x);
}

size_t geom_convex_hull(const float *xy, const size_t *idx, size_t m, size_t *out,
                        double *area)
{
    *area = 0;
    if (m == 0)
        return 0;
    HullPt *p = xmalloc(m * sizeof *p);
    for (size_t j = 0; j < m; j++) {
        size_t i = idx ? idx[j] : j;
        p[j] = (HullPt){xy[2 * i], xy[2 * i + 1], i};
    }
    qsort(p, m, sizeof *p, hull_cmp);

    size_t u = 1;                       /* drop duplicates, keeping the lowest index */
    for (size_t j = 1; j < m; j++)
        if (p[j].x != p[u - 1].x || p[j].y != p[u - 1].y)
            p[u++] = p[j];

    if (u < 3) {                        /* 1 or 2 distinct points: no area */
        for (size_t j = 0; j < u; j++)
            out[j] = p[j].i;
        free(p);
        return u;
    }

    /* Lower chain left to right, then upper chain right to left; a point that does
     * not make a strict left turn is popped, so collinear points never stay. The
     * chain needs room for 2u points; the last one repeats the first. */
    HullPt **h = xmalloc(2 * u * sizeof *h);
    size_t k = 0;
    for (size_t j = 0; j < u; j++) {
        while (k >= 2 && hull_cross(h[k - 2], h[k - 1], &p[j]) <= 0)
            k--;
        h[k++] = &p[j];
    }
    size_t lower = k + 1;
    for (size_t j = u - 1; j-- > 0;) {
        while (k >= lower && hull_cross(h[k - 2], h[k - 1], &p[j]) <= 0)
            k--;
        h[k++] = &p[j];
    }
    k--;                                /* the first point came back at the end */

    double a2 = 0;
    for (size_t j = 0; j < k; j++) {
        const HullPt *s = h[j], *t = h[(j + 1) % k];
        out[j] = s->i;
        a2 += s->x * t->y - t->x * s->y;
    }
    /* All points collinear: the chain folds back to the 2 extremes, area 0. */
    *area = k >= 3 ? 0.5 * a2 : 0;
    free(h);
    free(p);
    return k;
}

int geom_hulls(const float *xy, const uint8_t *labels, size_t n, GeomHulls *out, Err *e)
{
    memset(out, 0, sizeof *out);
    if (geom_check_finite(xy, n, e) < 0)
        return -1;
    int nc = geom_n_classes(labels, n);
    out->n_classes = nc;
    if (nc <= 0) /* never negative, but gcc -O1 sizes the copies below from it */
        return 0;
    out->cls = xcalloc((size_t)nc, sizeof *out->cls);
    out->storage = xmalloc(n * sizeof *out->storage);

    /* Indices grouped by class (a counting sort, in index order within a class). */
    size_t *start = xcalloc((size_t)nc + 1, sizeof *start);
    size_t *order = xmalloc(n * sizeof *order);
    for (size_t i = 0; i < n; i++)
        start[labels[i] + 1]++;
    for (int c = 0; c < nc; c++)
        start[c + 1] += start[c];
    size_t *fill = xmalloc((size_t)nc * sizeof *fill);
    memcpy(fill, start, (size_t)nc * sizeof *fill);
    for (size_t i = 0; i < n; i++)
        order[fill[labels[i]]++] = i;

    /* A class's hull has at most as many vertices as the class has points, so the
     * class's slice of storage is enough. */
    for (int c = 0; c < nc; c++) {
        GeomHull *h = &out->cls[c];
        h->count = start[c + 1] - start[c];
        h->vertices = out->storage + start[c];
        h->n_vertices = geom_convex_hull(xy, order + start[c], h->count, h->vertices,
                                         &h->area);
        h->degenerate = h->n_vertices < 3;
    }
    free(fill);
    free(order);
    free(start);
    return 0;
}

void geom_hulls_free(GeomHulls *h)
{
    if (!h)
        return;
    free(h->cls);
    free(h->storage);
    memset(h, 0, sizeof *h);
}

int geom_check_finite(const float *xy, size_t n, Err *e)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(xy[2 * i]) || !isfinite(xy[2 * i + 1]))
            return err_set(e, _("point %zu of the embedding is not a finite number (%g, %g); "
                           "run t-SNE again, maybe with a smaller learning rate or "
                           "perplexity"), i, (double)xy[2 * i], (double)xy[2 * i + 1]);
    return 0;
}

int geom_n_classes(const uint8_t *labels, size_t n)
{
    int mx = -1;
    for (size_t i = 0; i < n; i++)
        if (labels[i] > mx)
            mx = labels[i];
    return mx + 1;
}
