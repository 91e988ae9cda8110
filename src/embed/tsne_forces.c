/* tsne_forces.c: the t-SNE gradient: a repulsion (Barnes-Hut, FFT interpolation or
 * exact), the normaliser Z, then the attraction along P's entries.
 *
 * The attraction gathers each row's neighbours and sweeps them 8 at a time on 8-float
 * vectors; the 8 partial sums are added in a fixed order in double, and Z is summed in
 * index order, so the gradient does not depend on the thread count. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tsne_internal.h"
#include "untangle/core/xalloc.h"

#define F_LANES 8              /* floats per vector */
#define F_CHUNK 256            /* rows per task handed to a thread */
#define F_TINY 1.17549435e-38  /* float32's smallest normal: floor of p and q in the KL */
#define F_GRAD_FACTOR 4.0      /* 2 (dof + 1) / dof for the Student-t with dof 1 */

/* The vector loop also gets an AVX2 version chosen at run time. Without FMA
 * contraction (ISO C mode) both versions round identically. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define F_KERNEL __attribute__((target_clones("avx2", "default")))
#else
#define F_KERNEL
#endif

typedef float v8f __attribute__((vector_size(F_LANES * sizeof(float))));

/* One thread's gathered row: neighbours' positions and p, padded to F_LANES. */
typedef struct RowScratch {
    size_t cap;
    float *x, *y, *m;
} RowScratch;

struct TsneForces {
    size_t n;
    TsneMethod method;
    double angle;
    TsneBh *bh;
    TsneFft *fft;
    double *rep;     /* (n, 2) repulsion, unnormalised */
    double *z;       /* (n) per-point share of Z */
    double *klrow;   /* (n) per-row KL terms */
    RowScratch rows[POOL_MAX_THREADS];
};

TsneForces *tsne_forces_new(size_t n, TsneMethod method, double angle)
{
    TsneForces *f = xcalloc(1, sizeof *f);
    f->n = n;
    f->method = method;
    f->angle = method == TSNE_METHOD_EXACT ? 0.0 : angle;
    if (method == TSNE_METHOD_FFT)
        f->fft = tsne_fft_new(n);
    else
        f->bh = tsne_bh_new(n);
    f->rep = xmalloc(2 * n * sizeof(double));
    f->z = xmalloc(n * sizeof(double));
    f->klrow = xmalloc(n * sizeof(double));
    return f;
}

void tsne_forces_free(TsneForces *f)
{
    if (!f)
        return;
    tsne_bh_free(f->bh);
    tsne_fft_free(f->fft);
    free(f->rep);
    free(f->z);
    free(f->klrow);
    for (int w = 0; w < POOL_MAX_THREADS; w++) {
        free(f->rows[w].x);
        free(f->rows[w].y);
        free(f->rows[w].m);
    }
    free(f);
}

const TsneFft *tsne_forces_fft(const TsneForces *f) { return f->fft; }

static void row_reserve(RowScratch *r, size_t cap)
{
    if (r->cap >= cap)
        return;
    free(r->x);
    free(r->y);
    free(r->m);
    r->cap = cap;
    r->x = xmalloc_floats(cap);
    r->y = xmalloc_floats(cap);
    r->m = xmalloc_floats(cap);
}

typedef struct AttractCtx {
    TsneForces *f;
    const TsneSparseP *P;
    const float *y;        /* (n, 2) */
    double exaggeration;
    double zsum;
    double *grad;          /* (n, 2) */
    int want_kl;
} AttractCtx;

static double f_hsum(const v8f *v)
{
    double s = 0;
    for (int a = 0; a < F_LANES; a++)
        s += (double)(*v)[a];
    return s;
}

/* Attraction over P's rows b .. e-1, then the gradient (and the KL terms). */
F_KERNEL static void f_attract(void *vctx, size_t b, size_t e, int worker)
{
    const AttractCtx *c = vctx;
    const TsneSparseP *P = c->P;
    const float *y = c->y;
    TsneForces *f = c->f;
    RowScratch *l = &f->rows[worker];
    const double zinv = 1.0 / c->zsum;
    for (size_t i = b; i < e; i++) {
        const float xi = y[2 * i], yi = y[2 * i + 1];
        /* Gather the row's neighbours, then sweep them 8 at a time. */
        size_t len = 0;
        for (size_t t = P->rowptr[i]; t < P->rowptr[i + 1]; t++, len++) {
            uint32_t j = P->col[t];
            l->x[len] = y[2 * j];
            l->y[len] = y[2 * j + 1];
            l->m[len] = P->val[t];
        }
        for (; len % F_LANES; len++) {
            l->x[len] = xi;
            l->y[len] = yi;
            l->m[len] = 0.0f;
        }
        const v8f px = (v8f){0} + xi, py = (v8f){0} + yi;
        v8f ax = {0}, ay = {0};
        for (size_t t = 0; t < len; t += F_LANES) {
            v8f lx, ly, lp;
            memcpy(&lx, l->x + t, sizeof lx);
            memcpy(&ly, l->y + t, sizeof ly);
            memcpy(&lp, l->m + t, sizeof lp);
            v8f dx = px - lx, dy = py - ly;
            v8f pq = lp / (1.0f + dx * dx + dy * dy);
            ax += pq * dx;
            ay += pq * dy;
        }
        double fx = c->exaggeration * f_hsum(&ax), fy = c->exaggeration * f_hsum(&ay);
        c->grad[2 * i] = F_GRAD_FACTOR * (fx - f->rep[2 * i] * zinv);
        c->grad[2 * i + 1] = F_GRAD_FACTOR * (fy - f->rep[2 * i + 1] * zinv);
        double kl = 0;
        if (c->want_kl) {
            for (size_t t = P->rowptr[i]; t < P->rowptr[i + 1]; t++) {
                uint32_t j = P->col[t];
                float dx = xi - y[2 * j], dy = yi - y[2 * j + 1];
                double q = (1.0f / (1.0f + dx * dx + dy * dy)) * zinv;
                double p = (double)P->val[t] * c->exaggeration;
                kl += p * log((p > F_TINY ? p : F_TINY) / (q > F_TINY ? q : F_TINY));
            }
        }
        f->klrow[i] = kl;
    }
}

int tsne_forces_gradient(TsneForces *f, Pool *pool, const TsneSparseP *P, const float *y,
                         double exaggeration, double *grad, double *kl, Err *e)
{
    size_t n = f->n;
    if (f->fft) {
        if (tsne_fft_repulsion(f->fft, pool, y, f->rep, f->z, e) != 0)
            return -1;
    } else {
        tsne_bh_repulsion(f->bh, pool, y, f->angle, f->rep, f->z);
    }
    /* Z summed in index order: the same whatever the threads. */
    double zsum = 0;
    for (size_t i = 0; i < n; i++)
        zsum += f->z[i];
    size_t widest = 0;
    for (size_t i = 0; i < n; i++)
        if (P->rowptr[i + 1] - P->rowptr[i] > widest)
            widest = P->rowptr[i + 1] - P->rowptr[i];
    int workers = pool_threads(pool);
    for (int w = 0; w < workers && w < POOL_MAX_THREADS; w++)
        row_reserve(&f->rows[w], widest + F_LANES);
    AttractCtx c = {f, P, y, exaggeration, zsum > 0 ? zsum : F_TINY, grad, kl != NULL};
    pool_for(pool, n, F_CHUNK, f_attract, &c);
    if (kl) {
        double s = 0;
        for (size_t i = 0; i < n; i++)
            s += f->klrow[i];
        *kl = s;
    }
    return 0;
}

int tsne_gradient_method(const TsneSparseP *P, const float *y, double exaggeration,
                         TsneMethod method, double angle, int threads, double *grad,
                         double *kl, Err *e)
{
    if (!P || P->n < 2 || P->n >= UINT32_MAX)
        return err_set(e, "t-SNE gradient: need between 2 and %u points", UINT32_MAX - 1);
    if (!(angle >= 0) || threads < 1 || threads > POOL_MAX_THREADS)
        return err_set(e, "t-SNE gradient: angle %g must be >= 0 and threads %d between 1 and %d",
                       angle, threads, POOL_MAX_THREADS);
    if (method == TSNE_METHOD_AUTO)
        method = tsne_method_for(P->n);
    TsneForces *f = tsne_forces_new(P->n, method, angle);
    Pool *pool = threads > 1 ? pool_new(threads) : NULL;
    int rc = tsne_forces_gradient(f, pool, P, y, exaggeration, grad, kl, e);
    pool_free(pool);
    tsne_forces_free(f);
    return rc;
}

int tsne_gradient(const TsneSparseP *P, const float *y, double exaggeration, double angle,
                  int threads, double *grad, double *kl, Err *e)
{
    return tsne_gradient_method(P, y, exaggeration,
                                angle > 0 ? TSNE_METHOD_BH : TSNE_METHOD_EXACT, angle, threads,
                                grad, kl, e);
}
