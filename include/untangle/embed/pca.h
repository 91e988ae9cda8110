/* pca.h: principal component projection.
 *
 * The data are centred and projected on the k leading eigenvectors of their
 * covariance, found by subspace iteration (k + 6 vectors, Rayleigh-Ritz each step,
 * iterated until the leading vectors stop moving) from a fixed start. Everything runs
 * in a fixed order on the calling thread, without BLAS, so the result is the same bit
 * for bit whatever the thread settings (OpenBLAS's partitioning would change the last
 * bits, and with them a t-SNE started from this projection). Signs follow
 * scikit-learn's svd_flip on U: in each output column, the entry of largest magnitude
 * (the first one on a tie) is positive. */
#ifndef UNTANGLE_PCA_H
#define UNTANGLE_PCA_H

#include <stddef.h>
#include "untangle/core/err.h"

/* x: (n, d) row-major, not modified. out: (n, k) row-major, allocated by the caller,
 * receives the centred data projected on the k leading components (column 0 has the
 * largest variance). variance: (k) or NULL, receives each component's variance
 * (divided by n - 1, as scikit-learn's explained_variance_). Needs n >= 2 and
 * 1 <= k <= min(n, d, 64). Polls the Ctrl-C flag. Returns 0, or -1 with e filled. */
int pca_project(const float *x, size_t n, size_t d, size_t k, float *out, double *variance,
                Err *e);

/* The same projection for many points (pca_cov.c): the covariance is formed once by
 * sgemm on fixed blocks of rows, added in block order, and LAPACK gives its leading
 * eigenvectors. One pass over the data instead of tens, on `threads` threads, and the
 * same bits whatever their number (not the same last bits as pca_project's). Same
 * signs and outputs; needs 1 <= k <= min(n, d, PCA_COV_MAX_K) and 1 <= threads <= 64. */
#define PCA_COV_MAX_K 256
int pca_project_cov(const float *x, size_t n, size_t d, size_t k, float *out, double *variance,
                    int threads, Err *e);

#endif
