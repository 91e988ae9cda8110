/* sgd.c: the update loops of the optimisers (optim_*.c), each over the model's
 * one parameter block: plain SGD, momentum, Adam (see nn_optim.h). */
/* -O2 in GCC 12 vectorises only loops of known trip count; the loops over
 * channels and rows here have run-time lengths and are the hot path. */
#pragma GCC optimize("vect-cost-model=dynamic")
#include <math.h>

#include "untangle/nn/nn_optim.h"

void nn_sgd_step(float *w, const float *g, size_t n, float lr)
{
    for (size_t i = 0; i < n; i++)
        w[i] -= lr * g[i];
}

void nn_momentum_step(float *w, const float *g, float *v, size_t n, float lr, float mu,
                      int nesterov)
{
    if (nesterov) {
        for (size_t i = 0; i < n; i++) {
            v[i] = mu * v[i] - lr * g[i];
            w[i] += mu * v[i] - lr * g[i];
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            v[i] = mu * v[i] - lr * g[i];
            w[i] += v[i];
        }
    }
}

void nn_adam_step(float *w, const float *g, float *m, float *v, size_t n, float alpha, float b1,
                  float b2, float eps)
{
    for (size_t i = 0; i < n; i++) {
        m[i] += (g[i] - m[i]) * (1 - b1);
        v[i] += (g[i] * g[i] - v[i]) * (1 - b2);
        w[i] -= alpha * m[i] / (sqrtf(v[i]) + eps);
    }
}
