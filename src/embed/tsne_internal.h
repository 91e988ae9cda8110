/* tsne_internal.h: what the t-SNE files of src/embed share (not a public API).
 *
 * A small pthread pool that runs a function over chunks of an index range. Chunks
 * are handed out dynamically, but each index is computed by exactly one call that
 * depends only on the index and the shared inputs, so results never depend on which
 * thread ran them or how many there were. Global sums are formed afterwards, serially,
 * from per-index values. */
#ifndef UNTANGLE_TSNE_INTERNAL_H
#define UNTANGLE_TSNE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "untangle/tsne.h"

typedef struct TsnePool TsnePool;

/* Runs on [begin, end) of the range given to tsne_pool_for; worker (0 .. threads-1)
 * names the calling thread, for per-thread scratch buffers only. */
typedef void (*TsneTask)(void *ctx, size_t begin, size_t end, int worker);

/* threads >= 1 (the caller's thread counts as one); never fails: if a thread cannot
 * be started the pool runs with fewer, which changes the speed, not the results. */
TsnePool *tsne_pool_new(int threads);
void tsne_pool_free(TsnePool *pool); /* accepts NULL */
int tsne_pool_threads(const TsnePool *pool); /* threads running tasks (1 for NULL) */

/* Calls fn on chunks of `chunk` indices covering [0, n) and returns when all are done.
 * A NULL pool runs everything on the caller's thread. */
void tsne_pool_for(TsnePool *pool, size_t n, size_t chunk, TsneTask fn, void *ctx);

/* Barnes-Hut state kept across iterations (buffers reused). */
typedef struct TsneBh TsneBh;
TsneBh *tsne_bh_new(size_t n);
void tsne_bh_free(TsneBh *bh); /* accepts NULL */

/* Forces at y (n, 2) float: attractive from P (times exaggeration), repulsive from the
 * quadtree with the given angle (0: exact O(n^2) sum). Writes grad (n, 2), already
 * multiplied by 4 as scikit-learn does. When kl is not NULL also computes the KL
 * divergence of (exaggerated) P against the Q these forces imply. */
void tsne_bh_gradient(TsneBh *bh, TsnePool *pool, const TsneSparseP *P, const float *y,
                      double exaggeration, double angle, double *grad, double *kl);

/* Exact repulsion for points b .. e-1 against all others: rep (n, 2) receives
 * sum_j q_ij^2 (y_i - y_j) and z (n) sum_j q_ij, with q_ij = 1 / (1 + |y_i - y_j|^2). */
void tsne_exact_repulsion_range(const float *y, size_t n, double *rep, double *z, size_t b,
                                size_t e);

#endif
