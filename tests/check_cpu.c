/* check_cpu.c: the CPU's features, the choice of OpenBLAS's kernels on a table
 * of machines, and sgemm on the kernels chosen for this one against the naive
 * product. Like untangle itself, this program first lets blas_choose_core
 * restart it when OpenBLAS fell back to slow kernels, so that the product
 * tested is the one untangle runs. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "untangle/core/blas.h"
#include "untangle/core/cpu.h"
#include "untangle/core/rng.h"
#include "untangle/core/xalloc.h"

/* Feature sets of the machines in the table. */
static CpuFeatures machine(const char *kind)
{
    CpuFeatures f;
    memset(&f, 0, sizeof f);
    if (strcmp(kind, "sse") == 0)
        return f;
    f.avx2 = f.fma = 1;
    if (strcmp(kind, "avx2") == 0)
        return f;
    f.avx512f = 1;
    if (strcmp(kind, "avx512f") == 0) /* Knights Landing: F and CD, no BW/VL/DQ */
        return f.avx512cd = 1, f;
    f.avx512bw = f.avx512vl = f.avx512dq = f.avx512cd = 1;
    return f;
}

START_TEST(core_choice_table)
{
    static const struct {
        const char *what, *picked, *cpu, *env, *want; /* want NULL: keep */
    } cases[] = {
        {"Xeon family 6 model 207: Prescott fallback", "Prescott", "avx512", NULL, "SkylakeX"},
        {"AMD EPYC Zen 4: OpenBLAS picks Cooperlake", "Cooperlake", "avx512", NULL, NULL},
        {"Ice Lake: SkylakeX by itself", "SkylakeX", "avx512", NULL, NULL},
        {"Zen 2: Zen by itself", "Zen", "avx2", NULL, NULL},
        {"a Haswell pick on an AVX-512 CPU is OpenBLAS's choice", "Haswell", "avx512", NULL, NULL},
        {"AVX2 laptop with an SSE fallback", "Nehalem", "avx2", NULL, "Haswell"},
        {"AVX-only Sandybridge kernels on an AVX2 CPU", "Sandybridge", "avx2", NULL, "Haswell"},
        {"unknown CPU", "Unknown", "avx512", NULL, "SkylakeX"},
        {"no name at all", "", "avx2", NULL, "Haswell"},
        {"lower-case names", "prescott", "avx2", NULL, "Haswell"},
        {"AVX-512F without BW/VL/DQ: AVX2 kernels", "Prescott", "avx512f", NULL, "Haswell"},
        {"an old CPU: nothing better", "Prescott", "sse", NULL, NULL},
        {"OPENBLAS_CORETYPE in the environment is kept", "Prescott", "avx512", "Prescott", NULL},
        {"even when it names a slow core", "Nehalem", "avx2", "Core2", NULL},
        {"a core this table does not know is newer: kept", "Emeraldrapids", "avx512", NULL, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CpuFeatures f = machine(cases[i].cpu);
        const char *got = blas_core_choice(cases[i].picked, &f, cases[i].env);
        int same = got && cases[i].want ? strcmp(got, cases[i].want) == 0 : got == cases[i].want;
        ck_assert_msg(same, "%s: got %s, expected %s", cases[i].what, got ? got : "keep",
                      cases[i].want ? cases[i].want : "keep");
    }
}
END_TEST

START_TEST(features_are_consistent)
{
    CpuFeatures f = cpu_features();
    CpuIsa best = cpu_isa_best(&f);
    ck_assert_int_eq(cpu_isa_here(), best);
    if (best == CPU_ISA_AVX512)
        ck_assert(f.avx512f && f.avx2 && f.fma);
    if (cpu_has_avx512_skx(&f))
        ck_assert(f.avx512f);
    char buf[200];
    cpu_describe(&f, buf, sizeof buf);
    ck_assert_msg(strstr(buf, "family") != NULL, "%s", buf);
    printf("  %s\n", buf);
}
END_TEST

START_TEST(sgemm_on_chosen_kernels_matches_naive)
{
    BlasCoreInfo bi;
    blas_core_info(&bi);
    char buf[320];
    printf("  %s\n", blas_core_describe(&bi, buf, sizeof buf));
    /* after the restart the fallback is gone, unless the environment chose it */
    ck_assert_msg(bi.why != BLAS_CORE_FALLBACK, "%s", buf);
    CpuFeatures f = cpu_features();
    if (bi.why != BLAS_CORE_FROM_ENV)
        ck_assert_msg(blas_core_choice(bi.core, &f, NULL) == NULL, "%s", buf);
    /* sizes past OpenBLAS's blocking, odd so that every edge kernel runs */
    Rng rng;
    rng_seed(&rng, 5);
    static const size_t dims[][3] = {{301, 257, 203}, {17, 1000, 33}, {75, 100, 3136}};
    for (int threads = 1; threads <= 2; threads++) {
        blas_set_threads(threads);
        for (size_t d = 0; d < sizeof dims / sizeof dims[0]; d++)
            for (int ta = 0; ta < 2; ta++)
                for (int tb = 0; tb < 2; tb++) {
                    size_t M = dims[d][0], N = dims[d][1], K = dims[d][2];
                    float *a = xmalloc_floats(M * K), *b = xmalloc_floats(K * N);
                    float *c1 = xmalloc_floats(M * N), *c2 = xmalloc_floats(M * N);
                    for (size_t i = 0; i < M * K; i++)
                        a[i] = rng_uniform_range(&rng, -1, 1);
                    for (size_t i = 0; i < K * N; i++)
                        b[i] = rng_uniform_range(&rng, -1, 1);
                    for (size_t i = 0; i < M * N; i++)
                        c1[i] = c2[i] = rng_uniform_range(&rng, -1, 1);
                    size_t lda = ta ? M : K, ldb = tb ? K : N;
                    blas_sgemm(ta, tb, M, N, K, 0.7f, a, lda, b, ldb, 0.3f, c1, N);
                    blas_sgemm_naive(ta, tb, M, N, K, 0.7f, a, lda, b, ldb, 0.3f, c2, N);
                    /* K products of |x| <= 1 summed in float: errors far below 1e-6 K; a wrong
                     * kernel is off by O(1) */
                    double diff = tu_max_abs_diff(c1, c2, M * N);
                    ck_assert_msg(diff < 1e-6 * (double)K, "%s, %zux%zux%zu ta %d tb %d: %g",
                                  bi.core, M, N, K, ta, tb, diff);
                    free(a), free(b), free(c1), free(c2);
                }
    }
}
END_TEST

/* ssyrk's upper triangle is sgemm's a^T a; the lower part is left alone. */
START_TEST(ssyrk_upper_matches_naive)
{
    Rng rng;
    rng_seed(&rng, 9);
    size_t n = 131, k = 517;
    float *a = xmalloc_floats(k * n), *c1 = xmalloc_floats(n * n), *c2 = xmalloc_floats(n * n);
    for (size_t i = 0; i < k * n; i++)
        a[i] = rng_uniform_range(&rng, -1, 1);
    for (size_t i = 0; i < n * n; i++)
        c1[i] = 7.0f;
    blas_ssyrk_upper(n, k, a, n, c1, n);
    blas_sgemm_naive(1, 0, n, n, k, 1.0f, a, n, a, n, 0.0f, c2, n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            if (j < i)
                ck_assert_float_eq(c1[i * n + j], 7.0f);
            else
                ck_assert_msg(fabsf(c1[i * n + j] - c2[i * n + j]) < 1e-6f * (float)k,
                              "(%zu, %zu): %g vs %g", i, j, c1[i * n + j], c2[i * n + j]);
        }
    free(a), free(c1), free(c2);
}
END_TEST

int main(int argc, char **argv)
{
    (void)argc;
    blas_choose_core(argv);
    Suite *s = suite_create("cpu");
    TCase *t = tcase_create("core");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, core_choice_table);
    tcase_add_test(t, features_are_consistent);
    tcase_add_test(t, sgemm_on_chosen_kernels_matches_naive);
    tcase_add_test(t, ssyrk_upper_matches_naive);
    suite_add_tcase(s, t);
    return tu_run_suite(s);
}
