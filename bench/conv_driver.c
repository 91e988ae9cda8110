/* conv_driver.c: the speed of untangle's convolution kernels on the lab CNN's
 * two convolutions, for each instruction set this CPU runs, on one thread,
 * beside the sgemm peak on one thread: the kernels' share of what the machine
 * can do. bench/nn.sh prints it. Every figure is measured on the CPU time of
 * the measuring thread, not the wall clock: on a machine other programs share,
 * the wall clock counts their time too, and unevenly between short and long
 * measures.
 *
 * Where the layer runs a convolution by Winograd (nn_wino_fits), its three
 * passes are measured that way too, each with the padding of its input, and
 * counted as the direct convolution's operations: the speed the layer sees.
 *
 *   usage: conv_driver [SECONDS per measure, default 0.5]
 * prints: KERNEL ISA GFLOP/s lines, then "sgemm 1 thread: G GFLOP/s". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "untangle/core/blas.h"
#include "untangle/core/cpu.h"
#include "untangle/core/xalloc.h"
#include "untangle/nn/kernels.h"

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct Case {
    const char *name;
    size_t H, W, C, k, F;
} Case;

/* The lab CNN: conv2d 32 5x5 same on 28x28x1, conv2d 64 5x5 same on 14x14x32. */
static const Case cases[] = {
    {"conv1", 28, 28, 1, 5, 32},
    {"conv2", 14, 14, 32, 5, 64},
};

static void fill(float *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        p[i] = (float)(seed >> 8) / 16777216.0f - 0.5f;
    }
}

enum { FORWARD, WEIGHTS, INPUT, PASSES };
static const char *const pass_names[] = {"forward", "weight-gradient", "input-gradient"};

/* The Winograd kernels' GFLOP/s counted as the direct convolution's
 * operations: what the layer gains. */
static double measure_wino(const NnKernels *k, const Case *c, int pass, double seconds)
{
    NnConvShape s = nn_conv_shape(c->H, c->W, c->C, c->k, c->k, c->F, 1);
    NnConvShape ts = nn_conv_shape_turned(&s, c->H, c->W);
    NnWino w = nn_wino(&s), t = nn_wino(&ts);
    size_t pad = (c->k - 1) / 2;
    float *x = xmalloc_floats(c->H * c->W * c->C), *wk = xmalloc_floats(c->k * c->k * c->C * c->F);
    float *b = xmalloc_floats(c->F), *dz = xmalloc_floats(s.Ho * s.Wo * c->F);
    float *xq = xmalloc_floats(nn_wino_input_floats(&w)), *dzq = xmalloc_floats(nn_wino_input_floats(&t));
    float *U = xmalloc_floats(nn_wino_kernel_floats(&w)), *Ut = xmalloc_floats(nn_wino_kernel_floats(&t));
    float *dU = xcalloc(nn_wino_kernel_floats(&w), sizeof(float));
    size_t nwork = nn_wino_work_floats(&w) > nn_wino_work_floats(&t) ? nn_wino_work_floats(&w)
                                                                       : nn_wino_work_floats(&t);
    float *work = xmalloc_floats(nwork);
    float *y = xmalloc_floats(s.Ho * s.Wo * c->F), *dx = xmalloc_floats(c->H * c->W * c->C);
    fill(x, c->H * c->W * c->C, 1);
    fill(wk, c->k * c->k * c->C * c->F, 2);
    fill(b, c->F, 3);
    fill(dz, s.Ho * s.Wo * c->F, 4);
    nn_wino_pad(&w, x, c->H, c->W, pad, pad, xq);
    nn_wino_pad(&t, dz, s.Ho, s.Wo, c->k - 1 - pad, c->k - 1 - pad, dzq);
    nn_wino_pack(&w, wk, 0, U);
    nn_wino_pack(&t, wk, 1, Ut);
    double flop = 2.0 * (double)(s.Ho * s.Wo) * (double)(c->k * c->k * c->C) * (double)c->F;
    double best = 0, start = now_seconds();
    do {
        double t0 = now_seconds();
        int reps = 20;
        for (int i = 0; i < reps; i++) {
            /* each pass as the layer runs it: with its padding */
            if (pass == FORWARD) {
                nn_wino_pad(&w, x, c->H, c->W, pad, pad, xq);
                k->conv_wino(&w, xq, U, b, y, work);
            } else if (pass == WEIGHTS) {
                nn_wino_pad(&w, x, c->H, c->W, pad, pad, xq);
                k->conv_wino_wgrad(&w, xq, dz, dU, work);
            } else {
                nn_wino_pad(&t, dz, s.Ho, s.Wo, c->k - 1 - pad, c->k - 1 - pad, dzq);
                k->conv_wino(&t, dzq, Ut, NULL, dx, work);
            }
        }
        double g = flop * reps / (now_seconds() - t0) * 1e-9;
        if (g > best)
            best = g;
    } while (now_seconds() - start < seconds);
    free(x), free(wk), free(b), free(dz), free(xq), free(dzq), free(U), free(Ut), free(dU);
    free(work), free(y), free(dx);
    return best;
}

/* Best GFLOP/s of one pass over repeated single images. */
static double measure(const NnKernels *k, const Case *c, int pass, double seconds)
{
    NnConvShape s = nn_conv_shape(c->H, c->W, c->C, c->k, c->k, c->F, 1);
    NnConvShape t = nn_conv_shape_turned(&s, c->H, c->W);
    size_t pad = (c->k - 1) / 2;
    float *x = xmalloc_floats(c->H * c->W * c->C), *w = xmalloc_floats(c->k * c->k * c->C * c->F);
    float *b = xmalloc_floats(c->F), *dz = xmalloc_floats(s.Ho * s.Wo * c->F);
    float *xt = xmalloc_floats(s.Hp * s.Wp * s.C), *dzt = xmalloc_floats(t.Hp * t.Wp * t.C);
    float *wp = xmalloc_floats(c->k * c->k * s.C * s.Fp), *bp = xmalloc_floats(s.Fp);
    float *wt = xmalloc_floats(c->k * c->k * t.C * t.Fp), *dwp = xmalloc_floats(c->k * c->k * s.C * s.Fp);
    float *y = xmalloc_floats(s.Ho * s.Wo * c->F), *dx = xmalloc_floats(c->H * c->W * c->C);
    fill(x, c->H * c->W * c->C, 1);
    fill(w, c->k * c->k * c->C * c->F, 2);
    fill(b, c->F, 3);
    fill(dz, s.Ho * s.Wo * c->F, 4);
    nn_conv_pad(&s, x, c->H, c->W, pad, pad, xt);
    nn_conv_pad(&t, dz, s.Ho, s.Wo, c->k - 1 - pad, c->k - 1 - pad, dzt);
    nn_conv_pack(&s, w, b, wp, bp);
    nn_conv_pack_turned(&s, &t, w, wt);
    memset(dwp, 0, c->k * c->k * s.C * s.Fp * sizeof(float));
    double flop = 2.0 * (double)(s.Ho * s.Wo) * (double)(c->k * c->k * c->C) * (double)c->F;
    double best = 0, start = now_seconds();
    do {
        double t0 = now_seconds();
        int reps = 20;
        for (int i = 0; i < reps; i++) {
            if (pass == FORWARD)
                k->conv(&s, xt, wp, bp, y);
            else if (pass == WEIGHTS)
                k->conv_wgrad(&s, xt, dz, dwp);
            else
                k->conv(&t, dzt, wt, NULL, dx);
        }
        double g = flop * reps / (now_seconds() - t0) * 1e-9;
        if (g > best)
            best = g;
    } while (now_seconds() - start < seconds);
    free(x), free(w), free(b), free(dz), free(xt), free(dzt), free(wp), free(bp), free(wt);
    free(dwp), free(y), free(dx);
    return best;
}

/* The best GFLOP/s of sgemm on square matrices of side n, one thread (OpenBLAS
 * then computes in the calling thread, whose CPU time is measured). */
static double sgemm_gflops(size_t n, double seconds)
{
    float *a = xmalloc_floats(n * n), *b = xmalloc_floats(n * n), *c = xmalloc_floats(n * n);
    fill(a, n * n, 5);
    fill(b, n * n, 6);
    blas_sgemm(0, 0, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
    double best = 0, start = now_seconds();
    do {
        double t0 = now_seconds();
        blas_sgemm(0, 0, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
        double g = 2.0 * (double)n * (double)n * (double)n / (now_seconds() - t0) * 1e-9;
        if (g > best)
            best = g;
    } while (now_seconds() - start < seconds);
    free(a), free(b), free(c);
    return best;
}

int main(int argc, char **argv)
{
    blas_choose_core(argv); /* on the OpenBLAS kernels untangle runs */
    double seconds = argc > 1 ? atof(argv[1]) : 0.5;
    if (!(seconds > 0 && seconds < 60)) {
        fprintf(stderr, "usage: conv_driver [SECONDS]\n");
        return 2;
    }
    CpuFeatures f = cpu_features();
    char cpu[160];
    printf("cpu: %s\n", cpu_describe(&f, cpu, sizeof cpu));
    blas_set_threads(1);
    double peak = sgemm_gflops(1000, 2 * seconds);
    for (int isa = CPU_ISAS - 1; isa >= 0; isa--) {
        const NnKernels *k = nn_kernels_for((CpuIsa)isa);
        if (!k)
            continue;
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
            for (int pass = 0; pass < PASSES; pass++) {
                double g = measure(k, &cases[i], pass, seconds);
                printf("%-6s %-16s %-10s %7.1f GFLOP/s = %3.0f%% of sgemm\n", cases[i].name,
                       pass_names[pass], cpu_isa_names[isa], g, 100 * g / peak);
                NnConvShape s = nn_conv_shape(cases[i].H, cases[i].W, cases[i].C, cases[i].k,
                                              cases[i].k, cases[i].F, 1);
                if (nn_wino_fits(&s)) {
                    g = measure_wino(k, &cases[i], pass, seconds);
                    printf("%-6s %-16s %-10s %7.1f GFLOP/s = %3.0f%% of sgemm (Winograd, as "
                           "direct operations)\n", cases[i].name, pass_names[pass],
                           cpu_isa_names[isa], g, 100 * g / peak);
                }
            }
    }
    printf("sgemm 1 thread (1000x1000x1000): %.1f GFLOP/s\n", peak);
    return 0;
}
