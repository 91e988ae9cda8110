/* blas.c: sgemm through OpenBLAS, the naive reference the tests use, and the
 * choice of OpenBLAS's kernels for this CPU. */
#include <cblas.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "untangle/core/i18n.h"
#include "untangle/core/blas.h"
#include "untangle/core/xalloc.h"

/* OpenBLAS declares these in its cblas.h; listed here so the dependency is plain. */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char *openblas_get_corename(void);
char *openblas_get_config(void);

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

void blas_ssyrk_upper(size_t n, size_t k, const float *a, size_t lda, float *c, size_t ldc)
{
    if (n == 0)
        return;
    if (n > INT_MAX || k > INT_MAX || lda > INT_MAX || ldc > INT_MAX) {
        for (size_t i = 0; i < n; i++)
            blas_sgemm_naive(1, 0, 1, n - i, k, 1.0f, a + i, lda, a + i, lda, 0.0f,
                             c + i * ldc + i, ldc);
        return;
    }
    cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, (int)n, (int)k, 1.0f, a, (int)lda, 0.0f, c,
                (int)ldc);
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

int blas_serial_begin(void)
{
    int saved = openblas_get_num_threads();
    openblas_set_num_threads(1);
    return saved;
}

void blas_serial_end(int saved) { blas_set_threads(saved); }

/* LAPACK's symmetric eigensolver, single precision (Fortran calling convention, with
 * the hidden lengths of the three one-letter arguments). */
void ssyevr_(const char *jobz, const char *range, const char *uplo, const int *n, float *a,
             const int *lda, const float *vl, const float *vu, const int *il, const int *iu,
             const float *abstol, int *m, float *w, float *z, const int *ldz, int *isuppz,
             float *work, const int *lwork, int *iwork, const int *liwork, int *info,
             size_t jobz_len, size_t range_len, size_t uplo_len);

int blas_eigen_top_f(size_t d, float *a, size_t k, double *vals, double *vecs)
{
    if (d < 1 || k < 1 || k > d || d > 46340) /* d * d must fit an int */
        return -1;
    int n = (int)d, il = (int)(d - k + 1), iu = (int)d, m = 0, info = 0, lwork = -1, liwork = -1;
    int iwq = 0;
    float vl = 0, vu = 0, abstol = 0, wq = 0;
    float *w = xmalloc(d * sizeof(float));
    float *z = xmalloc(d * k * sizeof(float)); /* (k, d): column-major d x k */
    int *isuppz = xmalloc(2 * k * sizeof(int));
    int saved = blas_serial_begin();
    ssyevr_("V", "I", "U", &n, a, &n, &vl, &vu, &il, &iu, &abstol, &m, w, z, &n, isuppz, &wq,
            &lwork, &iwq, &liwork, &info, 1, 1, 1);
    int rc = -1;
    if (info == 0) {
        lwork = (int)wq + 1;
        liwork = iwq + 1;
        float *work = xmalloc((size_t)lwork * sizeof(float));
        int *iwork = xmalloc((size_t)liwork * sizeof(int));
        ssyevr_("V", "I", "U", &n, a, &n, &vl, &vu, &il, &iu, &abstol, &m, w, z, &n, isuppz,
                work, &lwork, iwork, &liwork, &info, 1, 1, 1);
        free(work);
        free(iwork);
        if (info == 0 && m == (int)k) {
            for (size_t j = 0; j < k; j++) { /* increasing from LAPACK: reversed */
                size_t src = k - 1 - j;
                vals[j] = w[src];
                for (size_t r = 0; r < d; r++)
                    vecs[r * k + j] = z[src * d + r];
            }
            rc = 0;
        }
    }
    blas_serial_end(saved);
    free(w);
    free(z);
    free(isuppz);
    return rc;
}

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

/* OpenBLAS's cores (0.3.21's names and a few newer) by the vector instructions
 * their kernels use. */
enum { CORE_SSE, CORE_AVX, CORE_AVX2, CORE_AVX512 };
static const struct {
    const char *name;
    int level;
} blas_cores[] = {
    {"Unknown", CORE_SSE},     {"Katmai", CORE_SSE},      {"Coppermine", CORE_SSE},
    {"Northwood", CORE_SSE},   {"Prescott", CORE_SSE},    {"Banias", CORE_SSE},
    {"Atom", CORE_SSE},        {"Core2", CORE_SSE},       {"Penryn", CORE_SSE},
    {"Dunnington", CORE_SSE},  {"Nehalem", CORE_SSE},     {"Athlon", CORE_SSE},
    {"Opteron", CORE_SSE},     {"Opteron_SSE3", CORE_SSE},{"Barcelona", CORE_SSE},
    {"Nano", CORE_SSE},        {"Bobcat", CORE_SSE},      {"Sandybridge", CORE_AVX},
    {"Bulldozer", CORE_AVX},   {"Piledriver", CORE_AVX},  {"Steamroller", CORE_AVX},
    {"Excavator", CORE_AVX2},  {"Haswell", CORE_AVX2},    {"Zen", CORE_AVX2},
    {"SkylakeX", CORE_AVX512}, {"Cooperlake", CORE_AVX512}, {"SapphireRapids", CORE_AVX512},
};

/* The level of a core name, or -1 when the table does not know it. */
static int core_level(const char *name)
{
    for (size_t i = 0; i < sizeof blas_cores / sizeof blas_cores[0]; i++)
        if (strcasecmp(name, blas_cores[i].name) == 0)
            return blas_cores[i].level;
    return -1;
}

const char *blas_core_choice(const char *picked, const CpuFeatures *f, const char *env)
{
    if (env && env[0])
        return NULL;
    int level = picked && picked[0] ? core_level(picked) : CORE_SSE;
    if (level < 0 || level >= CORE_AVX2)
        return NULL;
    if (cpu_has_avx512_skx(f) && f->avx2 && f->fma)
        return "SkylakeX";
    if (f->avx2 && f->fma)
        return "Haswell";
    return NULL;
}

#define ENV_CORETYPE "OPENBLAS_CORETYPE"
#define ENV_FELL_BACK "UNTANGLE_OPENBLAS_FELL_BACK" /* set for the restarted program */
#define ENV_PRETEND "UNTANGLE_TEST_OPENBLAS_PICKED"

static const char *picked_core(void)
{
    const char *pretend = getenv(ENV_PRETEND);
    return pretend && pretend[0] ? pretend : openblas_get_corename();
}

void blas_choose_core(char **argv)
{
    CpuFeatures f = cpu_features();
    const char *picked = picked_core();
    const char *better = blas_core_choice(picked, &f, getenv(ENV_CORETYPE));
    if (!better)
        return;
    if (setenv(ENV_CORETYPE, better, 1) != 0 || setenv(ENV_FELL_BACK, picked, 1) != 0)
        return;
    fflush(NULL);
    execv("/proc/self/exe", argv);
    /* still here: the fallback kernels run, and blas_core_info says so */
    unsetenv(ENV_CORETYPE);
    unsetenv(ENV_FELL_BACK);
}

static void copy_name(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

void blas_core_info(BlasCoreInfo *bi)
{
    memset(bi, 0, sizeof *bi);
    const char *config = openblas_get_config(); /* "OpenBLAS 0.3.21 DYNAMIC_ARCH ..." */
    if (config && strncmp(config, "OpenBLAS ", 9) == 0)
        sscanf(config + 9, "%23s", bi->version);
    copy_name(bi->core, sizeof bi->core, openblas_get_corename());
    CpuFeatures f = cpu_features();
    const char *env = getenv(ENV_CORETYPE), *fell = getenv(ENV_FELL_BACK);
    const char *ours = fell ? blas_core_choice(fell, &f, NULL) : NULL;
    const char *better = blas_core_choice(picked_core(), &f, NULL);
    if (env && env[0] && ours && strcasecmp(env, ours) == 0) {
        bi->why = BLAS_CORE_SET;
        copy_name(bi->fell_back, sizeof bi->fell_back, fell);
    } else if (env && env[0]) {
        bi->why = BLAS_CORE_FROM_ENV;
        copy_name(bi->env, sizeof bi->env, env);
    } else if (better) {
        bi->why = BLAS_CORE_FALLBACK;
        copy_name(bi->fell_back, sizeof bi->fell_back, picked_core());
        copy_name(bi->better, sizeof bi->better, better);
    } else {
        bi->why = BLAS_CORE_CHOSEN;
    }
}

const char *blas_core_describe(const BlasCoreInfo *bi, char *buf, size_t cap)
{
    char why[192];
    switch (bi->why) {
    case BLAS_CORE_FROM_ENV:
        snprintf(why, sizeof why, _("%s=%s in the environment"), ENV_CORETYPE, bi->env);
        break;
    case BLAS_CORE_SET:
        snprintf(why, sizeof why, _("OpenBLAS did not recognise this CPU (it picked %s)"),
                 bi->fell_back);
        break;
    case BLAS_CORE_FALLBACK:
        snprintf(why, sizeof why, _("OpenBLAS did not recognise this CPU and the restart with "
                 "%s ones failed; run with %s=%s"), bi->better, ENV_CORETYPE, bi->better);
        break;
    case BLAS_CORE_CHOSEN:
    default:
        snprintf(why, sizeof why, _("chosen by OpenBLAS"));
        break;
    }
    snprintf(buf, cap, _("OpenBLAS %s, %s kernels: %s"), bi->version[0] ? bi->version : "?",
             bi->core[0] ? bi->core : _("unknown"), why);
    return buf;
}
