/* pca.c: exact PCA from the eigenvectors of the covariance (or Gram) matrix. */
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "untangle/pca.h"
#include "untangle/xalloc.h"

/* LAPACK's symmetric eigensolver (Fortran calling convention, with the hidden
 * string lengths gfortran appends). */
void dsyevr_(const char *jobz, const char *range, const char *uplo, const int *n, double *a,
             const int *lda, const double *vl, const double *vu, const int *il, const int *iu,
             const double *abstol, int *m, double *w, double *z, const int *ldz, int *isuppz,
             double *work, const int *lwork, int *iwork, const int *liwork, int *info,
             size_t len_jobz, size_t len_range, size_t len_uplo);

/* The k largest eigenpairs of the symmetric m x m matrix a (upper triangle used,
 * destroyed): vals (k) decreasing, vecs (m, k) row-major. */
static int pca_top_eigen(double *a, int m, int k, double *vals, double *vecs, Err *e)
{
    int il = m - k + 1, iu = m, found = 0, info = 0, lwork = -1, liwork = -1, iwq = 0;
    double vl = 0, vu = 0, abstol = 0, wq = 0;
    double *w = xmalloc((size_t)m * sizeof(double));
    double *z = xmalloc((size_t)m * (size_t)k * sizeof(double)); /* (k, m): column-major m x k */
    int *isuppz = xmalloc(2 * (size_t)k * sizeof(int));
    double *work = NULL;
    int *iwork = NULL;
    int rc = -1;

    dsyevr_("V", "I", "L", &m, a, &m, &vl, &vu, &il, &iu, &abstol, &found, w, z, &m, isuppz,
            &wq, &lwork, &iwq, &liwork, &info, 1, 1, 1);
    if (info != 0) {
        err_set(e, "PCA: LAPACK workspace query failed (info %d)", info);
        goto out;
    }
    lwork = (int)wq;
    liwork = iwq;
    work = xmalloc((size_t)lwork * sizeof(double));
    iwork = xmalloc((size_t)liwork * sizeof(int));
    /* Row-major upper triangle is column-major lower: hence "L". */
    dsyevr_("V", "I", "L", &m, a, &m, &vl, &vu, &il, &iu, &abstol, &found, w, z, &m, isuppz,
            work, &lwork, iwork, &liwork, &info, 1, 1, 1);
    if (info != 0 || found != k) {
        err_set(e, "PCA: the eigensolver did not converge (info %d); check the data for huge values",
                info);
        goto out;
    }
    /* LAPACK gives ascending eigenvalues: reverse to decreasing. */
    for (int c = 0; c < k; c++) {
        int src = k - 1 - c;
        vals[c] = w[src];
        for (int r = 0; r < m; r++)
            vecs[(size_t)r * k + c] = z[(size_t)src * m + r];
    }
    rc = 0;
out:
    free(w);
    free(z);
    free(isuppz);
    free(work);
    free(iwork);
    return rc;
}

int pca_project(const float *x, size_t n, size_t d, size_t k, float *out, double *variance,
                Err *e)
{
    if (n < 2)
        return err_set(e, "PCA needs at least 2 points, not %zu", n);
    if (k < 1 || k > n || k > d)
        return err_set(e, "PCA cannot give %zu components from %zu points in %zu dimensions; use 1 to %zu",
                       k, n, d, n < d ? n : d);
    int gram = d > n; /* eigen-decompose the smaller of the two products */
    size_t m = gram ? n : d;
    size_t xbytes, abytes;
    if (m > (size_t)INT32_MAX / 2 || n > (size_t)INT32_MAX || d > (size_t)INT32_MAX ||
        size_mul(n, d * sizeof(float), &xbytes) != 0 ||
        size_mul(m, m * (sizeof(float) + sizeof(double)), &abytes) != 0)
        return err_set(e, "PCA of %zu points in %zu dimensions: size out of range", n, d);
    if (mem_check_budget(xbytes + abytes, "PCA", e) != 0)
        return -1;

    int rc = -1;
    float *xc = xmalloc_floats(n * d);  /* (n, d) centred */
    float *cf = xmalloc_floats(m * m);  /* (m, m) X^T X or X X^T, upper triangle */
    double *a = xmalloc(m * m * sizeof(double));
    double *vecs = xmalloc(m * k * sizeof(double)); /* (m, k) */
    double vals[64];
    double *valp = k <= 64 ? vals : xmalloc(k * sizeof(double));
    double *mean = xcalloc(d, sizeof(double));

    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < d; c++)
            mean[c] += x[i * d + c];
    for (size_t c = 0; c < d; c++)
        mean[c] /= (double)n;
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < d; c++)
            xc[i * d + c] = x[i * d + c] - (float)mean[c];

    if (gram)
        cblas_ssyrk(CblasRowMajor, CblasUpper, CblasNoTrans, (int)n, (int)d, 1.0f, xc, (int)d,
                    0.0f, cf, (int)n);
    else
        cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)d, (int)n, 1.0f, xc, (int)d,
                    0.0f, cf, (int)d);
    for (size_t r = 0; r < m; r++)
        for (size_t c = 0; c < m; c++)
            a[r * m + c] = c >= r ? cf[r * m + c] : 0.0;

    if (pca_top_eigen(a, (int)m, (int)k, valp, vecs, e) != 0)
        goto out;

    for (size_t c = 0; c < k; c++) {
        double lambda = valp[c] > 0 ? valp[c] : 0;
        if (variance)
            variance[c] = lambda / (double)(n - 1);
        if (gram) {
            /* U sqrt(lambda): the projection read off the Gram eigenvector. */
            double s = sqrt(lambda);
            for (size_t i = 0; i < n; i++)
                out[i * k + c] = (float)(vecs[i * k + c] * s);
        } else {
            for (size_t i = 0; i < n; i++) {
                double s = 0;
                for (size_t j = 0; j < d; j++)
                    s += (double)xc[i * d + j] * vecs[j * k + c];
                out[i * k + c] = (float)s;
            }
        }
        /* svd_flip on U: the largest |value| of the column becomes positive. */
        size_t arg = 0;
        for (size_t i = 1; i < n; i++)
            if (fabsf(out[i * k + c]) > fabsf(out[arg * k + c]))
                arg = i;
        if (out[arg * k + c] < 0)
            for (size_t i = 0; i < n; i++)
                out[i * k + c] = -out[i * k + c];
    }
    rc = 0;
out:
    free(xc);
    free(cf);
    free(a);
    free(vecs);
    if (valp != vals)
        free(valp);
    free(mean);
    return rc;
}
