/* optim_sgd.c: stochastic gradient descent, w <- w - lr * g (Keras' SGD without
 * momentum; Keras' default lr is 0.01, the lab gives 0.5). */
#include "untangle/core/i18n.h"
#include "untangle/nn/nn_optim.h"

static void sgd_update(const NnOptimizer *o, float *w, const float *g, float *state, size_t n,
                       uint64_t t)
{
    (void)state;
    (void)t;
    nn_sgd_step(w, g, n, (float)o->lr);
}

static const Param sgd_hyper[] = {
    {.name = "lr", .type = PARAM_REAL, .lo = 0, .lo_open = 1, .hi = 1e6, .def = "0.01",
     .help = N_("the learning rate (the lab's 0.5)"), .field = PARAM_AT(NnOptimizer, lr)},
    {0},
};

const NnOptimizerOps nn_sgd_optimizer = {
    .about = {.name = "sgd", .keras = "SGD", .summary = N_("plain gradient descent"),
              .help = N_("w <- w - lr * gradient."), .hyper = sgd_hyper},
    .step = sgd_update,
};
