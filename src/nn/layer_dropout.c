/* layer_dropout.c: Keras' Dropout(rate). In training each value is zeroed with
 * probability `rate` and the others are scaled by 1 / (1 - rate) (inverted
 * dropout), so that evaluate and predict, where the layer passes its input
 * through unchanged, see values of the same expectation. The draws come from the
 * shard's stream (NnScratch.rng), which the engine forks from the fit's seed for
 * each step and shard: the weights are the same for any thread count. */
#include <string.h>

#include "untangle/core/i18n.h"
#include "untangle/nn/nn_layer.h"

#define DROPOUT_MAX_RATE 0.99

static int dropout_out_shape(const NnLayerSpec *s, NnShape in, NnShape *out, Err *e)
{
    if (!(s->rate >= 0 && s->rate <= DROPOUT_MAX_RATE))
        return err_set(e, _("bad dropout rate %g (should be from 0 to %g)"), s->rate,
                       DROPOUT_MAX_RATE);
    *out = in;
    return 0;
}

/* Training: the mask (n, D), 0 or 1 / (1 - rate), is kept for backward. */
static void dropout_forward(NnLayer *l, NnScratch *s, const float *x, float *y, size_t n,
                            int train)
{
    size_t count = n * nn_shape_size(l->in);
    if (!train || l->spec.rate == 0) {
        if (y != x)
            memcpy(y, x, count * sizeof *y);
        return;
    }
    float *mask = nn_layer_state(l, s, count * sizeof *mask);
    float keep = (float)(1.0 / (1.0 - l->spec.rate));
    for (size_t i = 0; i < count; i++) {
        mask[i] = rng_uniform(&s->rng) < l->spec.rate ? 0.0f : keep;
        y[i] = x[i] * mask[i];
    }
}

static void dropout_backward(NnLayer *l, NnScratch *s, const float *x, const float *y, float *dy,
                             float *dx, size_t n)
{
    (void)x;
    (void)y;
    if (!dx)
        return;
    size_t count = n * nn_shape_size(l->in);
    if (l->spec.rate == 0) {
        memcpy(dx, dy, count * sizeof *dx);
        return;
    }
    const float *mask = s->state[l->index];
    for (size_t i = 0; i < count; i++)
        dx[i] = dy[i] * mask[i];
}

static const Param dropout_fields[] = {
    {.name = "rate", .type = PARAM_REAL, .place = PARAM_POS, .lo = 0, .hi = DROPOUT_MAX_RATE,
     .meta = N_("RATE"), .what = N_("dropout rate"),
     .help = N_("the fraction of values zeroed in training (0.5 drops half)"),
     .field = PARAM_AT(NnLayerSpec, rate)},
    {0},
};

const NnLayerOps nn_dropout_ops = {
    .about = {.name = "dropout", .keras = "Dropout", .prefix = "dropout",
              .summary = N_("zeroes a fraction RATE of the values in training (fit) only"),
              .fields = dropout_fields, .v1_kind = -1},
    .out_shape = dropout_out_shape,
    .forward = dropout_forward,
    .backward = dropout_backward,
};
