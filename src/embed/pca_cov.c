/* pca_cov.c: principal components of many points through their covariance.
 *
 * The covariance (d, d) is formed once, one block of PCOV_BLOCK centred rows at a time
 * by ssyrk (the upper triangle of Xb^T Xb: half the work of sgemm), the blocks'
 * products added in block order in double, the lower triangle mirrored; LAPACK
 * (ssyevr, in float) then gives its leading eigenvectors V, and the projection is
 * Xc V, block by block.
 * Blocks are fixed by n alone and each sgemm runs on one thread (blas_serial_begin),
 * so the pool's threads share the blocks and the result does not depend on their
 * number. For n >> d this costs one pass of n d^2 over the data, against the tens of
 * passes of the subspace iteration of pca.c. Constant columns (the border pixels of
 * images) are left out of all of it: centred they are 0, so they change neither the
 * covariance's other entries nor the projection, and the covariance shrinks with the
 * square of the columns left (10 000 MNIST test images: 784 columns, of which 668 vary). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "untangle/core/i18n.h"
#include "untangle/core/blas.h"
#include "untangle/core/interrupt.h"
#include "untangle/core/pool.h"
#include "untangle/core/xalloc.h"
#include "untangle/embed/pca.h"

#define PCOV_BLOCK 1024  /* rows per product */
#define PCOV_WAVE 8      /* blocks whose covariance products are held at once */

typedef struct PcovCtx {
    const float *x;      /* (n, dx) */
    const double *mean;  /* (dx) */
    const size_t *live;  /* (d) the columns of x that vary, in order */
    size_t n, dx, d, k;  /* d: live columns */
    size_t b0;           /* first block of the wave */
    float *rows;         /* (threads, PCOV_BLOCK, d) centred rows, per worker */
    float *prod;         /* (PCOV_WAVE, d, d) the wave's block products */
    const float *v;      /* (d, k) components, for the projection */
    float *out;          /* (n, k) */
} PcovCtx;

/* Centres rows r0 .. r1-1 into the worker's buffer, their live columns only (a
 * constant column is 0 once centred: it adds nothing to the covariance but its cost,
 * and nothing to the projection); returns it. */
static float *pcov_centre(const PcovCtx *c, size_t r0, size_t r1, int worker)
{
    float *buf = c->rows + (size_t)worker * PCOV_BLOCK * c->d;
    for (size_t i = r0; i < r1; i++)
        for (size_t j = 0; j < c->d; j++) {
            size_t col = c->live[j];
            buf[(i - r0) * c->d + j] = c->x[i * c->dx + col] - (float)c->mean[col];
        }
    return buf;
}

/* Blocks b0 + b .. b0 + e-1: their covariance products. */
static void pcov_cov_task(void *vctx, size_t b, size_t e, int worker)
{
    const PcovCtx *c = vctx;
    for (size_t t = b; t < e; t++) {
        size_t r0 = (c->b0 + t) * PCOV_BLOCK, r1 = r0 + PCOV_BLOCK < c->n ? r0 + PCOV_BLOCK : c->n;
        float *buf = pcov_centre(c, r0, r1, worker);
        /* prod[t] (d, d), upper triangle = buf^T (d, rows) . buf (rows, d) */
        blas_ssyrk_upper(c->d, r1 - r0, buf, c->d, c->prod + t * c->d * c->d, c->d);
    }
}

/* Blocks b .. e-1: their rows projected. */
static void pcov_project_task(void *vctx, size_t b, size_t e, int worker)
{
    const PcovCtx *c = vctx;
    for (size_t t = b; t < e; t++) {
        size_t r0 = t * PCOV_BLOCK, r1 = r0 + PCOV_BLOCK < c->n ? r0 + PCOV_BLOCK : c->n;
        float *buf = pcov_centre(c, r0, r1, worker);
        /* out[r0:r1] (rows, k) = buf (rows, d) . v (d, k) */
        blas_sgemm(0, 0, r1 - r0, c->k, c->d, 1.0f, buf, c->d, c->v, c->k, 0.0f,
                   c->out + r0 * c->k, c->k);
    }
}

/* mean (d) = the columns' means of x (n, d), summed in row order, and live (d) the
 * columns that are not constant, in one pass over x; returns their count. */
static size_t pcov_mean_live(const float *x, size_t n, size_t d, double *mean, size_t *live)
{
    unsigned char *varies = xcalloc(d, 1);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++) {
            mean[j] += x[i * d + j];
            varies[j] |= x[i * d + j] != x[j];
        }
    for (size_t j = 0; j < d; j++)
        mean[j] /= (double)n;
    size_t m = 0;
    for (size_t j = 0; j < d; j++)
        if (varies[j])
            live[m++] = j;
    free(varies);
    return m;
}

int pca_project_cov(const float *x, size_t n, size_t dx, size_t k, float *out, double *variance,
                    int threads, Err *e)
{
    size_t d = dx;
    if (n < 2)
        return err_set(e, _("PCA needs at least 2 points, not %zu"), n);
    size_t kmax = n < d ? n : d;
    kmax = kmax < PCA_COV_MAX_K ? kmax : PCA_COV_MAX_K;
    if (k < 1 || k > kmax)
        return err_set(e, _("PCA cannot give %zu components from %zu points in %zu dimensions; use 1 to %zu"),
                       k, n, d, kmax);
    if (threads < 1 || threads > POOL_MAX_THREADS)
        return err_set(e, _("PCA: threads %d must be between 1 and %d"), threads, POOL_MAX_THREADS);
    size_t dd, bytes, part;
    if (size_mul(d, d, &dd) != 0 || size_mul(dd, PCOV_WAVE * sizeof(float) + 2 * sizeof(double), &bytes) != 0 ||
        size_mul((size_t)threads * PCOV_BLOCK, d * sizeof(float), &part) != 0 ||
        size_add(bytes, part, &bytes) != 0)
        return err_set(e, _("PCA of %zu points in %zu dimensions: size out of range"), n, d);
    if (mem_check_budget(bytes, _("PCA"), e) != 0)
        return -1;

    int rc = -1;
    size_t *live = xmalloc(d * sizeof(size_t));
    double *mean = xcalloc(dx, sizeof(double));
    size_t dl = pcov_mean_live(x, n, d, mean, live);
    if (dl >= k) { /* (else the components need the constant columns too: keep them all) */
        d = dl;
        dd = d * d;
    } else {
        for (size_t j = 0; j < d; j++)
            live[j] = j;
    }
    double *cov = xcalloc(dd, sizeof(double));     /* (d, d) */
    double *vecs = xmalloc(d * k * sizeof(double)); /* (d, k) */
    double *vals = xmalloc(k * sizeof(double));
    float *vf = xmalloc_floats(d * k);              /* (d, k) */
    PcovCtx c = {x, mean, live, n, dx, d, k, 0, xmalloc_floats((size_t)threads * PCOV_BLOCK * d),
                 xmalloc_floats(PCOV_WAVE * dd), vf, out};
    Pool *pool = threads > 1 ? pool_new(threads) : NULL;
    int saved = blas_serial_begin();

    size_t blocks = (n + PCOV_BLOCK - 1) / PCOV_BLOCK;
    for (size_t b0 = 0; b0 < blocks; b0 += PCOV_WAVE) {
        if (interrupt_pending()) {
            err_interrupted(e, _("PCA"));
            goto out;
        }
        size_t count = blocks - b0 < PCOV_WAVE ? blocks - b0 : PCOV_WAVE;
        c.b0 = b0;
        pool_for(pool, count, 1, pcov_cov_task, &c);
        for (size_t t = 0; t < count; t++)
            for (size_t i = 0; i < d; i++)
                for (size_t j = i; j < d; j++)
                    cov[i * d + j] += c.prod[t * dd + i * d + j];
    }
    /* The covariance in float (its block products are float) for the float eigensolver
     * (half the double one's time, the leading eigenvectors to float's precision, as
     * scikit-learn's float32 PCA), in the wave's buffer; the lower triangle mirrors
     * the upper. */
    float *covf = c.prod;
    for (size_t i = 0; i < d; i++)
        for (size_t j = 0; j < d; j++)
            covf[i * d + j] = (float)(j >= i ? cov[i * d + j] : cov[j * d + i]);
    if (blas_eigen_top_f(d, covf, k, vals, vecs) != 0) {
        err_set(e, _("PCA: LAPACK's eigensolver failed on the %zu x %zu covariance"), d, d);
        goto out;
    }
    for (size_t a = 0; a < d * k; a++)
        vf[a] = (float)vecs[a];
    pool_for(pool, blocks, 1, pcov_project_task, &c);
    for (size_t j = 0; j < k; j++) {
        if (variance)
            variance[j] = (vals[j] > 0 ? vals[j] : 0) / (double)(n - 1);
        /* svd_flip on U: the largest |value| of the column becomes positive. */
        size_t arg = 0;
        for (size_t i = 1; i < n; i++)
            if (fabsf(out[i * k + j]) > fabsf(out[arg * k + j]))
                arg = i;
        if (out[arg * k + j] < 0)
            for (size_t i = 0; i < n; i++)
                out[i * k + j] = -out[i * k + j];
    }
    rc = 0;
out:
    blas_serial_end(saved);
    pool_free(pool);
    free(live);
    free(mean);
    free(cov);
    free(vecs);
    free(vals);
    free(vf);
    free(c.rows);
    free(c.prod);
    return rc;
}
