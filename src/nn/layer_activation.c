/* layer_activation.c: y = f(x) elementwise (sigmoid, relu, tanh, linear), or
 * softmax over each sample's values. The derivative uses y only. */
#include <stdio.h>
#include <string.h>

#include "untangle/core/i18n.h"
#include "untangle/nn/nn_layer.h"

static int activation_out_shape(const NnLayerSpec *s, NnShape in, NnShape *out, Err *e)
{
    char got[64];
    if ((int)s->act < 0 || s->act >= NN_ACTS)
        return err_set(e, _("bad activation %d"), (int)s->act);
    if (s->act == NN_ACT_SOFTMAX && in.rank != 1)
        return err_set(e, _("softmax expects a flat input of shape (D), got %s; add `model add "
                          "flatten` first"), nn_shape_str(in, got, sizeof got));
    *out = in;
    return 0;
}

static void activation_forward(NnLayer *l, NnScratch *s, const float *x, float *y, size_t n,
                               int train)
{
    (void)s;
    (void)train;
    nn_act_forward(l->spec.act, x, y, n, nn_shape_size(l->in));
}

static void activation_backward(NnLayer *l, NnScratch *s, const float *x, const float *y,
                                float *dy, float *dx, size_t n)
{
    (void)s;
    (void)x;
    size_t dim = nn_shape_size(l->in);
    if (!dx)
        return;
    nn_act_backward(l->spec.act, y, dy, n, dim);
    memcpy(dx, dy, n * dim * sizeof(float));
}

static const Param activation_fields[] = {
    {.name = "function", .type = PARAM_CHOICE, .place = PARAM_POS, .choices = nn_act_names,
     .what = N_("activation"), .help = N_("the function"), .field = PARAM_AT(NnLayerSpec, act)},
    {0},
};

const NnLayerOps nn_activation_ops = {
    .about = {.name = "activation", .keras = "Activation", .prefix = "activation",
              .summary = N_("an activation function as a layer of its own"),
              .fields = activation_fields, .v1_kind = 1},
    .out_shape = activation_out_shape,
    .forward = activation_forward,
    .backward = activation_backward,
};
