/* knn.h: exact k nearest neighbours by squared euclidean distance.
 *
 * Distances come from ||a||^2 + ||b||^2 - 2 a.b with cblas_sgemm on the centred data,
 * one block of rows at a time (at most ~32 MB of distances live at once, never the
 * n x n matrix), and a bounded list per row. A point is never its own neighbour
 * (excluded by index, so exact duplicates of it are still found, at distance 0). Ties
 * are broken by index: of two points at the same computed distance the lower index
 * comes first. Negative round-off is clamped to 0.
 *
 * Everything runs on `threads` threads of its own, the sgemm calls too (in column
 * tiles, each on one thread, with OpenBLAS's threads off meanwhile); the result does
 * not depend on the count. */
#ifndef UNTANGLE_KNN_H
#define UNTANGLE_KNN_H

#include <stddef.h>
#include <stdint.h>
#include "untangle/core/err.h"

/* x: (n, d) row-major, not modified. idx, dist2: (n, k) row-major, allocated by the
 * caller; row i lists i's k nearest other points by increasing (distance, index).
 * Needs 1 <= k <= n - 1, n < 2^31 and threads >= 1. Polls the Ctrl-C flag between row blocks.
 * Returns 0, or -1 with e filled (bad sizes, memory budget, interruption). */
int knn_exact(const float *x, size_t n, size_t d, size_t k, uint32_t *idx, float *dist2,
              int threads, Err *e);

/* Approximate neighbours, for many points in many dimensions: each point's
 * knn_approx_candidates(k, n) nearest in the space of the data's KNN_APPROX_DIMS leading
 * principal components (pca_project_cov, then knn_exact there), then their exact
 * squared distances in the full space (summed in a fixed order), of which the k best by
 * (distance, index) are kept. On all 70 000 MNIST images it finds more than 99% of
 * the 90 exact neighbours (make bench measures it). Same arguments and output as
 * knn_exact, and the same bits whatever the threads; stats (may be NULL) says what was
 * done. With d <= KNN_APPROX_DIMS it is knn_exact. */
#define KNN_APPROX_DIMS 64
/* Candidates per point for k neighbours among n points (at most n - 1): 2 k + 20 from
 * KNN_APPROX_MANY points, 3 k / 2 + 20 up to KNN_APPROX_FEW, linear between. The
 * fewer the points, the fewer the principal components confuse (MNIST, k = 91: at
 * 10 000 points 156 candidates find 0.9962 of the exact neighbours, 202 find 0.9995;
 * at 20 000, 156 find 0.9921, 176 find 0.9962; at 70 000, 202 find 0.9958). */
#define KNN_APPROX_FEW 10000
#define KNN_APPROX_MANY 20000
size_t knn_approx_candidates(size_t k, size_t n);
typedef struct KnnApproxStats {
    size_t dims, candidates;   /* the search space and the candidates per point */
    double seconds_candidates; /* PCA and the search there */
    double seconds_refine;     /* the exact distances */
} KnnApproxStats;
int knn_approx(const float *x, size_t n, size_t d, size_t k, uint32_t *idx, float *dist2,
               int threads, KnnApproxStats *stats, Err *e);

/* knn_approx for a caller that already has proj (n, dims), x's projection on its dims
 * leading principal components (pca_project_cov; t-SNE also starts from it): the
 * candidates come from there, the distances from x (n, d). 1 <= dims <= d. knn_approx
 * is pca_project_cov to KNN_APPROX_DIMS, then this. */
int knn_approx_projected(const float *x, size_t n, size_t d, const float *proj, size_t dims,
                         size_t k, uint32_t *idx, float *dist2, int threads,
                         KnnApproxStats *stats, Err *e);

#endif
