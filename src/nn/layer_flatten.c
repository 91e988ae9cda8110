/* layer_flatten.c: (H, W, C) -> (H*W*C). Channels-last samples are already
 * stored in that order, so both ways are a copy. */
#include <stdio.h>
#include <string.h>

#include "untangle/core/i18n.h"
#include "untangle/nn/nn_layer.h"

static int flatten_out_shape(const NnLayerSpec *s, NnShape in, NnShape *out, Err *e)
{
    (void)s;
    size_t n = nn_shape_size(in);
    if (n > (size_t)NN_MAX_DIM)
        return err_set(e, _("flatten would give %zu values per sample; that is too many"), n);
    out->rank = 1;
    out->d[0] = (int)n;
    out->d[1] = out->d[2] = 0;
    return 0;
}

static void flatten_forward(NnLayer *l, NnScratch *s, const float *x, float *y, size_t n, int train)
{
    (void)s;
    (void)train;
    memcpy(y, x, n * nn_shape_size(l->in) * sizeof(float));
}

static void flatten_backward(NnLayer *l, NnScratch *s, const float *x, const float *y, float *dy,
                             float *dx, size_t n)
{
    (void)s;
    (void)x;
    (void)y;
    if (dx)
        memcpy(dx, dy, n * nn_shape_size(l->in) * sizeof(float));
}

const NnLayerOps nn_flatten_ops = {
    .about = {.name = "flatten", .keras = "Flatten", .prefix = "flatten",
              .summary = N_("(H, W, C) as one row of H*W*C values"), .v1_kind = 4},
    .out_shape = flatten_out_shape,
    .forward = flatten_forward,
    .backward = flatten_backward,
};
