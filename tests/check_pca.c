/* check_pca.c: principal components of clouds with known axes, both code paths (d < n
 * and d > n), the sign convention, and the t-SNE starting positions. */
#include <math.h>
#include <stdint.h>

#include "testutil.h"
#include "untangle/core/blas.h"
#include "untangle/embed/pca.h"
#include "untangle/core/rng.h"
#include "untangle/embed/tsne.h"

/* A random orthonormal pair (u, v) in d dimensions (Gram-Schmidt on normals). */
static void orthonormal_pair(Rng *r, size_t d, double *u, double *v)
{
    double nu = 0, dot = 0, nv = 0;
    for (size_t c = 0; c < d; c++) {
        u[c] = rng_normal(r);
        v[c] = rng_normal(r);
        nu += u[c] * u[c];
    }
    for (size_t c = 0; c < d; c++) {
        u[c] /= sqrt(nu);
        dot += u[c] * v[c];
    }
    for (size_t c = 0; c < d; c++) {
        v[c] -= dot * u[c];
        nv += v[c] * v[c];
    }
    for (size_t c = 0; c < d; c++)
        v[c] /= sqrt(nv);
}

/* x (n, d) = offset + a_i s1 u + b_i s2 v + noise; a, b standard normal, kept. */
static float *cloud(Rng *r, size_t n, size_t d, double s1, double s2, double noise, double *u,
                    double *v, double *a, double *b)
{
    float *x = malloc(n * d * sizeof(float));
    orthonormal_pair(r, d, u, v);
    for (size_t i = 0; i < n; i++) {
        a[i] = rng_normal(r);
        b[i] = rng_normal(r);
        for (size_t c = 0; c < d; c++)
            x[i * d + c] = (float)(0.5 * (double)c - 1.0 + a[i] * s1 * u[c] + b[i] * s2 * v[c] +
                                   noise * rng_normal(r));
    }
    return x;
}

static double corr(const float *p, size_t stride, const double *q, size_t n)
{
    double mp = 0, mq = 0, spp = 0, sqq = 0, spq = 0;
    for (size_t i = 0; i < n; i++) {
        mp += p[i * stride];
        mq += q[i];
    }
    mp /= (double)n;
    mq /= (double)n;
    for (size_t i = 0; i < n; i++) {
        double dp = p[i * stride] - mp, dq = q[i] - mq;
        spp += dp * dp;
        sqq += dq * dq;
        spq += dp * dq;
    }
    return spq / sqrt(spp * sqq);
}

/* The largest |value| of each column is positive (scikit-learn's svd_flip on U). */
static void check_signs(const float *out, size_t n, size_t k)
{
    for (size_t c = 0; c < k; c++) {
        size_t arg = 0;
        for (size_t i = 1; i < n; i++)
            if (fabsf(out[i * k + c]) > fabsf(out[arg * k + c]))
                arg = i;
        ck_assert_float_gt(out[arg * k + c], 0.0f);
    }
}

static void check_cloud(size_t n, size_t d, uint64_t seed)
{
    Rng r;
    rng_seed(&r, seed);
    double *u = malloc(d * sizeof(double)), *v = malloc(d * sizeof(double));
    double *a = malloc(n * sizeof(double)), *b = malloc(n * sizeof(double));
    float *x = cloud(&r, n, d, 5.0, 2.0, 0.05, u, v, a, b);
    float *out = malloc(n * 2 * sizeof(float));
    double var[2];
    Err e = {{0}, 0};
    ck_assert_int_eq(pca_project(x, n, d, 2, out, var, &e), 0);
    /* Component 1 follows a (the long axis), component 2 follows b. */
    ck_assert_double_gt(fabs(corr(out, 2, a, n)), 0.999);
    ck_assert_double_gt(fabs(corr(out + 1, 2, b, n)), 0.995);
    /* Variance along each axis: s^2 times the sample variance of a (resp. b). */
    double va = 0, vb = 0, ma = 0, mb = 0;
    for (size_t i = 0; i < n; i++) {
        ma += a[i];
        mb += b[i];
    }
    ma /= (double)n;
    mb /= (double)n;
    for (size_t i = 0; i < n; i++) {
        va += (a[i] - ma) * (a[i] - ma);
        vb += (b[i] - mb) * (b[i] - mb);
    }
    va = 25.0 * va / (double)(n - 1);
    vb = 4.0 * vb / (double)(n - 1);
    ck_assert_double_eq_tol(var[0], va, 0.03 * va);
    ck_assert_double_eq_tol(var[1], vb, 0.05 * vb);
    /* The projection is centred. */
    double m0 = 0, m1 = 0;
    for (size_t i = 0; i < n; i++) {
        m0 += out[2 * i];
        m1 += out[2 * i + 1];
    }
    ck_assert_double_lt(fabs(m0 / (double)n), 1e-4);
    ck_assert_double_lt(fabs(m1 / (double)n), 1e-4);
    check_signs(out, n, 2);
    free(u);
    free(v);
    free(a);
    free(b);
    free(x);
    free(out);
}

START_TEST(test_covariance_path)
{
    check_cloud(401, 7, 3); /* d < n: d x d covariance */
}
END_TEST

START_TEST(test_gram_path)
{
    check_cloud(23, 61, 5); /* d > n: n x n Gram matrix */
}
END_TEST

START_TEST(test_paths_agree)
{
    /* The same 31 points, once with 29 features (covariance) and once padded with zero
     * columns to 45 features (Gram): the projections match. */
    const size_t n = 31, d1 = 29, d2 = 45;
    Rng r;
    rng_seed(&r, 11);
    float *x1 = malloc(n * d1 * sizeof(float)), *x2 = calloc(n * d2, sizeof(float));
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < d1; c++) {
            x1[i * d1 + c] = (float)(rng_normal(&r) * (c < 3 ? 4.0 - (double)c : 0.3));
            x2[i * d2 + c] = x1[i * d1 + c];
        }
    float o1[31 * 3], o2[31 * 3];
    Err e = {{0}, 0};
    ck_assert_int_eq(pca_project(x1, n, d1, 3, o1, NULL, &e), 0);
    ck_assert_int_eq(pca_project(x2, n, d2, 3, o2, NULL, &e), 0);
    ck_assert_double_lt(tu_max_abs_diff(o1, o2, n * 3), 1e-4);
    check_signs(o1, n, 3);
    free(x1);
    free(x2);
}
END_TEST

/* The eigensolver of the covariance PCA: its leading pairs solve a v = lambda v to
 * float's precision, with unit vectors and decreasing values. */
START_TEST(test_eigen_float)
{
    size_t d = 30, k = 4;
    double a[30 * 30], vf[4], vecf[30 * 4];
    float af[30 * 30];
    Rng r;
    rng_seed(&r, 7);
    double b[30 * 30];
    for (size_t t = 0; t < d * d; t++)
        b[t] = rng_normal(&r);
    for (size_t i = 0; i < d; i++) /* a = b diag(1 / (1 + j)) b^T: distinct leading values */
        for (size_t j = 0; j < d; j++) {
            double sum = 0;
            for (size_t t = 0; t < d; t++)
                sum += b[i * d + t] * b[j * d + t] / (1.0 + 3.0 * (double)t);
            a[i * d + j] = sum;
        }
    for (size_t t = 0; t < d * d; t++)
        af[t] = (float)a[t];
    ck_assert_int_eq(blas_eigen_top_f(d, af, k, vf, vecf), 0);
    /* each pair solves a v = lambda v to float's precision, unit vectors, decreasing */
    for (size_t j = 0; j < k; j++) {
        if (j > 0)
            ck_assert_double_gt(vf[j - 1], vf[j]);
        double norm = 0, resid = 0;
        for (size_t i = 0; i < d; i++) {
            double av = 0;
            for (size_t t = 0; t < d; t++)
                av += a[i * d + t] * vecf[t * k + j];
            resid += (av - vf[j] * vecf[i * k + j]) * (av - vf[j] * vecf[i * k + j]);
            norm += vecf[i * k + j] * vecf[i * k + j];
        }
        ck_assert_double_eq_tol(norm, 1.0, 1e-5);
        ck_assert_double_lt(sqrt(resid), 1e-4 * vf[0]);
    }
    ck_assert_int_eq(blas_eigen_top_f(d, af, d + 1, vf, vecf), -1);
}
END_TEST

START_TEST(test_bad_sizes)
{
    float x[6] = {1, 2, 3, 4, 5, 6}, out[6];
    Err e = {{0}, 0};
    ck_assert_int_eq(pca_project(x, 3, 2, 3, out, NULL, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "1 to 2"));
    ck_assert_int_eq(pca_project(x, 1, 6, 1, out, NULL, &e), -1);
    ck_assert_int_eq(pca_project(x, 3, 2, 0, out, NULL, &e), -1);
}
END_TEST

START_TEST(test_tsne_init_scaling)
{
    const size_t n = 301, d = 9;
    Rng r;
    rng_seed(&r, 17);
    double u[9], v[9], *a = malloc(n * sizeof(double)), *b = malloc(n * sizeof(double));
    float *x = cloud(&r, n, d, 3.0, 1.0, 0.02, u, v, a, b);
    float *y = malloc(2 * n * sizeof(float)), *pc = malloc(2 * n * sizeof(float));
    TsneParams p;
    tsne_params_default(&p);
    Err e = {{0}, 0};
    ck_assert_int_eq(tsne_init_positions(x, n, d, &p, y, &e), 0);
    ck_assert_int_eq(pca_project(x, n, d, 2, pc, NULL, &e), 0);
    /* Column 0 has standard deviation (ddof 0) 1e-4... */
    double m = 0, s = 0;
    for (size_t i = 0; i < n; i++)
        m += y[2 * i];
    m /= (double)n;
    for (size_t i = 0; i < n; i++)
        s += (y[2 * i] - m) * (y[2 * i] - m);
    ck_assert_double_eq_tol(sqrt(s / (double)n), 1e-4, 1e-9);
    /* ...and both columns are the PCA scaled by the same factor (ratio kept). */
    double f = (double)y[0] / pc[0];
    for (size_t i = 0; i < 2 * n; i++)
        ck_assert_double_eq_tol(y[i], f * pc[i], 1e-6 * 1e-4);
    /* Random init: from the seed, std about 1e-4. */
    p.init_pca = 0;
    p.seed = 5;
    float *y2 = malloc(2 * n * sizeof(float)), *y3 = malloc(2 * n * sizeof(float));
    ck_assert_int_eq(tsne_init_positions(x, n, d, &p, y2, &e), 0);
    ck_assert_int_eq(tsne_init_positions(x, n, d, &p, y3, &e), 0);
    ck_assert_int_eq(memcmp(y2, y3, 2 * n * sizeof(float)), 0);
    p.seed = 6;
    ck_assert_int_eq(tsne_init_positions(x, n, d, &p, y3, &e), 0);
    ck_assert_int_ne(memcmp(y2, y3, 2 * n * sizeof(float)), 0);
    s = 0;
    for (size_t i = 0; i < 2 * n; i++)
        s += (double)y2[i] * y2[i];
    ck_assert_double_eq_tol(sqrt(s / (2.0 * n)), 1e-4, 2e-5);
    free(a);
    free(b);
    free(x);
    free(y);
    free(pc);
    free(y2);
    free(y3);
}
END_TEST

static Suite *pca_suite(void)
{
    Suite *s = suite_create("pca");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_covariance_path);
    tcase_add_test(tc, test_gram_path);
    tcase_add_test(tc, test_paths_agree);
    tcase_add_test(tc, test_bad_sizes);
    tcase_add_test(tc, test_eigen_float);
    tcase_add_test(tc, test_tsne_init_scaling);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return tu_run_suite(pca_suite()); }
