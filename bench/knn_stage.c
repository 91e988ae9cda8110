/* knn_stage.c: t-SNE's "neighbours and start" stage on its own, as tsne_run does it with
 * knn approx: the first N MNIST test images (/255; all 70 000 with `all`: training, then
 * test), pca_project_cov to KNN_APPROX_DIMS, then knn_approx_projected, each timed in
 * wall and CPU seconds, and the share of the exact neighbours found (the exact ones
 * by knn_exact, kept in CACHE_DIR between runs), and a checksum of the neighbours,
 * their distances and the projection's first two columns (to compare thread counts).
 *
 *   usage: knn_stage N [threads [mnist_dir [test|all [repeats]]]]
 *   prints: stage N=10000 threads=2 pca_s=.. cand_s=.. refine_s=.. wall_s=.. cpu_s=..
 *           recall=0.99947 sum=... */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "untangle/core/blas.h"
#include "untangle/embed/knn.h"
#include "untangle/embed/pca.h"
#include "bench_idx.h"

#define K 91 /* what t-SNE asks for at perplexity 30 */
#define CACHE_DIR "/tmp"

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int by_index(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* The exact neighbours (n, K), sorted by index in each row, from the cache or computed. */
static uint32_t *exact_neighbours(const float *x, size_t n, int all, int threads)
{
    char path[256];
    snprintf(path, sizeof path, CACHE_DIR "/untangle_knn_exact_%s_%zu_%d.bin", all ? "all" : "test", n, K);
    uint32_t *ie = malloc(n * K * sizeof(uint32_t));
    FILE *f = fopen(path, "rb");
    if (f) {
        size_t got = fread(ie, sizeof(uint32_t), n * K, f);
        fclose(f);
        if (got == n * K)
            return ie;
    }
    float *de = malloc(n * K * sizeof(float));
    Err e = {{0}, 0};
    if (knn_exact(x, n, 784, K, ie, de, threads, &e) != 0) {
        fprintf(stderr, "%s\n", e.msg);
        exit(1);
    }
    free(de);
    for (size_t i = 0; i < n; i++)
        qsort(ie + i * K, K, sizeof(uint32_t), by_index);
    f = fopen(path, "wb");
    if (f) {
        fwrite(ie, sizeof(uint32_t), n * K, f);
        fclose(f);
    }
    return ie;
}

static uint64_t fnv(uint64_t h, const void *p, size_t len)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < len; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

int main(int argc, char **argv)
{
    blas_choose_core(argv);
    if (argc < 2) {
        fprintf(stderr, "usage: %s N [threads [mnist_dir [test|all [repeats]]]]\n", argv[0]);
        return 2;
    }
    size_t n = strtoul(argv[1], NULL, 10);
    int threads = argc > 2 ? atoi(argv[2]) : 2;
    const char *dir = argc > 3 ? argv[3] : "data/mnist";
    int all = argc > 4 && strcmp(argv[4], "all") == 0;
    int repeats = argc > 5 ? atoi(argv[5]) : 1;
    size_t ilen = 0, tilen = 0;
    unsigned char *img = read_idx(dir, "t10k-images-idx3-ubyte", &ilen);
    unsigned char *timg = all ? read_idx(dir, "train-images-idx3-ubyte", &tilen) : NULL;
    size_t ntest = img && ilen > 16 ? (ilen - 16) / 784 : 0;
    size_t ntrain = timg && tilen > 16 ? (tilen - 16) / 784 : 0;
    if (!img || (all && !timg) || n > ntrain + ntest || n < K + 2) {
        fprintf(stderr, "cannot read %zu MNIST images from %s\n", n, dir);
        return 1;
    }
    float *x = malloc(n * 784 * sizeof(float));
    for (size_t i = 0; i < n; i++) {
        const unsigned char *src = i < ntrain ? timg + 16 + i * 784 : img + 16 + (i - ntrain) * 784;
        for (size_t c = 0; c < 784; c++)
            x[i * 784 + c] = src[c] / 255.0f;
    }
    uint32_t *ie = exact_neighbours(x, n, all, threads);
    uint32_t *ia = malloc(n * K * sizeof(uint32_t));
    float *da = malloc(n * K * sizeof(float));
    float *proj = malloc(n * KNN_APPROX_DIMS * sizeof(float));
    Err e = {{0}, 0};
    for (int rep = 0; rep < repeats; rep++) {
        double w0 = wall_now(), c0 = cpu_now();
        if (pca_project_cov(x, n, 784, KNN_APPROX_DIMS, proj, NULL, threads, &e) != 0) {
            fprintf(stderr, "%s\n", e.msg);
            return 1;
        }
        double t_pca = wall_now() - w0, c_pca = cpu_now() - c0;
        KnnApproxStats st;
        if (knn_approx_projected(x, n, 784, proj, KNN_APPROX_DIMS, K, ia, da, threads, &st, &e) != 0) {
            fprintf(stderr, "%s\n", e.msg);
            return 1;
        }
        double wall = wall_now() - w0, cpu = cpu_now() - c0;
        uint64_t h = fnv(0xcbf29ce484222325ull, ia, n * K * sizeof(uint32_t));
        h = fnv(h, da, n * K * sizeof(float));
        for (size_t i = 0; i < n; i++)
            h = fnv(h, proj + i * KNN_APPROX_DIMS, 2 * sizeof(float));
        size_t found = 0;
        for (size_t i = 0; i < n; i++)
            for (size_t a = 0; a < K; a++)
                found += bsearch(&ia[i * K + a], ie + i * K, K, sizeof(uint32_t), by_index) != NULL;
        printf("stage N=%zu threads=%d cand=%zu pca_s=%.3f (cpu %.3f) cand_s=%.3f refine_s=%.3f "
               "wall_s=%.3f cpu_s=%.3f recall=%.5f sum=%016llx\n",
               n, threads, st.candidates, t_pca, c_pca, st.seconds_candidates, st.seconds_refine,
               wall, cpu, (double)found / (double)(n * K), (unsigned long long)h);
    }
    free(x);
    free(ie);
    free(ia);
    free(da);
    free(proj);
    free(img);
    free(timg);
    return 0;
}
