/* layer_maxpool.c: max over ph x pw windows with stride (ph, pw), 'valid' as
 * Keras' MaxPooling2D: Hout = H / ph, Wout = W / pw (rounded down; the last
 * rows or columns that do not fill a window are dropped).
 *
 * Channels-last makes the inner loops run over C contiguous values. */
/* -O2 in GCC 12 vectorises only loops of known trip count; the loops over
 * channels and rows here have run-time lengths and are the hot path. */
#pragma GCC optimize("vect-cost-model=dynamic")
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "untangle/nn/nn_layer.h"

static int maxpool_out_shape(const NnLayerSpec *s, NnShape in, NnShape *out, Err *e)
{
    char got[64];
    if (s->ph < 1 || s->pw < 1 || s->ph > NN_MAX_KERNEL || s->pw > NN_MAX_KERNEL)
        return err_set(e, "bad pool size %dx%d (should be 1x1..%dx%d)", s->ph, s->pw,
                       NN_MAX_KERNEL, NN_MAX_KERNEL);
    if (in.rank != 3)
        return err_set(e, "maxpool expects images of shape (H, W, C), got %s; maxpool goes "
                          "after conv2d", nn_shape_str(in, got, sizeof got));
    if (in.d[0] < s->ph || in.d[1] < s->pw)
        return err_set(e, "maxpool %dx%d does not fit in input of shape %s; use a smaller pool",
                       s->ph, s->pw, nn_shape_str(in, got, sizeof got));
    out->rank = 3;
    out->d[0] = in.d[0] / s->ph;
    out->d[1] = in.d[1] / s->pw;
    out->d[2] = in.d[2];
    return 0;
}

/* y (n, Ho, Wo, C) = max over each window of x (n, H, W, C). In training, the
 * winning cell of each window (the first maximum, as TensorFlow) is kept as an
 * int32 (n, Ho, Wo, C) for backward. Comparisons select instead of branching,
 * so the loops over channels vectorise. */
static void maxpool_forward(NnLayer *l, NnScratch *s, const float *x, float *y, size_t n, int train)
{
    size_t H = (size_t)l->in.d[0], W = (size_t)l->in.d[1], C = (size_t)l->in.d[2];
    size_t Ho = (size_t)l->out.d[0], Wo = (size_t)l->out.d[1];
    size_t ph = (size_t)l->spec.ph, pw = (size_t)l->spec.pw;
    int32_t *arg = train ? nn_layer_state(l, s, n * Ho * Wo * C * sizeof(int32_t)) : NULL;
    for (size_t i = 0; i < n; i++) {
        const float *xi = x + i * H * W * C;
        for (size_t oy = 0; oy < Ho; oy++)
            for (size_t ox = 0; ox < Wo; ox++) {
                size_t o = ((i * Ho + oy) * Wo + ox) * C;
                float *restrict yo = y + o;
                const float *first = xi + ((oy * ph) * W + ox * pw) * C;
                for (size_t c = 0; c < C; c++)
                    yo[c] = first[c];
                if (arg) {
                    int32_t *restrict ao = arg + o;
                    for (size_t c = 0; c < C; c++)
                        ao[c] = 0;
                    for (size_t ky = 0; ky < ph; ky++)
                        for (size_t kx = 0; kx < pw; kx++) {
                            const float *restrict cell =
                                xi + ((oy * ph + ky) * W + ox * pw + kx) * C;
                            int32_t k = (int32_t)(ky * pw + kx);
                            for (size_t c = 0; c < C; c++) {
                                float v = cell[c], cur = yo[c];
                                int32_t a = ao[c];
                                /* a mask select, which GCC vectorises */
                                int32_t gt = -(int32_t)(v > cur);
                                ao[c] = (k & gt) | (a & ~gt);
                                yo[c] = v > cur ? v : cur;
                            }
                        }
                } else {
                    for (size_t ky = 0; ky < ph; ky++)
                        for (size_t kx = 0; kx < pw; kx++) {
                            const float *restrict cell =
                                xi + ((oy * ph + ky) * W + ox * pw + kx) * C;
                            for (size_t c = 0; c < C; c++) {
                                float v = cell[c], cur = yo[c];
                                yo[c] = v > cur ? v : cur;
                            }
                        }
                }
            }
    }
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
    size_t H = (size_t)l->in.d[0], W = (size_t)l->in.d[1], C = (size_t)l->in.d[2];
    size_t Ho = (size_t)l->out.d[0], Wo = (size_t)l->out.d[1];
    size_t pw = (size_t)l->spec.pw, ph = (size_t)l->spec.ph;
    const int32_t *arg = s->state[l->index];
    if (Ho * ph != H || Wo * pw != W)
        memset(dx, 0, n * H * W * C * sizeof(float));
    for (size_t i = 0; i < n; i++) {
        float *dxi = dx + i * H * W * C;
        for (size_t oy = 0; oy < Ho; oy++)
            for (size_t ox = 0; ox < Wo; ox++) {
                size_t o = ((i * Ho + oy) * Wo + ox) * C;
                const float *restrict go = dy + o;
                const int32_t *restrict ao = arg + o;
                for (size_t ky = 0; ky < ph; ky++)
                    for (size_t kx = 0; kx < pw; kx++) {
                        float *restrict d = dxi + ((oy * ph + ky) * W + ox * pw + kx) * C;
                        int32_t k = (int32_t)(ky * pw + kx);
                        for (size_t c = 0; c < C; c++) {
                            float g = go[c];
                            d[c] = ao[c] == k ? g : 0.0f;
                        }
                    }
            }
    }
}

static const Param maxpool_fields[] = {
    {.name = "pool", .type = PARAM_DIMS, .place = PARAM_POS_OPT, .dims = 2, .hi = NN_MAX_KERNEL,
     .def = "2x2", .meta = "KxK", .what = "pool size", .help = "the pool size, also the stride",
     .field = PARAM_AT(NnLayerSpec, ph)},
    {0},
};

const NnLayerOps nn_maxpool_ops = {
    .about = {.name = "maxpool", .keras = "MaxPooling2D", .prefix = "max_pooling2d",
              .summary = "the maximum of each pool (stride the pool, padding valid)",
              .fields = maxpool_fields, .input_rank = 3, .v1_kind = 3},
    .out_shape = maxpool_out_shape,
    .forward = maxpool_forward,
    .backward = maxpool_backward,
};
