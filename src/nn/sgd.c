/* sgd.c: the update loops of the optimisers (optim_*.c), each over the model's
 * one parameter block: plain SGD, momentum, Adam (see nn_optim.h), on the
 * vectorised kernels (untangle/nn/kernels.h: the same bits on every
 * instruction set). */
#include "untangle/nn/kernels.h"
#include "untangle/nn/nn_optim.h"

void nn_sgd_step(float *w, const float *g, size_t n, float lr) { nn_kernels()->sgd(w, g, n, lr); }

void nn_momentum_step(float *w, const float *g, float *v, size_t n, float lr, float mu,
                      int nesterov)
{
    nn_kernels()->momentum(w, g, v, n, lr, mu, nesterov);
}

void nn_adam_step(float *w, const float *g, float *m, float *v, size_t n, float alpha, float b1,
                  float b2, float eps)
{
    nn_kernels()->adam(w, g, m, v, n, alpha, b1, b2, eps);
}
