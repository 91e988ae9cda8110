/* nn_optim.h: the optimiser interface inside the nn module.
 *
 * Each optimiser type is one file in src/nn/ (optim_sgd.c, optim_momentum.c,
 * optim_adam.c) that fills one NnOptimizerOps table, and one line of the
 * registry in optimizers.c. The table's head (NnOptimizerAbout, nn.h) names it
 * and describes its hyperparameters with Keras' names and defaults; `compile`,
 * help, completion and model files read that. Its step is a call to a plain loop
 * over the parameter block (sgd.c), kept apart so that it can be vectorised
 * without touching the registry. To add an optimiser: write optim_x.c defining
 * `const NnOptimizerOps nn_x_optimizer`, and add `TYPE(x)` in optimizers.c. */
#ifndef UNTANGLE_NN_OPTIM_H
#define UNTANGLE_NN_OPTIM_H

#include <stddef.h>
#include <stdint.h>
#include "untangle/nn/nn.h"

typedef struct NnOptimizerOps {
    NnOptimizerAbout about;
    size_t state_per_param;  /* floats of state per parameter: 0, 1 (velocity), 2 (m, v) */
    /* Checks the hyperparameters beyond their declared ranges; NULL: none to check. */
    int (*check)(const NnOptimizer *o, Err *e);
    /* One update of w (n) from its gradient g (n); state holds state_per_param
     * blocks of n floats; t is the number of steps done before this one. */
    void (*step)(const NnOptimizer *o, float *w, const float *g, float *state, size_t n,
                 uint64_t t);
} NnOptimizerOps;

extern const NnOptimizerOps *const nn_optimizer_types[];
const NnOptimizerOps *nn_optimizer_ops(const char *name);

/* The loops (sgd.c), each over n values. */
/* w -= lr * g */
void nn_sgd_step(float *w, const float *g, size_t n, float lr);
/* v = mu v - lr g; w += v, or with Nesterov w += mu v - lr g (Keras' SGD). */
void nn_momentum_step(float *w, const float *g, float *v, size_t n, float lr, float mu,
                      int nesterov);
/* m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2); w -= alpha m / (sqrt(v) + eps), where
 * alpha = lr sqrt(1 - b2^t) / (1 - b1^t) is computed by the caller (Keras' Adam). */
void nn_adam_step(float *w, const float *g, float *m, float *v, size_t n, float alpha, float b1,
                  float b2, float eps);

#endif
