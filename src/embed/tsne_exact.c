/* tsne_exact.c: the O(n^2) gradient: the oracle the tests hold Barnes-Hut against, and
 * the repulsion used when the angle is 0. */
#include <math.h>
#include <stdlib.h>

#include "tsne_internal.h"
#include "untangle/core/xalloc.h"

void tsne_exact_repulsion_range(const float *y, size_t n, double *rep, double *z, size_t b,
                                size_t e)
{
    for (size_t i = b; i < e; i++) {
        const float xi = y[2 * i], yi = y[2 * i + 1];
        double fx = 0, fy = 0, zi = 0;
        for (size_t j = 0; j < n; j++) {
            if (j == i)
                continue;
            float dx = xi - y[2 * j], dy = yi - y[2 * j + 1];
            float q = 1.0f / (1.0f + dx * dx + dy * dy);
            zi += q;
            fx += q * q * dx;
            fy += q * q * dy;
        }
        rep[2 * i] = fx;
        rep[2 * i + 1] = fy;
        z[i] = zi;
    }
}

void tsne_gradient_exact(const TsneSparseP *P, const float *y, double exaggeration,
                         double *grad, double *kl)
{
    size_t n = P->n;
    /* Z = sum over ordered pairs i != j of (1 + d_ij^2)^-1, all in double. */
    double zsum = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            if (i == j)
                continue;
            double dx = (double)y[2 * i] - y[2 * j], dy = (double)y[2 * i + 1] - y[2 * j + 1];
            zsum += 1.0 / (1.0 + dx * dx + dy * dy);
        }
    double total_kl = 0;
    for (size_t i = 0; i < n; i++) {
        double gx = 0, gy = 0;
        /* Repulsion: -sum_j q_ij^2 Z (y_i - y_j) / Z^2 written as w^2 / Z. */
        for (size_t j = 0; j < n; j++) {
            if (i == j)
                continue;
            double dx = (double)y[2 * i] - y[2 * j], dy = (double)y[2 * i + 1] - y[2 * j + 1];
            double w = 1.0 / (1.0 + dx * dx + dy * dy);
            gx -= w * w * dx / zsum;
            gy -= w * w * dy / zsum;
        }
        for (size_t t = P->rowptr[i]; t < P->rowptr[i + 1]; t++) {
            size_t j = P->col[t];
            double dx = (double)y[2 * i] - y[2 * j], dy = (double)y[2 * i + 1] - y[2 * j + 1];
            double w = 1.0 / (1.0 + dx * dx + dy * dy);
            double p = (double)P->val[t] * exaggeration;
            gx += p * w * dx;
            gy += p * w * dy;
            if (p > 0)
                total_kl += p * log(p / (w / zsum));
        }
        grad[2 * i] = 4.0 * gx;
        grad[2 * i + 1] = 4.0 * gy;
    }
    if (kl)
        *kl = total_kl;
}
