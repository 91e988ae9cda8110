/* knn.c: exact k nearest neighbours from blocked sgemm distances and per-row heaps. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "untangle/interrupt.h"
#include "untangle/knn.h"
#include "untangle/xalloc.h"

/* Distances held at once: rows * n floats stay under this (32 MB), whatever n. */
#define KNN_BLOCK_FLOATS ((size_t)8 << 20)

/* (distance, index) pairs ordered lexicographically: the heap's "worse than". */
static int knn_worse(float da, uint32_t ia, float db, uint32_t ib)
{
    return da > db || (da == db && ia > ib);
}

/* Max-heap on (d, i) of capacity k: hd[0] is the worst kept candidate. */
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
        float td = hd[pos];
        uint32_t ti = hi[pos];
        hd[pos] = hd[w];
        hi[pos] = hi[w];
        hd[w] = td;
        hi[w] = ti;
        pos = w;
    }
}

/* Sorts a heap of k entries in place into increasing (d, i) order. */
static void knn_heap_sort(float *hd, uint32_t *hi, size_t k)
{
    for (size_t end = k; end > 1; end--) {
        float td = hd[0];
        uint32_t ti = hi[0];
        hd[0] = hd[end - 1];
        hi[0] = hi[end - 1];
        hd[end - 1] = td;
        hi[end - 1] = ti;
        knn_sift_down(hd, hi, end - 1, 0);
    }
}

/* Keeps the k best of one row of distances (self excluded) in hd/hi, sorted. */
static void knn_select_row(const float *g, const float *norms, size_t n, size_t self,
                           size_t k, float *hd, uint32_t *hi)
{
    size_t filled = 0;
    float ni = norms[self];
    for (size_t j = 0; j < n; j++) {
        if (j == self)
            continue;
        float dd = ni + norms[j] - 2.0f * g[j];
        if (dd < 0.0f)
            dd = 0.0f;
        if (filled < k) {
            /* Grow the heap: sift the new entry up. */
            size_t pos = filled++;
            hd[pos] = dd;
            hi[pos] = (uint32_t)j;
            while (pos > 0) {
                size_t parent = (pos - 1) / 2;
                if (!knn_worse(hd[pos], hi[pos], hd[parent], hi[parent]))
                    break;
                float td = hd[pos];
                uint32_t ti = hi[pos];
                hd[pos] = hd[parent];
                hi[pos] = hi[parent];
                hd[parent] = td;
                hi[parent] = ti;
                pos = parent;
            }
        } else if (knn_worse(hd[0], hi[0], dd, (uint32_t)j)) {
            hd[0] = dd;
            hi[0] = (uint32_t)j;
            knn_sift_down(hd, hi, k, 0);
        }
    }
    knn_heap_sort(hd, hi, k);
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
    if (rows < 1)
        rows = 1;
    if (rows > n)
        rows = n;
    size_t xbytes, gbytes;
    if (size_mul(n, d * sizeof(float), &xbytes) != 0 || size_mul(rows, n * sizeof(float), &gbytes) != 0)
        return err_set(e, "nearest neighbours of %zu points in %zu dimensions: size overflows", n, d);
    if (mem_check_budget(xbytes + gbytes, "nearest neighbours", e) != 0)
        return -1;

    int rc = -1;
    float *xc = xmalloc_floats(n * d);  /* (n, d) centred copy: smaller norms, less cancellation */
    float *g = xmalloc_floats(rows * n); /* (rows, n) dot products of one row block */
    float *norms = xmalloc_floats(n);    /* (n) squared norms of the centred rows */
    double *mean = xcalloc(d, sizeof(double));

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
        size_t nr = n - r0 < rows ? n - r0 : rows;
        /* g (nr, n) = xc[r0 : r0+nr] (nr, d) . xc^T (d, n) */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nr, (int)n, (int)d, 1.0f,
                    xc + r0 * d, (int)d, xc, (int)d, 0.0f, g, (int)n);
        for (size_t r = 0; r < nr; r++)
            knn_select_row(g + r * n, norms, n, r0 + r, k, dist2 + (r0 + r) * k,
                           idx + (r0 + r) * k);
    }
    rc = 0;
out:
    free(xc);
    free(g);
    free(norms);
    free(mean);
    return rc;
}
