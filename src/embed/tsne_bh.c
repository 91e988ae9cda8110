/* tsne_bh.c: the Barnes-Hut gradient: a quadtree rebuilt each iteration, summarised
 * once per node, and walked without a stack.
 *
 * The tree follows scikit-learn's cells: the root box is the points' bounding box with
 * its upper corner pushed out (max(M (1 + 1e-3 sign M), M + 1e-3)), and each cell splits
 * at its middle. A cell at depth l therefore has the root's widths / 2^l, and its "size"
 * is the squared larger width. A point uses a cell's centre of mass when
 * size / distance^2 < angle^2. Points are sorted by the Morton code of their cell at
 * depth BH_BITS, so every cell is a contiguous range of the sorted points; nodes are
 * stored in depth-first order with the index of the node after their subtree, which
 * makes the walk a forward scan. Two departures, both exact: a chain of cells with a
 * single non-empty child keeps only its deepest cell (the same summary, tested first
 * against a smaller size), and a cell of at most BH_LEAF points is a leaf whose points,
 * when it cannot be summarised, are each taken exactly (the point itself skipped).
 *
 * The walk is shared by a group of nearby points (a subtree of at most BH_GROUP
 * points): a cell is summarised for the whole group only when the point of the
 * group's bounding box nearest to the cell's centre of mass satisfies the criterion
 * (so every point of the group does). That is stricter than a walk per point: fewer
 * summaries, a sum closer to the exact one. The walk gathers a list of summaries and single points; each point of the
 * group then sums over the list in a branch-free loop on 8-float vectors, with the
 * 8 partial sums added in a fixed order in double. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tsne_internal.h"
#include "untangle/core/xalloc.h"

#define BH_BITS 24           /* depth of the finest cells (Morton code of 2 x 24 bits) */
#define BH_LEAF 8            /* at most this many points in a leaf */
#define BH_GROUP 64          /* points sharing one walk */
#define BH_LANES 8           /* floats per vector */
#define BH_CHUNK 64          /* points per task handed to a thread */
#define BH_MAX_WORKERS 64

/* The vector loops also get an AVX2 version chosen at run time. Without FMA
 * contraction (ISO C mode) both versions round identically, so the choice changes the
 * speed only, never the numbers. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define BH_KERNEL __attribute__((target_clones("avx2", "default")))
#else
#define BH_KERNEL
#endif

typedef float v8f __attribute__((vector_size(BH_LANES * sizeof(float))));
typedef int32_t v8i __attribute__((vector_size(BH_LANES * sizeof(int32_t))));

typedef struct BhNode {
    float cx, cy;   /* centre of mass */
    float mass;     /* number of points below */
    float r2;       /* size / angle^2: summarised when distance^2 > r2 */
    uint32_t skip;  /* the node after this subtree */
    uint32_t lo, hi;/* its points: sorted lo .. hi-1 */
    uint32_t leaf;  /* 1 for a leaf */
} BhNode;

/* One thread's interaction list: summaries and single points, padded to BH_LANES. */
typedef struct BhList {
    size_t cap;
    float *x, *y, *m;  /* (cap) position and mass of each entry */
    int32_t *id;       /* (cap) sorted index of a single point, -1 for a summary */
} BhList;

struct TsneBh {
    size_t n;
    uint64_t *code, *code_tmp;  /* (n) Morton codes, in sorted order once built */
    uint32_t *order, *order_tmp;/* (n) original index of each sorted point */
    float *sx, *sy;             /* (n) sorted coordinates */
    BhNode *nodes;
    size_t n_nodes, cap_nodes;
    uint32_t *groups;           /* (n) root node of each group */
    size_t n_groups;
    float level_r2[BH_BITS + 1];/* r2 of a cell at each depth */
    BhList lists[BH_MAX_WORKERS];
};

static void bh_list_reserve(BhList *l, size_t cap)
{
    if (l->cap >= cap)
        return;
    free(l->x);
    free(l->y);
    free(l->m);
    free(l->id);
    l->cap = cap;
    l->x = xmalloc_floats(cap);
    l->y = xmalloc_floats(cap);
    l->m = xmalloc_floats(cap);
    l->id = xmalloc(cap * sizeof(int32_t));
}

TsneBh *tsne_bh_new(size_t n)
{
    TsneBh *bh = xcalloc(1, sizeof *bh);
    bh->n = n;
    bh->code = xmalloc(n * sizeof(uint64_t));
    bh->code_tmp = xmalloc(n * sizeof(uint64_t));
    bh->order = xmalloc(n * sizeof(uint32_t));
    bh->order_tmp = xmalloc(n * sizeof(uint32_t));
    bh->sx = xmalloc_floats(n);
    bh->sy = xmalloc_floats(n);
    bh->cap_nodes = 2 * n + 1; /* inner nodes have >= 2 children, so < 2n nodes */
    bh->nodes = xmalloc(bh->cap_nodes * sizeof(BhNode));
    bh->groups = xmalloc(n * sizeof(uint32_t));
    return bh;
}

void tsne_bh_free(TsneBh *bh)
{
    if (!bh)
        return;
    free(bh->code);
    free(bh->code_tmp);
    free(bh->order);
    free(bh->order_tmp);
    free(bh->sx);
    free(bh->sy);
    free(bh->nodes);
    free(bh->groups);
    for (int w = 0; w < BH_MAX_WORKERS; w++) {
        free(bh->lists[w].x);
        free(bh->lists[w].y);
        free(bh->lists[w].m);
        free(bh->lists[w].id);
    }
    free(bh);
}

/* The cell column (or row) of v at depth BH_BITS. */
static uint32_t bh_quantise(float v, double lo, double scale)
{
    double q = floor(((double)v - lo) * scale);
    if (!(q > 0))
        return 0; /* also NaN: a diverged run must not index out of bounds */
    if (q > (double)((1u << BH_BITS) - 1))
        return (1u << BH_BITS) - 1;
    return (uint32_t)q;
}

/* Stable LSD radix sort of (code, order) by code, 8 bits a pass. */
static void bh_sort(TsneBh *bh)
{
    size_t n = bh->n;
    for (int shift = 0; shift < 2 * BH_BITS; shift += 8) {
        size_t count[257] = {0};
        for (size_t i = 0; i < n; i++)
            count[((bh->code[i] >> shift) & 0xFF) + 1]++;
        if (count[((bh->code[0] >> shift) & 0xFF) + 1] == n)
            continue; /* one bucket holds everything: the pass would not move anything */
        for (int b = 0; b < 256; b++)
            count[b + 1] += count[b];
        for (size_t i = 0; i < n; i++) {
            size_t dst = count[(bh->code[i] >> shift) & 0xFF]++;
            bh->code_tmp[dst] = bh->code[i];
            bh->order_tmp[dst] = bh->order[i];
        }
        uint64_t *tc = bh->code;
        bh->code = bh->code_tmp;
        bh->code_tmp = tc;
        uint32_t *to = bh->order;
        bh->order = bh->order_tmp;
        bh->order_tmp = to;
    }
}

static unsigned bh_digit(const TsneBh *bh, uint32_t i, int level)
{
    return (unsigned)(bh->code[i] >> (2 * (BH_BITS - 1 - level))) & 3u;
}

/* Emits, in depth-first order, the subtree of the sorted points lo .. hi-1, whose
 * smallest common cell is at depth `level` or deeper. Returns the node's index. */
static uint32_t bh_build(TsneBh *bh, uint32_t lo, uint32_t hi, int level)
{
    /* Cells with one non-empty child: keep only the deepest (same summary). */
    while (level < BH_BITS && bh_digit(bh, lo, level) == bh_digit(bh, hi - 1, level))
        level++;
    uint32_t k = (uint32_t)bh->n_nodes++;
    double sx = 0, sy = 0;
    if (hi - lo <= BH_LEAF || level == BH_BITS) {
        for (uint32_t j = lo; j < hi; j++) {
            sx += bh->sx[j];
            sy += bh->sy[j];
        }
        bh->nodes[k].leaf = 1;
    } else {
        uint32_t a = lo;
        while (a < hi) {
            /* End of this child's run: the digit at `level` is non-decreasing. */
            unsigned dg = bh_digit(bh, a, level);
            uint32_t l = a + 1, r = hi;
            while (l < r) {
                uint32_t mid = l + (r - l) / 2;
                if (bh_digit(bh, mid, level) == dg)
                    l = mid + 1;
                else
                    r = mid;
            }
            uint32_t c = bh_build(bh, a, l, level + 1);
            sx += (double)bh->nodes[c].cx * bh->nodes[c].mass;
            sy += (double)bh->nodes[c].cy * bh->nodes[c].mass;
            a = l;
        }
        bh->nodes[k].leaf = 0;
    }
    bh->nodes[k].lo = lo;
    bh->nodes[k].hi = hi;
    double m = (double)(hi - lo);
    bh->nodes[k].cx = (float)(sx / m);
    bh->nodes[k].cy = (float)(sy / m);
    bh->nodes[k].mass = (float)m;
    bh->nodes[k].r2 = bh->level_r2[level];
    bh->nodes[k].skip = (uint32_t)bh->n_nodes;
    return k;
}

static void bh_build_tree(TsneBh *bh, const float *y, double angle)
{
    size_t n = bh->n;
    double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
    for (size_t i = 0; i < n; i++)
        for (int a = 0; a < 2; a++) {
            double v = y[2 * i + a];
            if (v < lo[a])
                lo[a] = v;
            if (v > hi[a])
                hi[a] = v;
        }
    double wmax = 0, scale[2];
    for (int a = 0; a < 2; a++) {
        /* scikit-learn's box: the top corner pushed out so every point is strictly inside. */
        double m = hi[a] * (1.0 + 1e-3 * (hi[a] > 0 ? 1 : hi[a] < 0 ? -1 : 0));
        hi[a] = m > hi[a] + 1e-3 ? m : hi[a] + 1e-3;
        double w = hi[a] - lo[a];
        scale[a] = (double)(1u << BH_BITS) / w;
        if (w > wmax)
            wmax = w;
    }
    double size = wmax * wmax; /* squared larger width of the root */
    for (int l = 0; l <= BH_BITS; l++) {
        bh->level_r2[l] = angle > 0 ? (float)(size / (angle * angle)) : INFINITY;
        size /= 4.0;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t qx = bh_quantise(y[2 * i], lo[0], scale[0]);
        uint64_t qy = bh_quantise(y[2 * i + 1], lo[1], scale[1]);
        bh->code[i] = tsne_morton_spread(qx) | (tsne_morton_spread(qy) << 1);
        bh->order[i] = (uint32_t)i;
    }
    bh_sort(bh);
    for (size_t s = 0; s < n; s++) {
        bh->sx[s] = y[2 * bh->order[s]];
        bh->sy[s] = y[2 * bh->order[s] + 1];
    }
    bh->n_nodes = 0;
    bh_build(bh, 0, (uint32_t)n, 0);
    /* Groups: the highest subtrees of at most BH_GROUP points (or single big leaves). */
    bh->n_groups = 0;
    for (uint32_t k = 0; k < bh->n_nodes;) {
        const BhNode *nd = &bh->nodes[k];
        if (nd->hi - nd->lo <= BH_GROUP || nd->leaf) {
            bh->groups[bh->n_groups++] = k;
            k = nd->skip;
        } else {
            k++;
        }
    }
}

typedef struct BhCtx {
    TsneBh *bh;
    const float *y;        /* (n, 2) */
    double *rep;           /* (n, 2) out */
    double *z;             /* (n) out */
} BhCtx;

/* Gathers the interaction list of the group of sorted points lo .. hi-1. */
static size_t bh_walk(const TsneBh *bh, uint32_t lo, uint32_t hi, BhList *l)
{
    const BhNode *nodes = bh->nodes;
    float x0 = bh->sx[lo], x1 = x0, y0 = bh->sy[lo], y1 = y0;
    for (uint32_t s = lo + 1; s < hi; s++) {
        float px = bh->sx[s], py = bh->sy[s];
        x0 = px < x0 ? px : x0;
        x1 = px > x1 ? px : x1;
        y0 = py < y0 ? py : y0;
        y1 = py > y1 ? py : y1;
    }
    size_t len = 0;
    const uint32_t end = (uint32_t)bh->n_nodes;
    uint32_t k = 0;
    while (k < end) {
        const BhNode *nd = &nodes[k];
        /* Squared distance from the box to the centre of mass: the group's nearest. */
        float dx = x0 - nd->cx > nd->cx - x1 ? x0 - nd->cx : nd->cx - x1;
        float dy = y0 - nd->cy > nd->cy - y1 ? y0 - nd->cy : nd->cy - y1;
        dx = dx > 0.0f ? dx : 0.0f;
        dy = dy > 0.0f ? dy : 0.0f;
        if (dx * dx + dy * dy > nd->r2) {
            l->x[len] = nd->cx;
            l->y[len] = nd->cy;
            l->m[len] = nd->mass;
            l->id[len++] = -1;
            k = nd->skip;
        } else if (nd->leaf) {
            for (uint32_t j = nd->lo; j < nd->hi; j++) {
                l->x[len] = bh->sx[j];
                l->y[len] = bh->sy[j];
                l->m[len] = 1.0f;
                l->id[len++] = (int32_t)j;
            }
            k = nd->skip;
        } else {
            k++;
        }
    }
    /* Padding: mass 0 adds nothing. */
    while (len % BH_LANES) {
        l->x[len] = 0.0f;
        l->y[len] = 0.0f;
        l->m[len] = 0.0f;
        l->id[len++] = -1;
    }
    return len;
}

static double bh_hsum(const v8f *v)
{
    double s = 0;
    for (int a = 0; a < BH_LANES; a++)
        s += (double)(*v)[a];
    return s;
}

/* Repulsion on the groups b .. e-1: one walk per group, one sweep per point. */
BH_KERNEL static void bh_repulse(void *vctx, size_t b, size_t e, int worker)
{
    const BhCtx *c = vctx;
    TsneBh *bh = c->bh;
    BhList *l = &bh->lists[worker];
    for (size_t g = b; g < e; g++) {
        const BhNode *gn = &bh->nodes[bh->groups[g]];
        size_t len = bh_walk(bh, gn->lo, gn->hi, l);
        for (uint32_t s = gn->lo; s < gn->hi; s++) {
            const v8f px = (v8f){0} + bh->sx[s], py = (v8f){0} + bh->sy[s];
            const v8i self = (v8i){0} + (int32_t)s;
            v8f z = {0}, fx = {0}, fy = {0};
            for (size_t t = 0; t < len; t += BH_LANES) {
                v8f lx, ly, lm;
                v8i id;
                memcpy(&lx, l->x + t, sizeof lx);
                memcpy(&ly, l->y + t, sizeof ly);
                memcpy(&lm, l->m + t, sizeof lm);
                memcpy(&id, l->id + t, sizeof id);
                lm = (v8f)((v8i)lm & ~(id == self)); /* the point itself weighs 0 */
                v8f dx = px - lx, dy = py - ly;
                v8f q = 1.0f / (1.0f + dx * dx + dy * dy);
                v8f mq = lm * q;
                z += mq;
                mq *= q;
                fx += mq * dx;
                fy += mq * dy;
            }
            uint32_t i = bh->order[s];
            c->rep[2 * i] = bh_hsum(&fx);
            c->rep[2 * i + 1] = bh_hsum(&fy);
            c->z[i] = bh_hsum(&z);
        }
    }
}

static void bh_exact_repulse(void *vctx, size_t b, size_t e, int worker)
{
    (void)worker;
    const BhCtx *c = vctx;
    tsne_exact_repulsion_range(c->y, c->bh->n, c->rep, c->z, b, e);
}

void tsne_bh_repulsion(TsneBh *bh, Pool *pool, const float *y, double angle, double *rep,
                       double *z)
{
    size_t n = bh->n;
    BhCtx c = {bh, y, rep, z};
    if (angle > 0) {
        /* Lists hold at most every node and every point (nodes < 2n). */
        int workers = pool_threads(pool);
        for (int w = 0; w < workers && w < BH_MAX_WORKERS; w++)
            bh_list_reserve(&bh->lists[w], 3 * n + BH_LANES);
        bh_build_tree(bh, y, angle);
        pool_for(pool, bh->n_groups, 1, bh_repulse, &c);
    } else {
        pool_for(pool, n, BH_CHUNK, bh_exact_repulse, &c);
    }
}
