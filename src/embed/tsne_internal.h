/* tsne_internal.h: what the t-SNE files of src/embed share (not a public API).
 * Parallel loops go through the pool of untangle/pool.h. */
#ifndef UNTANGLE_TSNE_INTERNAL_H
#define UNTANGLE_TSNE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "untangle/core/pool.h"
#include "untangle/embed/tsne.h"

/* Barnes-Hut state kept across iterations (buffers reused). */
typedef struct TsneBh TsneBh;
TsneBh *tsne_bh_new(size_t n);
void tsne_bh_free(TsneBh *bh); /* accepts NULL */

/* Forces at y (n, 2) float: attractive from P (times exaggeration), repulsive from the
 * quadtree with the given angle (0: exact O(n^2) sum). Writes grad (n, 2), already
 * multiplied by 4 as scikit-learn does. When kl is not NULL also computes the KL
 * divergence of (exaggerated) P against the Q these forces imply. */
void tsne_bh_gradient(TsneBh *bh, Pool *pool, const TsneSparseP *P, const float *y,
                      double exaggeration, double angle, double *grad, double *kl);

/* Exact repulsion for points b .. e-1 against all others: rep (n, 2) receives
 * sum_j q_ij^2 (y_i - y_j) and z (n) sum_j q_ij, with q_ij = 1 / (1 + |y_i - y_j|^2). */
void tsne_exact_repulsion_range(const float *y, size_t n, double *rep, double *z, size_t b,
                                size_t e);

#endif
