/* check_geom.c: convex hulls, ellipses, nearest neighbours and Neighborhood Hit
 * against brute force and closed forms. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "untangle/geom/geom.h"
#include "untangle/core/rng.h"

/* ---- brute force ---- */

static double cross3(const float *xy, size_t o, size_t a, size_t b)
{
    return ((double)xy[2 * a] - xy[2 * o]) * ((double)xy[2 * b + 1] - xy[2 * o + 1]) -
           ((double)xy[2 * a + 1] - xy[2 * o + 1]) * ((double)xy[2 * b] - xy[2 * o]);
}

static int same_pt(const float *xy, size_t a, size_t b)
{
    return xy[2 * a] == xy[2 * b] && xy[2 * a + 1] == xy[2 * b + 1];
}

/* k on the closed segment [i, j] (already known collinear). */
static int on_segment(const float *xy, size_t i, size_t j, size_t k)
{
    return fmin(xy[2 * i], xy[2 * j]) <= xy[2 * k] && xy[2 * k] <= fmax(xy[2 * i], xy[2 * j]) &&
           fmin(xy[2 * i + 1], xy[2 * j + 1]) <= xy[2 * k + 1] &&
           xy[2 * k + 1] <= fmax(xy[2 * i + 1], xy[2 * j + 1]);
}

/* O(n^3) hull: the ordered pair (i, j) of distinct points is a counter-clockwise hull
 * edge when every point is strictly left of it or on the closed segment. Returns the
 * number of edges (= vertices) and the area as the shoelace sum over those edges,
 * which needs no order. Among duplicates only the first copy is used. */
static size_t brute_hull(const float *xy, size_t n, double *area)
{
    size_t edges = 0;
    double a2 = 0;
    for (size_t i = 0; i < n; i++) {
        int dup = 0;
        for (size_t t = 0; t < i && !dup; t++)
            dup = same_pt(xy, i, t);
        if (dup)
            continue;
        for (size_t j = 0; j < n; j++) {
            int dupj = same_pt(xy, i, j);
            for (size_t t = 0; t < j && !dupj; t++)
                dupj = same_pt(xy, j, t);
            if (dupj)
                continue;
            int ok = 1;
            for (size_t k = 0; k < n && ok; k++) {
                double c = cross3(xy, i, j, k);
                ok = c > 0 || (c == 0 && on_segment(xy, i, j, k));
            }
            if (ok) {
                edges++;
                a2 += (double)xy[2 * i] * xy[2 * j + 1] - (double)xy[2 * j] * xy[2 * i + 1];
            }
        }
    }
    *area = 0.5 * a2;
    return edges;
}

/* Random points: on a small integer grid (many duplicates and collinear triples) or
 * continuous. */
static float *random_points(Rng *r, size_t n, int grid)
{
    float *xy = malloc(2 * n * sizeof *xy);
    for (size_t i = 0; i < 2 * n; i++)
        xy[i] = grid ? (float)rng_below(r, (uint64_t)grid) - 3.0f
                     : rng_uniform_range(r, -50.0f, 70.0f);
    return xy;
}

static void check_hull_properties(const float *xy, size_t n, const size_t *v, size_t nv,
                                  double area)
{
    /* vertices are input points, distinct */
    for (size_t j = 0; j < nv; j++) {
        ck_assert_uint_lt(v[j], n);
        for (size_t t = 0; t < j; t++)
            ck_assert(!same_pt(xy, v[j], v[t]));
    }
    if (nv < 3) {
        ck_assert(area == 0);
        return;
    }
    ck_assert(area > 0);
    for (size_t j = 0; j < nv; j++) {
        size_t a = v[j], b = v[(j + 1) % nv], c = v[(j + 2) % nv];
        /* strictly convex: no collinear vertex kept */
        ck_assert(cross3(xy, a, b, c) > 0);
        /* every point left of or on every edge */
        for (size_t k = 0; k < n; k++)
            ck_assert(cross3(xy, a, b, k) >= 0);
    }
}

START_TEST(test_hull_random_vs_brute)
{
    Rng r;
    rng_seed(&r, 2024);
    const size_t sizes[] = {3, 4, 7, 31, 97, 203};
    for (int grid = 0; grid <= 1; grid++)
        for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
            for (int rep = 0; rep < 5; rep++) {
                size_t n = sizes[s];
                float *xy = random_points(&r, n, grid ? 9 : 0);
                size_t *v = malloc(n * sizeof *v);
                double area, barea;
                size_t nv = geom_convex_hull(xy, NULL, n, v, &area);
                size_t bn = brute_hull(xy, n, &barea);
                check_hull_properties(xy, n, v, nv, area);
                if (nv >= 3) {
                    ck_assert_uint_eq(nv, bn);
                    ck_assert_double_eq_tol(area, barea, 1e-9 * fmax(1, barea));
                } else {
                    ck_assert(area == 0);
                }
                free(v);
                free(xy);
            }
}
END_TEST

START_TEST(test_hull_degenerate)
{
    size_t v[16];
    double area;
    /* one point repeated: index 0 kept */
    float same[] = {2.5f, -1, 2.5f, -1, 2.5f, -1};
    ck_assert_uint_eq(geom_convex_hull(same, NULL, 3, v, &area), 1);
    ck_assert_uint_eq(v[0], 0);
    ck_assert(area == 0);
    /* empty */
    ck_assert_uint_eq(geom_convex_hull(same, NULL, 0, v, &area), 0);
    /* two distinct points with duplicates: the lowest index of each */
    float two[] = {4, 4, 1, 2, 4, 4, 1, 2, 1, 2};
    ck_assert_uint_eq(geom_convex_hull(two, NULL, 5, v, &area), 2);
    ck_assert_uint_eq(v[0], 1);
    ck_assert_uint_eq(v[1], 0);
    ck_assert(area == 0);
    /* collinear on a slanted line: the two extremes only */
    float line[] = {3, 5, 1, 1, 4, 7, 2, 3, 0, -1, 2, 3};
    ck_assert_uint_eq(geom_convex_hull(line, NULL, 6, v, &area), 2);
    ck_assert_uint_eq(v[0], 4);
    ck_assert_uint_eq(v[1], 2);
    ck_assert(area == 0);
}
END_TEST

START_TEST(test_hull_collinear_on_edges)
{
    /* a 4 x 3 rectangle with points along its edges, inside, and duplicated corners */
    float xy[] = {1, 1, 3, 1, 5, 1, 5, 2, 5, 4, 3, 4, 1, 4, 1, 3, 2, 2, 4, 3, 5, 4, 1, 1};
    size_t n = sizeof xy / sizeof xy[0] / 2, v[12];
    double area;
    size_t nv = geom_convex_hull(xy, NULL, n, v, &area);
    ck_assert_uint_eq(nv, 4);
    ck_assert_double_eq_tol(area, 12.0, 1e-12);
    /* counter-clockwise from the lowest x then lowest y: (1,1) (5,1) (5,4) (1,4) */
    ck_assert_uint_eq(v[0], 0);
    ck_assert_uint_eq(v[1], 2);
    ck_assert_uint_eq(v[2], 4);
    ck_assert_uint_eq(v[3], 6);
}
END_TEST

START_TEST(test_hulls_per_class)
{
    /* class 0: a triangle of area 6 (+ an inside point), class 1 absent, class 2 two
     * points, class 3 one point */
    float xy[] = {0, 0, 9, 9, 4, 0, 1, 1, 0, 3, 8, 9, -5, -5, 1, 0.5f};
    uint8_t lab[] = {0, 2, 0, 3, 0, 2, 3, 0};
    GeomHulls h;
    Err e = {0};
    ck_assert_int_eq(geom_hulls(xy, lab, 8, &h, &e), 0);
    ck_assert_int_eq(h.n_classes, 4);
    ck_assert_uint_eq(h.cls[0].count, 4);
    ck_assert_uint_eq(h.cls[0].n_vertices, 3);
    ck_assert(!h.cls[0].degenerate);
    ck_assert_double_eq_tol(h.cls[0].area, 6.0, 1e-12);
    for (size_t j = 0; j < 3; j++)
        ck_assert_int_eq(lab[h.cls[0].vertices[j]], 0);
    ck_assert_uint_eq(h.cls[1].count, 0);
    ck_assert_uint_eq(h.cls[1].n_vertices, 0);
    ck_assert(h.cls[1].degenerate);
    ck_assert_uint_eq(h.cls[2].n_vertices, 2);
    ck_assert(h.cls[2].degenerate && h.cls[2].area == 0);
    ck_assert_uint_eq(h.cls[3].count, 2);
    ck_assert(h.cls[3].degenerate);
    geom_hulls_free(&h);
    geom_hulls_free(&h); /* zeroed: harmless */

    xy[5] = NAN;
    ck_assert_int_eq(geom_hulls(xy, lab, 8, &h, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "point 2"));
}
END_TEST

/* ---- ellipses ---- */

/* The four points (+-a, 0), (0, +-b) turned by `deg` and moved to (cx, cy): variances
 * a^2/2 and b^2/2 along the turned axes, so the full axes are 2a and 2b (plus the
 * 1e-6 regularisation). */
static void cross_points(float *xy, double a, double b, double deg, double cx, double cy)
{
    double t = deg * M_PI / 180, c = cos(t), s = sin(t);
    double p[4][2] = {{a, 0}, {-a, 0}, {0, b}, {0, -b}};
    for (int i = 0; i < 4; i++) {
        xy[2 * i] = (float)(cx + c * p[i][0] - s * p[i][1]);
        xy[2 * i + 1] = (float)(cy + s * p[i][0] + c * p[i][1]);
    }
}

static double axis_with_eps(double half_axis)
{
    /* full axis 2 sqrt(2) sqrt(var + eps) with var = half_axis^2 / 2 */
    return 2 * sqrt(2.0) * sqrt(half_axis * half_axis / 2 + GEOM_COV_EPS);
}

START_TEST(test_ellipse_axis_aligned)
{
    float xy[8];
    GeomEllipse el;
    cross_points(xy, 3, 1, 0, 5, -7);
    geom_ellipse_fit(xy, NULL, 4, &el);
    ck_assert_uint_eq(el.count, 4);
    ck_assert_double_eq_tol(el.mean[0], 5, 1e-6);
    ck_assert_double_eq_tol(el.mean[1], -7, 1e-6);
    ck_assert_double_eq_tol(el.cov[0], 4.5 + 1e-6, 1e-9);
    ck_assert_double_eq_tol(el.cov[1], 0, 1e-9);
    ck_assert_double_eq_tol(el.cov[2], 0.5 + 1e-6, 1e-9);
    ck_assert_double_eq_tol(el.major, axis_with_eps(3), 1e-6);
    ck_assert_double_eq_tol(el.minor, axis_with_eps(1), 1e-6);
    ck_assert_double_eq_tol(el.angle, 0, 1e-9);

    /* taller than wide: the major axis is vertical */
    cross_points(xy, 0.5, 2, 0, 0, 0);
    geom_ellipse_fit(xy, NULL, 4, &el);
    ck_assert_double_eq_tol(el.angle, 90, 1e-9);
    ck_assert_double_eq_tol(el.major, axis_with_eps(2), 1e-6);
    ck_assert_double_eq_tol(el.minor, axis_with_eps(0.5), 1e-6);
}
END_TEST

START_TEST(test_ellipse_rotated)
{
    const double angles[] = {30, -60, 120, 89, 1, -45};
    const double expect[] = {30, -60, -60, 89, 1, -45};
    float xy[8];
    for (int i = 0; i < 6; i++) {
        GeomEllipse el;
        cross_points(xy, 4, 1.5, angles[i], -3, 11);
        geom_ellipse_fit(xy, NULL, 4, &el);
        ck_assert_double_eq_tol(el.angle, expect[i], 1e-4);
        ck_assert_double_eq_tol(el.major, axis_with_eps(4), 1e-5);
        ck_assert_double_eq_tol(el.minor, axis_with_eps(1.5), 1e-5);
        ck_assert_double_eq_tol(el.mean[0], -3, 1e-5);
    }
}
END_TEST

START_TEST(test_sym2_eigen_property)
{
    /* A v = l v for the returned angle, on random symmetric matrices */
    Rng r;
    rng_seed(&r, 77);
    for (int t = 0; t < 200; t++) {
        double a = rng_uniform(&r) * 10, c = rng_uniform(&r) * 3,
               b = (rng_uniform(&r) - 0.5) * sqrt(a * c) * 1.9;
        double eig[2], ang;
        geom_sym2_eigen(a, b, c, eig, &ang);
        ck_assert(eig[0] >= eig[1] && eig[1] >= 0);
        ck_assert(ang > -90 && ang <= 90);
        double vx = cos(ang * M_PI / 180), vy = sin(ang * M_PI / 180);
        ck_assert_double_eq_tol(a * vx + b * vy, eig[0] * vx, 1e-9 * (1 + a));
        ck_assert_double_eq_tol(b * vx + c * vy, eig[0] * vy, 1e-9 * (1 + a));
        ck_assert_double_eq_tol(eig[0] + eig[1], a + c, 1e-9 * (1 + a));
    }
}
END_TEST

START_TEST(test_ellipses_per_class)
{
    /* class 1: one point (a circle of the regularisation), class 2: the cross, class 0
     * absent */
    float xy[10];
    cross_points(xy, 2, 1, 0, 1, 1);
    xy[8] = 7;
    xy[9] = -2;
    uint8_t lab[] = {2, 2, 2, 2, 1};
    GeomEllipses el;
    Err e = {0};
    ck_assert_int_eq(geom_ellipses(xy, lab, 5, &el, &e), 0);
    ck_assert_int_eq(el.n_classes, 3);
    ck_assert_uint_eq(el.cls[0].count, 0);
    ck_assert(el.cls[0].major == 0);
    ck_assert_uint_eq(el.cls[1].count, 1);
    ck_assert_double_eq_tol(el.cls[1].mean[0], 7, 1e-12);
    ck_assert_double_eq_tol(el.cls[1].major, 2 * sqrt(2.0) * sqrt(1e-6), 1e-12);
    ck_assert_double_eq_tol(el.cls[2].major, axis_with_eps(2), 1e-6);
    geom_ellipses_free(&el);
}
END_TEST

/* ---- nearest neighbours ---- */

static void brute_knn(const float *xy, size_t n, size_t k, size_t *out)
{
    double *d = malloc(n * sizeof *d);
    char *used = malloc(n);
    for (size_t q = 0; q < n; q++) {
        for (size_t i = 0; i < n; i++) {
            double dx = (double)xy[2 * i] - xy[2 * q], dy = (double)xy[2 * i + 1] - xy[2 * q + 1];
            d[i] = dx * dx + dy * dy;
            used[i] = i == q;
        }
        for (size_t j = 0; j < k; j++) {
            size_t best = n;
            for (size_t i = 0; i < n; i++)
                if (!used[i] && (best == n || d[i] < d[best]))
                    best = i;   /* strict <: the first (smallest index) wins ties */
            used[best] = 1;
            out[q * k + j] = best;
        }
    }
    free(used);
    free(d);
}

START_TEST(test_knn_vs_brute)
{
    Rng r;
    rng_seed(&r, 5);
    const size_t ns[] = {2, 9, 101, 501};
    const size_t ks[] = {1, 3, 7, 40};
    for (int kind = 0; kind < 4; kind++)
        for (size_t s = 0; s < 4; s++)
            for (size_t t = 0; t < 4; t++) {
                size_t n = ns[s], k = ks[t];
                if (k >= n)
                    continue;
                float *xy = malloc(2 * n * sizeof *xy);
                for (size_t i = 0; i < n; i++) {
                    switch (kind) {
                    case 0: /* continuous */
                        xy[2 * i] = rng_uniform_range(&r, -40, 40);
                        xy[2 * i + 1] = rng_uniform_range(&r, 0, 3);
                        break;
                    case 1: /* integer grid: duplicates and many ties */
                        xy[2 * i] = (float)rng_below(&r, 6);
                        xy[2 * i + 1] = (float)rng_below(&r, 5);
                        break;
                    case 2: /* all on a vertical line */
                        xy[2 * i] = 2;
                        xy[2 * i + 1] = (float)rng_below(&r, 50) * 0.5f;
                        break;
                    default: /* two tight far clusters and one point far away */
                        xy[2 * i] = (i % 2 ? 1000 : 0) + rng_uniform_range(&r, 0, 1);
                        xy[2 * i + 1] = rng_uniform_range(&r, 0, 1);
                        if (i == n / 2)
                            xy[2 * i] = xy[2 * i + 1] = -1e5f;
                    }
                }
                size_t *a = malloc(n * k * sizeof *a), *b = malloc(n * k * sizeof *b);
                Err e = {0};
                ck_assert_int_eq(geom_knn(xy, n, k, a, &e), 0);
                brute_knn(xy, n, k, b);
                ck_assert_mem_eq(a, b, n * k * sizeof *a);
                free(a);
                free(b);
                free(xy);
            }
}
END_TEST

START_TEST(test_knn_ties_by_index)
{
    /* point 3 at the origin; points 5, 1, 4, 0 all at distance 1; 2 at distance 2 */
    float xy[] = {0, -1, 1, 0, 2, 0, 0, 0, -1, 0, 0, 1};
    size_t out[6 * 5];
    Err e = {0};
    ck_assert_int_eq(geom_knn(xy, 6, 5, out, &e), 0);
    const size_t want[] = {0, 1, 4, 5, 2};
    ck_assert_mem_eq(out + 3 * 5, want, sizeof want);
    /* all points equal: the others in index order */
    float same[] = {1, 1, 1, 1, 1, 1, 1, 1};
    size_t o2[4 * 2];
    ck_assert_int_eq(geom_knn(same, 4, 2, o2, &e), 0);
    const size_t w2[] = {1, 2, 0, 2, 0, 1, 0, 1};
    ck_assert_mem_eq(o2, w2, sizeof w2);
}
END_TEST

START_TEST(test_knn_errors)
{
    float xy[] = {0, 0, 1, 1, 2, 2};
    size_t out[9];
    Err e = {0};
    ck_assert_int_eq(geom_knn(xy, 3, 3, out, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "1..2"));
    ck_assert_int_eq(geom_knn(xy, 3, 0, out, &e), -1);
    ck_assert_int_eq(geom_knn(xy, 1, 1, out, &e), -1);
    xy[3] = INFINITY;
    ck_assert_int_eq(geom_knn(xy, 3, 1, out, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "point 1"));
    GeomNH nh;
    ck_assert_int_eq(geom_nh(xy, (const uint8_t[]){0, 1, 0}, 3, 1, &nh, &e), -1);
    ck_assert_int_eq(geom_nh(xy, (const uint8_t[]){0, 1, 0}, 3, 5, &nh, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "k 5"));
}
END_TEST

/* ---- Neighborhood Hit ---- */

START_TEST(test_nh_far_clusters)
{
    /* 7 points of class 2 near (0, 0), 9 of class 0 near (500, -300), interleaved in
     * the array: every point's 6 nearest others are of its class */
    Rng r;
    rng_seed(&r, 9);
    float xy[32];
    uint8_t lab[16];
    for (int i = 0; i < 16; i++) {
        int c = (i % 2 == 0 && i < 14) ? 2 : 0;
        lab[i] = (uint8_t)c;
        xy[2 * i] = (c ? 0 : 500) + rng_uniform_range(&r, -5, 5);
        xy[2 * i + 1] = (c ? 0 : -300) + rng_uniform_range(&r, -5, 5);
    }
    GeomNH nh;
    Err e = {0};
    ck_assert_int_eq(geom_nh(xy, lab, 16, 6, &nh, &e), 0);
    ck_assert_double_eq(nh.global, 1.0);
    ck_assert_int_eq(nh.n_classes, 3);
    ck_assert_double_eq(nh.per_class[0], 1.0);
    ck_assert(isnan(nh.per_class[1]));
    ck_assert_uint_eq(nh.count[1], 0);
    ck_assert_double_eq(nh.per_class[2], 1.0);
    ck_assert_uint_eq(nh.count[2], 7);
    geom_nh_free(&nh);
    /* k 7 for the class of 7: the 7th neighbour of each class-2 point is foreign */
    ck_assert_int_eq(geom_nh(xy, lab, 16, 7, &nh, &e), 0);
    ck_assert_double_eq_tol(nh.per_class[2], 6.0 / 7.0, 1e-15);
    ck_assert_double_eq_tol(nh.per_class[0], 1.0, 1e-15);
    geom_nh_free(&nh);
}
END_TEST

START_TEST(test_nh_checkerboard)
{
    /* 3 x 3 grid, label (i + j) % 2, k = 4. Worked by hand:
     *   centre (label 0): its 4 neighbours at distance 1 are label 1 -> 0 hits;
     *   edge middles (label 1): 3 at distance 1 (label 0), then a diagonal at sqrt 2
     *     (label 1, both candidates alike) -> 1 hit each;
     *   corners (label 0): 2 at distance 1 (label 1), the centre at sqrt 2 (label 0),
     *     then one of two points at distance 2 (both label 0) -> 2 hits each.
     * Global (4*1 + 4*2) / 36 = 1/3; class 0: 8 / 20 = 0.4; class 1: 4 / 16 = 0.25. */
    float xy[18];
    uint8_t lab[9];
    for (int j = 0, p = 0; j < 3; j++)
        for (int i = 0; i < 3; i++, p++) {
            xy[2 * p] = (float)i;
            xy[2 * p + 1] = (float)j;
            lab[p] = (uint8_t)((i + j) % 2);
        }
    GeomNH nh;
    Err e = {0};
    ck_assert_int_eq(geom_nh(xy, lab, 9, 4, &nh, &e), 0);
    ck_assert_double_eq_tol(nh.global, 1.0 / 3.0, 1e-15);
    ck_assert_double_eq_tol(nh.per_class[0], 0.4, 1e-15);
    ck_assert_double_eq_tol(nh.per_class[1], 0.25, 1e-15);
    ck_assert_uint_eq(nh.count[0], 5);
    geom_nh_free(&nh);
}
END_TEST

START_TEST(test_nh_tie_by_index)
{
    /* point 0 (label 0) has two nearest at distance 1: whichever has the smaller index
     * decides its hit with k = 1 */
    float xy[] = {0, 0, 1, 0, -1, 0, 30, 30};
    uint8_t lab_a[] = {0, 1, 0, 1};   /* index 1 is foreign -> miss */
    uint8_t lab_b[] = {0, 0, 1, 1};   /* index 1 is a friend -> hit */
    GeomNH nh;
    Err e = {0};
    /* nearest: 0 -> 1 (tie with 2), 1 -> 0, 2 -> 0, 3 -> 1 (distance to 1 < to 2) */
    ck_assert_int_eq(geom_nh(xy, lab_a, 4, 1, &nh, &e), 0);
    /* hits: 0 no, 1 no, 2 yes, 3 yes */
    ck_assert_double_eq_tol(nh.global, 0.5, 1e-15);
    ck_assert_double_eq_tol(nh.per_class[0], 0.5, 1e-15);
    geom_nh_free(&nh);
    ck_assert_int_eq(geom_nh(xy, lab_b, 4, 1, &nh, &e), 0);
    /* hits: 0 yes, 1 yes, 2 no, 3 no */
    ck_assert_double_eq_tol(nh.per_class[0], 1.0, 1e-15);
    ck_assert_double_eq_tol(nh.per_class[1], 0.0, 1e-15);
    geom_nh_free(&nh);
}
END_TEST

static Suite *geom_suite(void)
{
    Suite *s = suite_create("geom");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_hull_random_vs_brute);
    tcase_add_test(tc, test_hull_degenerate);
    tcase_add_test(tc, test_hull_collinear_on_edges);
    tcase_add_test(tc, test_hulls_per_class);
    tcase_add_test(tc, test_ellipse_axis_aligned);
    tcase_add_test(tc, test_ellipse_rotated);
    tcase_add_test(tc, test_sym2_eigen_property);
    tcase_add_test(tc, test_ellipses_per_class);
    tcase_add_test(tc, test_knn_vs_brute);
    tcase_add_test(tc, test_knn_ties_by_index);
    tcase_add_test(tc, test_knn_errors);
    tcase_add_test(tc, test_nh_far_clusters);
    tcase_add_test(tc, test_nh_checkerboard);
    tcase_add_test(tc, test_nh_tie_by_index);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return tu_run_suite(geom_suite()); }
