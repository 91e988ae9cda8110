/* blas.h: the one door to BLAS in untangle.
 *
 * Row-major single-precision GEMM, C = alpha * op(A) * op(B) + beta * C, with
 * op(A) (m, k), op(B) (k, n), C (m, n) and leading dimensions as cblas. The
 * library version calls OpenBLAS; blas_sgemm_naive is the plain triple loop
 * the tests compare it against. OpenBLAS's threads are the only threads in
 * untangle: blas_set_threads sets how many it uses. */
#ifndef UNTANGLE_BLAS_H
#define UNTANGLE_BLAS_H

#include <stddef.h>

void blas_sgemm(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
                const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c,
                size_t ldc);
void blas_sgemm_naive(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
                      const float *a, size_t lda, const float *b, size_t ldb, float beta,
                      float *c, size_t ldc);

/* Threads OpenBLAS uses from now on (clamped to 1..64), and how many it uses. */
void blas_set_threads(int n);
int blas_threads(void);

/* OpenBLAS's own threads off until blas_serial_end: meanwhile blas_sgemm runs on the
 * calling thread, gives the same bits for the same operands (OpenBLAS's partitioning
 * over its threads changes the last bits), and several threads may call it at once,
 * each on its own product. Returns the count blas_serial_end restores. */
int blas_serial_begin(void);
void blas_serial_end(int saved);

/* The k largest eigenvalues of the symmetric d x d matrix a (row-major, destroyed), in
 * decreasing order, into vals (k), and their unit eigenvectors into vecs (d, k)
 * row-major (column j for vals[j]), by LAPACK's dsyevr on the calling thread (the
 * same bits every run). Needs 1 <= k <= d. Returns 0, or -1 when LAPACK fails. */
int blas_eigen_top(size_t d, double *a, size_t k, double *vals, double *vecs);

/* Measured sgemm speed in GFLOP/s on square matrices of side n, repeated for at
 * least `seconds` (for the benchmark's peak). */
double blas_sgemm_gflops(size_t n, double seconds);

#endif
