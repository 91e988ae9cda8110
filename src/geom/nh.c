/* nh.c: exact k nearest neighbours in 2-D on a uniform grid, and the Neighborhood
 * Hit of the lab.
 *
 * The grid has about n/2 square cells over the bounding box, so a cell holds a
 * couple of points. Each query visits rings of cells around its own cell, nearest
 * ring first, and stops once its k-th best distance is strictly below the distance
 * to any cell not yet visited: a point further away cannot enter the list, nor can
 * one at the same distance (which would need a smaller index to win the tie). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "untangle/core/i18n.h"
#include "untangle/geom/geom.h"
#include "untangle/core/xalloc.h"

typedef struct Grid {
    double x0, y0, cell;    /* origin and side of a cell */
    long gx, gy;            /* cells per row, rows */
    size_t *start;          /* (gx*gy + 1) first slot of each cell in idx */
    size_t *idx;            /* (n) point indices, by cell, ascending in a cell */
} Grid;

static long grid_coord(double v, double v0, double cell, long g)
{
    double c = floor((v - v0) / cell);
    if (!(c >= 0))
        return 0;
    return c >= (double)(g - 1) ? g - 1 : (long)c;
}

static void grid_build(Grid *g, const float *xy, size_t n)
{
    double xmin = xy[0], xmax = xy[0], ymin = xy[1], ymax = xy[1];
    for (size_t i = 1; i < n; i++) {
        xmin = fmin(xmin, xy[2 * i]);
        xmax = fmax(xmax, xy[2 * i]);
        ymin = fmin(ymin, xy[2 * i + 1]);
        ymax = fmax(ymax, xy[2 * i + 1]);
    }
    double w = xmax - xmin, h = ymax - ymin;
    /* Area per cell about 2 points; the second term keeps a flat (h = 0) set from
     * asking for a cell of side 0, and bounds the cells per side by n/2 + 1. */
    double half = 0.5 * (double)n;
    double cell = fmax(sqrt(w * h / half), fmax(w, h) / half);
    g->x0 = xmin;
    g->y0 = ymin;
    if (!(cell > 0) || !isfinite(cell)) {       /* all points equal: one cell */
        g->cell = 1;
        g->gx = g->gy = 1;
    } else {
        g->cell = cell;
        g->gx = (long)floor(w / cell) + 1;
        g->gy = (long)floor(h / cell) + 1;
    }
    size_t cells = (size_t)g->gx * (size_t)g->gy;
    g->start = xcalloc(cells + 1, sizeof *g->start);
    g->idx = xmalloc(n * sizeof *g->idx);
    size_t *cell_of = xmalloc(n * sizeof *cell_of);
    for (size_t i = 0; i < n; i++) {
        long cx = grid_coord(xy[2 * i], g->x0, g->cell, g->gx);
        long cy = grid_coord(xy[2 * i + 1], g->y0, g->cell, g->gy);
        cell_of[i] = (size_t)cy * (size_t)g->gx + (size_t)cx;
        g->start[cell_of[i] + 1]++;
    }
    for (size_t c = 0; c < cells; c++)
        g->start[c + 1] += g->start[c];
    size_t *fill = xmalloc(cells * sizeof *fill);
    memcpy(fill, g->start, cells * sizeof *fill);
    for (size_t i = 0; i < n; i++)
        g->idx[fill[cell_of[i]]++] = i;
    free(fill);
    free(cell_of);
}

static void grid_free(Grid *g)
{
    free(g->start);
    free(g->idx);
}

/* The k best so far, sorted by (distance, index). */
typedef struct Best {
    size_t k, len;
    double *d2;
    size_t *id;
} Best;

static void best_offer(Best *b, double d2, size_t id)
{
    if (b->len == b->k &&
        (d2 > b->d2[b->k - 1] || (d2 == b->d2[b->k - 1] && id > b->id[b->k - 1])))
        return;
    size_t j = b->len < b->k ? b->len++ : b->k - 1;
    while (j > 0 && (b->d2[j - 1] > d2 || (b->d2[j - 1] == d2 && b->id[j - 1] > id))) {
        b->d2[j] = b->d2[j - 1];
        b->id[j] = b->id[j - 1];
        j--;
    }
    b->d2[j] = d2;
    b->id[j] = id;
}

static void grid_scan_cell(const Grid *g, const float *xy, size_t q, long cx, long cy,
                           Best *b)
{
    if (cx < 0 || cy < 0 || cx >= g->gx || cy >= g->gy)
        return;
    size_t c = (size_t)cy * (size_t)g->gx + (size_t)cx;
    double qx = xy[2 * q], qy = xy[2 * q + 1];
    for (size_t s = g->start[c]; s < g->start[c + 1]; s++) {
        size_t i = g->idx[s];
        if (i == q)
            continue;
        double dx = (double)xy[2 * i] - qx, dy = (double)xy[2 * i + 1] - qy;
        best_offer(b, dx * dx + dy * dy, i);
    }
}

static void grid_query(const Grid *g, const float *xy, size_t q, Best *b)
{
    double qx = xy[2 * q], qy = xy[2 * q + 1];
    long cx = grid_coord(qx, g->x0, g->cell, g->gx);
    long cy = grid_coord(qy, g->y0, g->cell, g->gy);
    b->len = 0;
    for (long r = 0;; r++) {
        if (r == 0) {
            grid_scan_cell(g, xy, q, cx, cy, b);
        } else {
            for (long x = cx - r; x <= cx + r; x++) {
                grid_scan_cell(g, xy, q, x, cy - r, b);
                grid_scan_cell(g, xy, q, x, cy + r, b);
            }
            for (long y = cy - r + 1; y <= cy + r - 1; y++) {
                grid_scan_cell(g, xy, q, cx - r, y, b);
                grid_scan_cell(g, xy, q, cx + r, y, b);
            }
        }
        /* Distance from q to the nearest cell outside the block of rings 0..r, on
         * the sides where the grid goes on; computed from q itself (not r * cell) so
         * that rounding in grid_coord cannot make it optimistic. */
        int covered = 1;
        double gap = INFINITY;
        if (cx - r > 0) {
            covered = 0;
            gap = fmin(gap, qx - (g->x0 + (double)(cx - r) * g->cell));
        }
        if (cx + r < g->gx - 1) {
            covered = 0;
            gap = fmin(gap, g->x0 + (double)(cx + r + 1) * g->cell - qx);
        }
        if (cy - r > 0) {
            covered = 0;
            gap = fmin(gap, qy - (g->y0 + (double)(cy - r) * g->cell));
        }
        if (cy + r < g->gy - 1) {
            covered = 0;
            gap = fmin(gap, g->y0 + (double)(cy + r + 1) * g->cell - qy);
        }
        if (covered)
            return;
        if (b->len == b->k && gap > 0 && b->d2[b->k - 1] < gap * gap)
            return;
    }
}

/* k in range and the (n, k) lists within the memory budget. */
static int knn_check(size_t n, size_t k, Err *e)
{
    if (n < 2 || k < 1 || k >= n)
        return err_set(e, _("k %zu is out of range for %zu points; k must be 1..%zu"), k, n,
                       n > 1 ? n - 1 : 0);
    size_t bytes;
    if (size_mul(n, k, &bytes) < 0 || size_mul(bytes, sizeof(size_t), &bytes) < 0)
        return err_set(e, _("k %zu for %zu points is too large; use a smaller k"), k, n);
    return mem_check_budget(bytes, _("the nearest-neighbour lists"), e);
}

int geom_knn(const float *xy, size_t n, size_t k, size_t *out, Err *e)
{
    if (knn_check(n, k, e) < 0 || geom_check_finite(xy, n, e) < 0)
        return -1;
    Grid g;
    grid_build(&g, xy, n);
    Best b = {k, 0, xmalloc(k * sizeof(double)), xmalloc(k * sizeof(size_t))};
    for (size_t q = 0; q < n; q++) {
        grid_query(&g, xy, q, &b);
        memcpy(out + q * k, b.id, k * sizeof *out);
    }
    free(b.d2);
    free(b.id);
    grid_free(&g);
    return 0;
}

int geom_nh(const float *xy, const uint8_t *labels, size_t n, size_t k, GeomNH *out,
            Err *e)
{
    memset(out, 0, sizeof *out);
    if (knn_check(n, k, e) < 0)
        return -1;
    size_t *nb = xmalloc(n * k * sizeof *nb);   /* (n, k); checked by knn_check */
    if (geom_knn(xy, n, k, nb, e) < 0) {
        free(nb);
        return -1;
    }
    int nc = geom_n_classes(labels, n);
    out->k = (int)k;
    out->n_classes = nc;
    out->count = xcalloc((size_t)nc, sizeof *out->count);
    out->per_class = xcalloc((size_t)nc, sizeof *out->per_class);
    /* Hits are counted as integers and divided once, so the figures are exact
     * fractions of k whatever the order. */
    size_t total_hits = 0;
    size_t *hits = xcalloc((size_t)nc, sizeof *hits);
    for (size_t i = 0; i < n; i++) {
        size_t h = 0;
        for (size_t j = 0; j < k; j++)
            h += labels[nb[i * k + j]] == labels[i];
        hits[labels[i]] += h;
        out->count[labels[i]]++;
        total_hits += h;
    }
    out->global = (double)total_hits / ((double)n * (double)k);
    for (int c = 0; c < nc; c++)
        out->per_class[c] = out->count[c]
                                ? (double)hits[c] / ((double)out->count[c] * (double)k)
                                : NAN;
    free(hits);
    free(nb);
    return 0;
}

void geom_nh_free(GeomNH *nh)
{
    if (!nh)
        return;
    free(nh->count);
    free(nh->per_class);
    memset(nh, 0, sizeof *nh);
}
