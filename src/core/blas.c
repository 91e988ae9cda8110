/* blas.c: sgemm through OpenBLAS, and the naive reference the tests use. */
#include <cblas.h>
#include <limits.h>
#include <stdlib.h>
#include <time.h>

#include "untangle/core/blas.h"
#include "untangle/core/xalloc.h"

/* OpenBLAS declares these in its cblas.h; listed here so the dependency is plain. */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);

void blas_sgemm(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
                const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c,
                size_t ldc)
{
    if (m == 0 || n == 0)
        return;
    /* cblas takes int sizes; every caller's sizes come from checked shapes far
     * below INT_MAX, and larger ones fall back to the loop rather than wrap. */
    if (m > INT_MAX || n > INT_MAX || k > INT_MAX || lda > INT_MAX || ldb > INT_MAX ||
        ldc > INT_MAX) {
        blas_sgemm_naive(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                trans_b ? CblasTrans : CblasNoTrans, (int)m, (int)n, (int)k, alpha, a, (int)lda,
                b, (int)ldb, beta, c, (int)ldc);
}

void blas_sgemm_naive(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
                      const float *a, size_t lda, const float *b, size_t ldb, float beta,
                      float *c, size_t ldc)
{
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            double s = 0;
            for (size_t p = 0; p < k; p++) {
                float av = trans_a ? a[p * lda + i] : a[i * lda + p];
                float bv = trans_b ? b[j * ldb + p] : b[p * ldb + j];
                s += (double)av * (double)bv;
            }
            /* beta == 0 overwrites, as BLAS does, even when C holds NaN. */
            float old = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
            c[i * ldc + j] = (float)(alpha * s) + old;
        }
}

void blas_set_threads(int n)
{
    if (n < 1)
        n = 1;
    if (n > 64)
        n = 64;
    openblas_set_num_threads(n);
}

int blas_threads(void) { return openblas_get_num_threads(); }

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double blas_sgemm_gflops(size_t n, double seconds)
{
    float *a = xmalloc_floats(n * n), *b = xmalloc_floats(n * n), *c = xmalloc_floats(n * n);
    for (size_t i = 0; i < n * n; i++) {
        a[i] = (float)(i % 17) * 0.01f;
        b[i] = (float)(i % 13) * 0.01f;
    }
    blas_sgemm(0, 0, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n); /* warm up the threads */
    double best = 0;
    double start = now_seconds();
    do {
        double t = now_seconds();
        blas_sgemm(0, 0, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
        double dt = now_seconds() - t;
        double g = 2.0 * (double)n * (double)n * (double)n / dt * 1e-9;
        if (g > best)
            best = g;
    } while (now_seconds() - start < seconds);
    free(a);
    free(b);
    free(c);
    return best;
}
