/* knn.c: exact k nearest neighbours from blocked sgemm distances and per-point lists.
 *
 * Distances are symmetric, so only the upper part of the n x n matrix is formed: one
 * block of rows at a time against the columns from the block onwards, in column tiles
 * that the pool's threads share, each by a single-threaded sgemm (OpenBLAS's own
 * threads would otherwise spin through the selection on the same cores). Each computed
 * d(i, j) is offered to the list of i (scanning the block's rows) and to the list of
 * j (scanning its columns, in tiles for locality), 8 at a time against the lists'
 * thresholds. A list keeps the K = k + margin smallest (distance, index) pairs in
 * lexicographic order, each pair as one 64-bit key, so what it holds does not depend
 * on the order in which candidates arrive.
 *
 * sgemm's last bits depend on OpenBLAS's kernels and blocking (on its thread count
 * when it runs threaded), and its |a|^2 + |b|^2 - 2 a.b cancels, so its distances only
 * shortlist: each point's K candidates get their distance again, summed in a fixed
 * order by our own loop, and the k best by (distance, index) are kept. That choice is
 * provably the true one when the k-th distance stays below the worst shortlisted sgemm
 * distance minus sgemm's error bound; otherwise (large exact ties) the point's row is
 * recomputed in full. So the output is the same bit for bit whatever the threads. The
 * approximate search (at the end) takes its candidates from this search in a space
 * of principal components (the shortlists themselves, without margin nor
 * recomputation: see KnnMode, their thresholds seeded from k-d leaves: see knn_seed),
 * then their distances in the full space by the same loop. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tsne_internal.h"
#include "untangle/core/i18n.h"
#include "untangle/core/blas.h"
#include "untangle/core/interrupt.h"
#include "untangle/embed/knn.h"
#include "untangle/embed/pca.h"
#include "untangle/core/xalloc.h"

/* Distances held at once: rows * n floats stay under this (32 MB), whatever n. */
#define KNN_BLOCK_FLOATS ((size_t)8 << 20)
#define KNN_MAX_ROWS 1024   /* larger blocks do not make sgemm faster */
#define KNN_TILE 64         /* columns offered together to their heaps */
#define KNN_MARGIN 16       /* shortlisted candidates beyond the k wanted */
#define KNN_GEMM_COLS 512   /* columns of a block's product that one thread forms */

typedef float v8f __attribute__((vector_size(8 * sizeof(float))));
typedef int32_t v8i __attribute__((vector_size(8 * sizeof(int32_t))));
typedef float v16f __attribute__((vector_size(16 * sizeof(float))));
/* 16 floats read from any float address (the rows are not 64-byte aligned) */
typedef float v16f_u __attribute__((vector_size(16 * sizeof(float)), aligned(sizeof(float))));
#define knn_load16(p) (*(const v16f_u *)(p))

/* The distance loop also gets an AVX2 version chosen at run time; without FMA
 * contraction (ISO C mode) both versions round identically. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define KNN_KERNEL __attribute__((target_clones("avx2", "default")))
#define KNN_DIST_KERNEL __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define KNN_KERNEL
#define KNN_DIST_KERNEL
#endif

/* A (distance, index) pair as one integer: the distance's bits, then the index. The
 * distances are sums of squares (+0 or more), whose bits order as their values, so the
 * keys order as the pairs do lexicographically. */
static inline uint64_t knn_key(float d, uint32_t i)
{
    uint32_t b;
    memcpy(&b, &d, sizeof b);
    return (uint64_t)b << 32 | i;
}
static inline float knn_key_d(uint64_t k)
{
    uint32_t b = (uint32_t)(k >> 32);
    float d;
    memcpy(&d, &b, sizeof d);
    return d;
}
static inline uint32_t knn_key_i(uint64_t k) { return (uint32_t)(k & UINT32_MAX); }

/* Each point's shortlist: candidates are appended while they beat the threshold
 * (the key worst); when the list is full, the k best by (distance, index) are kept
 * and the worst of them becomes the threshold. Cheaper than a heap (an append per
 * candidate, a selection per k arrivals), and what is kept does not depend on the
 * order of arrival either. Candidates are held as keys (knn_key): one integer compare
 * orders two of them, and one move carries both halves. */
typedef struct Heaps {
    size_t k;        /* entries kept at each selection */
    size_t cap;      /* entries per point: KNN_LIST_FACTOR k */
    uint64_t *key;   /* (n, cap) candidates: the first count are held */
    uint32_t *count; /* (n) entries held */
    float *worst_d;  /* (n) the threshold's distance (for the vector test); +inf at first */
    uint64_t *worst; /* (n) the threshold's key */
} Heaps;

#define KNN_LIST_FACTOR 2

/* Moves the k smallest of the m distinct keys a to the front, in no particular order
 * (quickselect, median-of-three pivots: no randomness). The partition has no branch
 * on the comparison, whose outcome is as good as random. */
static void knn_select(uint64_t *a, size_t m, size_t k)
{
    if (m <= k)
        return;
    size_t lo = 0, end = m; /* the k-th lies in [lo, end) */
    while (end - lo > 1) {
        size_t mid = lo + (end - lo) / 2, last = end - 1;
        uint64_t t;
        /* the median of first, middle and last to position last, as the pivot */
        if (a[mid] < a[lo]) t = a[mid], a[mid] = a[lo], a[lo] = t;
        if (a[last] < a[mid]) t = a[last], a[last] = a[mid], a[mid] = t;
        if (a[mid] < a[lo]) t = a[mid], a[mid] = a[lo], a[lo] = t;
        t = a[mid], a[mid] = a[last], a[last] = t;
        uint64_t pivot = a[last];
        size_t store = lo; /* [lo, store) < pivot <= [store, i) */
        for (size_t i = lo; i < last; i++) {
            uint64_t v = a[i];
            a[i] = a[store];
            a[store] = v;
            store += v < pivot;
        }
        a[last] = a[store];
        a[store] = pivot;
        if (store == k - 1 || store == k)
            return; /* [0, store) are all smaller than the pivot at store */
        if (store < k)
            lo = store + 1;
        else
            end = store;
    }
}

/* Keeps point p's k best and makes the worst of them the threshold. */
static void knn_compact(Heaps *h, size_t p)
{
    uint64_t *a = h->key + p * h->cap;
    knn_select(a, h->count[p], h->k);
    h->count[p] = (uint32_t)h->k;
    uint64_t w = 0;
    for (size_t t = 0; t < h->k; t++)
        w = a[t] > w ? a[t] : w;
    h->worst[p] = w;
    h->worst_d[p] = knn_key_d(w);
}

/* Offers candidate key to the list of point p, if it beats the threshold. */
static inline void knn_offer(Heaps *h, size_t p, uint64_t key)
{
    if (key >= h->worst[p])
        return;
    size_t pos = h->count[p]++;
    h->key[p * h->cap + pos] = key;
    if (h->count[p] == h->cap)
        knn_compact(h, p);
}

typedef struct KnnBlock {
    Heaps *h;
    const float *g;     /* (nr, w) dot products of the block's rows and columns */
    const float *norms;
    size_t r0, nr, w;
} KnnBlock;

/* The squared distance from a dot product: |i|^2 + |j|^2 - 2 i.j, clamped at 0. Both
 * scans below form it from the block's dot products (rather than one pass storing it,
 * which costs a write and a read of the whole block); the vector form rounds as this. */
static inline float knn_dd(float ni, float nj, float g)
{
    float dd = ni + nj - 2.0f * g;
    return dd > 0.0f ? dd : 0.0f;
}

/* 8 distances, from ni and the 8 (nj, dot products) at col, against 8 thresholds:
 * bit l is set when lane l may beat its threshold (ties included; knn_offer's exact
 * test follows). */
static inline unsigned knn_le_mask(float ni, const float *nj, const float *g, const float *worst)
{
    v8f vn, vg, w;
    memcpy(&vn, nj, sizeof vn);
    memcpy(&vg, g, sizeof vg);
    memcpy(&w, worst, sizeof w);
    v8f a = ((v8f){0} + ni) + vn - 2.0f * vg;
    v8i le = (v8i)(a <= w);
    unsigned mask = 0;
    for (int l = 0; l < 8; l++)
        mask |= (unsigned)(le[l] & 1) << l;
    return mask;
}

typedef struct KnnGemm {
    const float *xc;    /* (n, d) centred data */
    size_t d, r0, nr, w;
    float *g;           /* (nr, w) out */
} KnnGemm;

/* Column tiles b .. e-1 of the block's products, each by a single-threaded sgemm:
 * our threads share the tiles, so OpenBLAS's own threads never run (they would spin
 * in the selection that follows, on the same cores). The tiles are fixed by n, so
 * the products do not depend on the thread count either. */
static void knn_block_gemm(void *vctx, size_t b, size_t e, int worker)
{
    (void)worker;
    const KnnGemm *c = vctx;
    for (size_t t = b; t < e; t++) {
        size_t c0 = t * KNN_GEMM_COLS, c1 = c->w - c0 < KNN_GEMM_COLS ? c->w : c0 + KNN_GEMM_COLS;
        /* g[:, c0:c1] (nr, c1 - c0) = xc[r0 : r0+nr] (nr, d) . xc[r0+c0 : r0+c1]^T */
        blas_sgemm(0, 1, c->nr, c1 - c0, c->d, 1.0f, c->xc + c->r0 * c->d, c->d,
                   c->xc + (c->r0 + c0) * c->d, c->d, 0.0f, c->g + c0, c->w);
    }
}

/* Rows b .. e-1 of the block take the candidates of their row. */
KNN_KERNEL static void knn_block_rows(void *vctx, size_t b, size_t e, int worker)
{
    (void)worker;
    const KnnBlock *c = vctx;
    const float *nj = c->norms + c->r0;
    for (size_t r = b; r < e; r++) {
        const float *row = c->g + r * c->w;
        size_t p = c->r0 + r;
        float ni = c->norms[p];
        size_t col = 0;
        for (; col + 8 <= c->w; col += 8) {
            float w8[8];
            for (int l = 0; l < 8; l++)
                w8[l] = c->h->worst_d[p];
            for (unsigned m = knn_le_mask(ni, nj + col, row + col, w8); m; m &= m - 1) {
                size_t q = col + (size_t)__builtin_ctz(m);
                if (c->r0 + q != p)
                    knn_offer(c->h, p, knn_key(knn_dd(ni, nj[q], row[q]), (uint32_t)(c->r0 + q)));
            }
        }
        for (; col < c->w; col++)
            if (c->r0 + col != p)
                knn_offer(c->h, p, knn_key(knn_dd(ni, nj[col], row[col]), (uint32_t)(c->r0 + col)));
    }
}

/* Column tiles b .. e-1 (after the block's own columns): each point takes the
 * block's rows from its column. */
KNN_KERNEL static void knn_block_columns(void *vctx, size_t b, size_t e, int worker)
{
    (void)worker;
    const KnnBlock *c = vctx;
    for (size_t t = b; t < e; t++) {
        size_t c0 = c->nr + t * KNN_TILE, c1 = c->w - c0 < KNN_TILE ? c->w : c0 + KNN_TILE;
        const float *nq = c->norms + c->r0;
        for (size_t r = 0; r < c->nr; r++) {
            const float *row = c->g + r * c->w;
            uint32_t j = (uint32_t)(c->r0 + r);
            float nj = c->norms[j];
            size_t col = c0;
            for (; col + 8 <= c1; col += 8)
                for (unsigned m = knn_le_mask(nj, nq + col, row + col, c->h->worst_d + c->r0 + col);
                     m; m &= m - 1) {
                    size_t q = col + (size_t)__builtin_ctz(m);
                    knn_offer(c->h, c->r0 + q, knn_key(knn_dd(nq[q], nj, row[q]), j));
                }
            for (; col < c1; col++)
                knn_offer(c->h, c->r0 + col, knn_key(knn_dd(nq[col], nj, row[col]), j));
        }
    }
}

/* Points b .. e-1: their lists cut to the k best (the threshold is then the worst). */
static void knn_block_compact(void *vctx, size_t b, size_t e, int worker)
{
    (void)worker;
    Heaps *h = vctx;
    for (size_t p = b; p < e; p++)
        if (h->count[p] > h->k || h->worst[p] == UINT64_MAX)
            knn_compact(h, p);
}

/* Squared distance between two rows, in a fixed order: four accumulators of 16 float
 * lanes over 64 columns at a time (so that the adds do not wait on one another), then
 * 16 columns at a time into the first, the accumulators added, their lanes and the
 * tail added in double. The order depends on d alone, so every version (AVX-512,
 * AVX2, plain) rounds the same; the finalise and refine steps are bound by this loop. */
KNN_DIST_KERNEL static float knn_distance(const float *a, const float *b, size_t d)
{
    v16f acc0 = {0}, acc1 = {0}, acc2 = {0}, acc3 = {0};
    size_t c = 0;
    for (; c + 64 <= d; c += 64) {
        v16f t0 = knn_load16(a + c) - knn_load16(b + c);
        v16f t1 = knn_load16(a + c + 16) - knn_load16(b + c + 16);
        v16f t2 = knn_load16(a + c + 32) - knn_load16(b + c + 32);
        v16f t3 = knn_load16(a + c + 48) - knn_load16(b + c + 48);
        acc0 += t0 * t0;
        acc1 += t1 * t1;
        acc2 += t2 * t2;
        acc3 += t3 * t3;
    }
    for (; c + 16 <= d; c += 16) {
        v16f t = knn_load16(a + c) - knn_load16(b + c);
        acc0 += t * t;
    }
    v16f acc = (acc0 + acc1) + (acc2 + acc3);
    double s = 0;
    for (int l = 0; l < 16; l++)
        s += (double)acc[l];
    for (; c < d; c++) {
        double t = (double)a[c] - (double)b[c];
        s += t * t;
    }
    return (float)s;
}

typedef struct KnnFinal {
    const float *xc;      /* (n, d) centred data */
    const float *norms;   /* (n) squared norms */
    float norm_max;
    size_t n, d, k, kk;   /* kk: shortlist length */
    uint64_t *list;       /* (n, cap) shortlisted sgemm keys, kk per point */
    const float *worst;   /* (n) the largest shortlisted sgemm distance */
    size_t cap;
    float *dist2;         /* (n, k) out */
    uint32_t *idx;
    uint64_t *pairs;      /* (threads, 2 kk) scratch: (distance, index) keys */
    const uint32_t *count; /* (n) entries held in each list */
} KnnFinal;

/* Sorts m keys increasing: quicksort (median of three) down to short runs, then one
 * insertion sort (qsort's indirect comparisons cost more than the sorting itself). */
static void knn_sort_keys(uint64_t *a, size_t m)
{
    while (m > 16) {
        size_t mid = m / 2, last = m - 1;
        uint64_t t;
        if (a[mid] < a[0]) t = a[mid], a[mid] = a[0], a[0] = t;
        if (a[last] < a[mid]) t = a[last], a[last] = a[mid], a[mid] = t;
        if (a[mid] < a[0]) t = a[mid], a[mid] = a[0], a[0] = t;
        uint64_t pivot = a[mid];
        size_t i = 0, j = last;
        for (;;) {
            while (a[i] < pivot)
                i++;
            while (pivot < a[j])
                j--;
            if (i >= j)
                break;
            t = a[i], a[i] = a[j], a[j] = t;
            i++, j--;
        }
        /* [0, j] <= pivot <= [j + 1, m): recurse on the smaller side, loop on the other */
        if (j + 1 < m - j - 1) {
            knn_sort_keys(a, j + 1);
            a += j + 1;
            m -= j + 1;
        } else {
            knn_sort_keys(a + j + 1, m - j - 1);
            m = j + 1;
        }
    }
    for (size_t i = 1; i < m; i++) {
        uint64_t v = a[i];
        size_t j = i;
        for (; j > 0 && a[j - 1] > v; j--)
            a[j] = a[j - 1];
        a[j] = v;
    }
}

/* Point p's k best among all others by our own sums, sorted into a (2 kk scratch):
 * a list as the shortlists are (appends while beating the threshold, a selection when
 * full), on one point. */
static void knn_full_row(const KnnFinal *c, size_t p, uint64_t *a)
{
    const float *row = c->xc + p * c->d;
    size_t cnt = 0, cap = 2 * c->k;
    uint64_t worst = UINT64_MAX;
    for (size_t j = 0; j < c->n; j++) {
        if (j == p)
            continue;
        uint64_t key = knn_key(knn_distance(row, c->xc + j * c->d, c->d), (uint32_t)j);
        if (key >= worst)
            continue;
        a[cnt++] = key;
        if (cnt == cap) {
            knn_select(a, cnt, c->k);
            cnt = c->k;
            worst = 0;
            for (size_t t = 0; t < c->k; t++)
                worst = a[t] > worst ? a[t] : worst;
        }
    }
    knn_select(a, cnt, c->k);
    knn_sort_keys(a, c->k);
}

/* Points b .. e-1: own distances for the shortlist, the k best, checked complete. */
static void knn_finalise(void *vctx, size_t b, size_t e, int worker)
{
    const KnnFinal *c = vctx;
    uint64_t *pairs = c->pairs + (size_t)worker * 2 * c->kk;
    for (size_t p = b; p < e; p++) {
        const float *row = c->xc + p * c->d;
        const uint64_t *list = c->list + p * c->cap;
        size_t m = 0;
        for (size_t t = 0; t < c->kk; t++) {
            uint32_t j = knn_key_i(list[t]);
            pairs[m++] = knn_key(knn_distance(row, c->xc + (size_t)j * c->d, c->d), j);
        }
        knn_select(pairs, m, c->k);
        uint64_t kth = 0;
        for (size_t t = 0; t < c->k; t++)
            kth = pairs[t] > kth ? pairs[t] : kth;
        /* sgemm's error is below (d + 2) u (|a|^2 + |b|^2) for d-term dot products;
         * take 8 times that, and the same for our own sums. */
        double eps = 8.0 * ((double)c->d + 8.0) * 0x1.0p-24 * ((double)c->norms[p] + c->norm_max);
        int complete = c->kk == c->n - 1 || (double)knn_key_d(kth) + eps < (double)c->worst[p];
        if (complete) {
            knn_sort_keys(pairs, c->k);
            for (size_t t = 0; t < c->k; t++) {
                c->dist2[p * c->k + t] = knn_key_d(pairs[t]);
                c->idx[p * c->k + t] = knn_key_i(pairs[t]);
            }
            continue;
        }
        /* Large ties at the boundary: the whole row, with our own sums. */
        knn_full_row(c, p, pairs);
        for (size_t t = 0; t < c->k; t++) {
            c->dist2[p * c->k + t] = knn_key_d(pairs[t]);
            c->idx[p * c->k + t] = knn_key_i(pairs[t]);
        }
    }
}

/* What knn_search hands back: the exact neighbours (our own sums, sorted), or the
 * approximate search's candidates, the k best by sgemm's distances, which need no
 * margin nor recomputation (the projection they are searched in comes from sgemm too,
 * so its bits depend on OpenBLAS's kernels already; on one machine they are the same
 * whatever the threads: the tiles are fixed by n), the nearest KNN_HEAD first in
 * order (knn_walk follows them: sorting all cost more than it saved), the rest in no
 * particular order. */
#define KNN_HEAD 8
typedef enum { KNN_EXACT, KNN_SHORTLIST } KnnMode;

/* Points b .. e-1: their lists, cut to the k best, into idx and dist2 (the sgemm
 * distances), the KNN_HEAD nearest first. */
static void knn_shortlist_out(void *vctx, size_t b, size_t e, int worker)
{
    const KnnFinal *c = vctx;
    uint64_t *pairs = c->pairs + (size_t)worker * 2 * c->kk;
    for (size_t p = b; p < e; p++) {
        uint64_t *list = c->list + p * c->cap;
        if (c->count[p] < c->k) { /* a seed below the k-th distance (knn_seed): never seen */
            knn_full_row(c, p, pairs);
            list = pairs;
        }
        size_t head = c->k < KNN_HEAD ? c->k : KNN_HEAD;
        knn_select(list, c->k, head);
        knn_sort_keys(list, head);
        for (size_t t = 0; t < c->k; t++) {
            c->dist2[p * c->k + t] = knn_key_d(list[t]);
            c->idx[p * c->k + t] = knn_key_i(list[t]);
        }
    }
}

/* ---- seeds: each list's threshold before the search, from the point's region ----
 *
 * The lists start with an infinite threshold, so the first columns a point meets
 * (the first blocks: points anywhere) are all taken, and the threshold tightens over
 * a few selections: on 10 000 points, 14 offers in 100 were taken. For the
 * shortlists, each point's threshold starts instead at its k-th distance among the
 * points of its leaf of a k-d split (regions of 2 k to 4 k points, split at the
 * median of the widest coordinate), a true upper bound on its k-th distance, plus
 * sgemm's error bound (the leaf's products and the search's round differently). */
#define KNN_SEED_LEAF(k) (4 * (k)) /* leaves hold at most this many points */

/* A float's bits as an integer of the same order (negative values below positive). */
static inline uint32_t knn_order_bits(float v)
{
    uint32_t b;
    memcpy(&b, &v, sizeof b);
    return b & 0x80000000u ? ~b : b | 0x80000000u;
}

/* Splits the m points ids (into x (n, d)) at the median of their widest coordinate,
 * recursively, until at most leaf remain in each part; ids is reordered so that the
 * leaves are contiguous, and their starts appended to starts (count in *nl). keys
 * (m) is scratch. The split depends on the data alone. */
static void knn_split(const float *x, size_t d, uint32_t *ids, size_t m, size_t leaf,
                      uint64_t *keys, size_t off, size_t *starts, size_t *nl)
{
    if (m <= leaf) {
        starts[(*nl)++] = off;
        return;
    }
    /* each coordinate's sums over the points, row by row (each row read once) */
    double *sum = xcalloc(2 * d, sizeof(double)), *sum2 = sum + d;
    for (size_t t = 0; t < m; t++) {
        const float *row = x + (size_t)ids[t] * d;
        for (size_t c = 0; c < d; c++) {
            double v = row[c];
            sum[c] += v;
            sum2[c] += v * v;
        }
    }
    size_t best = 0;
    double best_var = -1;
    for (size_t c = 0; c < d; c++) {
        double var = sum2[c] - sum[c] * sum[c] / (double)m;
        if (var > best_var)
            best_var = var, best = c;
    }
    free(sum);
    for (size_t t = 0; t < m; t++)
        keys[t] = (uint64_t)knn_order_bits(x[(size_t)ids[t] * d + best]) << 32 | ids[t];
    size_t half = m / 2;
    knn_select(keys, m, half); /* the half smallest (value, index) first */
    for (size_t t = 0; t < m; t++)
        ids[t] = knn_key_i(keys[t]);
    knn_split(x, d, ids, half, leaf, keys, off, starts, nl);
    knn_split(x, d, ids + half, m - half, leaf, keys + half, off + half, starts, nl);
}

typedef struct KnnSeed {
    const float *xc, *norms;
    float norm_max;
    size_t d, k, leaf;
    const uint32_t *ids;   /* (n) the points, leaf by leaf */
    const size_t *starts;  /* (leaves + 1) each leaf's first position in ids */
    float *rows;           /* (threads, leaf, d) the leaf's rows */
    float *g;              /* (threads, leaf, leaf) their products */
    uint64_t *keys;        /* (threads, leaf) one row's (distance, index) keys */
    Heaps *h;
} KnnSeed;

/* Leaves b .. e-1: each member's threshold from its k-th distance in the leaf. */
static void knn_seed_leaves(void *vctx, size_t b, size_t e, int worker)
{
    const KnnSeed *c = vctx;
    float *rows = c->rows + (size_t)worker * c->leaf * c->d;
    float *g = c->g + (size_t)worker * c->leaf * c->leaf;
    uint64_t *dd = c->keys + (size_t)worker * c->leaf;
    for (size_t l = b; l < e; l++) {
        const uint32_t *ids = c->ids + c->starts[l];
        size_t m = c->starts[l + 1] - c->starts[l];
        for (size_t t = 0; t < m; t++)
            memcpy(rows + t * c->d, c->xc + (size_t)ids[t] * c->d, c->d * sizeof(float));
        /* g (m, m) = rows (m, d) . rows^T */
        blas_sgemm(0, 1, m, m, c->d, 1.0f, rows, c->d, rows, c->d, 0.0f, g, m);
        for (size_t t = 0; t < m; t++) {
            uint32_t p = ids[t];
            size_t cnt = 0;
            for (size_t u = 0; u < m; u++)
                if (u != t)
                    dd[cnt++] = knn_key(knn_dd(c->norms[p], c->norms[ids[u]], g[t * m + u]), ids[u]);
            knn_select(dd, cnt, c->k);
            uint64_t kth = 0;
            for (size_t u = 0; u < c->k; u++)
                kth = dd[u] > kth ? dd[u] : kth;
            /* sgemm's error bound, as knn_finalise's, for both products */
            double eps = 16.0 * ((double)c->d + 8.0) * 0x1.0p-24 * ((double)c->norms[p] + c->norm_max);
            float w = (float)((double)knn_key_d(kth) + eps);
            c->h->worst_d[p] = w;
            c->h->worst[p] = knn_key(w, UINT32_MAX);
        }
    }
}

/* Sets the lists' first thresholds (h, n points of xc (n, d)) from their leaves. */
static void knn_seed(const float *xc, const float *norms, float norm_max, size_t n, size_t d,
                     Heaps *h, Pool *pool)
{
    size_t k = h->k, leaf = KNN_SEED_LEAF(k);
    if (n <= leaf)
        return; /* the search sees all the others at once anyway */
    uint32_t *ids = xmalloc(n * sizeof(uint32_t));
    uint64_t *keys = xmalloc(n * sizeof(uint64_t));
    size_t *starts = xmalloc((n / (leaf / 2) + 2) * sizeof(size_t)), nl = 0;
    for (size_t i = 0; i < n; i++)
        ids[i] = (uint32_t)i;
    knn_split(xc, d, ids, n, leaf, keys, 0, starts, &nl);
    starts[nl] = n;
    int threads = pool_threads(pool);
    KnnSeed c = {xc, norms, norm_max, d, k, leaf, ids, starts,
                 xmalloc_floats((size_t)threads * leaf * d), xmalloc_floats((size_t)threads * leaf * leaf),
                 xmalloc((size_t)threads * leaf * sizeof(uint64_t)), h};
    pool_for(pool, nl, 1, knn_seed_leaves, &c);
    free(ids);
    free(keys);
    free(starts);
    free(c.rows);
    free(c.g);
    free(c.keys);
}

/* knn_exact (mode KNN_EXACT), or the approximate search's candidates (KNN_SHORTLIST). */
static int knn_search(const float *x, size_t n, size_t d, size_t k, uint32_t *idx, float *dist2,
                      int threads, KnnMode mode, Err *e)
{
    if (n < 2 || n >= UINT32_MAX)
        return err_set(e, _("nearest neighbours need between 2 and %u points, not %zu"),
                       UINT32_MAX - 1, n);
    if (k < 1 || k > n - 1)
        return err_set(e, _("cannot find %zu nearest neighbours among %zu points; use k between 1 and %zu"),
                       k, n, n - 1);
    if (threads < 1)
        return err_set(e, _("nearest neighbours: threads %d must be at least 1"), threads);
    if (d < 1 || d > (size_t)INT32_MAX || n > (size_t)INT32_MAX)
        return err_set(e, _("nearest neighbours: dimension %zu or size %zu out of range"), d, n);

    size_t kk = mode == KNN_SHORTLIST ? k : k + KNN_MARGIN < n - 1 ? k + KNN_MARGIN : n - 1;
    size_t rows = KNN_BLOCK_FLOATS / n;
    rows = rows < 1 ? 1 : rows > KNN_MAX_ROWS ? KNN_MAX_ROWS : rows;
    rows = rows > n ? n : rows;
    size_t xbytes, gbytes;
    size_t hbytes;
    if (size_mul(n, d * sizeof(float), &xbytes) != 0 || size_mul(rows, n * sizeof(float), &gbytes) != 0 ||
        size_mul(n, kk * 8 * KNN_LIST_FACTOR, &hbytes) != 0 || size_add(xbytes, hbytes, &xbytes) != 0)
        return err_set(e, _("nearest neighbours of %zu points in %zu dimensions: size overflows"), n, d);
    if (mem_check_budget(xbytes + gbytes, _("nearest neighbours"), e) != 0)
        return -1;

    int rc = -1, saved_blas = -1;
    Pool *pool = NULL;
    float *xc = xmalloc_floats(n * d);  /* (n, d) centred copy: smaller norms, less cancellation */
    float *g = xmalloc_floats(rows * n); /* (rows, n - r0) block of the upper part */
    float *norms = xmalloc_floats(n);    /* (n) squared norms of the centred rows */
    double *mean = xcalloc(d, sizeof(double));
    /* (n, cap) shortlists of keys */
    size_t cap = KNN_LIST_FACTOR * kk;
    Heaps h = {kk, cap, xmalloc(n * cap * sizeof(uint64_t)), xcalloc(n, sizeof(uint32_t)),
               xmalloc_floats(n), xmalloc(n * sizeof(uint64_t))};
    uint64_t *pairs = NULL;
    for (size_t i = 0; i < n; i++) {
        h.worst_d[i] = INFINITY;
        h.worst[i] = UINT64_MAX;
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

    float norm_max = 0;
    for (size_t i = 0; i < n; i++)
        norm_max = norms[i] > norm_max ? norms[i] : norm_max;
    pool = threads > 1 ? pool_new(threads) : NULL;
    saved_blas = blas_serial_begin();
    if (mode == KNN_SHORTLIST)
        knn_seed(xc, norms, norm_max, n, d, &h, pool);
    for (size_t r0 = 0; r0 < n; r0 += rows) {
        if (interrupt_pending()) {
            err_interrupted(e, _("the nearest neighbour search"));
            goto out;
        }
        size_t nr = n - r0 < rows ? n - r0 : rows, w = n - r0;
        /* g (nr, w) = xc[r0 : r0+nr] (nr, d) . xc[r0 : n]^T (d, w) */
        KnnGemm gm = {xc, d, r0, nr, w, g};
        pool_for(pool, (w + KNN_GEMM_COLS - 1) / KNN_GEMM_COLS, 1, knn_block_gemm, &gm);
        /* The candidates of each row, then of each column. Every heap
         * is touched by one thread at a time, and its result does not depend on the
         * order of its candidates. */
        KnnBlock blk = {&h, g, norms, r0, nr, w};
        pool_for(pool, nr, 16, knn_block_rows, &blk);
        pool_for(pool, (w - nr + KNN_TILE - 1) / KNN_TILE, 4, knn_block_columns, &blk);
    }
    pairs = xmalloc(2 * kk * (size_t)pool_threads(pool) * sizeof(uint64_t));
    pool_for(pool, n, 64, knn_block_compact, &h);
    KnnFinal fin = {xc, norms, norm_max, n, d, k, kk, h.key, h.worst_d, cap, dist2, idx, pairs, h.count};
    pool_for(pool, n, 16, mode == KNN_SHORTLIST ? knn_shortlist_out : knn_finalise, &fin);
    rc = 0;
out:
    free(xc);
    free(g);
    free(norms);
    free(mean);
    free(h.key);
    free(pairs);
    free(h.count);
    free(h.worst_d);
    free(h.worst);
    pool_free(pool);
    if (saved_blas >= 0)
        blas_serial_end(saved_blas);
    return rc;
}

int knn_exact(const float *x, size_t n, size_t d, size_t k, uint32_t *idx, float *dist2,
              int threads, Err *e)
{
    return knn_search(x, n, d, k, idx, dist2, threads, KNN_EXACT, e);
}

/* ---- approximate: candidates from principal components, exact distances ---- */

typedef struct KnnRefine {
    const float *x;        /* (n, ld) the data, rows 64-byte aligned */
    size_t ld, d, k, cand;
    const uint32_t *cidx;  /* (n, cand) candidates */
    const uint32_t *walk;  /* (n) the order in which the points are refined */
    uint32_t *idx;         /* (n, k) out */
    float *dist2;
    uint64_t *pairs;       /* (threads, cand) scratch: (distance, index) keys */
} KnnRefine;

static void knn_refine(void *vctx, size_t b, size_t e, int worker)
{
    const KnnRefine *c = vctx;
    uint64_t *pairs = c->pairs + (size_t)worker * c->cand;
    for (size_t s = b; s < e; s++) {
        size_t p = c->walk[s];
        const float *row = c->x + p * c->ld;
        const uint32_t *ci = c->cidx + p * c->cand;
        for (size_t t = 0; t < c->cand; t++)
            pairs[t] = knn_key(knn_distance(row, c->x + (size_t)ci[t] * c->ld, c->d), ci[t]);
        knn_select(pairs, c->cand, c->k);
        knn_sort_keys(pairs, c->k);
        for (size_t t = 0; t < c->k; t++) {
            c->dist2[p * c->k + t] = knn_key_d(pairs[t]);
            c->idx[p * c->k + t] = knn_key_i(pairs[t]);
        }
    }
}

/* The order in which the points' candidates are refined: each point followed by its
 * first candidate not yet taken (the next point by index when all are taken). Rows of
 * the data are read from memory once per candidate, and the refinement is bound by
 * that traffic; along this walk consecutive points have mostly the same candidates,
 * whose rows are then still in the caches. The order changes nothing in the result. */
static void knn_walk(const uint32_t *cidx, size_t n, size_t cand, uint32_t *walk)
{
    unsigned char *taken = xcalloc(n, 1);
    size_t next = 0, p = 0;
    for (size_t s = 0; s < n; s++) {
        walk[s] = (uint32_t)p;
        taken[p] = 1;
        size_t q = n;
        for (size_t t = 0; t < cand && q == n; t++)
            if (!taken[cidx[p * cand + t]])
                q = cidx[p * cand + t];
        if (q == n) {
            while (next < n && taken[next])
                next++;
            q = next;
        }
        p = q;
    }
    free(taken);
}

static double knn_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

typedef struct KnnLive {
    const float *x;         /* (n, d) */
    size_t n, d, ld;
    unsigned char *varies;  /* (workers, d) column c differs from row 0 in a worker's rows */
    const size_t *live;     /* (ld) the columns copied, in order */
    size_t dl;
    float *copy;            /* (n, ld) */
} KnnLive;

/* Rows b .. e-1: the columns that differ from row 0's, into the worker's flags. */
static void knn_live_scan(void *vctx, size_t b, size_t e, int worker)
{
    const KnnLive *c = vctx;
    unsigned char *v = c->varies + (size_t)worker * c->d;
    for (size_t i = b; i < e; i++)
        for (size_t col = 0; col < c->d; col++)
            v[col] |= c->x[i * c->d + col] != c->x[col];
}

/* Rows b .. e-1: their live columns, zero-padded to ld. */
static void knn_live_copy(void *vctx, size_t b, size_t e, int worker)
{
    (void)worker;
    const KnnLive *c = vctx;
    for (size_t i = b; i < e; i++) {
        float *row = c->copy + i * c->ld;
        for (size_t t = 0; t < c->dl; t++)
            row[t] = c->x[i * c->d + c->live[t]];
        memset(row + c->dl, 0, (c->ld - c->dl) * sizeof(float));
    }
}

/* The rows of x (n, d) for the distance loop: each starting on a 64-byte boundary
 * (loads split across cache lines made the loop two and a half times slower), and
 * without x's constant columns (the border pixels of images: 668 of 784 columns of
 * 10 000 MNIST test images vary), whose differences are 0 and add nothing but their
 * reading; the refinement is bound by that reading. x itself when it has no constant
 * column and its rows are aligned, else a copy (*copy, to free) of the columns that
 * vary, zero-padded. Rows of *ld floats, of which the loop takes all *ld (the zeros add
 * nothing). The scan and the copy run on the pool; the flags are or-ed, in any order. */
static const float *knn_live_rows(const float *x, size_t n, size_t d, size_t *ld, float **copy,
                                  Pool *pool)
{
    int workers = pool_threads(pool);
    KnnLive c = {x, n, d, 0, xcalloc((size_t)workers * d, 1), NULL, 0, NULL};
    pool_for(pool, n, 256, knn_live_scan, &c);
    size_t *live = xmalloc(d * sizeof(size_t));
    for (size_t col = 0; col < d; col++) {
        unsigned char v = 0;
        for (int w = 0; w < workers; w++)
            v |= c.varies[(size_t)w * d + col];
        if (v)
            live[c.dl++] = col;
    }
    free(c.varies);
    *copy = NULL;
    *ld = d;
    if (c.dl == d && (uintptr_t)x % 64 == 0 && d % 16 == 0) {
        free(live);
        return x;
    }
    *ld = c.dl ? (c.dl + 15) / 16 * 16 : 16;
    *copy = xmalloc_floats(n * *ld);
    c.ld = *ld;
    c.live = live;
    c.copy = *copy;
    pool_for(pool, n, 256, knn_live_copy, &c);
    free(live);
    return *copy;
}

size_t knn_approx_candidates(size_t k, size_t n)
{
    size_t few = 3 * k / 2 + 20, many = 2 * k + 20, cand = few;
    if (n >= KNN_APPROX_MANY)
        cand = many;
    else if (n > KNN_APPROX_FEW) /* (many - few) (n - FEW) / (MANY - FEW), rounded down */
        cand = few + (many - few) * (n - KNN_APPROX_FEW) / (KNN_APPROX_MANY - KNN_APPROX_FEW);
    return cand < n - 1 ? cand : n - 1;
}

/* The arguments knn_approx and knn_approx_projected share, checked. */
static int knn_approx_check(size_t n, size_t k, int threads, Err *e)
{
    if (n >= UINT32_MAX || k < 1 || k > n - 1)
        return err_set(e, _("cannot find %zu nearest neighbours among %zu points; use k between 1 and %zu"),
                       k, n, n > 1 ? n - 1 : 0);
    if (threads < 1 || threads > POOL_MAX_THREADS)
        return err_set(e, _("nearest neighbours: threads %d must be between 1 and %d"), threads,
                       POOL_MAX_THREADS);
    return 0;
}

int knn_approx_projected(const float *x, size_t n, size_t d, const float *proj, size_t dims,
                         size_t k, uint32_t *idx, float *dist2, int threads,
                         KnnApproxStats *stats, Err *e)
{
    KnnApproxStats st = {dims, k, 0, 0};
    double t0 = knn_now();
    if (knn_approx_check(n, k, threads, e) != 0)
        return -1;
    if (dims < 1 || dims > d)
        return err_set(e, _("nearest neighbours: %zu principal components of %zu dimensions"), dims, d);
    size_t cand = knn_approx_candidates(k, n);
    size_t bytes;
    if (size_mul(n, cand * 8, &bytes) != 0)
        return err_set(e, _("nearest neighbours of %zu points: size overflows"), n);
    if (mem_check_budget(bytes, _("nearest neighbours"), e) != 0)
        return -1;
    st.candidates = cand;
    int rc = -1;
    uint32_t *cidx = xmalloc(n * cand * sizeof(uint32_t)); /* (n, cand) */
    float *cd2 = xmalloc_floats(n * cand);
    Pool *pool = NULL;
    uint64_t *pairs = NULL;
    uint32_t *walk = NULL;
    float *copy = NULL; /* x with aligned rows, when its own are not */
    if (knn_search(proj, n, dims, cand, cidx, cd2, threads, KNN_SHORTLIST, e) != 0)
        goto out;
    free(cd2);
    cd2 = NULL;
    st.seconds_candidates = knn_now() - t0;
    t0 = knn_now();
    if (interrupt_pending()) {
        err_interrupted(e, _("the nearest neighbour search"));
        goto out;
    }
    pool = threads > 1 ? pool_new(threads) : NULL;
    pairs = xmalloc(cand * (size_t)pool_threads(pool) * sizeof(uint64_t));
    walk = xmalloc(n * sizeof(uint32_t));
    knn_walk(cidx, n, cand, walk);
    size_t ld;
    const float *xa = knn_live_rows(x, n, d, &ld, &copy, pool);
    KnnRefine r = {xa, ld, ld, k, cand, cidx, walk, idx, dist2, pairs};
    pool_for(pool, n, 64, knn_refine, &r);
    st.seconds_refine = knn_now() - t0;
    if (stats)
        *stats = st;
    rc = 0;
out:
    free(cidx);
    free(cd2);
    free(pairs);
    free(walk);
    free(copy);
    pool_free(pool);
    return rc;
}

int knn_approx(const float *x, size_t n, size_t d, size_t k, uint32_t *idx, float *dist2,
               int threads, KnnApproxStats *stats, Err *e)
{
    KnnApproxStats st = {d, k, 0, 0};
    double t0 = knn_now();
    if (d <= KNN_APPROX_DIMS || n < 3) {
        int rc = knn_exact(x, n, d, k, idx, dist2, threads, e);
        st.seconds_candidates = knn_now() - t0;
        if (stats)
            *stats = st;
        return rc;
    }
    if (knn_approx_check(n, k, threads, e) != 0)
        return -1;
    size_t bytes;
    if (size_mul(n, KNN_APPROX_DIMS * sizeof(float), &bytes) != 0)
        return err_set(e, _("nearest neighbours of %zu points: size overflows"), n);
    if (mem_check_budget(bytes, _("nearest neighbours"), e) != 0)
        return -1;
    float *proj = xmalloc_floats(n * KNN_APPROX_DIMS); /* (n, dims) */
    int rc = -1;
    if (pca_project_cov(x, n, d, KNN_APPROX_DIMS, proj, NULL, threads, e) == 0 &&
        knn_approx_projected(x, n, d, proj, KNN_APPROX_DIMS, k, idx, dist2, threads, &st, e) == 0)
        rc = 0;
    double total = knn_now() - t0;
    free(proj);
    if (rc == 0 && stats) {
        st.seconds_candidates = total - st.seconds_refine; /* the PCA counts as candidates */
        *stats = st;
    }
    return rc;
}
