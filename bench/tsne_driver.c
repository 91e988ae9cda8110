/* tsne_driver.c: untangle's side of the t-SNE benchmark, without the shell: the first
 * N MNIST test images (/255) through tsne_run, timed, with the final KL and the
 * Neighborhood Hit (k = 6) of the embedding.
 *
 *   usage: tsne_driver N [threads [verbose [mnist_dir [out.f32]]]]
 *   prints: untangle N=10000 time=12.3 kl=1.7797 nh=0.933
 * bench/tsne.sh builds it against the library. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "untangle/core/blas.h"
#include "untangle/geom/geom.h"
#include "untangle/embed/tsne.h"

static unsigned char *read_idx(const char *dir, const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)sz);
    if (!buf || fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
        fclose(f);
        free(buf);
        return NULL;
    }
    fclose(f);
    *len = (size_t)sz;
    return buf;
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
    size_t ilen = 0, llen = 0;
    unsigned char *img = read_idx(dir, "t10k-images-idx3-ubyte", &ilen);
    unsigned char *lab = read_idx(dir, "t10k-labels-idx1-ubyte", &llen);
    if (!img || !lab || ilen < 16 + n * 784 || llen < 8 + n) {
        fprintf(stderr, "cannot read %zu MNIST test images from %s\n", n, dir);
        return 1;
    }
    float *x = malloc(n * 784 * sizeof(float));
    for (size_t i = 0; i < n * 784; i++)
        x[i] = img[16 + i] / 255.0f;
    float *y = malloc(2 * n * sizeof(float));
    TsneParams p;
    tsne_params_default(&p);
    p.threads = threads;
    p.verbose = verbose;
    TsneResult res;
    Err e = {{0}, 0};
    if (tsne_run(x, n, 784, &p, y, &res, print_line, NULL, &e) != 0) {
        fprintf(stderr, "tsne: %s\n", e.msg);
        return 1;
    }
    /* the same Neighborhood Hit as the `nh` command */
    GeomNH g;
    if (geom_nh(y, lab + 8, n, 6, &g, &e) != 0) {
        fprintf(stderr, "nh: %s\n", e.msg);
        return 1;
    }
    double nh = g.global;
    geom_nh_free(&g);
    printf("untangle N=%zu time=%.1f kl=%.4f nh=%.3f\n", n, res.seconds, res.kl, nh);
    if (argc > 5) {
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
    return 0;
}
