/* optim_momentum.c: SGD with momentum, as Keras' SGD(momentum=0.9, nesterov=...):
 * v <- momentum * v - lr * g, then w <- w + v, or with Nesterov's look-ahead
 * w <- w + momentum * v - lr * g. The velocity v starts at zero. */
#include "untangle/core/i18n.h"
#include "untangle/nn/nn_optim.h"

static void momentum_update(const NnOptimizer *o, float *w, const float *g, float *state,
                            size_t n, uint64_t t)
{
    (void)t;
    nn_momentum_step(w, g, state, n, (float)o->lr, (float)o->momentum, o->nesterov);
}

static const Param momentum_hyper[] = {
    {.name = "lr", .type = PARAM_REAL, .lo = 0, .lo_open = 1, .hi = 1e6, .def = "0.01",
     .help = N_("the learning rate"), .field = PARAM_AT(NnOptimizer, lr)},
    {.name = "momentum", .type = PARAM_REAL, .lo = 0, .hi = 0.9999, .def = "0.9",
     .help = N_("the share of the velocity kept from step to step"),
     .field = PARAM_AT(NnOptimizer, momentum)},
    {.name = "nesterov", .type = PARAM_FLAG, .help = N_("Nesterov's look-ahead"),
     .field = PARAM_AT(NnOptimizer, nesterov)},
    {0},
};

const NnOptimizerOps nn_momentum_optimizer = {
    .about = {.name = "momentum", .keras = "SGD",
              .summary = N_("gradient descent with momentum (Keras' SGD with momentum)"),
              .help = N_("v <- momentum * v - lr * gradient; w <- w + v (with nesterov: w <- w + "
                      "momentum * v - lr * gradient)."),
              .hyper = momentum_hyper},
    .state_per_param = 1,
    .step = momentum_update,
};
