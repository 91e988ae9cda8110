/* sgd.c: plain stochastic gradient descent, w <- w - lr * g, over the model's
 * one parameter block. */
/* -O2 in GCC 12 vectorises only loops of known trip count; the loops over
 * channels and rows here have run-time lengths and are the hot path. */
#pragma GCC optimize("vect-cost-model=dynamic")
#include "untangle/nn/nn_layer.h"

void nn_sgd_step(float *w, const float *g, size_t n, float lr)
{
    for (size_t i = 0; i < n; i++)
        w[i] -= lr * g[i];
}
