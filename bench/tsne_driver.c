/* tsne_driver.c: untangle's side of the t-SNE benchmark, without the shell: the first
 * N MNIST images (/255) of the test set, or of all 70 000 (the training images, then
 * the test images: `set all`), through tsne_run, timed from the reading of the files,
 * with the final KL and the Neighborhood Hit (k = 6) of the embedding.
 *
 *   usage: tsne_driver N [threads [verbose [mnist_dir [out.f32|- [method [set [knn]]]]]]]
 *          method: auto bh fft exact; set: test all; knn: auto exact approx
 *   prints: untangle N=10000 method=fft knn=exact time=2.3 kl=1.7797 nh=0.933 knn_s=.. p_s=.. it_s=..
 * bench/tsne.sh builds it against the library. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "untangle/core/blas.h"
#include "untangle/geom/geom.h"
#include "untangle/embed/tsne.h"
#include "bench_idx.h"

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void print_line(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "%s\n", line);
}

int main(int argc, char **argv)
{
    blas_choose_core(argv); /* on the OpenBLAS kernels untangle runs */
    if (argc < 2) {
        fprintf(stderr, "usage: %s N [threads [verbose [mnist_dir [out.f32]]]]\n", argv[0]);
        return 2;
    }
    size_t n = strtoul(argv[1], NULL, 10);
    int threads = argc > 2 ? atoi(argv[2]) : 2;
    int verbose = argc > 3 ? atoi(argv[3]) : 0;
    const char *dir = argc > 4 ? argv[4] : "data/mnist";
    const char *method = argc > 6 ? argv[6] : "auto";
    int all = argc > 7 && strcmp(argv[7], "all") == 0;
    const char *knn = argc > 8 ? argv[8] : "auto";
    double t0 = now_seconds();
    size_t ilen = 0, llen = 0, tilen = 0, tllen = 0;
    unsigned char *img = read_idx(dir, "t10k-images-idx3-ubyte", &ilen);
    unsigned char *lab = read_idx(dir, "t10k-labels-idx1-ubyte", &llen);
    unsigned char *timg = all ? read_idx(dir, "train-images-idx3-ubyte", &tilen) : NULL;
    unsigned char *tlab = all ? read_idx(dir, "train-labels-idx1-ubyte", &tllen) : NULL;
    size_t ntest = img && ilen > 16 ? (ilen - 16) / 784 : 0;
    size_t ntrain = timg && tilen > 16 ? (tilen - 16) / 784 : 0;
    if (!img || !lab || (all && (!timg || !tlab)) || n > ntrain + ntest || llen < 8 + ntest ||
        (all && tllen < 8 + ntrain)) {
        fprintf(stderr, "cannot read %zu MNIST images from %s\n", n, dir);
        return 1;
    }
    /* rows: the training images first when `all`, then the test images */
    float *x = malloc(n * 784 * sizeof(float));
    unsigned char *labels = malloc(n);
    for (size_t i = 0; i < n; i++) {
        int train = i < ntrain;
        const unsigned char *src = train ? timg + 16 + i * 784 : img + 16 + (i - ntrain) * 784;
        for (size_t c = 0; c < 784; c++)
            x[i * 784 + c] = src[c] / 255.0f;
        labels[i] = train ? tlab[8 + i] : lab[8 + i - ntrain];
    }
    float *y = malloc(2 * n * sizeof(float));
    TsneParams p;
    tsne_params_default(&p);
    p.threads = threads;
    p.verbose = verbose;
    p.method = strcmp(method, "bh") == 0      ? TSNE_METHOD_BH
               : strcmp(method, "fft") == 0   ? TSNE_METHOD_FFT
               : strcmp(method, "exact") == 0 ? TSNE_METHOD_EXACT
                                              : TSNE_METHOD_AUTO;
    p.knn = strcmp(knn, "exact") == 0    ? TSNE_KNN_EXACT
            : strcmp(knn, "approx") == 0 ? TSNE_KNN_APPROX
                                         : TSNE_KNN_AUTO;
    TsneResult res;
    Err e = {{0}, 0};
    if (tsne_run(x, n, 784, &p, y, &res, print_line, NULL, &e) != 0) {
        fprintf(stderr, "tsne: %s\n", e.msg);
        return 1;
    }
    double seconds = now_seconds() - t0;
    /* the same Neighborhood Hit as the `nh` command */
    GeomNH g;
    if (geom_nh(y, labels, n, 6, &g, &e) != 0) {
        fprintf(stderr, "nh: %s\n", e.msg);
        return 1;
    }
    double nh = g.global;
    geom_nh_free(&g);
    printf("untangle N=%zu method=%s knn=%s time=%.1f kl=%.4f nh=%.3f knn_s=%.1f p_s=%.1f "
           "iter_s=%.1f\n", n, tsne_method_name(res.method), tsne_knn_name(res.knn), seconds,
           res.kl, nh, res.seconds_knn, res.seconds_p, res.seconds_explore + res.seconds_rest);
    if (argc > 5 && strcmp(argv[5], "-") != 0) {
        FILE *f = fopen(argv[5], "wb");
        if (f) {
            fwrite(y, sizeof(float), 2 * n, f);
            fclose(f);
        }
    }
    free(x);
    free(y);
    free(img);
    free(lab);
    free(timg);
    free(tlab);
    free(labels);
    return 0;
}
