/* tsne_internal.h: what the t-SNE files of src/embed share (not a public API).
 * Parallel loops go through the pool of untangle/core/pool.h. */
#ifndef UNTANGLE_TSNE_INTERNAL_H
#define UNTANGLE_TSNE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "untangle/core/cpu.h"
#include "untangle/core/err.h"
#include "untangle/core/pool.h"
#include "untangle/embed/tsne.h"

/* Each repulsion below fills rep (n, 2) with sum_j q_ij^2 (y_i - y_j) and z (n) with
 * sum_{j != i} q_ij, where q_ij = 1 / (1 + |y_i - y_j|^2), at y (n, 2). */

/* Barnes-Hut (tsne_bh.c): state kept across iterations (buffers reused). angle 0 runs
 * the exact O(n^2) sums. */
typedef struct TsneBh TsneBh;
TsneBh *tsne_bh_new(size_t n);
void tsne_bh_free(TsneBh *bh); /* accepts NULL */
void tsne_bh_repulsion(TsneBh *bh, Pool *pool, const float *y, double angle, double *rep,
                       double *z);

/* FFT-accelerated interpolation (tsne_fft.c): grid, plans and kernel spectra kept
 * across iterations. Fills rep as above but, instead of the per-point shares z, only
 * their sum *zsum (which it gets from the spectrum). Returns 0, or -1 with e filled
 * when FFTW cannot plan. */
typedef struct TsneFft TsneFft;
TsneFft *tsne_fft_new(size_t n);
void tsne_fft_free(TsneFft *f); /* accepts NULL */
int tsne_fft_repulsion(TsneFft *f, Pool *pool, const float *y, double *rep, double *zsum,
                       Err *e);
/* The grid of the last call: intervals per axis, their width, and the radius of the
 * near field (0 when the grid alone is accurate enough). */
void tsne_fft_grid(const TsneFft *f, int *intervals, double *width, double *radius);

/* The kernels of the FFT repulsion as functions of rho = |y_i - y_j|^2:
 * g(rho) = (1 + rho)^-power (power 1 for Z, 2 for the force). Split at rho0 = R^2,
 * the far part is g's second-order Taylor polynomial in rho around rho0 below it
 * (joining g with two continuous derivatives, and smooth: the grid interpolates it
 * well at intervals of R / 2) and g itself beyond; the near part g - far vanishes
 * beyond R. The polynomial's coefficients, in t = rho - rho0: c[0] + t (c[1] + t c[2]). */
static inline void tsne_far_coefficients(double rho0, int power, double c[3])
{
    double b = 1.0 / (1.0 + rho0), g = power == 1 ? b : b * b;
    c[0] = g;
    c[1] = -power * g * b;
    c[2] = 0.5 * power * (power + 1) * g * b * b;
}
static inline double tsne_far_kernel(double rho, double rho0, int power)
{
    if (rho >= rho0) {
        double b = 1.0 / (1.0 + rho);
        return power == 1 ? b : b * b;
    }
    double c[3], t = rho - rho0;
    tsne_far_coefficients(rho0, power, c);
    return c[0] + t * (c[1] + t * c[2]);
}

/* The near field (tsne_fft_near.c): adds to rep (n, 2) and z (n) the sums over pairs
 * closer than radius (the point itself included: it adds g(0) - far(0) to z) of the
 * near parts of the two kernels, from a cell list rebuilt at each call; lo and hi are
 * the embedding's lower and upper corners (the minima and maxima of y). */
typedef struct TsneNear TsneNear;
TsneNear *tsne_near_new(size_t n);
void tsne_near_free(TsneNear *nr); /* accepts NULL */
void tsne_near_add(TsneNear *nr, Pool *pool, const float *y, const double lo[2],
                   const double hi[2], double radius, double *rep, double *z);

/* Exact repulsion for points b .. e-1 against all others (tsne_exact.c). */
void tsne_exact_repulsion_range(const float *y, size_t n, double *rep, double *z, size_t b,
                                size_t e);

/* The whole gradient (tsne_forces.c): one of the repulsions above, then the attraction
 * over P (times exaggeration), combined into grad (n, 2) already multiplied by 4 as
 * scikit-learn does. When kl is not NULL also the KL divergence of (exaggerated) P
 * against the Q these forces imply. method is BH, FFT or EXACT (not AUTO). One
 * TsneForces serves one P: it keeps P's sum p log p between calls. */
typedef struct TsneForces TsneForces;
TsneForces *tsne_forces_new(size_t n, TsneMethod method, double angle);
void tsne_forces_free(TsneForces *f); /* accepts NULL */
int tsne_forces_gradient(TsneForces *f, Pool *pool, const TsneSparseP *P, const float *y,
                         double exaggeration, double *grad, double *kl, Err *e);
/* The same, and then the caller's step: fn(ctx, b, e) on points b .. e-1 as soon as
 * their gradient is final (points in any order and split; from the pool's threads).
 * The step may move those points in y (only those): if the next call passes the same
 * y, the forces take the new positions from what they saw here, which saves a copy. */
typedef struct TsneStep {
    void (*fn)(void *ctx, size_t b, size_t e);
    void *ctx;
} TsneStep;
int tsne_forces_step(TsneForces *f, Pool *pool, const TsneSparseP *P, const float *y,
                     double exaggeration, double *grad, double *kl, const TsneStep *step,
                     Err *e);
const TsneFft *tsne_forces_fft(const TsneForces *f); /* NULL unless FFT */
/* P was renumbered (its values the same), or the map has moved: the forces' packed
 * copy of P, numbered along the map for the reads of the attraction, is made again
 * at the next call. Their results do not depend on when this is called. */
void tsne_forces_p_changed(TsneForces *f);
/* The caller renumbered its points but not P: its point d is now P's point
 * numbering[d] (n entries, copied), for y, grad and the step from the next call on. */
void tsne_forces_renumbered(TsneForces *f, const uint32_t *numbering);
/* The attraction's kernels limited to isa (at most this processor's best, which
 * tsne_forces_new picks); returns the one in use. Every path gives the same bits:
 * for the tests. */
CpuIsa tsne_forces_use_isa(TsneForces *f, CpuIsa isa);

/* Renumbering along the map (tsne_order.c). order[r] receives the point to put at
 * position r: the points sorted along a Z-order curve of y (n, 2), ties by index. */
void tsne_spatial_order(const double *y, size_t n, uint32_t *order);
/* v (n, 2) renumbered the same way; scratch (n, 2). */
void tsne_permute_pairs(double *v, size_t n, const uint32_t *order, double *scratch);

/* The low 24 bits of v spread to the even bits of a 48-bit word: one axis of a
 * Z-order (Morton) code, the other shifted left by one. The Barnes-Hut tree sorts
 * its points by it (tsne_bh.c), the descent renumbers them by it (tsne_order.c). */
static inline uint64_t tsne_morton_spread(uint64_t v)
{
    v &= 0xFFFFFFull;
    v = (v | (v << 16)) & 0x0000FFFF0000FFFFull;
    v = (v | (v << 8)) & 0x00FF00FF00FF00FFull;
    v = (v | (v << 4)) & 0x0F0F0F0F0F0F0F0Full;
    v = (v | (v << 2)) & 0x3333333333333333ull;
    v = (v | (v << 1)) & 0x5555555555555555ull;
    return v;
}

#endif
