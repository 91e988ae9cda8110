/* geom.h: how well the classes of a 2-D embedding separate.
 *
 * Three criteria of the lab, each computed per class (labels 0..max label):
 *   - convex hull (Andrew's monotone chain): vertex count and area (shoelace);
 *   - Gaussian ellipse: mean, maximum-likelihood covariance (divided by n, plus
 *     GEOM_COV_EPS on the diagonal), full axes 2*sqrt(2)*sqrt(eigenvalue) and the
 *     angle of the major axis;
 *   - Neighborhood Hit: for each point, the share of its k nearest OTHER points
 *     with the same label, averaged over all points and over each class.
 * The k nearest neighbours are exact (a uniform grid), distances are squared
 * euclidean in double precision, and ties are broken by the smaller index, so the
 * result never depends on the order of the work.
 *
 * Points are float (n, 2) row-major; labels are uint8_t (n). Non-finite
 * coordinates are refused. Result structs own their arrays: free them with the
 * matching _free (which accepts a zeroed struct). */
#ifndef UNTANGLE_GEOM_H
#define UNTANGLE_GEOM_H

#include <stddef.h>
#include <stdint.h>
#include "untangle/core/err.h"

#define GEOM_COV_EPS 1e-6  /* added to the covariance diagonal, as the lab's GaussianMixture */

/* ---- convex hulls (hull.c) ---- */

typedef struct GeomHull {
    size_t count;          /* points of this class */
    size_t n_vertices;     /* distinct hull vertices, counter-clockwise; 0..count */
    size_t *vertices;      /* (n_vertices) indices into the point array; points into
                              the GeomHulls storage, not owned separately */
    double area;           /* shoelace area; 0 when degenerate */
    int degenerate;        /* 1 when the class has fewer than 3 distinct points or all
                              its points are collinear: then the "hull" is the 0, 1 or 2
                              extreme points and its area is 0 */
} GeomHull;

typedef struct GeomHulls {
    int n_classes;         /* max label + 1 (0 when n == 0) */
    GeomHull *cls;         /* (n_classes) owned */
    size_t *storage;       /* all vertex lists; owned */
} GeomHulls;

/* Hull of the points xy[idx[i]] for i < m (idx NULL: the first m points). Writes the
 * hull vertices (indices into xy, counter-clockwise, starting at the lowest-x then
 * lowest-y point, no collinear or repeated vertex) into out (capacity m) and returns
 * their count. *area receives the area (0 for fewer than 3 vertices). Coordinates must
 * be finite (geom_hulls checks). */
size_t geom_convex_hull(const float *xy, const size_t *idx, size_t m, size_t *out,
                        double *area);

/* Hull of every class. Returns 0, or -1 with e set (non-finite coordinate). */
int geom_hulls(const float *xy, const uint8_t *labels, size_t n, GeomHulls *out, Err *e);
void geom_hulls_free(GeomHulls *h);

/* ---- Gaussian ellipses (ellipse.c) ---- */

typedef struct GeomEllipse {
    size_t count;          /* points of this class; the rest is 0 when count is 0 */
    double mean[2];        /* x, y */
    double cov[3];         /* sxx, sxy, syy: sum / count, plus GEOM_COV_EPS on sxx, syy */
    double eig[2];         /* eigenvalues of cov, largest first */
    double major, minor;   /* full axes 2*sqrt(2)*sqrt(eig) */
    double angle;          /* degrees from +x to the major axis, counter-clockwise in
                              data coordinates, in (-90, 90] */
} GeomEllipse;

typedef struct GeomEllipses {
    int n_classes;         /* max label + 1 */
    GeomEllipse *cls;      /* (n_classes) owned */
} GeomEllipses;

/* Eigen decomposition of the symmetric 2x2 [[sxx, sxy], [sxy, syy]] in closed form:
 * eigenvalues largest first (clamped at 0) and the angle (degrees, (-90, 90]) of the
 * eigenvector of the largest. */
void geom_sym2_eigen(double sxx, double sxy, double syy, double eig[2], double *angle_deg);

/* Fits the points xy[idx[i]], i < m (idx NULL: the first m points). */
void geom_ellipse_fit(const float *xy, const size_t *idx, size_t m, GeomEllipse *out);

/* Ellipse of every class. Returns 0, or -1 with e set. */
int geom_ellipses(const float *xy, const uint8_t *labels, size_t n, GeomEllipses *out,
                  Err *e);
void geom_ellipses_free(GeomEllipses *el);

/* ---- nearest neighbours and Neighborhood Hit (nh.c) ---- */

/* For each of the n points, its k nearest other points (1 <= k < n), nearest first,
 * ties broken by the smaller index: out (n, k) row-major, allocated by the caller.
 * Returns 0, or -1 with e set (bad k, non-finite coordinate, absurd size). */
int geom_knn(const float *xy, size_t n, size_t k, size_t *out, Err *e);

typedef struct GeomNH {
    int k;
    double global;         /* mean over all points, in [0, 1] */
    int n_classes;         /* max label + 1 */
    size_t *count;         /* (n_classes) points per class; owned */
    double *per_class;     /* (n_classes) mean over the class's points, 0..1; NAN when
                              the class is absent; owned */
} GeomNH;

int geom_nh(const float *xy, const uint8_t *labels, size_t n, size_t k, GeomNH *out,
            Err *e);
void geom_nh_free(GeomNH *nh);

/* Shared check: 0 when all 2n coordinates are finite, else -1 with e naming the
 * first bad point. */
int geom_check_finite(const float *xy, size_t n, Err *e);
/* max label + 1 (0 when n == 0). */
int geom_n_classes(const uint8_t *labels, size_t n);

#endif
