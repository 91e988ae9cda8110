/* check_tsne_fft.c: what the whole of MNIST needs: the FFT-interpolated gradient
 * against the exact one (the grid alone while the embedding is compact, grid plus near
 * field once it is wide), whole FFT runs of 20 000 points giving the same bits on 1, 2
 * and 3 threads, the approximate neighbours against the exact ones, and the covariance
 * PCA against the subspace iteration. */
#include "tsne_fixtures.h"
#include "untangle/core/xalloc.h"
#include "untangle/embed/pca.h"

/* The FFT gradient at positions of the given spreads along x and y, against the exact
 * one. */
static void check_fft_gradient_xy(size_t n, uint64_t seed, double spread, double spread_y,
                                  double tol)
{
    TsneSparseP P = {0};
    make_p(n, 10.0, seed, &P);
    Rng r;
    rng_seed(&r, seed + 7);
    float *y = malloc(2 * n * sizeof(float));
    for (size_t t = 0; t < 2 * n; t++)
        y[t] = (float)((t % 2 ? spread_y : spread) * rng_normal(&r));
    double *ge = malloc(2 * n * sizeof(double)), *g = malloc(2 * n * sizeof(double));
    double *g3 = malloc(2 * n * sizeof(double));
    double kle, kl, klb;
    Err e = {{0}, 0};
    for (int ex = 0; ex < 2; ex++) {
        double exag = ex ? 12.0 : 1.0;
        tsne_gradient_exact(&P, y, exag, ge, &kle);
        ck_assert_int_eq(tsne_gradient_method(&P, y, exag, TSNE_METHOD_BH, 0.5, 1, g, &klb, &e), 0);
        double err_bh = rel_error(g, ge, 2 * n);
        ck_assert_int_eq(tsne_gradient_method(&P, y, exag, TSNE_METHOD_FFT, 0.5, 1, g, &kl, &e), 0);
        double err_fft = rel_error(g, ge, 2 * n);
        ck_assert_msg(err_fft < tol, "spread %g: FFT gradient error %g (Barnes-Hut %g)", spread,
                      err_fft, err_bh);
        /* the KL moves with log Z: Z, taken from the spectrum, to 1e-4 (seen: 1.5e-6) */
        ck_assert_double_eq_tol(kl, kle, 1e-4 * fabs(kle) + 1e-6);
        /* the same numbers on 3 threads */
        ck_assert_int_eq(tsne_gradient_method(&P, y, exag, TSNE_METHOD_FFT, 0.5, 3, g3, NULL, &e), 0);
        ck_assert_int_eq(memcmp(g, g3, 2 * n * sizeof(double)), 0);
    }
    free(y);
    free(ge);
    free(g);
    free(g3);
    tsne_sparse_free(&P);
}

static void check_fft_gradient(size_t n, uint64_t seed, double spread, double tol)
{
    check_fft_gradient_xy(n, seed, spread, spread, tol);
}

START_TEST(test_fft_gradient_compact)
{
    /* the start (PCA init) and the exaggeration phase: the grid alone */
    check_fft_gradient(1500, 11, 1e-3, 1e-3);
    check_fft_gradient(1500, 12, 2.0, 5e-3);
}
END_TEST

START_TEST(test_fft_gradient_wide)
{
    /* a spread-out embedding: coarse grid for the far parts, near field exact */
    check_fft_gradient(2500, 13, 30.0, 1e-2);
    check_fft_gradient(2000, 14, 120.0, 1e-2);
    /* a thin strip: the near field's cells in one row (a single band of rows, each
     * pair within it taken once), and in one column */
    check_fft_gradient_xy(2000, 15, 100.0, 0.5, 1e-3); /* (seen: 4e-5) */
    check_fft_gradient_xy(2000, 16, 0.5, 100.0, 1e-3);
}
END_TEST

/* The extreme points alone in the last chunk of points (the grid's extent and the sort
 * by box row are done by chunks of 1024 points): 3 * 1024 + 1 points in a strip, sorted
 * by decreasing y (each chunk's points in other box rows than the next one's), the last
 * one far beyond the others on both axes. The gradient against the exact one, and the
 * same bits on 1, 2 and 3 threads. */
START_TEST(test_fft_gradient_last_chunk)
{
    size_t n = 3 * 1024 + 1;
    TsneSparseP P = {0};
    make_p(n, 10.0, 17, &P);
    Rng r;
    rng_seed(&r, 18);
    float *y = malloc(2 * n * sizeof(float));
    for (size_t i = 0; i + 1 < n; i++) {
        y[2 * i] = (float)(30.0 * rng_normal(&r));
        y[2 * i + 1] = (float)(60.0 - 120.0 * (double)i / (double)n);
    }
    y[2 * (n - 1)] = 400.0f;
    y[2 * (n - 1) + 1] = -300.0f;
    double *ge = malloc(2 * n * sizeof(double)), *g[3];
    double kle, kl;
    Err e = {{0}, 0};
    tsne_gradient_exact(&P, y, 1.0, ge, &kle);
    for (int t = 0; t < 3; t++) {
        g[t] = malloc(2 * n * sizeof(double));
        ck_assert_int_eq(tsne_gradient_method(&P, y, 1.0, TSNE_METHOD_FFT, 0.5, t + 1, g[t], &kl, &e), 0);
    }
    double err = rel_error(g[0], ge, 2 * n);
    ck_assert_msg(err < 1e-2, "FFT gradient error %g", err);
    /* the lone point's own force: a point outside the grid would be read from the
     * nearest box, far off */
    double num = 0, den = 0;
    for (int a = 0; a < 2; a++) {
        num += (g[0][2 * (n - 1) + a] - ge[2 * (n - 1) + a]) * (g[0][2 * (n - 1) + a] - ge[2 * (n - 1) + a]);
        den += ge[2 * (n - 1) + a] * ge[2 * (n - 1) + a];
    }
    ck_assert_msg(sqrt(num / den) < 1e-2, "the last point's gradient error %g", sqrt(num / den));
    ck_assert_double_eq_tol(kl, kle, 1e-4 * fabs(kle) + 1e-6);
    ck_assert_int_eq(memcmp(g[0], g[1], 2 * n * sizeof(double)), 0);
    ck_assert_int_eq(memcmp(g[0], g[2], 2 * n * sizeof(double)), 0);
    for (int t = 0; t < 3; t++)
        free(g[t]);
    free(y);
    free(ge);
    tsne_sparse_free(&P);
}
END_TEST

/* Clustered data in d dimensions lying close to a subspace of dimension `rank` (as
 * images do: PCA finds their neighbours again). */
static float *low_rank(size_t n, size_t d, size_t rank, uint64_t seed)
{
    Rng r;
    rng_seed(&r, seed);
    float *basis = malloc(rank * d * sizeof(float)), *x = malloc(n * d * sizeof(float));
    for (size_t t = 0; t < rank * d; t++)
        basis[t] = (float)rng_normal(&r);
    for (size_t i = 0; i < n; i++) {
        double coef[32];
        int cluster = (int)(i % 7);
        for (size_t a = 0; a < rank; a++)
            coef[a] = 3.0 * ((cluster >> (a % 3)) & 1) + rng_normal(&r);
        for (size_t c = 0; c < d; c++) {
            double v = 0.01 * rng_normal(&r);
            for (size_t a = 0; a < rank; a++)
                v += coef[a] * basis[a * d + c];
            x[i * d + c] = (float)v;
        }
    }
    free(basis);
    return x;
}

/* The neighbour lists of the approximate search's tests, (n, k) each: exact,
 * approximate, and a second approximate run. */
typedef struct Lists {
    uint32_t *ie, *ia, *i3;
    float *de, *da, *d3;
} Lists;

static Lists lists_new(size_t n, size_t k)
{
    Lists l = {malloc(n * k * sizeof(uint32_t)), malloc(n * k * sizeof(uint32_t)),
               malloc(n * k * sizeof(uint32_t)), malloc(n * k * sizeof(float)),
               malloc(n * k * sizeof(float)),    malloc(n * k * sizeof(float))};
    return l;
}

static void lists_free(Lists *l)
{
    free(l->ie), free(l->ia), free(l->i3), free(l->de), free(l->da), free(l->d3);
}

START_TEST(test_knn_approx)
{
    size_t n = 3000, d = 150, k = 30;
    float *x = low_rank(n, d, 12, 21);
    Lists l = lists_new(n, k);
    uint32_t *ie = l.ie, *ia = l.ia, *i3 = l.i3;
    float *de = l.de, *da = l.da, *d3 = l.d3;
    Err e = {{0}, 0};
    KnnApproxStats st;
    ck_assert_int_eq(knn_exact(x, n, d, k, ie, de, 2, &e), 0);
    ck_assert_int_eq(knn_approx(x, n, d, k, ia, da, 1, &st, &e), 0);
    ck_assert_uint_eq(st.dims, KNN_APPROX_DIMS);
    ck_assert_uint_eq(st.candidates, knn_approx_candidates(k, n));
    /* recall: the share of the exact neighbours found */
    size_t found = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t a = 0; a < k; a++)
            for (size_t b = 0; b < k; b++)
                found += ia[i * k + a] == ie[i * k + b];
    ck_assert_msg((double)found / (double)(n * k) >= 0.99, "recall %g",
                  (double)found / (double)(n * k));
    /* rows by increasing distance, the point itself never among them */
    for (size_t i = 0; i < n; i++)
        for (size_t a = 0; a < k; a++) {
            ck_assert_uint_ne(ia[i * k + a], i);
            if (a > 0)
                ck_assert(da[i * k + a] >= da[i * k + a - 1]);
        }
    /* the same bits on 3 threads */
    ck_assert_int_eq(knn_approx(x, n, d, k, i3, d3, 3, NULL, &e), 0);
    ck_assert_int_eq(memcmp(ia, i3, n * k * sizeof(uint32_t)), 0);
    ck_assert_int_eq(memcmp(da, d3, n * k * sizeof(float)), 0);
    /* from the caller's own projection: the same search, the same bits */
    float *pc = malloc(n * KNN_APPROX_DIMS * sizeof(float));
    ck_assert_int_eq(pca_project_cov(x, n, d, KNN_APPROX_DIMS, pc, NULL, 2, &e), 0);
    ck_assert_int_eq(knn_approx_projected(x, n, d, pc, KNN_APPROX_DIMS, k, i3, d3, 2, &st, &e), 0);
    ck_assert_uint_eq(st.dims, KNN_APPROX_DIMS);
    ck_assert_int_eq(memcmp(ia, i3, n * k * sizeof(uint32_t)), 0);
    ck_assert_int_eq(memcmp(da, d3, n * k * sizeof(float)), 0);
    ck_assert_int_eq(knn_approx_projected(x, n, d, pc, d + 1, k, i3, d3, 2, &st, &e), -1);
    free(pc);
    /* few dimensions: the exact search itself */
    ck_assert_int_eq(knn_approx(x, 500, 40, k, ia, da, 2, &st, &e), 0);
    ck_assert_int_eq(knn_exact(x, 500, 40, k, ie, de, 2, &e), 0);
    ck_assert_int_eq(memcmp(ia, ie, 500 * k * sizeof(uint32_t)), 0);
    ck_assert_int_eq(knn_approx(x, n, d, n, ia, da, 1, NULL, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "nearest neighbours"));
    free(x);
    lists_free(&l);
}
END_TEST

START_TEST(test_pca_cov)
{
    size_t n = 2500, d = 90, k = 5;
    float *x = low_rank(n, d, 8, 31);
    float *a = malloc(n * k * sizeof(float)), *b = malloc(n * k * sizeof(float));
    float *b3 = malloc(n * k * sizeof(float));
    double va[5], vb[5];
    Err e = {{0}, 0};
    ck_assert_int_eq(pca_project(x, n, d, k, a, va, &e), 0);
    ck_assert_int_eq(pca_project_cov(x, n, d, k, b, vb, 1, &e), 0);
    double scale = sqrt(va[0]);
    for (size_t j = 0; j < k; j++)
        ck_assert_double_eq_tol(vb[j], va[j], 1e-4 * va[0]);
    ck_assert_double_lt(tu_max_abs_diff(a, b, n * k), 1e-3 * scale);
    ck_assert_int_eq(pca_project_cov(x, n, d, k, b3, NULL, 3, &e), 0);
    ck_assert_int_eq(memcmp(b, b3, n * k * sizeof(float)), 0);
    ck_assert_int_eq(pca_project_cov(x, n, d, 0, b, NULL, 1, &e), -1);
    ck_assert_int_eq(pca_project_cov(x, n, d, 2, b, NULL, 0, &e), -1);
    free(x);
    free(a);
    free(b);
    free(b3);
}
END_TEST

/* Constant columns (border pixels) are left out of the covariance: the same bits as
 * without them; and when fewer columns vary than components are asked, all are kept. */
START_TEST(test_pca_cov_constant_columns)
{
    size_t n = 1500, d = 40, k = 6, pad = 7;
    float *x = low_rank(n, d, 8, 37);
    float *xp = malloc(n * (d + pad) * sizeof(float));
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0, j = 0; c < d + pad; c++)
            xp[i * (d + pad) + c] = c % 6 == 1 && c / 6 < pad ? 0.25f * (float)c : x[i * d + j++];
    float *a = malloc(n * k * sizeof(float)), *b = malloc(n * k * sizeof(float));
    double va[6], vb[6];
    Err e = {{0}, 0};
    ck_assert_int_eq(pca_project_cov(x, n, d, k, a, va, 2, &e), 0);
    ck_assert_int_eq(pca_project_cov(xp, n, d + pad, k, b, vb, 2, &e), 0);
    ck_assert_int_eq(memcmp(a, b, n * k * sizeof(float)), 0);
    ck_assert_int_eq(memcmp(va, vb, sizeof va), 0);
    /* 3 columns vary, 5 components: the constant ones give the last two, variance 0 */
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < d; c++)
            x[i * d + c] = c < 3 ? x[i * d + c] : 1.0f;
    ck_assert_int_eq(pca_project_cov(x, n, d, 5, a, va, 1, &e), 0);
    ck_assert_double_gt(va[2], 0);
    ck_assert_double_lt(va[3], 1e-9 * va[0]);
    free(x), free(xp), free(a), free(b);
}
END_TEST

/* 20 000 points through the whole FFT run: the same embedding, bit for bit, on 1, 2
 * and 3 threads. Few iterations keep it short; the grid still changes size and width
 * several times on the way. */
START_TEST(test_fft_run_any_threads)
{
    static const int sizes[5] = {3700, 4300, 4000, 3900, 4100};
    size_t n;
    int *lab;
    float *x = clusters(sizes, 5, 12, 41, &n, &lab);
    ck_assert_uint_eq(n, 20000);
    float *y[3];
    TsneParams p;
    tsne_params_default(&p);
    p.method = TSNE_METHOD_FFT;
    p.n_iter = 90;
    p.exploration_iter = 40;
    p.learning_rate = 4000; /* the embedding grows quickly, through several grids */
    TsneResult res[3];
    Err e = {{0}, 0};
    for (int t = 0; t < 3; t++) {
        y[t] = malloc(2 * n * sizeof(float));
        p.threads = t + 1;
        ck_assert_int_eq(tsne_run(x, n, 12, &p, y[t], &res[t], NULL, NULL, &e), 0);
        ck_assert_int_eq(res[t].method, TSNE_METHOD_FFT);
    }
    ck_assert(all_finite(y[0], 2 * n));
    ck_assert_int_eq(memcmp(y[0], y[1], 2 * n * sizeof(float)), 0);
    ck_assert_int_eq(memcmp(y[0], y[2], 2 * n * sizeof(float)), 0);
    ck_assert_double_eq(res[0].kl, res[2].kl);
    /* and it is an embedding: the clusters apart */
    double lo = INFINITY, hi = -INFINITY;
    for (size_t t = 0; t < 2 * n; t++) {
        lo = y[0][t] < lo ? y[0][t] : lo;
        hi = y[0][t] > hi ? y[0][t] : hi;
    }
    ck_assert_double_gt(hi - lo, 10.0);
    ck_assert_double_ge(neighborhood_hit(y[0], lab, 2000, 6), 0.0); /* (runs; NH on a sample) */
    for (int t = 0; t < 3; t++)
        free(y[t]);
    free(x);
    free(lab);
}
END_TEST

/* The data as their own projection: the candidates (sgemm shortlists whose thresholds
 * start from k-d leaves) then hold the exact neighbours, which the refinement finds;
 * the same on 1 and 3 threads. */
START_TEST(test_knn_approx_own_space)
{
    size_t n = 3000, d = 24, k = 30;
    float *x = low_rank(n, d, 6, 23);
    Lists l = lists_new(n, k);
    uint32_t *ie = l.ie, *ia = l.ia, *i3 = l.i3;
    float *de = l.de, *da = l.da, *d3 = l.d3;
    Err e = {{0}, 0};
    KnnApproxStats st;
    ck_assert_int_eq(knn_exact(x, n, d, k, ie, de, 2, &e), 0);
    ck_assert_int_eq(knn_approx_projected(x, n, d, x, d, k, ia, da, 1, &st, &e), 0);
    ck_assert_uint_lt(4 * st.candidates, n); /* leaves of at most 4 candidates' points */
    size_t found = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t a = 0; a < k; a++)
            for (size_t b = 0; b < k; b++)
                found += ia[i * k + a] == ie[i * k + b];
    /* (the distances round differently, uncentred: a near tie may swap at the k-th) */
    ck_assert_msg(found >= n * k - n / 100, "found %zu of %zu", found, n * k);
    ck_assert_int_eq(knn_approx_projected(x, n, d, x, d, k, i3, d3, 3, NULL, &e), 0);
    ck_assert_int_eq(memcmp(ia, i3, n * k * sizeof(uint32_t)), 0);
    ck_assert_int_eq(memcmp(da, d3, n * k * sizeof(float)), 0);
    free(x);
    lists_free(&l);
}
END_TEST

/* Constant columns change nothing in the approximate search (the PCA and the
 * refinement leave them out): the same neighbours and distances, bit for bit. */
START_TEST(test_knn_approx_constant_columns)
{
    size_t n = 1500, d = 150, k = 20, pad = 10;
    float *x = low_rank(n, d, 12, 43);
    float *xp = malloc(n * (d + pad) * sizeof(float));
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0, j = 0; c < d + pad; c++)
            xp[i * (d + pad) + c] = c % 9 == 4 && c / 9 < pad ? -1.5f : x[i * d + j++];
    uint32_t *ia = malloc(n * k * sizeof(uint32_t)), *ib = malloc(n * k * sizeof(uint32_t));
    float *da = malloc(n * k * sizeof(float)), *db = malloc(n * k * sizeof(float));
    Err e = {{0}, 0};
    ck_assert_int_eq(knn_approx(x, n, d, k, ia, da, 2, NULL, &e), 0);
    ck_assert_int_eq(knn_approx(xp, n, d + pad, k, ib, db, 3, NULL, &e), 0);
    ck_assert_int_eq(memcmp(ia, ib, n * k * sizeof(uint32_t)), 0);
    ck_assert_int_eq(memcmp(da, db, n * k * sizeof(float)), 0);
    free(x), free(xp), free(ia), free(ib), free(da), free(db);
}
END_TEST

/* knn auto: with FFT the approximate search from TSNE_APPROX_FFT_FROM points in many
 * dimensions, exact below; Barnes-Hut keeps the exact one up to TSNE_APPROX_FROM. */
START_TEST(test_fft_knn_auto)
{
    size_t d = 2 * KNN_APPROX_DIMS + 10;
    ck_assert_int_eq(tsne_knn_for(TSNE_APPROX_FFT_FROM, d, TSNE_METHOD_FFT), TSNE_KNN_APPROX);
    ck_assert_int_eq(tsne_knn_for(TSNE_APPROX_FFT_FROM - 1, d, TSNE_METHOD_FFT), TSNE_KNN_EXACT);
    ck_assert_int_eq(tsne_knn_for(TSNE_APPROX_FFT_FROM, 2 * KNN_APPROX_DIMS, TSNE_METHOD_FFT),
                     TSNE_KNN_EXACT);
    ck_assert_int_eq(tsne_knn_for(10000, d, TSNE_METHOD_BH), TSNE_KNN_EXACT);
    ck_assert_int_eq(tsne_knn_for(TSNE_APPROX_FROM, d, TSNE_METHOD_BH), TSNE_KNN_APPROX);
    size_t n = TSNE_APPROX_FFT_FROM;
    float *x = low_rank(n, d, 12, 51);
    float *y = malloc(2 * n * sizeof(float));
    TsneParams p;
    tsne_params_default(&p);
    p.n_iter = 20;
    p.exploration_iter = 10;
    p.threads = 2;
    TsneResult res;
    Err e = {{0}, 0};
    p.method = TSNE_METHOD_FFT;
    ck_assert_int_eq(tsne_run(x, n, d, &p, y, &res, NULL, NULL, &e), 0);
    ck_assert_int_eq(res.knn, TSNE_KNN_APPROX);
    ck_assert(all_finite(y, 2 * n));
    p.method = TSNE_METHOD_BH;
    ck_assert_int_eq(tsne_run(x, n, d, &p, y, &res, NULL, NULL, &e), 0);
    ck_assert_int_eq(res.knn, TSNE_KNN_EXACT);
    p.method = TSNE_METHOD_FFT;
    ck_assert_int_eq(tsne_run(x, n - 1, d, &p, y, &res, NULL, NULL, &e), 0);
    ck_assert_int_eq(res.knn, TSNE_KNN_EXACT);
    free(x);
    free(y);
}
END_TEST

/* The refinement reads the data from 64-byte aligned rows, a copy when the caller's
 * are not: the same neighbours and distances either way. */
START_TEST(test_knn_approx_alignment)
{
    size_t n = 800, d = 160, k = 10;
    float *x = low_rank(n, d, 12, 33);
    float *aligned = xmalloc_floats(n * d);   /* rows on 64 bytes: used as they are */
    float *shifted = xmalloc_floats(n * d + 1); /* rows 4 bytes off: copied */
    memcpy(aligned, x, n * d * sizeof(float));
    memcpy(shifted + 1, x, n * d * sizeof(float));
    uint32_t *i1 = malloc(n * k * sizeof(uint32_t)), *i2 = malloc(n * k * sizeof(uint32_t));
    float *d1 = malloc(n * k * sizeof(float)), *d2 = malloc(n * k * sizeof(float));
    Err e = {{0}, 0};
    ck_assert_int_eq(knn_approx(aligned, n, d, k, i1, d1, 2, NULL, &e), 0);
    ck_assert_int_eq(knn_approx(shifted + 1, n, d, k, i2, d2, 1, NULL, &e), 0);
    ck_assert_int_eq(memcmp(i1, i2, n * k * sizeof(uint32_t)), 0);
    ck_assert_int_eq(memcmp(d1, d2, n * k * sizeof(float)), 0);
    /* and the distances are the squared distances, to float rounding */
    for (size_t i = 0; i < n; i += 97) {
        double s = 0;
        for (size_t c = 0; c < d; c++) {
            double t = (double)x[i * d + c] - (double)x[(size_t)i1[i * k] * d + c];
            s += t * t;
        }
        ck_assert_msg(fabs(s - d1[i * k]) <= 1e-5 * s + 1e-6, "%g vs %g", s, d1[i * k]);
    }
    free(x), free(aligned), free(shifted), free(i1), free(i2), free(d1), free(d2);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tsne_fft");
    TCase *tc = tcase_create("fft");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_fft_gradient_compact);
    tcase_add_test(tc, test_fft_knn_auto);
    tcase_add_test(tc, test_fft_gradient_wide);
    tcase_add_test(tc, test_fft_gradient_last_chunk);
    tcase_add_test(tc, test_knn_approx);
    tcase_add_test(tc, test_knn_approx_alignment);
    tcase_add_test(tc, test_knn_approx_own_space);
    tcase_add_test(tc, test_knn_approx_constant_columns);
    tcase_add_test(tc, test_pca_cov);
    tcase_add_test(tc, test_pca_cov_constant_columns);
    tcase_add_test(tc, test_fft_run_any_threads);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
