/* sgd.c: plain stochastic gradient descent, w <- w - lr * g, over the model's
 * one parameter block. */
#include "untangle/nn_layer.h"

void nn_sgd_step(float *w, const float *g, size_t n, float lr)
{
    for (size_t i = 0; i < n; i++)
        w[i] -= lr * g[i];
}
