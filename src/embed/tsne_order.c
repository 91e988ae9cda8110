/* tsne_order.c: the points renumbered along a space-filling curve of the embedding.
 *
 * The attraction reads, for each point, the positions of its neighbours in P, and the
 * FFT repulsion the grid cells around each point. In the data's order those reads
 * jump across all the positions (and, for many points, out of the caches); once the
 * map has formed, a point's neighbours in P are near it on the map, so numbering the
 * points along a Z-order curve of the map puts them near it in memory as well. The
 * descent renumbers the points now and then (tsne.c); the order depends only on the
 * positions, so results stay the same for any thread count. */
#include <stdlib.h>
#include <string.h>

#include "tsne_internal.h"
#include "untangle/core/xalloc.h"

#define ORDER_BITS 16 /* cells per axis of the curve: 2^16 */

static int order_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

void tsne_spatial_order(const double *y, size_t n, uint32_t *order)
{
    double lo[2] = {y[0], y[1]}, hi[2] = {y[0], y[1]};
    for (size_t i = 1; i < n; i++)
        for (int a = 0; a < 2; a++) {
            double v = y[2 * i + a];
            lo[a] = v < lo[a] ? v : lo[a];
            hi[a] = v > hi[a] ? v : hi[a];
        }
    double w = hi[0] - lo[0] > hi[1] - lo[1] ? hi[0] - lo[0] : hi[1] - lo[1];
    double scale = w > 0 ? ((double)(1u << ORDER_BITS) - 1.0) / w : 0.0;
    /* key: the cell's Z-order number, then the point's index (ties in index order) */
    uint64_t *key = xmalloc(n * sizeof(uint64_t));
    for (size_t i = 0; i < n; i++) {
        double u = (y[2 * i] - lo[0]) * scale, v = (y[2 * i + 1] - lo[1]) * scale;
        uint32_t cx = u > 0 ? (uint32_t)u : 0, cy = v > 0 ? (uint32_t)v : 0;
        /* 16 bits an axis: the code fits in 32 */
        uint32_t z = (uint32_t)(tsne_morton_spread(cx & 0xffffu) |
                                tsne_morton_spread(cy & 0xffffu) << 1);
        key[i] = (uint64_t)z << 32 | (uint64_t)i;
    }
    qsort(key, n, sizeof(uint64_t), order_cmp);
    for (size_t r = 0; r < n; r++)
        order[r] = (uint32_t)(key[r] & UINT32_MAX);
    free(key);
}

void tsne_permute_pairs(double *v, size_t n, const uint32_t *order, double *scratch)
{
    for (size_t r = 0; r < n; r++) {
        scratch[2 * r] = v[2 * (size_t)order[r]];
        scratch[2 * r + 1] = v[2 * (size_t)order[r] + 1];
    }
    memcpy(v, scratch, 2 * n * sizeof(double));
}
