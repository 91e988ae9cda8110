/* tsne_fft_near.c: the near field of the split FFT repulsion.
 *
 * Once the embedding is wide, the grid of tsne_fft.c only takes the far parts of the
 * kernels (smooth, so coarse intervals interpolate them well), and the pairs closer than
 * the radius R get the rest, g - far, exactly. The points are sorted into square cells
 * of side R / 2 (row by row, by index within a cell; each row of cells followed by
 * NEAR_LANES empty slots); a point's partners all lie in the 5 x 5 cells around its
 * own. Each pair is taken once, by the point of the lower row, or of the same row and
 * the earlier position: the rest of its own cell and the two cells to its right (one
 * run of the sorted points), then five cells in each of the two rows above (two runs),
 * swept 8 at a time on float vectors with the pairs beyond R masked out. The point's
 * own sums stay in 8 lanes, added in a fixed order in double at the end; what the pair
 * gives the partner (the opposite force, the same Z share) goes to float accumulators
 * of the partners' slots, 8 at a time (the empty slots after each row take what the
 * last vector of a run spills, always 0).
 *
 * Determinism: a point writes partners' accumulators in its own row of cells and the two
 * above. The rows are dealt in bands of NEAR_REACH rows, the even bands first (all at
 * once: no two of them write the same rows), then the odd ones; within a band, in
 * sorted order. So every accumulator takes its terms in one order whatever the
 * threads. The sort into cells is a stable counting sort by NEAR_SORT_CHUNKS fixed
 * chunks of points (each counts its cells, then places its points from its own first
 * slots): the order of one pass in index order. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tsne_internal.h"
#include "untangle/core/xalloc.h"

#define NEAR_LANES 8
#define NEAR_REACH 2         /* cells on each side: cells of R / 2 */
#define NEAR_CHUNK 1024      /* slots per task of the last pass */
#define NEAR_SORT_CHUNKS 8   /* chunks of points of the sort into cells (a fixed count:
                                the serial pass over cells x chunks stays short) */
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
    size_t slots;           /* n + NEAR_LANES per row of cells, + NEAR_LANES */
    float *sx, *sy;         /* (slots) sorted coordinates; 0 in the empty slots */
    float *ax, *ay, *az;    /* (slots) what the partners gave: force and Z share */
    uint32_t *order;        /* (slots) original index of each sorted point; n: none */
    uint32_t *cell;         /* (n) cell of each original point */
    uint32_t *start;        /* (ncy (ncx + 1) + 1) [row (ncx + 1) + x]: the first slot of
                               cell (x, row); x = ncx: the row's end */
    uint32_t *chunk_at;     /* (NEAR_SORT_CHUNKS, cells as start) each chunk of points'
                               count in each cell, then its next slot there */
    size_t cap_cells, cap_slots;
};

TsneNear *tsne_near_new(size_t n)
{
    TsneNear *nr = xcalloc(1, sizeof *nr);
    nr->n = n;
    nr->cell = xmalloc(n * sizeof(uint32_t));
    return nr;
}

static void near_free_slots(TsneNear *nr)
{
    free(nr->sx);
    free(nr->sy);
    free(nr->ax);
    free(nr->ay);
    free(nr->az);
    free(nr->order);
}

void tsne_near_free(TsneNear *nr)
{
    if (!nr)
        return;
    near_free_slots(nr);
    free(nr->cell);
    free(nr->start);
    free(nr->chunk_at);
    free(nr);
}

typedef struct NearCtx {
    const TsneNear *nr;
    size_t ncx, ncy;
    int phase;           /* bands of this parity */
    float rho0;
    float c1[3], c2[3];  /* far polynomials of K and K^2 */
    float self;          /* what a point gives its own Z share: 1 - far_K(0) */
    double *rep, *z;
} NearCtx;

static double near_hsum(const v8f *v)
{
    double s = 0;
    for (int a = 0; a < NEAR_LANES; a++)
        s += (double)(*v)[a];
    return s;
}

/* The first slot of cell x of row `row`, x = ncx giving the row's end. */
static size_t near_slot(const NearCtx *c, size_t row, size_t x)
{
    return c->nr->start[row * (c->ncx + 1) + x];
}

/* The point in slot p against the partners in slots a .. end-1: its own sums in
 * (z, fx, fy), the partners' in their accumulators. Pointers and constants are taken
 * into locals first: the stores into the accumulators could otherwise alias them, and
 * they would be reloaded at every vector. */
static inline __attribute__((always_inline)) void near_run(const NearCtx *c, size_t p,
                                                           size_t a, size_t end, v8f *z,
                                                           v8f *fx, v8f *fy)
{
    const TsneNear *nr = c->nr;
    const float *restrict sx = nr->sx, *restrict sy = nr->sy;
    float *restrict ax = nr->ax, *restrict ay = nr->ay, *restrict az = nr->az;
    const v8i lane = {0, 1, 2, 3, 4, 5, 6, 7};
    const v8f px = (v8f){0} + sx[p], py = (v8f){0} + sy[p];
    const v8f r0 = (v8f){0} + c->rho0;
    const v8f a0 = (v8f){0} + c->c1[0], a1 = (v8f){0} + c->c1[1], a2 = (v8f){0} + c->c1[2];
    const v8f b0 = (v8f){0} + c->c2[0], b1 = (v8f){0} + c->c2[1], b2 = (v8f){0} + c->c2[2];
    v8f sz = *z, sfx = *fx, sfy = *fy;
    for (size_t t = a; t < end; t += NEAR_LANES) {
        v8f lx, ly, bx, by, bz;
        memcpy(&lx, sx + t, sizeof lx);
        memcpy(&ly, sy + t, sizeof ly);
        v8f dx = px - lx, dy = py - ly;
        v8f rho = dx * dx + dy * dy;
        v8i in = (rho < r0) & (lane < (v8i){0} + (int32_t)(end - t));
        v8f k1 = 1.0f / (1.0f + rho), k2 = k1 * k1, u = rho - r0;
        v8f n1 = k1 - (a0 + u * (a1 + u * a2));
        v8f n2 = k2 - (b0 + u * (b1 + u * b2));
        n1 = (v8f)((v8i)n1 & in);
        n2 = (v8f)((v8i)n2 & in);
        v8f gx = n2 * dx, gy = n2 * dy;
        sz += n1;
        sfx += gx;
        sfy += gy;
        memcpy(&bx, ax + t, sizeof bx);
        memcpy(&by, ay + t, sizeof by);
        memcpy(&bz, az + t, sizeof bz);
        bx -= gx;
        by -= gy;
        bz += n1;
        memcpy(ax + t, &bx, sizeof bx);
        memcpy(ay + t, &by, sizeof by);
        memcpy(az + t, &bz, sizeof bz);
    }
    *z = sz;
    *fx = sfx;
    *fy = sfy;
}

/* Bands b .. e-1 of the current parity: each point's pairs with the later points of
 * its row (within two cells) and with the two rows above. */
NEAR_KERNEL static void near_bands(void *vctx, size_t b, size_t e, int worker)
{
    (void)worker;
    const NearCtx *c = vctx;
    const TsneNear *nr = c->nr;
    for (size_t band = b; band < e; band++) {
        size_t r0 = (2 * band + (size_t)c->phase) * NEAR_REACH;
        size_t r1 = r0 + NEAR_REACH < c->ncy ? r0 + NEAR_REACH : c->ncy;
        for (size_t cy = r0; cy < r1; cy++)
            for (size_t cx = 0; cx < c->ncx; cx++) {
                size_t xl = cx >= NEAR_REACH ? cx - NEAR_REACH : 0;
                size_t xr = cx + NEAR_REACH < c->ncx ? cx + NEAR_REACH : c->ncx - 1;
                size_t own_end = near_slot(c, cy, xr + 1);
                for (size_t p = near_slot(c, cy, cx); p < near_slot(c, cy, cx + 1); p++) {
                    v8f z = {0}, fx = {0}, fy = {0};
                    near_run(c, p, p + 1, own_end, &z, &fx, &fy);
                    for (size_t row = cy + 1; row <= cy + NEAR_REACH && row < c->ncy; row++)
                        near_run(c, p, near_slot(c, row, xl), near_slot(c, row, xr + 1), &z,
                                 &fx, &fy);
                    uint32_t i = nr->order[p];
                    c->rep[2 * i] += near_hsum(&fx);
                    c->rep[2 * i + 1] += near_hsum(&fy);
                    c->z[i] += near_hsum(&z) + (double)c->self;
                }
            }
    }
}

/* Slots b .. e-1: the partners' accumulators into the points' sums. */
static void near_collect(void *vctx, size_t b, size_t e, int worker)
{
    (void)worker;
    const NearCtx *c = vctx;
    const TsneNear *nr = c->nr;
    for (size_t p = b; p < e; p++) {
        uint32_t i = nr->order[p];
        if (i == nr->n)
            continue;
        c->rep[2 * i] += (double)nr->ax[p];
        c->rep[2 * i + 1] += (double)nr->ay[p];
        c->z[i] += (double)nr->az[p];
    }
}

/* The cell of each point (the cells' grid nc of side `side` from lo). */
/* The sort of the points into cells, by NEAR_SORT_CHUNKS fixed chunks of points. */
typedef struct NearCells {
    TsneNear *nr;
    const float *y;
    const double *lo;
    double side;
    const size_t *nc;
    size_t entries;      /* of nr->start */
    size_t chunk;        /* points per chunk */
} NearCells;

/* Points b .. e-1 (one chunk): their cells, and the chunk's count of points in each
 * (at [cell + 1] of its row of counts). */
static void near_cells(void *vctx, size_t b, size_t e, int worker)
{
    (void)worker;
    const NearCells *c = vctx;
    size_t per = c->nc[0] + 1;
    uint32_t *count = c->nr->chunk_at + b / c->chunk * c->entries;
    memset(count, 0, c->entries * sizeof(uint32_t));
    for (size_t i = b; i < e; i++) {
        size_t cell[2];
        for (int a = 0; a < 2; a++) {
            double q = floor(((double)c->y[2 * i + a] - c->lo[a]) / c->side);
            cell[a] = q > 0 ? (size_t)q : 0;
            cell[a] = cell[a] < c->nc[a] ? cell[a] : c->nc[a] - 1;
        }
        c->nr->cell[i] = (uint32_t)(cell[1] * per + cell[0]);
        count[c->nr->cell[i] + 1]++;
    }
}

/* Points b .. e-1 (one chunk): into their slots, from the chunk's next slot in each
 * cell. */
static void near_place(void *vctx, size_t b, size_t e, int worker)
{
    (void)worker;
    const NearCells *c = vctx;
    TsneNear *nr = c->nr;
    uint32_t *next = nr->chunk_at + b / c->chunk * c->entries;
    for (size_t i = b; i < e; i++) {
        uint32_t s = next[nr->cell[i]]++;
        nr->order[s] = (uint32_t)i;
        nr->sx[s] = c->y[2 * i];
        nr->sy[s] = c->y[2 * i + 1];
    }
}

/* Cells, and the slots of the sorted points, for the cells' grid nc of side `side`: a
 * stable counting sort (the order of one pass in index order) by fixed chunks of
 * points, whatever the threads: each chunk counts its cells, the serial pass gives
 * each chunk its first slot in each cell (and fills the empty slots after each row),
 * then the chunks place their points at once. */
static void near_sort(TsneNear *nr, Pool *pool, const float *y, const double lo[2],
                      double side, const size_t nc[2])
{
    size_t n = nr->n, per = nc[0] + 1, entries = nc[1] * per + 1;
    size_t slots = n + NEAR_LANES * nc[1] + NEAR_LANES;
    if (entries > nr->cap_cells) {
        free(nr->start);
        free(nr->chunk_at);
        nr->start = xmalloc(entries * sizeof(uint32_t));
        nr->chunk_at = xmalloc(NEAR_SORT_CHUNKS * entries * sizeof(uint32_t));
        nr->cap_cells = entries;
    }
    if (slots > nr->cap_slots) {
        near_free_slots(nr);
        nr->sx = xmalloc_floats(slots);
        nr->sy = xmalloc_floats(slots);
        nr->ax = xmalloc_floats(slots);
        nr->ay = xmalloc_floats(slots);
        nr->az = xmalloc_floats(slots);
        nr->order = xmalloc(slots * sizeof(uint32_t));
        nr->cap_slots = slots;
    }
    nr->slots = slots;
    size_t chunk = (n + NEAR_SORT_CHUNKS - 1) / NEAR_SORT_CHUNKS;
    chunk = chunk > 0 ? chunk : 1;
    size_t chunks = (n + chunk - 1) / chunk;
    NearCells cells = {nr, y, lo, side, nc, entries, chunk};
    pool_for(pool, n, chunk, near_cells, &cells);
    /* first slots: each row's end entry (x = ncx) holds no points, and the next row
     * starts NEAR_LANES empty slots after it */
    uint32_t at = 0;
    for (size_t r = 0; r < nc[1]; r++) {
        for (size_t x = 0; x <= nc[0]; x++) {
            size_t cell = r * per + x;
            nr->start[cell] = at;
            for (size_t k = 0; k < chunks && x < nc[0]; k++) {
                uint32_t *row = nr->chunk_at + k * entries;
                uint32_t count = row[cell + 1];
                row[cell] = at;
                at += count;
            }
        }
        for (int q = 0; q < NEAR_LANES; q++, at++) {
            nr->sx[at] = nr->sy[at] = 0;
            nr->order[at] = (uint32_t)n;
        }
    }
    nr->start[nc[1] * per] = at;
    for (size_t p = at; p < slots; p++) {
        nr->sx[p] = nr->sy[p] = 0;
        nr->order[p] = (uint32_t)n;
    }
    memset(nr->ax, 0, slots * sizeof(float));
    memset(nr->ay, 0, slots * sizeof(float));
    memset(nr->az, 0, slots * sizeof(float));
    pool_for(pool, n, chunk, near_place, &cells);
}

void tsne_near_add(TsneNear *nr, Pool *pool, const float *y, const double lo[2],
                   const double hi[2], double radius, double *rep, double *z)
{
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
    near_sort(nr, pool, y, lo, side, nc);

    NearCtx c = {nr, nc[0], nc[1], 0, (float)(radius * radius), {0}, {0}, 0.0f, rep, z};
    double k1[3], k2[3];
    tsne_far_coefficients(radius * radius, 1, k1);
    tsne_far_coefficients(radius * radius, 2, k2);
    for (int a = 0; a < 3; a++) {
        c.c1[a] = (float)k1[a];
        c.c2[a] = (float)k2[a];
    }
    {
        float u = -c.rho0; /* the vector loop's n1 at rho = 0 */
        c.self = 1.0f - (c.c1[0] + u * (c.c1[1] + u * c.c1[2]));
    }
    size_t bands = (nc[1] + NEAR_REACH - 1) / NEAR_REACH;
    for (int ph = 0; ph < 2; ph++) {
        c.phase = ph;
        size_t count = bands / 2 + (ph == 0 ? bands % 2 : 0);
        pool_for(pool, count, 1, near_bands, &c);
    }
    pool_for(pool, nr->slots, NEAR_CHUNK, near_collect, &c);
}
