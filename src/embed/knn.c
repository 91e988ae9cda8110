/* knn.c: exact k nearest neighbours from blocked sgemm distances and per-point heaps.
 *
 * Distances are symmetric, so only the upper part of the n x n matrix is formed: one
 * block of rows at a time against the columns from the block onwards. Each computed
 * d(i, j) is offered to the heap of i (scanning the block's rows) and to the heap of
 * j (scanning its columns, in tiles for locality). A heap keeps the k smallest
 * (distance, index) pairs in lexicographic order, so the result does not depend on
 * the order in which candidates arrive. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "untangle/interrupt.h"
#include "untangle/knn.h"
#include "untangle/xalloc.h"

/* Distances held at once: rows * n floats stay under this (32 MB), whatever n. */
#define KNN_BLOCK_FLOATS ((size_t)8 << 20)
#define KNN_MAX_ROWS 1024   /* larger blocks do not make sgemm faster */
#define KNN_TILE 64         /* columns offered together to their heaps */

typedef struct Heaps {
    size_t k;
    float *d;        /* (n, k) max-heaps, then sorted rows: the output dist2 */
    uint32_t *i;     /* (n, k) the output idx */
    uint32_t *count; /* (n) entries held */
    float *worst_d;  /* (n) the top of a full heap; +inf while filling */
    uint32_t *worst_i;
} Heaps;

/* (distance, index) pairs ordered lexicographically: a is worse than b. */
static int knn_worse(float da, uint32_t ia, float db, uint32_t ib)
{
    return da > db || (da == db && ia > ib);
}

static void knn_swap(float *hd, uint32_t *hi, size_t a, size_t b)
{
    float td = hd[a];
    uint32_t ti = hi[a];
    hd[a] = hd[b];
    hi[a] = hi[b];
    hd[b] = td;
    hi[b] = ti;
}

static void knn_sift_down(float *hd, uint32_t *hi, size_t k, size_t pos)
{
    for (;;) {
        size_t l = 2 * pos + 1, r = l + 1, w = pos;
        if (l < k && knn_worse(hd[l], hi[l], hd[w], hi[w]))
            w = l;
        if (r < k && knn_worse(hd[r], hi[r], hd[w], hi[w]))
            w = r;
        if (w == pos)
            return;
        knn_swap(hd, hi, pos, w);
        pos = w;
    }
}

/* Offers candidate (dd, j) to the heap of point p; the caller has checked that it
 * beats the current worst. */
static void knn_offer(Heaps *h, size_t p, float dd, uint32_t j)
{
    size_t k = h->k;
    float *hd = h->d + p * k;
    uint32_t *hi = h->i + p * k;
    if (h->count[p] < k) {
        size_t pos = h->count[p]++;
        hd[pos] = dd;
        hi[pos] = j;
        while (pos > 0) {
            size_t parent = (pos - 1) / 2;
            if (!knn_worse(hd[pos], hi[pos], hd[parent], hi[parent]))
                break;
            knn_swap(hd, hi, pos, parent);
            pos = parent;
        }
        if (h->count[p] < k)
            return;
    } else {
        hd[0] = dd;
        hi[0] = j;
        knn_sift_down(hd, hi, k, 0);
    }
    h->worst_d[p] = hd[0];
    h->worst_i[p] = hi[0];
}

static inline int knn_beats(const Heaps *h, size_t p, float dd, uint32_t j)
{
    return dd < h->worst_d[p] || (dd == h->worst_d[p] && j < h->worst_i[p]);
}

/* Sorts a heap of k entries in place into increasing (d, i) order. */
static void knn_heap_sort(float *hd, uint32_t *hi, size_t k)
{
    for (size_t end = k; end > 1; end--) {
        knn_swap(hd, hi, 0, end - 1);
        knn_sift_down(hd, hi, end - 1, 0);
    }
}

int knn_exact(const float *x, size_t n, size_t d, size_t k, uint32_t *idx, float *dist2,
              Err *e)
{
    if (n < 2 || n >= UINT32_MAX)
        return err_set(e, "nearest neighbours need between 2 and %u points, not %zu",
                       UINT32_MAX - 1, n);
    if (k < 1 || k > n - 1)
        return err_set(e, "cannot find %zu nearest neighbours among %zu points; use k between 1 and %zu",
                       k, n, n - 1);
    if (d < 1 || d > (size_t)INT32_MAX || n > (size_t)INT32_MAX)
        return err_set(e, "nearest neighbours: dimension %zu or size %zu out of range", d, n);

    size_t rows = KNN_BLOCK_FLOATS / n;
    rows = rows < 1 ? 1 : rows > KNN_MAX_ROWS ? KNN_MAX_ROWS : rows;
    rows = rows > n ? n : rows;
    size_t xbytes, gbytes;
    if (size_mul(n, d * sizeof(float), &xbytes) != 0 || size_mul(rows, n * sizeof(float), &gbytes) != 0)
        return err_set(e, "nearest neighbours of %zu points in %zu dimensions: size overflows", n, d);
    if (mem_check_budget(xbytes + gbytes, "nearest neighbours", e) != 0)
        return -1;

    int rc = -1;
    float *xc = xmalloc_floats(n * d);  /* (n, d) centred copy: smaller norms, less cancellation */
    float *g = xmalloc_floats(rows * n); /* (rows, n - r0) block of the upper part */
    float *norms = xmalloc_floats(n);    /* (n) squared norms of the centred rows */
    double *mean = xcalloc(d, sizeof(double));
    Heaps h = {k, dist2, idx, xcalloc(n, sizeof(uint32_t)), xmalloc_floats(n),
               xmalloc(n * sizeof(uint32_t))};
    for (size_t i = 0; i < n; i++) {
        h.worst_d[i] = INFINITY;
        h.worst_i[i] = UINT32_MAX;
    }

    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < d; c++)
            mean[c] += x[i * d + c];
    for (size_t c = 0; c < d; c++)
        mean[c] /= (double)n;
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (size_t c = 0; c < d; c++) {
            float v = x[i * d + c] - (float)mean[c];
            xc[i * d + c] = v;
            s += (double)v * v;
        }
        norms[i] = (float)s;
    }

    for (size_t r0 = 0; r0 < n; r0 += rows) {
        if (interrupt_pending()) {
            err_interrupted(e, "the nearest neighbour search");
            goto out;
        }
        size_t nr = n - r0 < rows ? n - r0 : rows, w = n - r0;
        /* g (nr, w) = xc[r0 : r0+nr] (nr, d) . xc[r0 : n]^T (d, w) */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nr, (int)w, (int)d, 1.0f,
                    xc + r0 * d, (int)d, xc + r0 * d, (int)d, 0.0f, g, (int)w);
        /* Distances in place: d(i, j) = |i|^2 + |j|^2 - 2 i.j, clamped at 0. */
        for (size_t r = 0; r < nr; r++) {
            float *row = g + r * w, ni = norms[r0 + r];
            const float *nj = norms + r0;
            for (size_t c = 0; c < w; c++) {
                float dd = ni + nj[c] - 2.0f * row[c];
                row[c] = dd > 0.0f ? dd : 0.0f;
            }
        }
        /* Each row of the block takes the candidates of its row... */
        for (size_t r = 0; r < nr; r++) {
            const float *row = g + r * w;
            size_t p = r0 + r;
            for (size_t c = 0; c < w; c++) {
                uint32_t j = (uint32_t)(r0 + c);
                if (j != p && knn_beats(&h, p, row[c], j))
                    knn_offer(&h, p, row[c], j);
            }
        }
        /* ...and each later point takes the block's rows from its column. */
        for (size_t c0 = nr; c0 < w; c0 += KNN_TILE) {
            size_t c1 = w - c0 < KNN_TILE ? w : c0 + KNN_TILE;
            for (size_t r = 0; r < nr; r++) {
                const float *row = g + r * w;
                uint32_t j = (uint32_t)(r0 + r);
                for (size_t c = c0; c < c1; c++)
                    if (knn_beats(&h, r0 + c, row[c], j))
                        knn_offer(&h, r0 + c, row[c], j);
            }
        }
    }
    for (size_t p = 0; p < n; p++)
        knn_heap_sort(dist2 + p * k, idx + p * k, k);
    rc = 0;
out:
    free(xc);
    free(g);
    free(norms);
    free(mean);
    free(h.count);
    free(h.worst_d);
    free(h.worst_i);
    return rc;
}
