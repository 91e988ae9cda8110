/* pca.h: principal component projection (exact, through LAPACK's dsyevr).
 *
 * The data are centred; the k leading eigenvectors of the d x d covariance (or, when
 * d > n, of the n x n Gram matrix) give the projection. Signs follow scikit-learn's
 * svd_flip on U: in each output column, the entry of largest magnitude (the first
 * one on a tie) is made positive, so the result does not depend on LAPACK's signs.
 * Uses OpenBLAS's own threads; call it before starting threads of your own. */
#ifndef UNTANGLE_PCA_H
#define UNTANGLE_PCA_H

#include <stddef.h>
#include "untangle/err.h"

/* x: (n, d) row-major, not modified. out: (n, k) row-major, allocated by the caller,
 * receives the centred data projected on the k leading components (column 0 has the
 * largest variance). variance: (k) or NULL, receives each component's variance
 * (divided by n - 1, as scikit-learn's explained_variance_). Needs n >= 2 and
 * 1 <= k <= min(n, d). Returns 0, or -1 with e filled. */
int pca_project(const float *x, size_t n, size_t d, size_t k, float *out, double *variance,
                Err *e);

#endif
