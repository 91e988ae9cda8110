/* tsne_fixtures.h: what the t-SNE suites share: captured progress lines, clustered
 * data, P of such data through the real steps, Neighborhood Hit and error measures. */
#ifndef UNTANGLE_TSNE_FIXTURES_H
#define UNTANGLE_TSNE_FIXTURES_H

#include <stdint.h>

#include "testutil.h"
#include "untangle/core/interrupt.h"
#include "untangle/core/rng.h"
#include "untangle/embed/knn.h"
#include "untangle/embed/tsne.h"

/* ---- fixtures and helpers ---- */

#define MAX_LINES 256

typedef struct Lines {
    int count;
    char *line[MAX_LINES];
    const char *interrupt_at; /* sets the Ctrl-C flag when a line starts with this */
} Lines;

static inline void keep_line(void *ctx, const char *line)
{
    Lines *l = ctx;
    if (l->count < MAX_LINES)
        l->line[l->count++] = strdup(line);
    if (l->interrupt_at && strncmp(line, l->interrupt_at, strlen(l->interrupt_at)) == 0)
        interrupt_flag = 1;
}

static inline void lines_free(Lines *l)
{
    for (int i = 0; i < l->count; i++)
        free(l->line[i]);
    l->count = 0;
}

static inline int lines_find(const Lines *l, const char *prefix)
{
    for (int i = 0; i < l->count; i++)
        if (strncmp(l->line[i], prefix, strlen(prefix)) == 0)
            return i;
    return -1;
}

/* Gaussian clusters of the given sizes in d dimensions, centres far apart.
 * x (n, d) and labels (n) are allocated. */
static inline float *clusters(const int *sizes, int nc, size_t d, uint64_t seed, size_t *n_out,
                       int **labels)
{
    size_t n = 0;
    for (int c = 0; c < nc; c++)
        n += (size_t)sizes[c];
    float *x = malloc(n * d * sizeof(float));
    double *centre = malloc((size_t)nc * d * sizeof(double));
    *labels = malloc(n * sizeof(int));
    Rng r;
    rng_seed(&r, seed);
    for (size_t t = 0; t < (size_t)nc * d; t++)
        centre[t] = 12.0 * rng_normal(&r);
    /* Interleave the clusters, so that indices say nothing of the labels. */
    int left[16];
    memcpy(left, sizes, (size_t)nc * sizeof(int));
    for (size_t i = 0; i < n; i++) {
        int c = (int)(i % (size_t)nc);
        while (left[c] == 0)
            c = (c + 1) % nc;
        left[c]--;
        (*labels)[i] = c;
        for (size_t k = 0; k < d; k++)
            x[i * d + k] = (float)(centre[(size_t)c * d + k] + rng_normal(&r));
    }
    free(centre);
    *n_out = n;
    return x;
}

/* Neighborhood Hit: mean share of each point's k nearest others with its label. */
static inline double neighborhood_hit(const float *y, const int *lab, size_t n, int k)
{
    double total = 0, bd[16];
    size_t bi[16];
    for (size_t i = 0; i < n; i++) {
        int have = 0;
        for (size_t j = 0; j < n; j++) {
            if (j == i)
                continue;
            double dx = (double)y[2 * i] - y[2 * j], dy = (double)y[2 * i + 1] - y[2 * j + 1];
            double dd = dx * dx + dy * dy;
            if (have == k && dd >= bd[k - 1])
                continue;
            int pos = have < k ? have++ : k - 1;
            while (pos > 0 && bd[pos - 1] > dd) {
                bd[pos] = bd[pos - 1];
                bi[pos] = bi[pos - 1];
                pos--;
            }
            bd[pos] = dd;
            bi[pos] = j;
        }
        int hits = 0;
        for (int t = 0; t < k; t++)
            hits += lab[bi[t]] == lab[i];
        total += (double)hits / k;
    }
    return total / (double)n;
}

static inline int all_finite(const float *v, size_t m)
{
    for (size_t i = 0; i < m; i++)
        if (!isfinite(v[i]))
            return 0;
    return 1;
}

/* P of random clustered data through the real steps (kNN, perplexity, symmetrise). */
static inline void make_p(size_t n, double perplexity, uint64_t seed, TsneSparseP *P)
{
    int sizes[3] = {(int)(n / 3), (int)(n / 3), (int)(n - 2 * (n / 3))};
    int *lab;
    size_t nn;
    float *x = clusters(sizes, 3, 13, seed, &nn, &lab);
    size_t k = tsne_neighbours(n, perplexity);
    uint32_t *nbr = malloc(n * k * sizeof(uint32_t));
    float *dist = malloc(n * k * sizeof(float));
    double *pc = malloc(n * k * sizeof(double));
    Err e = {{0}, 0};
    ck_assert_int_eq(knn_exact(x, n, 13, k, nbr, dist, 2, &e), 0);
    ck_assert_int_eq(tsne_conditional_p(dist, n, k, perplexity, pc, NULL, 1, NULL, NULL, &e), 0);
    tsne_joint_p(nbr, pc, n, k, P);
    free(x);
    free(lab);
    free(nbr);
    free(dist);
    free(pc);
}

static inline double rel_error(const double *a, const double *ref, size_t m)
{
    double num = 0, den = 0;
    for (size_t i = 0; i < m; i++) {
        num += (a[i] - ref[i]) * (a[i] - ref[i]);
        den += ref[i] * ref[i];
    }
    return sqrt(num / den);
}

#endif
