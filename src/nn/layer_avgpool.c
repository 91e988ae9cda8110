/* layer_avgpool.c: the mean over ph x pw windows with stride (ph, pw), 'valid'
 * as Keras' AveragePooling2D: Hout = H / ph, Wout = W / pw (rounded down; the
 * last rows or columns that do not fill a window are dropped). No parameters. */
#include <string.h>

#include "untangle/core/i18n.h"
#include "untangle/nn/nn_layer.h"

static int avgpool_out_shape(const NnLayerSpec *s, NnShape in, NnShape *out, Err *e)
{
    char got[64];
    if (s->ph < 1 || s->pw < 1 || s->ph > NN_MAX_KERNEL || s->pw > NN_MAX_KERNEL)
        return err_set(e, _("bad pool size %dx%d (should be 1x1..%dx%d)"), s->ph, s->pw,
                       NN_MAX_KERNEL, NN_MAX_KERNEL);
    if (in.rank != 3)
        return err_set(e, _("avgpool expects images of shape (H, W, C), got %s; avgpool goes "
                          "after conv2d"), nn_shape_str(in, got, sizeof got));
    if (in.d[0] < s->ph || in.d[1] < s->pw)
        return err_set(e, _("avgpool %dx%d does not fit in input of shape %s; use a smaller pool"),
                       s->ph, s->pw, nn_shape_str(in, got, sizeof got));
    *out = (NnShape){3, {in.d[0] / s->ph, in.d[1] / s->pw, in.d[2]}};
    return 0;
}

/* y (n, Ho, Wo, C) = the mean of each window of x (n, H, W, C); the loops over C
 * run over contiguous values. */
static void avgpool_forward(NnLayer *l, NnScratch *s, const float *x, float *y, size_t n,
                            int train)
{
    (void)s;
    (void)train;
    size_t H = (size_t)l->in.d[0], W = (size_t)l->in.d[1], C = (size_t)l->in.d[2];
    size_t Ho = (size_t)l->out.d[0], Wo = (size_t)l->out.d[1];
    size_t ph = (size_t)l->spec.ph, pw = (size_t)l->spec.pw;
    float scale = 1.0f / (float)(ph * pw);
    for (size_t i = 0; i < n; i++) {
        const float *xi = x + i * H * W * C;
        for (size_t oy = 0; oy < Ho; oy++)
            for (size_t ox = 0; ox < Wo; ox++) {
                float *restrict yo = y + ((i * Ho + oy) * Wo + ox) * C;
                memset(yo, 0, C * sizeof *yo);
                for (size_t ky = 0; ky < ph; ky++)
                    for (size_t kx = 0; kx < pw; kx++) {
                        const float *restrict cell = xi + ((oy * ph + ky) * W + ox * pw + kx) * C;
                        for (size_t c = 0; c < C; c++)
                            yo[c] += cell[c];
                    }
                for (size_t c = 0; c < C; c++)
                    yo[c] *= scale;
            }
    }
}

/* Each cell of a window gets dy / (ph * pw); cells no window covers get 0. */
static void avgpool_backward(NnLayer *l, NnScratch *s, const float *x, const float *y, float *dy,
                             float *dx, size_t n)
{
    (void)s;
    (void)x;
    (void)y;
    if (!dx)
        return;
    size_t H = (size_t)l->in.d[0], W = (size_t)l->in.d[1], C = (size_t)l->in.d[2];
    size_t Ho = (size_t)l->out.d[0], Wo = (size_t)l->out.d[1];
    size_t ph = (size_t)l->spec.ph, pw = (size_t)l->spec.pw;
    float scale = 1.0f / (float)(ph * pw);
    if (Ho * ph != H || Wo * pw != W)
        memset(dx, 0, n * H * W * C * sizeof(float));
    for (size_t i = 0; i < n; i++) {
        float *dxi = dx + i * H * W * C;
        for (size_t oy = 0; oy < Ho; oy++)
            for (size_t ox = 0; ox < Wo; ox++) {
                const float *restrict go = dy + ((i * Ho + oy) * Wo + ox) * C;
                for (size_t ky = 0; ky < ph; ky++)
                    for (size_t kx = 0; kx < pw; kx++) {
                        float *restrict d = dxi + ((oy * ph + ky) * W + ox * pw + kx) * C;
                        for (size_t c = 0; c < C; c++)
                            d[c] = go[c] * scale;
                    }
            }
    }
}

static const Param avgpool_fields[] = {
    {.name = "pool", .type = PARAM_DIMS, .place = PARAM_POS_OPT, .dims = 2, .hi = NN_MAX_KERNEL,
     .def = "2x2", .meta = N_("KxK"), .what = N_("pool size"), .help = N_("the pool size, also the stride"),
     .field = PARAM_AT(NnLayerSpec, ph)},
    {0},
};

const NnLayerOps nn_avgpool_ops = {
    .about = {.name = "avgpool", .keras = "AveragePooling2D", .prefix = "average_pooling2d",
              .summary = N_("the mean of each pool (stride the pool, padding valid)"),
              .fields = avgpool_fields, .input_rank = 3, .v1_kind = -1},
    .out_shape = avgpool_out_shape,
    .forward = avgpool_forward,
    .backward = avgpool_backward,
};
