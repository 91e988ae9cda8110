/* pca.c: leading principal components by subspace iteration with Rayleigh-Ritz.
 *
 * With Q (d, p) orthonormal, one step forms T = Xc Q (n, p), the Ritz matrix
 * B = T^T T (p, p) whose eigenvectors V rotate Q onto the best approximations Q V of
 * the covariance's eigenvectors, and the next basis orth(Xc^T T). The leading Ritz
 * vectors converge like (lambda_{p+1} / lambda_k)^steps; with p = k + 6 that is a few
 * tens of steps on images. The sums over the data run on 8-float vectors in float,
 * folded into double every PCA_FOLD rows, always in the same order. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "untangle/core/i18n.h"
#include "untangle/core/interrupt.h"
#include "untangle/embed/pca.h"
#include "untangle/core/xalloc.h"

#define PCA_EXTRA 6          /* basis vectors beyond the k wanted */
#define PCA_LANES 8          /* columns of the basis handled together */
#define PCA_MAX_K 64
#define PCA_MAX_STEPS 300
#define PCA_TOL 1e-6         /* largest change of a leading unit vector's entry */
#define PCA_FOLD 256         /* rows summed in float before folding into double */

typedef float v8f __attribute__((vector_size(PCA_LANES * sizeof(float))));

/* The pass over the data also gets an AVX2 version chosen at run time; without FMA
 * contraction (ISO C mode) both versions round identically. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define PCA_KERNEL __attribute__((target_clones("avx2", "default")))
#else
#define PCA_KERNEL
#endif

/* A deterministic start in [-1, 1) from (row, column): the same for every run and
 * for a row whatever d is (so zero-padded features give the same result). */
static double pca_start(size_t r, size_t c)
{
    uint64_t z = (uint64_t)r * 0x9E3779B97F4A7C15ull + (uint64_t)c * 0xD1B54A32D192ED03ull + 1;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1.0p-52 - 1.0;
}

/* Modified Gram-Schmidt on the p columns of q (d, p); a column that vanishes is
 * replaced by the start vector orthogonalised again (rank-deficient data). */
static void pca_orthonormalise(double *q, size_t d, size_t p)
{
    for (size_t j = 0; j < p; j++) {
        for (int attempt = 0; attempt < 3; attempt++) {
            for (size_t i = 0; i < j; i++) {
                double dot = 0;
                for (size_t r = 0; r < d; r++)
                    dot += q[r * p + i] * q[r * p + j];
                for (size_t r = 0; r < d; r++)
                    q[r * p + j] -= dot * q[r * p + i];
            }
            double nrm = 0;
            for (size_t r = 0; r < d; r++)
                nrm += q[r * p + j] * q[r * p + j];
            nrm = sqrt(nrm);
            if (nrm > 1e-150) {
                for (size_t r = 0; r < d; r++)
                    q[r * p + j] /= nrm;
                break;
            }
            for (size_t r = 0; r < d; r++)
                q[r * p + j] = pca_start(r, j + 7 * (size_t)(attempt + 1));
        }
    }
}

/* Eigen-decomposition of the symmetric p x p matrix a (destroyed) by cyclic Jacobi:
 * vals decreasing, vecs (p, p) with eigenvector j in column j. */
static void pca_jacobi(double *a, size_t p, double *vals, double *vecs)
{
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++)
            vecs[i * p + j] = i == j;
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0, diag = 0;
        for (size_t i = 0; i < p; i++) {
            diag += a[i * p + i] * a[i * p + i];
            for (size_t j = i + 1; j < p; j++)
                off += a[i * p + j] * a[i * p + j];
        }
        if (off <= 1e-30 * diag || off == 0)
            break;
        for (size_t i = 0; i < p; i++)
            for (size_t j = i + 1; j < p; j++) {
                double aij = a[i * p + j];
                if (aij == 0)
                    continue;
                double theta = (a[j * p + j] - a[i * p + i]) / (2 * aij);
                double t = (theta >= 0 ? 1 : -1) / (fabs(theta) + sqrt(theta * theta + 1));
                double c = 1 / sqrt(t * t + 1), s = t * c;
                for (size_t r = 0; r < p; r++) { /* columns i, j */
                    double ri = a[r * p + i], rj = a[r * p + j];
                    a[r * p + i] = c * ri - s * rj;
                    a[r * p + j] = s * ri + c * rj;
                }
                for (size_t r = 0; r < p; r++) { /* rows i, j */
                    double ir = a[i * p + r], jr = a[j * p + r];
                    a[i * p + r] = c * ir - s * jr;
                    a[j * p + r] = s * ir + c * jr;
                }
                for (size_t r = 0; r < p; r++) {
                    double vi = vecs[r * p + i], vj = vecs[r * p + j];
                    vecs[r * p + i] = c * vi - s * vj;
                    vecs[r * p + j] = s * vi + c * vj;
                }
            }
    }
    /* Sort decreasing (selection sort: p is small). */
    for (size_t i = 0; i < p; i++)
        vals[i] = a[i * p + i];
    for (size_t i = 0; i < p; i++) {
        size_t best = i;
        for (size_t j = i + 1; j < p; j++)
            if (vals[j] > vals[best])
                best = j;
        if (best != i) {
            double t = vals[i];
            vals[i] = vals[best];
            vals[best] = t;
            for (size_t r = 0; r < p; r++) {
                t = vecs[r * p + i];
                vecs[r * p + i] = vecs[r * p + best];
                vecs[r * p + best] = t;
            }
        }
    }
}

typedef struct Pca {
    size_t n, d, p, pw;   /* pw: p rounded up to PCA_LANES */
    const float *xc;      /* (n, d) centred data */
    float *qf;            /* (d, pw) the basis in float, zero-padded */
    float *t;             /* (n, pw) T = Xc Q */
    float *wf;            /* (d, pw) float partial sums of Xc^T T */
    double *w;            /* (d, p) Xc^T T */
    double *b;            /* (p, p) T^T T */
} Pca;

/* One pass over the data: T = Xc Q, B = T^T T, W = Xc^T T. */
PCA_KERNEL static void pca_pass(Pca *s)
{
    size_t n = s->n, d = s->d, p = s->p, pw = s->pw, blocks = pw / PCA_LANES;
    memset(s->w, 0, d * p * sizeof(double));
    memset(s->b, 0, p * p * sizeof(double));
    for (size_t i0 = 0; i0 < n; i0 += PCA_FOLD) {
        size_t i1 = n - i0 < PCA_FOLD ? n : i0 + PCA_FOLD;
        memset(s->wf, 0, d * pw * sizeof(float));
        for (size_t i = i0; i < i1; i++) {
            const float *xr = s->xc + i * d;
            for (size_t bl = 0; bl < blocks; bl++) {
                /* four partial sums (features c mod 4) to shorten the dependency chain */
                v8f acc[4] = {{0}, {0}, {0}, {0}};
                const float *qb = s->qf + bl * PCA_LANES;
                size_t c = 0;
                for (; c + 4 <= d; c += 4)
                    for (int u = 0; u < 4; u++) {
                        v8f q;
                        memcpy(&q, qb + (c + (size_t)u) * pw, sizeof q);
                        acc[u] += xr[c + (size_t)u] * q;
                    }
                for (; c < d; c++) {
                    v8f q;
                    memcpy(&q, qb + c * pw, sizeof q);
                    acc[0] += xr[c] * q;
                }
                v8f sum = (acc[0] + acc[1]) + (acc[2] + acc[3]);
                memcpy(s->t + i * pw + bl * PCA_LANES, &sum, sizeof sum);
            }
            for (size_t bl = 0; bl < blocks; bl++) {
                v8f tv;
                memcpy(&tv, s->t + i * pw + bl * PCA_LANES, sizeof tv);
                for (size_t c = 0; c < d; c++) {
                    v8f wv;
                    float *dst = s->wf + c * pw + bl * PCA_LANES;
                    memcpy(&wv, dst, sizeof wv);
                    wv += xr[c] * tv;
                    memcpy(dst, &wv, sizeof wv);
                }
            }
            const float *tr = s->t + i * pw;
            for (size_t a = 0; a < p; a++)
                for (size_t c = a; c < p; c++)
                    s->b[a * p + c] += (double)tr[a] * tr[c];
        }
        for (size_t c = 0; c < d; c++)
            for (size_t j = 0; j < p; j++)
                s->w[c * p + j] += s->wf[c * pw + j];
    }
    for (size_t a = 0; a < p; a++)
        for (size_t c = 0; c < a; c++)
            s->b[a * p + c] = s->b[c * p + a];
}

int pca_project(const float *x, size_t n, size_t d, size_t k, float *out, double *variance,
                Err *e)
{
    if (n < 2)
        return err_set(e, _("PCA needs at least 2 points, not %zu"), n);
    size_t kmax = n < d ? n : d;
    kmax = kmax < PCA_MAX_K ? kmax : PCA_MAX_K;
    if (k < 1 || k > kmax)
        return err_set(e, _("PCA cannot give %zu components from %zu points in %zu dimensions; use 1 to %zu"),
                       k, n, d, kmax);
    size_t p = k + PCA_EXTRA < n ? k + PCA_EXTRA : n;
    p = p < d ? p : d;
    size_t pw = (p + PCA_LANES - 1) / PCA_LANES * PCA_LANES;
    size_t xbytes, tbytes;
    if (size_mul(n, d * sizeof(float), &xbytes) != 0 || size_mul(n + 3 * d, pw * sizeof(double), &tbytes) != 0)
        return err_set(e, _("PCA of %zu points in %zu dimensions: size out of range"), n, d);
    if (mem_check_budget(xbytes + tbytes, _("PCA"), e) != 0)
        return -1;

    int rc = -1;
    Pca s = {n, d, p, pw, NULL, xmalloc_floats(d * pw), xmalloc_floats(n * pw),
             xmalloc_floats(d * pw), xmalloc(d * p * sizeof(double)), xmalloc(p * p * sizeof(double))};
    float *xc = xmalloc_floats(n * d);            /* (n, d) centred */
    double *q = xmalloc(d * p * sizeof(double));   /* (d, p) orthonormal basis */
    double *u = xmalloc(d * k * sizeof(double));   /* (d, k) leading Ritz vectors */
    double *uprev = xcalloc(d * k, sizeof(double));
    double *vecs = xmalloc(p * p * sizeof(double)), *vals = xmalloc(p * sizeof(double));
    double *mean = xcalloc(d, sizeof(double));
    s.xc = xc;

    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < d; c++)
            mean[c] += x[i * d + c];
    for (size_t c = 0; c < d; c++)
        mean[c] /= (double)n;
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < d; c++)
            xc[i * d + c] = x[i * d + c] - (float)mean[c];
    for (size_t r = 0; r < d; r++)
        for (size_t j = 0; j < p; j++)
            q[r * p + j] = pca_start(r, j);
    pca_orthonormalise(q, d, p);

    for (int step = 0;; step++) {
        if (interrupt_pending()) {
            err_interrupted(e, _("PCA"));
            goto out;
        }
        memset(s.qf, 0, d * pw * sizeof(float));
        for (size_t r = 0; r < d; r++)
            for (size_t j = 0; j < p; j++)
                s.qf[r * pw + j] = (float)q[r * p + j];
        pca_pass(&s);
        pca_jacobi(s.b, p, vals, vecs);
        /* Leading Ritz vectors U = Q V, signs aligned with the previous step. */
        double change = 0;
        for (size_t j = 0; j < k; j++) {
            double dot = 0;
            for (size_t r = 0; r < d; r++) {
                double v = 0;
                for (size_t a = 0; a < p; a++)
                    v += q[r * p + a] * vecs[a * p + j];
                u[r * k + j] = v;
                dot += v * uprev[r * k + j];
            }
            double sg = dot < 0 ? -1.0 : 1.0;
            for (size_t r = 0; r < d; r++) {
                double diff = fabs(sg * u[r * k + j] - uprev[r * k + j]);
                change = diff > change ? diff : change;
                uprev[r * k + j] = u[r * k + j];
            }
        }
        if (change <= PCA_TOL || step + 1 >= PCA_MAX_STEPS || p == d)
            break; /* (p == d: the basis spans everything, one step is exact) */
        memcpy(q, s.w, d * p * sizeof(double));
        pca_orthonormalise(q, d, p);
    }

    /* The projection on U is T V (T = Xc Q from the last pass). */
    for (size_t j = 0; j < k; j++) {
        if (variance)
            variance[j] = (vals[j] > 0 ? vals[j] : 0) / (double)(n - 1);
        for (size_t i = 0; i < n; i++) {
            double v = 0;
            for (size_t a = 0; a < p; a++)
                v += (double)s.t[i * pw + a] * vecs[a * p + j];
            out[i * k + j] = (float)v;
        }
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
    free(s.qf);
    free(s.t);
    free(s.wf);
    free(s.w);
    free(s.b);
    free(xc);
    free(q);
    free(u);
    free(uprev);
    free(vecs);
    free(vals);
    free(mean);
    return rc;
}
