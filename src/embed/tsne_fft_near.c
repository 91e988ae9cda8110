/* tsne_fft_near.c: the near field of the split FFT repulsion.
 *
 * Once the embedding is wide, the grid of tsne_fft.c only takes the far parts of the
 * kernels (smooth, so coarse intervals interpolate them well), and the pairs closer than
 * the radius R get the rest, g - far, exactly. The points are sorted into square cells
 * of side R / 2 (row by row, by index within a cell); a point's partners all lie in the
 * 5 x 5 cells around its own, which are five runs of the sorted points, swept 8 at a
 * time on float vectors with the pairs beyond R masked out. The 8 partial sums are added
 * in a fixed order in double, so the result does not depend on the threads. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tsne_internal.h"
#include "untangle/core/xalloc.h"

#define NEAR_LANES 8
#define NEAR_REACH 2         /* cells on each side: cells of R / 2 */
#define NEAR_CHUNK 256       /* points per task */
#define NEAR_MAX_CELLS (1u << 22) /* cells per side product, at most (beyond: larger cells) */

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define NEAR_KERNEL __attribute__((target_clones("avx2", "default")))
#else
#define NEAR_KERNEL
#endif

typedef float v8f __attribute__((vector_size(NEAR_LANES * sizeof(float))));
typedef int32_t v8i __attribute__((vector_size(NEAR_LANES * sizeof(int32_t))));

struct TsneNear {
    size_t n;
    float *sx, *sy;         /* (n + NEAR_LANES) sorted coordinates, padded */
    uint32_t *order;        /* (n) original index of each sorted point */
    uint32_t *cell;         /* (n) cell of each original point */
    uint32_t *start;        /* (cells + 1) each cell's run in the sorted points */
    size_t cap_cells;
};

TsneNear *tsne_near_new(size_t n)
{
    TsneNear *nr = xcalloc(1, sizeof *nr);
    nr->n = n;
    nr->sx = xmalloc_floats(n + NEAR_LANES);
    nr->sy = xmalloc_floats(n + NEAR_LANES);
    nr->order = xmalloc(n * sizeof(uint32_t));
    nr->cell = xmalloc(n * sizeof(uint32_t));
    return nr;
}

void tsne_near_free(TsneNear *nr)
{
    if (!nr)
        return;
    free(nr->sx);
    free(nr->sy);
    free(nr->order);
    free(nr->cell);
    free(nr->start);
    free(nr);
}

typedef struct NearCtx {
    const TsneNear *nr;
    const float *y;
    size_t ncx, ncy;
    float rho0;
    float c1[3], c2[3];  /* far polynomials of K and K^2 */
    double *rep, *z;
} NearCtx;

static double near_hsum(const v8f *v)
{
    double s = 0;
    for (int a = 0; a < NEAR_LANES; a++)
        s += (double)(*v)[a];
    return s;
}

/* Sorted points b .. e-1: their near sums. */
NEAR_KERNEL static void near_points(void *vctx, size_t b, size_t e, int worker)
{
    (void)worker;
    const NearCtx *c = vctx;
    const TsneNear *nr = c->nr;
    const v8i lane = {0, 1, 2, 3, 4, 5, 6, 7};
    for (size_t s = b; s < e; s++) {
        uint32_t i = nr->order[s];
        size_t cx = nr->cell[i] % c->ncx, cy = nr->cell[i] / c->ncx;
        size_t x0 = cx >= NEAR_REACH ? cx - NEAR_REACH : 0;
        size_t x1 = cx + NEAR_REACH < c->ncx ? cx + NEAR_REACH : c->ncx - 1;
        size_t y0 = cy >= NEAR_REACH ? cy - NEAR_REACH : 0;
        size_t y1 = cy + NEAR_REACH < c->ncy ? cy + NEAR_REACH : c->ncy - 1;
        const v8f px = (v8f){0} + nr->sx[s], py = (v8f){0} + nr->sy[s];
        const v8f r0 = (v8f){0} + c->rho0;
        v8f z = {0}, fx = {0}, fy = {0};
        for (size_t row = y0; row <= y1; row++) {
            uint32_t a = nr->start[row * c->ncx + x0], end = nr->start[row * c->ncx + x1 + 1];
            for (uint32_t t = a; t < end; t += NEAR_LANES) {
                v8f lx, ly;
                memcpy(&lx, nr->sx + t, sizeof lx);
                memcpy(&ly, nr->sy + t, sizeof ly);
                v8f dx = px - lx, dy = py - ly;
                v8f rho = dx * dx + dy * dy;
                v8i in = (rho < r0) & (lane < (v8i){0} + (int32_t)(end - t));
                v8f k1 = 1.0f / (1.0f + rho), k2 = k1 * k1, u = rho - r0;
                v8f n1 = k1 - (c->c1[0] + u * (c->c1[1] + u * c->c1[2]));
                v8f n2 = k2 - (c->c2[0] + u * (c->c2[1] + u * c->c2[2]));
                n1 = (v8f)((v8i)n1 & in);
                n2 = (v8f)((v8i)n2 & in);
                z += n1;
                fx += n2 * dx;
                fy += n2 * dy;
            }
        }
        c->rep[2 * i] += near_hsum(&fx);
        c->rep[2 * i + 1] += near_hsum(&fy);
        c->z[i] += near_hsum(&z);
    }
}

void tsne_near_add(TsneNear *nr, Pool *pool, const float *y, double radius, double *rep,
                   double *z)
{
    size_t n = nr->n;
    double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
    for (size_t i = 0; i < n; i++)
        for (int a = 0; a < 2; a++) {
            double v = y[2 * i + a];
            lo[a] = v < lo[a] ? v : lo[a];
            hi[a] = v > hi[a] ? v : hi[a];
        }
    double side = radius / NEAR_REACH;
    size_t nc[2];
    for (int a = 0; a < 2; a++) {
        double cells = floor((hi[a] - lo[a]) / side) + 1;
        nc[a] = isfinite(cells) && cells >= 1 ? (size_t)fmin(cells, 65536.0) : 1;
    }
    while (nc[0] * nc[1] > NEAR_MAX_CELLS) { /* (only for absurd extents) larger cells */
        side *= 2;
        for (int a = 0; a < 2; a++)
            nc[a] = (nc[a] + 1) / 2;
    }
    size_t cells = nc[0] * nc[1];
    if (cells + 1 > nr->cap_cells) {
        free(nr->start);
        nr->start = xmalloc((cells + 1) * sizeof(uint32_t));
        nr->cap_cells = cells + 1;
    }
    memset(nr->start, 0, (cells + 1) * sizeof(uint32_t));
    for (size_t i = 0; i < n; i++) {
        size_t c[2];
        for (int a = 0; a < 2; a++) {
            double q = floor(((double)y[2 * i + a] - lo[a]) / side);
            c[a] = q > 0 ? (size_t)q : 0;
            c[a] = c[a] < nc[a] ? c[a] : nc[a] - 1;
        }
        nr->cell[i] = (uint32_t)(c[1] * nc[0] + c[0]);
        nr->start[nr->cell[i] + 1]++;
    }
    for (size_t k = 0; k < cells; k++)
        nr->start[k + 1] += nr->start[k];
    for (size_t i = 0; i < n; i++) {
        uint32_t s = nr->start[nr->cell[i]]++;
        nr->order[s] = (uint32_t)i;
        nr->sx[s] = y[2 * i];
        nr->sy[s] = y[2 * i + 1];
    }
    for (size_t k = cells; k > 0; k--)
        nr->start[k] = nr->start[k - 1];
    nr->start[0] = 0;
    for (size_t t = n; t < n + NEAR_LANES; t++)
        nr->sx[t] = nr->sy[t] = 0.0f; /* read by the last vectors, masked out */

    NearCtx c = {nr, y, nc[0], nc[1], (float)(radius * radius), {0}, {0}, rep, z};
    double k1[3], k2[3];
    tsne_far_coefficients(radius * radius, 1, k1);
    tsne_far_coefficients(radius * radius, 2, k2);
    for (int a = 0; a < 3; a++) {
        c.c1[a] = (float)k1[a];
        c.c2[a] = (float)k2[a];
    }
    pool_for(pool, n, NEAR_CHUNK, near_points, &c);
}
