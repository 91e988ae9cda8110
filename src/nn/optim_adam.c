/* optim_adam.c: Adam as Keras writes it: at step t (from 1),
 *   m <- m + (g - m) * (1 - beta_1)          (the mean of the gradients)
 *   v <- v + (g^2 - v) * (1 - beta_2)        (the mean of their squares)
 *   w <- w - lr * sqrt(1 - beta_2^t) / (1 - beta_1^t) * m / (sqrt(v) + epsilon)
 * with m and v starting at zero; Keras' defaults lr 0.001, beta_1 0.9,
 * beta_2 0.999, epsilon 1e-7. */
#include <math.h>

#include "untangle/core/i18n.h"
#include "untangle/nn/nn_optim.h"

static int adam_check(const NnOptimizer *o, Err *e)
{
    if (!(o->beta_1 < 1 && o->beta_2 < 1))
        return err_set(e, _("adam needs beta_1 and beta_2 below 1 (Keras: 0.9 and 0.999)"));
    return 0;
}

static void adam_update(const NnOptimizer *o, float *w, const float *g, float *state, size_t n,
                        uint64_t t)
{
    double step = (double)(t + 1);
    double alpha = o->lr * sqrt(1 - pow(o->beta_2, step)) / (1 - pow(o->beta_1, step));
    nn_adam_step(w, g, state, state + n, n, (float)alpha, (float)o->beta_1, (float)o->beta_2,
                 (float)o->epsilon);
}

static const Param adam_hyper[] = {
    {.name = "lr", .type = PARAM_REAL, .lo = 0, .lo_open = 1, .hi = 1e6, .def = "0.001",
     .help = N_("the learning rate"), .field = PARAM_AT(NnOptimizer, lr)},
    {.name = "beta_1", .type = PARAM_REAL, .lo = 0, .hi = 0.9999, .def = "0.9",
     .help = N_("decay of the mean of the gradients"), .field = PARAM_AT(NnOptimizer, beta_1)},
    {.name = "beta_2", .type = PARAM_REAL, .lo = 0, .hi = 0.999999, .def = "0.999",
     .help = N_("decay of the mean of their squares"), .field = PARAM_AT(NnOptimizer, beta_2)},
    {.name = "epsilon", .type = PARAM_REAL, .lo = 0, .lo_open = 1, .hi = 1, .def = "1e-07",
     .help = N_("added to sqrt(v), against division by zero"),
     .field = PARAM_AT(NnOptimizer, epsilon)},
    {0},
};

const NnOptimizerOps nn_adam_optimizer = {
    .about = {.name = "adam", .keras = "Adam",
              .summary = N_("adaptive moments: a step per weight from its gradients' history"),
              .help = N_("m and v follow the mean of the gradients and of their squares; each "
                      "weight moves by lr * m / sqrt(v), corrected for their start at zero."),
              .hyper = adam_hyper},
    .state_per_param = 2,
    .check = adam_check,
    .step = adam_update,
};
