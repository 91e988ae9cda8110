/* tsne.c: t-SNE as scikit-learn 1.2 runs it: neighbours, P, PCA init, then gradient
 * descent in two phases (early exaggeration, then the rest).
 *
 * The neighbours are exact, or (knn approx, which auto takes in many dimensions from
 * TSNE_APPROX_FROM points, or from TSNE_APPROX_FFT_FROM with the FFT method, whose
 * short iterations make the exact search a large share of the run) candidates from
 * principal components, then exact distances; the start then comes from the same
 * components. */
#include <float.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tsne_internal.h"
#include "untangle/core/i18n.h"
#include "untangle/core/interrupt.h"
#include "untangle/embed/knn.h"
#include "untangle/embed/pca.h"
#include "untangle/core/rng.h"
#include "untangle/core/xalloc.h"

#define TSNE_CHECK_EVERY 50       /* iterations between error and stop checks */
#define TSNE_MOMENTUM_EXPLORE 0.5 /* phase 1 */
#define TSNE_MOMENTUM_FINAL 0.8   /* phase 2 */
#define TSNE_GAIN_UP 0.2
#define TSNE_GAIN_DOWN 0.8
#define TSNE_MIN_GAIN 0.01
#define TSNE_INIT_STD 1e-4        /* std of the first coordinate at the start */
#define TSNE_LR_FLOOR 50.0        /* learning rate 'auto' = max(n / exaggeration / 4, 50) */
#define TSNE_MAX_THREADS 64
#define TSNE_RNG_TAG 0x74736e65ull /* "tsne": the stream of the random init */
/* The FFT method renumbers the points along the map at these iterations (the map
 * forms during the exaggeration; after iteration 500 points barely change places):
 * the positions and the optimiser's state, while P keeps the caller's numbering,
 * which the forces map (tsne_forces_renumbered). With the other methods only the
 * attraction renumbers them, for itself (tsne_forces_p_changed), which changes no
 * bits. */
#define TSNE_REORDER_EVERY 125
#define TSNE_REORDER_LAST 500

void tsne_params_default(TsneParams *p)
{
    p->perplexity = 30.0;
    p->early_exaggeration = 12.0;
    p->learning_rate = 0.0;
    p->n_iter = 1000;
    p->exploration_iter = 250;
    p->n_iter_without_progress = 300;
    p->min_grad_norm = 1e-7;
    p->angle = 0.5;
    p->method = TSNE_METHOD_AUTO;
    p->knn = TSNE_KNN_AUTO;
    p->pca_dims = 0;
    p->init_pca = 1;
    p->verbose = 0;
    p->seed = 0;
    p->threads = 1;
    p->progress = NULL;
    p->progress_ctx = NULL;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void say(TsneLog log_fn, void *ctx, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(TsneLog log_fn, void *ctx, const char *fmt, ...)
{
    if (!log_fn)
        return;
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    log_fn(ctx, line);
}

static int tsne_validate(size_t n, size_t d, const TsneParams *p, Err *e)
{
    if (n < 4)
        return err_set(e, _("t-SNE needs at least 4 points, not %zu; embed more points"), n);
    if (d < 1)
        return err_set(e, _("t-SNE needs at least one feature per point"));
    if (!(p->perplexity > 0) || !isfinite(p->perplexity))
        return err_set(e, _("perplexity %g is not a positive number; use e.g. perplexity 30"),
                       p->perplexity);
    if (!(p->perplexity < (double)n))
        return err_set(e, _("perplexity %g must be less than the number of points (%zu); use a smaller perplexity"),
                       p->perplexity, n);
    if (!(p->early_exaggeration >= 1) || !isfinite(p->early_exaggeration))
        return err_set(e, _("early exaggeration %g must be at least 1; the default is 12"),
                       p->early_exaggeration);
    if (isnan(p->learning_rate) || isinf(p->learning_rate))
        return err_set(e, _("learning rate %g is not a number; use a positive rate or 'auto'"),
                       p->learning_rate);
    if (p->n_iter < 1 || p->exploration_iter < 0 || p->exploration_iter > p->n_iter)
        return err_set(e, _("iterations: %d in all with %d of exploration; need 0 <= exploration <= iterations, iterations >= 1"),
                       p->n_iter, p->exploration_iter);
    if (p->n_iter_without_progress < 1)
        return err_set(e, _("iterations without progress %d must be at least 1"),
                       p->n_iter_without_progress);
    if (!(p->min_grad_norm >= 0))
        return err_set(e, _("minimum gradient norm %g must be >= 0"), p->min_grad_norm);
    if (!(p->angle >= 0 && p->angle <= 1))
        return err_set(e, _("angle %g must be between 0 (exact) and 1; the default is 0.5"), p->angle);
    if (p->threads < 1 || p->threads > TSNE_MAX_THREADS)
        return err_set(e, _("threads %d must be between 1 and %d"), p->threads, TSNE_MAX_THREADS);
    if (p->verbose < 0 || p->verbose > 2)
        return err_set(e, _("verbose %d must be 0, 1 or 2"), p->verbose);
    if (p->method < TSNE_METHOD_AUTO || p->method > TSNE_METHOD_EXACT)
        return err_set(e, _("t-SNE method %d is not one of auto, bh, fft, exact"), (int)p->method);
    if (p->knn < TSNE_KNN_AUTO || p->knn > TSNE_KNN_APPROX)
        return err_set(e, _("neighbour search %d is not one of auto, exact, approx"), (int)p->knn);
    if (p->pca_dims < 0 || p->pca_dims > PCA_COV_MAX_K)
        return err_set(e, _("pca %d must be between 0 (none) and %d"), p->pca_dims, PCA_COV_MAX_K);
    return 0;
}

/* Peak memory of a run, roughly, so that absurd sizes are refused before allocating. */
static int tsne_budget(size_t n, size_t d, size_t k, Err *e)
{
    size_t nd, nk, total = 0, part;
    int bad = size_mul(n, d, &nd) || size_mul(n, k, &nk);
    bad = bad || size_mul(nd, 2 * sizeof(float), &part) || size_add(total, part, &total);
    /* neighbours and distances, conditional P, C and its transpose, the joint P */
    bad = bad || size_mul(nk, 4 + 4 + 8 + 12 + 12 + 2 * 16, &part) || size_add(total, part, &total);
    /* per point: tree, codes, forces, optimiser state */
    bad = bad || size_mul(n, 256, &part) || size_add(total, part, &total);
    bad = bad || size_add(total, (size_t)64 << 20, &total); /* distance blocks, covariance */
    if (bad)
        return err_set(e, _("t-SNE of %zu points in %zu dimensions: the size overflows; use fewer points"),
                       n, d);
    return mem_check_budget(total, _("t-SNE"), e);
}

static int tsne_init(const float *x, size_t n, size_t d, const TsneParams *p, double *y, Err *e)
{
    if (!p->init_pca) {
        Rng root, r;
        rng_seed(&root, p->seed);
        r = rng_fork(&root, TSNE_RNG_TAG);
        for (size_t i = 0; i < 2 * n; i++)
            y[i] = TSNE_INIT_STD * rng_normal(&r);
        return 0;
    }
    size_t kc = d < 2 ? d : 2;
    float *proj = xmalloc_floats(n * kc); /* (n, kc) */
    /* Many points: the covariance route (much faster there, and as exact). Below it,
     * the subspace iteration on the data that the lab's figures were made with. */
    int prc = n >= TSNE_APPROX_FROM ? pca_project_cov(x, n, d, kc, proj, NULL, p->threads, e)
                                    : pca_project(x, n, d, kc, proj, NULL, e);
    if (prc != 0) {
        free(proj);
        return -1;
    }
    double mean = 0, var = 0;
    for (size_t i = 0; i < n; i++)
        mean += proj[i * kc];
    mean /= (double)n;
    for (size_t i = 0; i < n; i++)
        var += ((double)proj[i * kc] - mean) * ((double)proj[i * kc] - mean);
    double sd = sqrt(var / (double)n);
    if (!(sd > 0)) {
        free(proj);
        return err_set(e, _("all points are identical: there is nothing to embed"));
    }
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < 2; c++) {
            /* as scikit-learn: float32 projection, divided by column 0's std, times 1e-4 */
            float v = c < kc ? (float)((double)proj[i * kc + c] / sd) : 0.0f;
            y[2 * i + c] = (double)(float)(v * (float)TSNE_INIT_STD);
        }
    free(proj);
    return 0;
}

int tsne_init_positions(const float *x, size_t n, size_t d, const TsneParams *p, float *y,
                        Err *e)
{
    if (n < 2 || d < 1)
        return err_set(e, _("t-SNE init needs at least 2 points with at least one feature"));
    size_t bytes;
    if (size_mul(n, 2 * sizeof(double), &bytes) != 0)
        return err_set(e, _("t-SNE init: %zu points is too many"), n);
    if (mem_check_budget(bytes, _("t-SNE init"), e) != 0)
        return -1;
    double *yd = xmalloc(bytes);
    int rc = tsne_init(x, n, d, p, yd, e);
    if (rc == 0)
        for (size_t t = 0; t < 2 * n; t++)
            y[t] = (float)yd[t];
    free(yd);
    return rc;
}

typedef struct Descent {
    size_t n;
    TsneSparseP *P;
    const TsneParams *p;
    TsneForces *forces;
    Pool *pool;
    double lr;
    double *y;       /* (n, 2) positions */
    float *yf;       /* (n, 2) the positions the forces see */
    double *grad;    /* (n, 2) */
    double *update;  /* (n, 2) velocity */
    double *gains;   /* (n, 2) */
    /* Renumbering (FFT method; all NULL otherwise): perm[r] is the caller's index of
     * the point at position r; order, perm2 (n) and pairs (n, 2) are scratch; view
     * (n, 2) is yf in the caller's order, for the progress callback. */
    uint32_t *perm, *order, *perm2;
    double *pairs;
    float *view;
    TsneLog log;
    void *log_ctx;
    double t_start;  /* when tsne_run started */
    double t_iter0;  /* when the first iteration started */
} Descent;

/* The callback's view of iteration i (0-based) just done; yf holds its positions. */
static void tsne_report(const Descent *s, int i, int phase, double kl)
{
    if (!s->p->progress)
        return;
    double now = now_seconds(), per = (now - s->t_iter0) / (double)(i + 1);
    const float *yf = s->yf;
    if (s->perm) {
        for (size_t r = 0; r < s->n; r++) {
            s->view[2 * (size_t)s->perm[r]] = s->yf[2 * r];
            s->view[2 * (size_t)s->perm[r] + 1] = s->yf[2 * r + 1];
        }
        yf = s->view;
    }
    TsneProgressInfo info = {i + 1, s->p->n_iter, phase, kl, yf, s->n, now - s->t_start,
                             per * (double)(s->p->n_iter - i - 1)};
    s->p->progress(s->p->progress_ctx, &info);
}

/* The points renumbered along the map: the positions and the optimiser's state (P
 * stays in the caller's numbering: the forces pack it, renumbered, for themselves). */
static void tsne_reorder(Descent *s)
{
    size_t n = s->n;
    tsne_spatial_order(s->y, n, s->order);
    tsne_permute_pairs(s->y, n, s->order, s->pairs);
    tsne_permute_pairs(s->update, n, s->order, s->pairs);
    tsne_permute_pairs(s->gains, n, s->order, s->pairs);
    for (size_t t = 0; t < 2 * n; t++)
        s->yf[t] = (float)s->y[t];
    for (size_t r = 0; r < n; r++)
        s->perm2[r] = s->perm[s->order[r]];
    memcpy(s->perm, s->perm2, n * sizeof(uint32_t));
    tsne_forces_renumbered(s->forces, s->perm);
}

/* The descent's step with gains (scikit-learn's), which the forces call on points
 * whose gradient is ready: each coordinate on its own, so any split will do. */
typedef struct StepCtx {
    Descent *s;
    double momentum;
} StepCtx;

/* The step of one coordinate: the gain grows while the gradient keeps pointing against
 * the velocity, and shrinks when it turns. */
static inline void tsne_step_one(double *y, float *yf, double *grad, double *update,
                                 double *gains, double momentum, double lr)
{
    double g = *grad;
    double gain = *update * g < 0.0 ? *gains + TSNE_GAIN_UP : *gains * TSNE_GAIN_DOWN;
    gain = gain < TSNE_MIN_GAIN ? TSNE_MIN_GAIN : gain;
    *gains = gain;
    *grad = g * gain;
    *update = momentum * *update - lr * *grad;
    *y += *update;
    *yf = (float)*y; /* what the next forces and the callback see */
}

typedef double StepV4d __attribute__((vector_size(4 * sizeof(double))));
typedef int64_t StepV4l __attribute__((vector_size(4 * sizeof(double))));

/* tsne_step_one on m coordinates, four at a time in vectors (GCC's -O2 leaves the
 * loop scalar), the same operations lane by lane and so the same bits; an AVX2
 * version is chosen at run time. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
__attribute__((target_clones("avx2", "default")))
#endif
static void tsne_step_range(double *y, float *yf, double *grad, double *update, double *gains,
                            size_t m, double momentum, double lr)
{
    size_t t = 0;
    for (; t + 4 <= m; t += 4) {
        StepV4d g, u, k, yy;
        memcpy(&g, grad + t, sizeof g);
        memcpy(&u, update + t, sizeof u);
        memcpy(&k, gains + t, sizeof k);
        memcpy(&yy, y + t, sizeof yy);
        StepV4l turn = u * g < 0.0;
        StepV4d up = k + TSNE_GAIN_UP, down = k * TSNE_GAIN_DOWN;
        k = (StepV4d)(((StepV4l)up & turn) | ((StepV4l)down & ~turn));
        StepV4l low = k < TSNE_MIN_GAIN;
        StepV4d floor = (StepV4d){0} + TSNE_MIN_GAIN;
        k = (StepV4d)(((StepV4l)floor & low) | ((StepV4l)k & ~low));
        g = g * k;
        u = momentum * u - lr * g;
        yy += u;
        memcpy(gains + t, &k, sizeof k);
        memcpy(grad + t, &g, sizeof g);
        memcpy(update + t, &u, sizeof u);
        memcpy(y + t, &yy, sizeof yy);
        for (int a = 0; a < 4; a++)
            yf[t + a] = (float)yy[a];
    }
    for (; t < m; t++)
        tsne_step_one(y + t, yf + t, grad + t, update + t, gains + t, momentum, lr);
}

static void tsne_step_points(void *vctx, size_t b, size_t e)
{
    const StepCtx *c = vctx;
    Descent *s = c->s;
    tsne_step_range(s->y + 2 * b, s->yf + 2 * b, s->grad + 2 * b, s->update + 2 * b,
                    s->gains + 2 * b, 2 * (e - b), c->momentum, s->lr);
}

/* Iterations it0 .. it_end-1 of one phase. On return *kl is the error at the last
 * iteration run and *last its index; returns -1 on Ctrl-C or divergence. */
static int tsne_descend(Descent *s, int it0, int it_end, double momentum, double exaggeration,
                        int no_progress, int phase, double *kl, int *last, Err *e)
{
    size_t m = 2 * s->n;
    for (size_t t = 0; t < m; t++) {
        s->update[t] = 0.0;
        s->gains[t] = 1.0;
    }
    double error = DBL_MAX, best_error = DBL_MAX;
    int best_iter = it0, i;
    double tic = now_seconds();
    for (i = it0; i < it_end; i++) {
        if (interrupt_pending())
            return err_interrupted(e, _("t-SNE"));
        if (i % TSNE_REORDER_EVERY == 0 && i <= TSNE_REORDER_LAST) {
            if (s->perm)
                tsne_reorder(s);
            else /* the attraction's own renumbering, which changes no bits */
                tsne_forces_p_changed(s->forces);
        }
        int check = (i + 1) % TSNE_CHECK_EVERY == 0;
        int want = check || i == it_end - 1;
        /* the step in the forces' last pass, on each point once its gradient is
         * final: no pass of its own */
        StepCtx step = {s, momentum};
        TsneStep hook = {tsne_step_points, &step};
        if (tsne_forces_step(s->forces, s->pool, s->P, s->yf, exaggeration, s->grad,
                             want ? &error : NULL, &hook, e) != 0)
            return -1;
        *last = i;
        *kl = error;
        tsne_report(s, i, phase, want ? error : NAN);
        if (!check)
            continue;
        double toc = now_seconds(), norm2 = 0;
        for (size_t t = 0; t < m; t++)
            norm2 += s->grad[t] * s->grad[t];
        double grad_norm = sqrt(norm2);
        if (!isfinite(error) || !isfinite(grad_norm))
            return err_set(e, _("t-SNE diverged at iteration %d (non-finite values); use a smaller learning rate"),
                           i + 1);
        if (s->p->verbose >= 2)
            say(s->log, s->log_ctx,
                _("[t-SNE] Iteration %d: error = %.7f, gradient norm = %.7f (%d iterations in %.3fs)"),
                i + 1, error, grad_norm, TSNE_CHECK_EVERY, toc - tic);
        tic = toc;
        if (error < best_error) {
            best_error = error;
            best_iter = i;
        } else if (i - best_iter > no_progress) {
            if (s->p->verbose >= 2)
                say(s->log, s->log_ctx,
                    _("[t-SNE] Iteration %d: did not make any progress during the last %d episodes. Finished."),
                    i + 1, no_progress);
            break;
        }
        if (grad_norm <= s->p->min_grad_norm) {
            if (s->p->verbose >= 2)
                say(s->log, s->log_ctx, _("[t-SNE] Iteration %d: gradient norm %f. Finished."), i + 1,
                    grad_norm);
            break;
        }
    }
    return 0;
}

TsneMethod tsne_method_for(size_t n)
{
    return n >= TSNE_FFT_FROM ? TSNE_METHOD_FFT : TSNE_METHOD_BH;
}

/* The fewest points from which auto takes the approximate search with method m. */
static size_t tsne_approx_from(TsneMethod m)
{
    return m == TSNE_METHOD_FFT ? TSNE_APPROX_FFT_FROM : TSNE_APPROX_FROM;
}

/* Approximate where it is the faster and finds 99% of the neighbours: in many
 * dimensions (the candidates come from KNN_APPROX_DIMS principal components), from
 * TSNE_APPROX_FROM points, or from TSNE_APPROX_FFT_FROM with FFT (whose iterations
 * leave the neighbours a larger share of the run; see tsne.h for the figures). */
TsneKnn tsne_knn_for(size_t n, size_t d, TsneMethod method)
{
    return n >= tsne_approx_from(method) && d > 2 * KNN_APPROX_DIMS ? TSNE_KNN_APPROX
                                                                   : TSNE_KNN_EXACT;
}

const char *tsne_method_name(TsneMethod m)
{
    static const char *const names[] = {"auto", "bh", "fft", "exact"};
    return m >= TSNE_METHOD_AUTO && m <= TSNE_METHOD_EXACT ? names[m] : "?";
}

const char *tsne_knn_name(TsneKnn k)
{
    static const char *const names[] = {"auto", "exact", "approx"};
    return k >= TSNE_KNN_AUTO && k <= TSNE_KNN_APPROX ? names[k] : "?";
}

/* What each method is, for the verbose lines, in the session's language. */
static const char *tsne_method_what(TsneMethod m)
{
    switch (m) {
    case TSNE_METHOD_FFT:
        return _("FFT-accelerated interpolation on a grid");
    case TSNE_METHOD_EXACT:
        return _("exact, all pairs");
    default:
        return _("Barnes-Hut quadtree");
    }
}

/* knn_approx, keeping its principal components: *pc (n, KNN_APPROX_DIMS) is the
 * projection the candidates came from, to start from too (one PCA of the data instead
 * of two), or NULL when the search was exact (ds <= KNN_APPROX_DIMS). */
static int tsne_approx_search(const float *xs, size_t n, size_t ds, size_t k, int threads,
                              uint32_t *nbr, float *dist2, float **pc, KnnApproxStats *st, Err *e)
{
    *pc = NULL;
    if (ds <= KNN_APPROX_DIMS || n < 3)
        return knn_approx(xs, n, ds, k, nbr, dist2, threads, st, e);
    double t0 = now_seconds();
    float *proj = xmalloc_floats(n * KNN_APPROX_DIMS);
    if (pca_project_cov(xs, n, ds, KNN_APPROX_DIMS, proj, NULL, threads, e) != 0 ||
        knn_approx_projected(xs, n, ds, proj, KNN_APPROX_DIMS, k, nbr, dist2, threads, st, e) != 0) {
        free(proj);
        return -1;
    }
    st->seconds_candidates = now_seconds() - t0 - st->seconds_refine; /* with the PCA */
    *pc = proj;
    return 0;
}

/* Stage 1: the k nearest neighbours (of the data, or of its pca_dims leading
 * principal components), and the starting positions. */
static int tsne_neighbour_stage(const float *x, size_t n, size_t d, size_t k, const TsneParams *p,
                                TsneKnn knn, uint32_t *nbr, float *dist2, double *ybuf,
                                TsneLog log_fn, void *log_ctx, Err *e)
{
    const float *xs = x;
    size_t ds = d;
    float *proj = NULL; /* (n, pca_dims) */
    int rc = -1;
    if (p->pca_dims > 0 && (size_t)p->pca_dims < d) {
        double t0 = now_seconds();
        ds = (size_t)p->pca_dims;
        proj = xmalloc_floats(n * ds);
        if (pca_project_cov(x, n, d, ds, proj, NULL, p->threads, e) != 0)
            goto out;
        xs = proj;
        if (p->verbose >= 1)
            say(log_fn, log_ctx, _("[t-SNE] PCA to %zu dimensions in %.2f s"), ds, now_seconds() - t0);
    }
    if (knn == TSNE_KNN_APPROX) {
        KnnApproxStats st;
        float *pc = NULL;
        if (tsne_approx_search(xs, n, ds, k, p->threads, nbr, dist2, &pc, &st, e) != 0)
            goto out;
        if (pc) {
            free(proj);
            proj = pc;
            ds = KNN_APPROX_DIMS;
        }
        if (p->verbose >= 1)
            say(log_fn, log_ctx, _("[t-SNE] neighbours: approximate, %zu candidates per point from "
                "%zu principal components (%.2f s), then exact distances (%.2f s)"),
                st.candidates, st.dims, st.seconds_candidates, st.seconds_refine);
    } else if (knn_exact(xs, n, ds, k, nbr, dist2, p->threads, e) != 0) {
        goto out;
    }
    /* The initial positions: from the projection when there is one (its first two
     * columns are the data's first two principal components, so those two alone are
     * enough: their own PCA only centres them and fixes the signs). */
    if (proj && ds > 2) {
        for (size_t i = 0; i < n; i++)
            for (size_t c = 0; c < 2; c++)
                proj[i * 2 + c] = proj[i * ds + c]; /* (n, 2), in place: i * 2 <= i * ds */
        ds = 2;
    }
    if (tsne_init(proj ? proj : x, n, proj ? ds : d, p, ybuf, e) != 0)
        goto out;
    rc = 0;
out:
    free(proj);
    return rc;
}

int tsne_run(const float *x, size_t n, size_t d, const TsneParams *p, float *y,
             TsneResult *res, TsneLog log_fn, void *log_ctx, Err *e)
{
    if (tsne_validate(n, d, p, e) != 0)
        return -1;
    size_t k = tsne_neighbours(n, p->perplexity);
    if (tsne_budget(n, d, k, e) != 0)
        return -1;
    if (n >= UINT32_MAX)
        return err_set(e, _("t-SNE handles fewer than %u points, not %zu"), UINT32_MAX, n);
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < d; c++)
            if (!isfinite(x[i * d + c]))
                return err_set(e, _("point %zu has a non-finite value (NaN or infinity) in column %zu; clean the data first"),
                               i, c);
    TsneMethod method = p->method == TSNE_METHOD_AUTO ? tsne_method_for(n) : p->method;
    if (method == TSNE_METHOD_BH && p->angle == 0)
        method = TSNE_METHOD_EXACT; /* angle 0: Barnes-Hut opens every cell */
    size_t dsearch = p->pca_dims > 0 && (size_t)p->pca_dims < d ? (size_t)p->pca_dims : d;
    TsneKnn knn = p->knn == TSNE_KNN_AUTO ? tsne_knn_for(n, dsearch, method) : p->knn;

    TsneLog vlog = p->verbose >= 2 ? log_fn : NULL; /* the detailed lines */
    TsneLog slog = p->verbose == 1 ? log_fn : NULL; /* the stages (verbose 2 has
                                                       scikit-learn's lines instead) */
    double t_start = now_seconds(), t0 = t_start, t_knn, t_p, t_explore = 0, t_rest = 0;
    int rc = -1;
    uint32_t *nbr = xmalloc(n * k * sizeof(uint32_t)); /* (n, k) */
    float *dist2 = xmalloc_floats(n * k);              /* (n, k) */
    double *pcond = NULL;                              /* (n, k) */
    double *ybuf = xmalloc(2 * n * sizeof(double));    /* (n, 2) */
    int have_y = 0;                                    /* ybuf holds positions */
    TsneSparseP P = {0};
    Pool *pool = NULL;
    TsneForces *forces = NULL;
    Descent s = {0};

    if (p->knn == TSNE_KNN_AUTO) /* and why auto chose this search */
        say(p->verbose >= 1 ? log_fn : NULL, log_ctx,
            _("[t-SNE] %zu points of %zu values: method %s (%s), neighbours %s (auto: approximate "
              "from %zu points with this method, in more than %d dimensions), %d thread%s"),
            n, d, tsne_method_name(method), tsne_method_what(method), tsne_knn_name(knn),
            tsne_approx_from(method), 2 * KNN_APPROX_DIMS, p->threads, p->threads > 1 ? "s" : "");
    else
        say(p->verbose >= 1 ? log_fn : NULL, log_ctx,
            _("[t-SNE] %zu points of %zu values: method %s (%s), neighbours %s, %d thread%s"),
            n, d, tsne_method_name(method), tsne_method_what(method), tsne_knn_name(knn),
            p->threads, p->threads > 1 ? "s" : "");
    say(vlog, log_ctx, _("[t-SNE] Computing %zu nearest neighbors..."), k);
    say(vlog, log_ctx, _("[t-SNE] Indexed %zu samples in %.3fs..."), n, now_seconds() - t0);
    t0 = now_seconds();
    /* BLAS work (neighbours, PCA) before our own threads start. */
    if (tsne_neighbour_stage(x, n, d, k, p, knn, nbr, dist2, ybuf, log_fn, log_ctx, e) != 0)
        goto out;
    have_y = 1;
    t_knn = now_seconds() - t0;
    say(vlog, log_ctx, _("[t-SNE] Computed neighbors for %zu samples in %.3fs..."), n, t_knn);
    say(slog, log_ctx, _("[t-SNE] stage neighbours (%zu per point, %s) and start: %.2f s"), k,
        tsne_knn_name(knn), t_knn);

    t0 = now_seconds();
    pcond = xmalloc(n * k * sizeof(double));
    if (tsne_conditional_p(dist2, n, k, p->perplexity, pcond, NULL, p->threads, vlog, log_ctx,
                           e) != 0)
        goto out;
    tsne_joint_p(nbr, pcond, n, k, &P);
    free(pcond);
    pcond = NULL;
    t_p = now_seconds() - t0;
    say(vlog, log_ctx, _("[t-SNE] Computed conditional probabilities in %.3fs"), t_p);
    say(slog, log_ctx, _("[t-SNE] stage P (perplexity %g, %zu entries): %.2f s"), p->perplexity,
        P.rowptr[n], t_p);
    /* The neighbour lists are not needed any more: give their memory back now. */
    free(nbr);
    free(dist2);
    nbr = NULL;
    dist2 = NULL;

    pool = p->threads > 1 ? pool_new(p->threads) : NULL;
    forces = tsne_forces_new(n, method, p->angle);
    s.n = n;
    s.P = &P;
    s.p = p;
    s.forces = forces;
    s.pool = pool;
    s.lr = p->learning_rate > 0 ? p->learning_rate
                                : fmax((double)n / p->early_exaggeration / 4.0, TSNE_LR_FLOOR);
    s.y = ybuf;
    s.yf = xmalloc_floats(2 * n);
    for (size_t t = 0; t < 2 * n; t++)
        s.yf[t] = (float)ybuf[t];
    s.grad = xmalloc(2 * n * sizeof(double));
    s.update = xmalloc(2 * n * sizeof(double));
    s.gains = xmalloc(2 * n * sizeof(double));
    if (method == TSNE_METHOD_FFT) {
        s.perm = xmalloc(n * sizeof(uint32_t));
        s.order = xmalloc(n * sizeof(uint32_t));
        s.perm2 = xmalloc(n * sizeof(uint32_t));
        s.pairs = xmalloc(2 * n * sizeof(double));
        s.view = xmalloc_floats(2 * n);
        for (size_t r = 0; r < n; r++)
            s.perm[r] = (uint32_t)r;
    }
    s.log = log_fn;
    s.log_ctx = log_ctx;
    s.t_start = t_start;
    s.t_iter0 = now_seconds();

    double kl = 0;
    int last = -1;
    if (p->exploration_iter > 0) {
        t0 = now_seconds();
        if (tsne_descend(&s, 0, p->exploration_iter, TSNE_MOMENTUM_EXPLORE,
                         p->early_exaggeration, p->exploration_iter, 1, &kl, &last, e) != 0)
            goto out;
        t_explore = now_seconds() - t0;
        if (p->verbose >= 1)
            say(log_fn, log_ctx, _("[t-SNE] KL divergence after %d iterations with early exaggeration: %f"),
                last + 1, kl);
        say(slog, log_ctx, _("[t-SNE] stage exaggeration (%d iterations): %.2f s; about %.0f s left"),
            last + 1, t_explore, t_explore / (last + 1) * (p->n_iter - last - 1));
    }
    if (last + 1 < p->n_iter) {
        t0 = now_seconds();
        int first = last + 1;
        if (tsne_descend(&s, last + 1, p->n_iter, TSNE_MOMENTUM_FINAL, 1.0,
                         p->n_iter_without_progress, 2, &kl, &last, e) != 0)
            goto out;
        t_rest = now_seconds() - t0;
        say(slog, log_ctx, _("[t-SNE] stage the rest (%d iterations): %.2f s"), last + 1 - first,
            t_rest);
    }
    if (method == TSNE_METHOD_FFT && slog) {
        int nb;
        double h, r;
        tsne_fft_grid(tsne_forces_fft(forces), &nb, &h, &r);
        say(slog, log_ctx, _("[t-SNE] last FFT grid: %d x %d intervals of %.3g, %d nodes a side, "
            "near field %.3g"), nb, nb, h, 3 * nb, r);
    }
    if (p->verbose >= 1)
        say(log_fn, log_ctx, _("[t-SNE] KL divergence after %d iterations: %f"), last + 1, kl);
    if (res) {
        res->kl = kl;
        res->iterations = last + 1;
        res->seconds = now_seconds() - t_start;
        res->method = method;
        res->knn = knn;
        res->seconds_knn = t_knn;
        res->seconds_p = t_p;
        res->seconds_explore = t_explore;
        res->seconds_rest = t_rest;
    }
    rc = 0;
out:
    /* On success and on interruption alike, y holds the last completed positions
     * (left alone when interrupted before there were any). */
    if (have_y && (rc == 0 || (e && e->interrupted))) {
        for (size_t r = 0; r < n; r++)
            for (int c = 0; c < 2; c++)
                y[2 * (s.perm ? (size_t)s.perm[r] : r) + c] = (float)ybuf[2 * r + c];
    }
    free(nbr);
    free(dist2);
    free(pcond);
    free(ybuf);
    free(s.yf);
    free(s.grad);
    free(s.update);
    free(s.gains);
    free(s.perm);
    free(s.order);
    free(s.perm2);
    free(s.pairs);
    free(s.view);
    tsne_forces_free(forces);
    pool_free(pool);
    tsne_sparse_free(&P);
    return rc;
}
