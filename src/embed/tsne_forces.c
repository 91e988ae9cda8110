/* tsne_forces.c: the t-SNE gradient: a repulsion (Barnes-Hut, FFT interpolation or
 * exact), the normaliser Z, then the attraction along P's entries.
 *
 * The attraction sweeps each row's neighbours 8 at a time on 8-float vectors; the 8
 * partial sums are added in a fixed order in double, and Z is summed in index order,
 * so the gradient does not depend on the thread count. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tsne_internal.h"
#include "untangle/core/i18n.h"
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
typedef double v4d __attribute__((vector_size(F_LANES * sizeof(float))));

struct TsneForces {
    size_t n;
    TsneMethod method;
    double angle;
    TsneBh *bh;
    TsneFft *fft;
    double *rep;     /* (n, 2) repulsion, unnormalised */
    double *z;       /* (n) per-point share of Z (Barnes-Hut) */
    double *klrow;   /* (n) per-row KL terms */
    /* sum p log p over P's entries, P times plogp_exaggeration; valid when plogp_set */
    double plogp, plogp_exaggeration;
    int plogp_set;
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
    free(f);
}

const TsneFft *tsne_forces_fft(const TsneForces *f) { return f->fft; }

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
    (void)worker;
    const double zinv = 1.0 / c->zsum;
    for (size_t i = b; i < e; i++) {
        const float xi = y[2 * i], yi = y[2 * i + 1];
        /* The row's neighbours 8 at a time, each vector filled straight from y (going
         * through a scratch row instead stalls: eight narrow stores cannot forward to
         * one wide load); the last vector is padded with massless copies of i. */
        const v8f px = (v8f){0} + xi, py = (v8f){0} + yi;
        v8f ax = {0}, ay = {0};
        const uint32_t *col = P->col;
        const size_t t0 = P->rowptr[i], t1 = P->rowptr[i + 1];
        size_t t = t0;
        for (; t + F_LANES <= t1; t += F_LANES) {
            const uint32_t *cj = col + t;
            /* Each neighbour's (x, y) as one 8-byte load, four to a vector (a: the
             * neighbours 0 1 4 5, b: 2 3 6 7), then split into the x and y lanes in
             * order by one shuffle each: half the loads and inserts of building the
             * two vectors float by float, and the same values. */
            double q[F_LANES];
            for (int a = 0; a < F_LANES; a++)
                memcpy(&q[a], y + 2 * (size_t)cj[a], sizeof q[a]);
            v8f pa = (v8f)(v4d){q[0], q[1], q[4], q[5]}, pb = (v8f)(v4d){q[2], q[3], q[6], q[7]};
            v8f lx = __builtin_shufflevector(pa, pb, 0, 2, 8, 10, 4, 6, 12, 14);
            v8f ly = __builtin_shufflevector(pa, pb, 1, 3, 9, 11, 5, 7, 13, 15);
            v8f lp;
            memcpy(&lp, P->val + t, sizeof lp);
            v8f dx = px - lx, dy = py - ly;
            v8f pq = lp / (1.0f + dx * dx + dy * dy);
            ax += pq * dx;
            ay += pq * dy;
        }
        if (t < t1) {
            v8f lx = px, ly = py, lp = {0};
            for (size_t a = 0; t + a < t1; a++) {
                size_t j = col[t + a];
                lx[a] = y[2 * j];
                ly[a] = y[2 * j + 1];
                lp[a] = P->val[t + a];
            }
            v8f dx = px - lx, dy = py - ly;
            v8f pq = lp / (1.0f + dx * dx + dy * dy);
            ax += pq * dx;
            ay += pq * dy;
        }
        double fx = c->exaggeration * f_hsum(&ax), fy = c->exaggeration * f_hsum(&ay);
        c->grad[2 * i] = F_GRAD_FACTOR * (fx - f->rep[2 * i] * zinv);
        c->grad[2 * i + 1] = F_GRAD_FACTOR * (fy - f->rep[2 * i + 1] * zinv);
        /* The row's share of -sum p log q (sum p log p, which does not move, is
         * kept apart): one logarithm per entry instead of two. */
        double kl = 0;
        if (c->want_kl) {
            for (size_t u = t0; u < t1; u++) {
                uint32_t j = col[u];
                float dx = xi - y[2 * j], dy = yi - y[2 * j + 1];
                double q = (1.0f / (1.0f + dx * dx + dy * dy)) * zinv;
                double p = (double)P->val[u] * c->exaggeration;
                kl -= p * log(q > F_TINY ? q : F_TINY);
            }
        }
        f->klrow[i] = kl;
    }
}

int tsne_forces_gradient(TsneForces *f, Pool *pool, const TsneSparseP *P, const float *y,
                         double exaggeration, double *grad, double *kl, Err *e)
{
    size_t n = f->n;
    double zsum = 0;
    if (f->fft) {
        if (tsne_fft_repulsion(f->fft, pool, y, f->rep, &zsum, e) != 0)
            return -1;
    } else {
        tsne_bh_repulsion(f->bh, pool, y, f->angle, f->rep, f->z);
        /* Z summed in index order: the same whatever the threads. */
        for (size_t i = 0; i < n; i++)
            zsum += f->z[i];
    }
    AttractCtx c = {f, P, y, exaggeration, zsum > 0 ? zsum : F_TINY, grad, kl != NULL};
    pool_for(pool, n, F_CHUNK, f_attract, &c);
    if (kl) {
        if (!f->plogp_set || f->plogp_exaggeration != exaggeration) {
            /* once per phase: P and the exaggeration are fixed within one */
            double s = 0;
            for (size_t t = 0; t < P->rowptr[n]; t++) {
                double p = (double)P->val[t] * exaggeration;
                s += p * log(p > F_TINY ? p : F_TINY);
            }
            f->plogp = s;
            f->plogp_exaggeration = exaggeration;
            f->plogp_set = 1;
        }
        double s = 0;
        for (size_t i = 0; i < n; i++)
            s += f->klrow[i];
        *kl = f->plogp + s;
    }
    return 0;
}

int tsne_gradient_method(const TsneSparseP *P, const float *y, double exaggeration,
                         TsneMethod method, double angle, int threads, double *grad,
                         double *kl, Err *e)
{
    if (!P || P->n < 2 || P->n >= UINT32_MAX)
        return err_set(e, _("t-SNE gradient: need between 2 and %u points"), UINT32_MAX - 1);
    if (!(angle >= 0) || threads < 1 || threads > POOL_MAX_THREADS)
        return err_set(e, _("t-SNE gradient: angle %g must be >= 0 and threads %d between 1 and %d"),
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
