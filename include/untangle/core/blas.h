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
#include "untangle/core/cpu.h"

void blas_sgemm(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
                const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c,
                size_t ldc);
void blas_sgemm_naive(int trans_a, int trans_b, size_t m, size_t n, size_t k, float alpha,
                      const float *a, size_t lda, const float *b, size_t ldb, float beta,
                      float *c, size_t ldc);

/* The upper triangle (row-major, j >= i) of c (n, n) = a^T a, for a (k, n): the
 * products of a covariance at half sgemm's cost. The strict lower part of c is left as
 * it was. */
void blas_ssyrk_upper(size_t n, size_t k, const float *a, size_t lda, float *c, size_t ldc);

/* Threads OpenBLAS uses from now on (clamped to 1..64), and how many it uses. */
void blas_set_threads(int n);
int blas_threads(void);

/* Which OpenBLAS kernels run, and why.
 *
 * Debian's OpenBLAS is built for every x86-64 CPU and picks a kernel set (a
 * "core") from the CPU's family and model when it loads; a CPU newer than its
 * table gets a generic fallback (Prescott, SSE3: 8x slower than SkylakeX on a
 * Xeon of family 6 model 207). OpenBLAS reads OPENBLAS_CORETYPE only while it
 * loads, so blas_choose_core, first thing in main, sets it and re-executes the
 * program once when OpenBLAS fell back below AVX2 on a CPU that has AVX2+FMA or
 * AVX-512. A value already in the environment is used as it is, which also
 * ends the loop: the re-executed program finds OPENBLAS_CORETYPE set. */
typedef enum {
    BLAS_CORE_CHOSEN,      /* OpenBLAS's own choice for this CPU */
    BLAS_CORE_FROM_ENV,    /* OPENBLAS_CORETYPE given in the environment */
    BLAS_CORE_SET,         /* OpenBLAS fell back; untangle set OPENBLAS_CORETYPE */
    BLAS_CORE_FALLBACK,    /* OpenBLAS fell back and the restart did not happen */
} BlasCoreWhy;

typedef struct BlasCoreInfo {
    char version[24];      /* "0.3.21" */
    char core[32];         /* the kernels running: "Cooperlake" */
    char fell_back[32];    /* BLAS_CORE_SET, FALLBACK: what OpenBLAS picked by itself */
    char better[32];       /* BLAS_CORE_FALLBACK: the core the restart would have set */
    char env[32];          /* BLAS_CORE_FROM_ENV: the value of OPENBLAS_CORETYPE */
    BlasCoreWhy why;
} BlasCoreInfo;

/* The decision, a pure function: the core to make OpenBLAS use instead of
 * `picked` on a CPU with features *f, or NULL to keep it. `env` is the value of
 * OPENBLAS_CORETYPE (NULL when unset), which is always kept. A pick below AVX2
 * (generic, SSE or AVX-only cores, or "Unknown") is replaced by SkylakeX on a
 * CPU with the AVX-512 set Skylake-SP introduced, else by Haswell on AVX2+FMA.
 * Names this table does not know are newer OpenBLAS cores: kept. */
const char *blas_core_choice(const char *picked, const CpuFeatures *f, const char *env);
/* Re-executes the program (/proc/self/exe with argv) when blas_core_choice says
 * so; returns when there is nothing to do or the restart failed. For tests,
 * UNTANGLE_TEST_OPENBLAS_PICKED=NAME pretends that OpenBLAS picked NAME. */
void blas_choose_core(char **argv);
/* What runs now, from OpenBLAS and the environment. */
void blas_core_info(BlasCoreInfo *bi);
/* "OpenBLAS 0.3.21, SkylakeX kernels: OpenBLAS did not recognise this CPU (it
 * picked Prescott)" into buf; returns buf. */
const char *blas_core_describe(const BlasCoreInfo *bi, char *buf, size_t cap);

/* OpenBLAS's own threads off until blas_serial_end: meanwhile blas_sgemm runs on the
 * calling thread, gives the same bits for the same operands (OpenBLAS's partitioning
 * over its threads changes the last bits), and several threads may call it at once,
 * each on its own product. Returns the count blas_serial_end restores. */
int blas_serial_begin(void);
void blas_serial_end(int saved);

/* The k largest eigenvalues of the symmetric d x d matrix a (row-major, destroyed), in
 * decreasing order, into vals (k), and their unit eigenvectors into vecs (d, k)
 * row-major (column j for vals[j]), by LAPACK's ssyevr on the calling thread (the
 * same bits every run; float's precision, half the time of dsyevr: 668 x 668 on AMD
 * EPYC Zen 4, 0.016 s against 0.031 s). Needs 1 <= k <= d. Returns 0, or -1 when
 * LAPACK fails. */
int blas_eigen_top_f(size_t d, float *a, size_t k, double *vals, double *vecs);

/* Measured sgemm speed in GFLOP/s on square matrices of side n, repeated for at
 * least `seconds` (for the benchmark's peak). */
double blas_sgemm_gflops(size_t n, double seconds);

#endif
