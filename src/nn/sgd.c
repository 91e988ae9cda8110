/* sgd.c: plain stochastic gradient descent, w <- w - lr * g, over the model's
 * one parameter block, on the vectorised kernels (the same bits on every
 * instruction set). */
#include "untangle/nn/kernels.h"
#include "untangle/nn/nn_layer.h"

void nn_sgd_step(float *w, const float *g, size_t n, float lr) { nn_kernels()->sgd(w, g, n, lr); }
