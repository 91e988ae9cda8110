/* layer_maxpool.c: max over ph x pw windows with stride (ph, pw), 'valid' as
 * Keras' MaxPooling2D: Hout = H / ph, Wout = W / pw (rounded down; the last
 * rows or columns that do not fill a window are dropped).
 *
 * Channels-last makes the inner loops run over C contiguous values: the
 * kernels (untangle/nn/kernels.h) take a vector of channels at a time. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "untangle/core/i18n.h"
#include "untangle/nn/kernels.h"
#include "untangle/nn/nn_layer.h"

static int maxpool_out_shape(const NnLayerSpec *s, NnShape in, NnShape *out, Err *e)
{
    char got[64];
    if (s->ph < 1 || s->pw < 1 || s->ph > NN_MAX_KERNEL || s->pw > NN_MAX_KERNEL)
        return err_set(e, _("bad pool size %dx%d (should be 1x1..%dx%d)"), s->ph, s->pw,
                       NN_MAX_KERNEL, NN_MAX_KERNEL);
    if (in.rank != 3)
        return err_set(e, _("maxpool expects images of shape (H, W, C), got %s; maxpool goes "
                          "after conv2d"), nn_shape_str(in, got, sizeof got));
    if (in.d[0] < s->ph || in.d[1] < s->pw)
        return err_set(e, _("maxpool %dx%d does not fit in input of shape %s; use a smaller pool"),
                       s->ph, s->pw, nn_shape_str(in, got, sizeof got));
    out->rank = 3;
    out->d[0] = in.d[0] / s->ph;
    out->d[1] = in.d[1] / s->pw;
    out->d[2] = in.d[2];
    return 0;
}

static NnPoolShape pool_shape(const NnLayer *l)
{
    NnPoolShape p = {(size_t)l->in.d[0], (size_t)l->in.d[1], (size_t)l->in.d[2],
                     (size_t)l->spec.ph, (size_t)l->spec.pw, (size_t)l->out.d[0],
                     (size_t)l->out.d[1]};
    return p;
}

/* y (n, Ho, Wo, C) = max over each window of x (n, H, W, C). In training, the
 * winning cell of each window (the first maximum, as TensorFlow) is kept as an
 * int32 (n, Ho, Wo, C) for backward. */
static void maxpool_forward(NnLayer *l, NnScratch *s, const float *x, float *y, size_t n, int train)
{
    const NnKernels *k = nn_kernels();
    NnPoolShape p = pool_shape(l);
    size_t in_img = p.H * p.W * p.C, out_img = p.Ho * p.Wo * p.C;
    int32_t *arg = train ? nn_layer_state(l, s, n * out_img * sizeof(int32_t)) : NULL;
    for (size_t i = 0; i < n; i++)
        k->maxpool(&p, x + i * in_img, y + i * out_img, arg ? arg + i * out_img : NULL);
}

/* dy goes to the winning cell of each window, every other cell gets 0; rows
 * and columns no window covers (odd sizes) get 0 too. */
static void maxpool_backward(NnLayer *l, NnScratch *s, const float *x, const float *y, float *dy,
                             float *dx, size_t n)
{
    (void)x;
    (void)y;
    if (!dx)
        return;
    const NnKernels *k = nn_kernels();
    NnPoolShape p = pool_shape(l);
    size_t in_img = p.H * p.W * p.C, out_img = p.Ho * p.Wo * p.C;
    const int32_t *arg = s->state[l->index];
    for (size_t i = 0; i < n; i++)
        k->maxpool_grad(&p, dy + i * out_img, arg + i * out_img, dx + i * in_img);
}

static const Param maxpool_fields[] = {
    {.name = "pool", .type = PARAM_DIMS, .place = PARAM_POS_OPT, .dims = 2, .hi = NN_MAX_KERNEL,
     .def = "2x2", .meta = N_("KxK"), .what = N_("pool size"), .help = N_("the pool size, also the stride"),
     .field = PARAM_AT(NnLayerSpec, ph)},
    {0},
};

const NnLayerOps nn_maxpool_ops = {
    .about = {.name = "maxpool", .keras = "MaxPooling2D", .prefix = "max_pooling2d",
              .summary = N_("the maximum of each pool (stride the pool, padding valid)"),
              .fields = maxpool_fields, .input_rank = 3, .v1_kind = 3},
    .out_shape = maxpool_out_shape,
    .forward = maxpool_forward,
    .backward = maxpool_backward,
};
