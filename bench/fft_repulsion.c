/* fft_repulsion.c: the FFT repulsion alone on a saved embedding (a tsne_driver OUT file
 * of n float pairs): CPU and wall time per call on the given threads, and the error against the
 * exact sums (relative, over the whole force vector, and of Z).
 * usage: fft_repulsion EMBEDDING N THREADS CALLS
 * build (after make): cc -std=c11 -D_GNU_SOURCE -O2 -Iinclude -Isrc/embed \
 *   -o build/bench/fft_repulsion bench/fft_repulsion.c build/libuntangle.a \
 *   $(pkg-config --libs openblas lapack fftw3f libpng zlib) -lpthread -lm */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "tsne_internal.h"

static double seconds(clockid_t clock)
{
    struct timespec t;
    clock_gettime(clock, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: fft_repulsion EMBEDDING N THREADS CALLS\n");
        return 2;
    }
    size_t n = (size_t)atol(argv[2]);
    int threads = atoi(argv[3]), calls = atoi(argv[4]);
    float *y = malloc(2 * n * sizeof(float));
    FILE *fp = fopen(argv[1], "rb");
    if (!fp || fread(y, sizeof(float), 2 * n, fp) != 2 * n) {
        fprintf(stderr, "cannot read %zu points from %s\n", n, argv[1]);
        return 1;
    }
    fclose(fp);
    double *rep = malloc(2 * n * sizeof(double)), zs = 0;
    double *rep_e = malloc(2 * n * sizeof(double)), *z_e = malloc(n * sizeof(double));
    Pool *pool = pool_new(threads);
    TsneFft *f = tsne_fft_new(n);
    Err e = {{0}, 0};
    if (tsne_fft_repulsion(f, pool, y, rep, &zs, &e) != 0) { /* plans and kernels */
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    double t0 = seconds(CLOCK_PROCESS_CPUTIME_ID), w0 = seconds(CLOCK_MONOTONIC);
    for (int c = 0; c < calls; c++)
        tsne_fft_repulsion(f, pool, y, rep, &zs, &e);
    double per = (seconds(CLOCK_PROCESS_CPUTIME_ID) - t0) / calls;
    double wall = (seconds(CLOCK_MONOTONIC) - w0) / calls;
    int nb;
    double h, r;
    tsne_fft_grid(f, &nb, &h, &r);
    tsne_exact_repulsion_range(y, n, rep_e, z_e, 0, n);
    double num = 0, den = 0, zs_e = 0;
    for (size_t t = 0; t < 2 * n; t++) {
        num += (rep[t] - rep_e[t]) * (rep[t] - rep_e[t]);
        den += rep_e[t] * rep_e[t];
    }
    for (size_t i = 0; i < n; i++)
        zs_e += z_e[i];
    printf("grid %d x %d of %.3g, near %.3g: %.3f ms CPU per call (%d threads, %.3f ms wall); "
           "force error %.3e, Z error %.3e\n", nb, nb, h, r, 1e3 * per, threads, 1e3 * wall,
           sqrt(num / den), fabs(zs - zs_e) / zs_e);
    tsne_fft_free(f);
    pool_free(pool);
    free(y);
    free(rep);
    free(rep_e);
    free(z_e);
    return 0;
}
