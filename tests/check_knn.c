/* check_knn.c: exact nearest neighbours against a brute-force search in double. */
#include <cblas.h>
#include <stdint.h>

#include "testutil.h"
#include "untangle/embed/knn.h"
#include "untangle/core/rng.h"

/* Brute force for row i: the k smallest (distance, index) in double, self excluded. */
static void brute_row(const float *x, size_t n, size_t d, size_t i, size_t k, uint32_t *idx,
                      double *dist)
{
    size_t have = 0;
    for (size_t j = 0; j < n; j++) {
        if (j == i)
            continue;
        double s = 0;
        for (size_t c = 0; c < d; c++) {
            double t = (double)x[i * d + c] - x[j * d + c];
            s += t * t;
        }
        if (have == k && s >= dist[k - 1])
            continue; /* ties keep the lower index already held */
        size_t pos = have < k ? have++ : k - 1;
        while (pos > 0 && dist[pos - 1] > s) {
            dist[pos] = dist[pos - 1];
            idx[pos] = idx[pos - 1];
            pos--;
        }
        dist[pos] = s;
        idx[pos] = (uint32_t)j;
    }
}

START_TEST(test_random_data)
{
    /* Odd sizes, a block size that does not divide n, uneven scales per column. */
    const size_t n = 137, d = 11, k = 9;
    float *x = malloc(n * d * sizeof(float));
    Rng r;
    rng_seed(&r, 42);
    for (size_t i = 0; i < n * d; i++)
        x[i] = (float)(rng_normal(&r) * (1.0 + (double)(i % d)) + 3.0);
    uint32_t *idx = malloc(n * k * sizeof(uint32_t)), bi[9];
    float *dist = malloc(n * k * sizeof(float));
    double bd[9];
    Err e = {{0}, 0};
    ck_assert_int_eq(knn_exact(x, n, d, k, idx, dist, 1, &e), 0);
    for (size_t i = 0; i < n; i++) {
        brute_row(x, n, d, i, k, bi, bd);
        for (size_t t = 0; t < k; t++) {
            uint32_t j = idx[i * k + t];
            ck_assert_uint_ne(j, i);
            ck_assert_uint_lt(j, n);
            /* The reported distance is the true one... */
            double s = 0;
            for (size_t c = 0; c < d; c++) {
                double u = (double)x[i * d + c] - x[j * d + c];
                s += u * u;
            }
            ck_assert_double_eq_tol(dist[i * k + t], s, 1e-4 * s + 1e-5);
            /* ...the t-th smallest (random data: no near ties at this tolerance)... */
            ck_assert_double_eq_tol(dist[i * k + t], bd[t], 1e-4 * bd[t] + 1e-5);
            ck_assert_uint_eq(j, bi[t]);
            /* ...in increasing order, without repeats. */
            if (t > 0)
                ck_assert(dist[i * k + t] >= dist[i * k + t - 1]);
            for (size_t u = 0; u < t; u++)
                ck_assert_uint_ne(idx[i * k + u], j);
        }
    }
    /* 3 threads: the same neighbours and the same distances, bit for bit */
    uint32_t *idx3 = malloc(n * k * sizeof(uint32_t));
    float *dist3 = malloc(n * k * sizeof(float));
    ck_assert_int_eq(knn_exact(x, n, d, k, idx3, dist3, 3, &e), 0);
    ck_assert_int_eq(memcmp(idx, idx3, n * k * sizeof(uint32_t)), 0);
    ck_assert_int_eq(memcmp(dist, dist3, n * k * sizeof(float)), 0);
    free(idx3);
    free(dist3);
    free(x);
    free(idx);
    free(dist);
}
END_TEST

START_TEST(test_ties_by_index)
{
    /* Small integer points, symmetric about 0 so that the centring is exact and every
     * distance is computed exactly: many exact ties and duplicates, to be broken by
     * index as the brute force does. */
    const size_t half = 30, n = 2 * half + 1, d = 3, k = 13;
    float *x = calloc(n * d, sizeof(float));
    Rng r;
    rng_seed(&r, 7);
    for (size_t i = 0; i < half; i++)
        for (size_t c = 0; c < d; c++) {
            float v = (float)((int)rng_below(&r, 5) - 2);
            x[i * d + c] = v;
            x[(half + i) * d + c] = -v;
        }
    /* row 2 * half stays at the origin */
    uint32_t *idx = malloc(n * k * sizeof(uint32_t)), bi[13];
    float *dist = malloc(n * k * sizeof(float));
    double bd[13];
    Err e = {{0}, 0};
    ck_assert_int_eq(knn_exact(x, n, d, k, idx, dist, 1, &e), 0);
    int ties = 0;
    for (size_t i = 0; i < n; i++) {
        brute_row(x, n, d, i, k, bi, bd);
        for (size_t t = 0; t < k; t++) {
            ck_assert_uint_eq(idx[i * k + t], bi[t]);
            ck_assert_double_eq(dist[i * k + t], bd[t]);
            if (t > 0 && bd[t] == bd[t - 1])
                ties++;
        }
    }
    ck_assert_int_gt(ties, 100); /* the fixture does exercise ties */
    free(x);
    free(idx);
    free(dist);
}
END_TEST

START_TEST(test_all_others_and_bad_sizes)
{
    const float x[6] = {0, 0, 3, 4, 1, 0}; /* 3 points in 2-D */
    uint32_t idx[6];
    float dist[6];
    Err e = {{0}, 0};
    ck_assert_int_eq(knn_exact(x, 3, 2, 2, idx, dist, 1, &e), 0);
    /* point 0: (1,0) at 1, then (3,4) at 25 */
    ck_assert_uint_eq(idx[0], 2);
    ck_assert_uint_eq(idx[1], 1);
    ck_assert_float_eq_tol(dist[0], 1.0f, 1e-5f);
    ck_assert_float_eq_tol(dist[1], 25.0f, 1e-4f);
    ck_assert_int_eq(knn_exact(x, 3, 2, 3, idx, dist, 1, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "between 1 and 2"));
    ck_assert_int_eq(knn_exact(x, 3, 2, 0, idx, dist, 1, &e), -1);
    ck_assert_int_eq(knn_exact(x, 1, 2, 1, idx, dist, 1, &e), -1);
}
END_TEST

START_TEST(test_massive_ties)
{
    /* 40 copies of one point among 23 others, k = 5: every copy's 39 twins tie at 0,
     * far more than the shortlist holds, so the lowest indices must still win. */
    const size_t n = 63, d = 5, k = 5;
    float *x = malloc(n * d * sizeof(float));
    Rng r;
    rng_seed(&r, 12);
    for (size_t i = 0; i < n; i++)
        for (size_t c = 0; c < d; c++)
            x[i * d + c] = (i % 3 == 0 || i > 40) ? (float)(2.0 + rng_normal(&r)) : 0.5f;
    uint32_t idx[63 * 5], bi[5];
    float dist[63 * 5];
    double bd[5];
    Err e = {{0}, 0};
    ck_assert_int_eq(knn_exact(x, n, d, k, idx, dist, 2, &e), 0);
    for (size_t i = 0; i < n; i++) {
        brute_row(x, n, d, i, k, bi, bd);
        for (size_t t = 0; t < k; t++) {
            ck_assert_uint_eq(idx[i * k + t], bi[t]);
            ck_assert_double_eq_tol(dist[i * k + t], bd[t], 1e-5 * bd[t] + 1e-6);
        }
    }
    /* a copy, e.g. point 1: its neighbours are the first other copies, at distance 0 */
    ck_assert_uint_eq(idx[1 * k + 0], 2);
    ck_assert_uint_eq(idx[1 * k + 1], 4);
    ck_assert_float_eq(dist[1 * k + 4], 0.0f);
    free(x);
}
END_TEST

/* The approximate search's candidate count: fewer for fewer points, growing with n up
 * to 2 k + 20, and never more than the other points. */
START_TEST(test_approx_candidates)
{
    size_t k = 91;
    ck_assert_uint_eq(knn_approx_candidates(k, 5000), 3 * k / 2 + 20);
    ck_assert_uint_eq(knn_approx_candidates(k, KNN_APPROX_FEW), 3 * k / 2 + 20);
    ck_assert_uint_eq(knn_approx_candidates(k, KNN_APPROX_MANY), 2 * k + 20);
    ck_assert_uint_eq(knn_approx_candidates(k, 70000), 2 * k + 20);
    size_t prev = 0;
    for (size_t n = KNN_APPROX_FEW; n <= KNN_APPROX_MANY; n += 500) {
        size_t c = knn_approx_candidates(k, n);
        ck_assert_uint_ge(c, prev);
        prev = c;
    }
    ck_assert_uint_eq(knn_approx_candidates(k, 120), 119);
    ck_assert_uint_eq(knn_approx_candidates(1, 2), 1);
}
END_TEST

START_TEST(test_blas_threads_do_not_matter)
{
    /* OpenBLAS splits sgemm differently with more threads, which changes its last bits;
     * the neighbours and their distances must not change. */
    const size_t n = 701, d = 97, k = 31;
    float *x = malloc(n * d * sizeof(float));
    Rng r;
    rng_seed(&r, 99);
    for (size_t i = 0; i < n * d; i++)
        x[i] = (float)rng_uniform(&r) * (float)(1 + i % 7);
    uint32_t *i1 = malloc(n * k * sizeof(uint32_t)), *i2 = malloc(n * k * sizeof(uint32_t));
    float *d1 = malloc(n * k * sizeof(float)), *d2 = malloc(n * k * sizeof(float));
    Err e = {{0}, 0};
    int saved = openblas_get_num_threads();
    openblas_set_num_threads(1);
    ck_assert_int_eq(knn_exact(x, n, d, k, i1, d1, 1, &e), 0);
    openblas_set_num_threads(2);
    ck_assert_int_eq(knn_exact(x, n, d, k, i2, d2, 2, &e), 0);
    openblas_set_num_threads(saved);
    ck_assert_int_eq(memcmp(i1, i2, n * k * sizeof(uint32_t)), 0);
    ck_assert_int_eq(memcmp(d1, d2, n * k * sizeof(float)), 0);
    free(x);
    free(i1);
    free(i2);
    free(d1);
    free(d2);
}
END_TEST

static Suite *knn_suite(void)
{
    Suite *s = suite_create("knn");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_random_data);
    tcase_add_test(tc, test_ties_by_index);
    tcase_add_test(tc, test_all_others_and_bad_sizes);
    tcase_add_test(tc, test_massive_ties);
    tcase_add_test(tc, test_blas_threads_do_not_matter);
    tcase_add_test(tc, test_approx_candidates);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return tu_run_suite(knn_suite()); }
