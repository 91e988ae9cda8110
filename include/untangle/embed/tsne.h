/* tsne.h: t-SNE as scikit-learn 1.2 runs it (Barnes-Hut), reproducible whatever
 * the thread count.
 *
 * The procedure and its defaults are those of ../shared/reference/tsne-sklearn-1.2.md
 * (exact kNN with 3*perplexity+1 neighbours, perplexity binary search, symmetric P,
 * PCA init scaled to std 1e-4, learning rate max(N/48, 50), exaggeration 12 for 250
 * iterations with momentum 0.5, then momentum 0.8 up to n_iter, gains, angle 0.5).
 * Sums run in a fixed order, so 1 and 2 threads give the same embedding. */
#ifndef UNTANGLE_TSNE_H
#define UNTANGLE_TSNE_H

#include <stddef.h>
#include <stdint.h>
#include "untangle/core/err.h"

/* How the repulsive forces are summed. */
typedef enum TsneMethod {
    TSNE_METHOD_AUTO = 0,  /* BH below TSNE_FFT_FROM points, FFT from there */
    TSNE_METHOD_BH,        /* Barnes-Hut quadtree at `angle`, as scikit-learn */
    TSNE_METHOD_FFT,       /* FFT-accelerated interpolation on a grid (FIt-SNE) */
    TSNE_METHOD_EXACT      /* all pairs, O(n^2) */
} TsneMethod;

/* How the nearest neighbours are found. */
typedef enum TsneKnn {
    TSNE_KNN_AUTO = 0,     /* approximate in more than 2 KNN_APPROX_DIMS dimensions from
                              TSNE_APPROX_FROM points, or from TSNE_APPROX_FFT_FROM with
                              the FFT method; exact otherwise */
    TSNE_KNN_EXACT,        /* all pairs (blocked sgemm), the reference */
    TSNE_KNN_APPROX        /* candidates from principal components, then exact distances */
} TsneKnn;

/* Where the automatic choices switch (measured on MNIST: see bench/tsne.sh). */
#define TSNE_FFT_FROM 20000
#define TSNE_APPROX_FROM 20000
/* The FFT method's iterations are short, so the neighbours weigh more there: from this
 * many points the approximate search is the faster (MNIST test images, 1 thread, AMD
 * EPYC Zen 4, OpenBLAS Cooperlake kernels: exact 0.14 s, approximate 0.13 s at 2000;
 * 0.25 and 0.19 s at 3000; 1.83 and 0.93 s at 10 000, KL 1.7731 and 1.7736, NH 0.933
 * both). Barnes-Hut keeps the exact search below TSNE_APPROX_FROM (the lab's figures). */
#define TSNE_APPROX_FFT_FROM 2000

/* What a progress callback sees after each iteration. */
typedef struct TsneProgressInfo {
    int iteration;          /* iterations done, 1 .. n_iter */
    int n_iter;
    int phase;              /* 1: early exaggeration, 2: the rest */
    double kl;              /* KL at this iteration, or NAN when not computed */
    const float *y;         /* (n, 2) the current embedding; valid during the call only */
    size_t n;
    double elapsed;         /* seconds since tsne_run started */
    double remaining;       /* estimated seconds left */
} TsneProgressInfo;
typedef void (*TsneProgress)(void *ctx, const TsneProgressInfo *info);

typedef struct TsneParams {
    double perplexity;          /* 30 */
    double early_exaggeration;  /* 12 */
    double learning_rate;       /* <= 0: 'auto' = max(N / early_exaggeration / 4, 50) */
    int n_iter;                 /* 1000 in all, including the exploration phase */
    int exploration_iter;       /* 250 */
    int n_iter_without_progress;/* 300 */
    double min_grad_norm;       /* 1e-7 */
    double angle;               /* 0.5 for Barnes-Hut; 0 runs the exact O(N^2) gradient */
    TsneMethod method;          /* AUTO */
    TsneKnn knn;                /* AUTO */
    int pca_dims;               /* > 0: neighbours and P from this many principal
                                   components (FIt-SNE's practice, with 50); 0: the data */
    int init_pca;               /* 1: PCA init; 0: 1e-4 * N(0,1) */
    int verbose;                /* 0 silent, 1 stages and times, 2 every 50 iterations */
    uint64_t seed;              /* for the random init (the PCA init draws nothing) */
    int threads;                /* >= 1; the result does not depend on it */
    TsneProgress progress;      /* NULL, or called after every iteration */
    void *progress_ctx;
} TsneParams;

/* The method AUTO stands for at n points, the neighbour search AUTO stands for at n
 * points of d values with the given method (not AUTO; approximate only where it pays:
 * many points in many dimensions, fewer points with FFT), and their names ("bh",
 * "fft", "exact"; "exact", "approx"). */
TsneMethod tsne_method_for(size_t n);
TsneKnn tsne_knn_for(size_t n, size_t d, TsneMethod method);
const char *tsne_method_name(TsneMethod m);
const char *tsne_knn_name(TsneKnn k);

typedef struct TsneResult {
    double kl;                  /* KL divergence at the last iteration */
    int iterations;             /* iterations run */
    double seconds;             /* wall time */
    TsneMethod method;          /* the method and search used (never AUTO) */
    TsneKnn knn;
    double seconds_knn, seconds_p, seconds_explore, seconds_rest; /* per stage */
} TsneResult;

/* Receives each progress line (no trailing newline), in sklearn's wording. */
typedef void (*TsneLog)(void *ctx, const char *line);

void tsne_params_default(TsneParams *p);

/* Embeds x (n, d) row-major, not modified, into y (n, 2) row-major, allocated by the
 * caller. Validates parameters (perplexity < n, n >= 4...) and refuses sizes whose
 * memory is absurd before allocating. On Ctrl-C returns -1 with e->interrupted set
 * and y holding the last completed iteration. */
int tsne_run(const float *x, size_t n, size_t d, const TsneParams *p, float *y,
             TsneResult *res, TsneLog log, void *log_ctx, Err *e);

/* ---- Building blocks (used by tsne_run; public so the tests can check each step) ---- */

/* The joint probabilities P: n x n, sparse, symmetric, entries summing to 1. */
typedef struct TsneSparseP {
    size_t n;          /* rows (= columns) */
    size_t *rowptr;    /* (n + 1): row i is entries rowptr[i] .. rowptr[i+1]-1; owned */
    uint32_t *col;     /* (nnz) column indices, increasing within each row; owned */
    float *val;        /* (nnz) p_ij; owned */
} TsneSparseP;

void tsne_sparse_free(TsneSparseP *P); /* frees the arrays and zeroes P; accepts NULL */

/* Number of neighbours the Barnes-Hut method uses: min(n - 1, floor(3 perplexity + 1)). */
size_t tsne_neighbours(size_t n, double perplexity);

/* Conditional probabilities by binary search on each row's precision beta, so that
 * the row's entropy (natural log) is ln(perplexity) within 1e-5 (at most 100 steps).
 * dist2: (n, k) squared distances to each point's k neighbours. pcond: (n, k) out,
 * rows summing to 1. beta: (n) out or NULL. threads >= 1 (results do not depend on
 * it). log (may be NULL) receives "Computed conditional probabilities for sample i / n"
 * every 1000 rows and at n, then "Mean sigma: x". Returns 0, or -1 (Ctrl-C). */
int tsne_conditional_p(const float *dist2, size_t n, size_t k, double perplexity,
                       double *pcond, double *beta, int threads, TsneLog log_fn, void *log_ctx,
                       Err *e);

/* P = (C + C^T) / sum, where C (n x n) holds pcond[i][j] at (i, nbr[i][j]).
 * nbr, pcond: (n, k). Fills *P (caller frees with tsne_sparse_free). */
void tsne_joint_p(const uint32_t *nbr, const double *pcond, size_t n, size_t k,
                  TsneSparseP *P);

/* The t-SNE gradient at y (n, 2), into grad (n, 2), as scikit-learn's: 4 * (attraction
 * over P times exaggeration - repulsion / Z), with the Barnes-Hut quadtree at `angle`
 * (sklearn's criterion: cell max width^2 / distance^2 < angle^2), or the exact O(n^2)
 * repulsion when angle is 0. kl (or NULL) receives the KL divergence of the
 * exaggerated P against Q. Returns 0, or -1 on bad sizes. */
int tsne_gradient(const TsneSparseP *P, const float *y, double exaggeration, double angle,
                  int threads, double *grad, double *kl, Err *e);
/* The same with the method named (AUTO: tsne_method_for(n)); angle is Barnes-Hut's. */
int tsne_gradient_method(const TsneSparseP *P, const float *y, double exaggeration,
                         TsneMethod method, double angle, int threads, double *grad,
                         double *kl, Err *e);

/* The starting positions y (n, 2): with p->init_pca the first two principal
 * components of x (see pca.h for their signs) divided by the standard deviation of
 * the first and multiplied by 1e-4; otherwise 1e-4 N(0, 1) from p->seed. */
int tsne_init_positions(const float *x, size_t n, size_t d, const TsneParams *p, float *y,
                        Err *e);

/* The reference: exact O(n^2) gradient and KL in double precision, single-threaded. */
void tsne_gradient_exact(const TsneSparseP *P, const float *y, double exaggeration,
                         double *grad, double *kl);

#endif
