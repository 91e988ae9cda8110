/* layer_conv2d.c: 2-D convolution, stride 1, 'same' or 'valid' padding, with
 * its activation applied to the output as Keras' Conv2D(activation=...).
 *
 * Shapes (channels-last): x (n, H, W, C), y (n, Ho, Wo, F), kernel
 * (kh, kw, C, F) as Keras, bias (F). The arithmetic is untangle's own
 * convolution kernels (untangle/nn/kernels.h), one image at a time:
 *
 *   forward   xt = x padded (HCW); y = bias + xt * kernel; y = act(y)
 *   backward  dz = dy * act'(y); db += sum of dz; dW += windows of xt x dz;
 *             dx = (dz padded) * (kernel turned by 180 degrees, C and F swapped)
 *
 * Measured against the former im2col + OpenBLAS sgemm on the lab CNN (AMD EPYC,
 * Zen 4): each direct kernel runs at 90-110% of sgemm's 1-thread speed, without
 * the im2col buffer (kh * kw times the image), and whatever core OpenBLAS
 * picked. A 5x5 kernel with 8 channels and 8 filters or more (the lab's second
 * convolution) runs the three passes by Winograd instead (x padded
 * channels-last, the kernel and its gradient transformed once per batch):
 * there the same passes take about half the time (bench/conv_driver.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "untangle/core/i18n.h"
#include "untangle/nn/kernels.h"
#include "untangle/nn/nn_layer.h"
#include "untangle/core/xalloc.h"

static size_t out_dim(int in, int k, NnPadding p)
{
    return p == NN_PAD_SAME ? (size_t)in : (size_t)(in - k + 1);
}

static int conv_out_shape(const NnLayerSpec *s, NnShape in, NnShape *out, Err *e)
{
    char got[64];
    if (s->filters < 1 || s->filters > NN_MAX_DIM)
        return err_set(e, _("bad conv2d filter count %d (should be 1..%d)"), s->filters, NN_MAX_DIM);
    if (s->kh < 1 || s->kw < 1 || s->kh > NN_MAX_KERNEL || s->kw > NN_MAX_KERNEL)
        return err_set(e, _("bad conv2d kernel %dx%d (should be 1x1..%dx%d)"), s->kh, s->kw,
                       NN_MAX_KERNEL, NN_MAX_KERNEL);
    if (s->padding != NN_PAD_SAME && s->padding != NN_PAD_VALID)
        return err_set(e, _("bad conv2d padding %d (should be same or valid)"), (int)s->padding);
    if ((int)s->act < 0 || s->act >= NN_ACTS)
        return err_set(e, _("bad conv2d activation %d"), (int)s->act);
    if (s->act == NN_ACT_SOFTMAX)
        return err_set(e, _("conv2d cannot carry softmax; use sigmoid, relu, tanh or linear, and "
                          "put softmax on the last dense layer"));
    if (in.rank != 3)
        return err_set(e, _("conv2d expects images of shape (H, W, C), got %s; give the first "
                          "layer `input 28x28x1`"), nn_shape_str(in, got, sizeof got));
    if (s->padding == NN_PAD_VALID && (in.d[0] < s->kh || in.d[1] < s->kw))
        return err_set(e, _("conv2d %dx%d 'valid' does not fit in input of shape %s; use `same` "
                          "or a smaller kernel"), s->kh, s->kw, nn_shape_str(in, got, sizeof got));
    out->rank = 3;
    out->d[0] = (int)out_dim(in.d[0], s->kh, s->padding);
    out->d[1] = (int)out_dim(in.d[1], s->kw, s->padding);
    out->d[2] = s->filters;
    return 0;
}

static int conv_param_count(const NnLayerSpec *s, NnShape in, size_t *weights, size_t *biases)
{
    size_t a;
    *biases = (size_t)s->filters;
    return size_mul((size_t)s->kh * (size_t)s->kw, (size_t)in.d[2], &a) != 0 ? -1
           : size_mul(a, (size_t)s->filters, weights);
}

static void conv_init(NnLayer *l, Rng *r)
{
    size_t area = (size_t)l->spec.kh * (size_t)l->spec.kw;
    nn_glorot_uniform(l->w, l->n_weights, area * (size_t)l->in.d[2],
                      area * (size_t)l->spec.filters, r);
    memset(l->b, 0, l->n_biases * sizeof(float));
}

/* The layer's convolution: its shapes and padding, and whether it runs on the
 * Winograd kernels (then w and wt are their shapes for s and t). */
typedef struct Conv {
    NnConvShape s;      /* forward: padded x -> y */
    NnConvShape t;      /* backward: padded dz -> dx */
    size_t H, W, top, left;
    int wino;
    NnWino w, wt;
} Conv;

static Conv conv_of(const NnLayer *l)
{
    Conv c;
    c.H = (size_t)l->in.d[0];
    c.W = (size_t)l->in.d[1];
    size_t kh = (size_t)l->spec.kh, kw = (size_t)l->spec.kw;
    int same = l->spec.padding == NN_PAD_SAME;
    c.s = nn_conv_shape(c.H, c.W, (size_t)l->in.d[2], kh, kw, (size_t)l->spec.filters, same);
    c.t = nn_conv_shape_turned(&c.s, c.H, c.W);
    /* 'same' puts the odd extra at the bottom/right, as Keras */
    c.top = same ? (kh - 1) / 2 : 0;
    c.left = same ? (kw - 1) / 2 : 0;
    c.wino = nn_wino_fits(&c.s);
    c.w = nn_wino(&c.s);
    c.wt = nn_wino(&c.t);
    return c;
}

static size_t packed_floats(const NnConvShape *s) { return s->kh * s->kw * s->C * s->Fp; }
static size_t padded_floats(const NnConvShape *s) { return s->Hp * s->Wp * s->C; }
static size_t max2(size_t a, size_t b) { return a > b ? a : b; }

/* col holds one padded image (x or dz), then with Winograd the kernels' work
 * buffer; dcol the packed or transformed kernel (and bias). */
static size_t conv_scratch(const NnLayer *l, size_t n)
{
    (void)n;
    Conv c = conv_of(l);
    size_t col, dcol;
    if (c.wino) {
        col = max2(nn_wino_input_floats(&c.w), nn_wino_input_floats(&c.wt)) +
              max2(nn_wino_work_floats(&c.w), nn_wino_work_floats(&c.wt));
        dcol = max2(nn_wino_kernel_floats(&c.w), nn_wino_kernel_floats(&c.wt));
    } else {
        col = max2(padded_floats(&c.s), padded_floats(&c.t));
        dcol = max2(packed_floats(&c.s) + c.s.Fp, packed_floats(&c.t));
    }
    return max2(col, dcol);
}

static void conv_forward(NnLayer *l, NnScratch *s, const float *x, float *y, size_t n, int train)
{
    (void)train;
    const NnKernels *k = nn_kernels();
    Conv c = conv_of(l);
    size_t in_img = c.H * c.W * c.s.C, out_img = c.s.Ho * c.s.Wo * c.s.F;
    float *wp = s->dcol, *bp = s->dcol + packed_floats(&c.s);
    float *work = s->col + max2(nn_wino_input_floats(&c.w), nn_wino_input_floats(&c.wt));
    if (c.wino)
        nn_wino_pack(&c.w, l->w, 0, wp);
    else
        nn_conv_pack(&c.s, l->w, l->b, wp, bp);
    for (size_t i = 0; i < n; i++) {
        float *yi = y + i * out_img;
        if (c.wino) {
            nn_wino_pad(&c.w, x + i * in_img, c.H, c.W, c.top, c.left, s->col);
            k->conv_wino(&c.w, s->col, wp, l->b, yi, work);
        } else {
            nn_conv_pad(&c.s, x + i * in_img, c.H, c.W, c.top, c.left, s->col);
            k->conv(&c.s, s->col, wp, bp, yi);
        }
        /* while the image's output is still in cache */
        nn_act_forward(l->spec.act, yi, yi, c.s.Ho * c.s.Wo, c.s.F);
    }
}

static void conv_backward(NnLayer *l, NnScratch *s, const float *x, const float *y, float *dy,
                          float *dx, size_t n)
{
    const NnKernels *k = nn_kernels();
    Conv c = conv_of(l);
    size_t in_img = c.H * c.W * c.s.C, hw_out = c.s.Ho * c.s.Wo, out_img = hw_out * c.s.F;
    size_t dtop = c.s.kh - 1 - c.top, dleft = c.s.kw - 1 - c.left;
    /* dW packed (kh, C, kw, Fp) or transformed (36, C, Fp), summed over the
     * images, added to dW at the end */
    size_t dwn = c.wino ? nn_wino_kernel_floats(&c.w) : packed_floats(&c.s);
    float *dwp = nn_layer_state(l, s, dwn * sizeof(float));
    float *work = s->col + max2(nn_wino_input_floats(&c.w), nn_wino_input_floats(&c.wt));
    memset(dwp, 0, dwn * sizeof(float));
    if (dx && c.wino)
        nn_wino_pack(&c.wt, l->w, 1, s->dcol);
    else if (dx)
        nn_conv_pack_turned(&c.s, &c.t, l->w, s->dcol);
    for (size_t i = 0; i < n; i++) {
        float *dz = dy + i * out_img; /* (Ho, Wo, F): dL/d(pre-activation), in place */
        nn_act_backward(l->spec.act, y + i * out_img, dz, hw_out, c.s.F);
        nn_sum_rows(nn_layer_db(l, s), dz, hw_out, c.s.F);
        if (c.wino) {
            nn_wino_pad(&c.w, x + i * in_img, c.H, c.W, c.top, c.left, s->col);
            k->conv_wino_wgrad(&c.w, s->col, dz, dwp, work);
            if (dx) {
                nn_wino_pad(&c.wt, dz, c.s.Ho, c.s.Wo, dtop, dleft, s->col);
                k->conv_wino(&c.wt, s->col, s->dcol, NULL, dx + i * in_img, work);
            }
            continue;
        }
        nn_conv_pad(&c.s, x + i * in_img, c.H, c.W, c.top, c.left, s->col);
        k->conv_wgrad(&c.s, s->col, dz, dwp);
        if (dx) {
            nn_conv_pad(&c.t, dz, c.s.Ho, c.s.Wo, dtop, dleft, s->col);
            k->conv(&c.t, s->col, s->dcol, NULL, dx + i * in_img);
        }
    }
    if (c.wino)
        nn_wino_unpack_add(&c.w, dwp, nn_layer_dw(l, s));
    else
        nn_conv_unpack_add(&c.s, dwp, nn_layer_dw(l, s));
}

static const Param conv2d_fields[] = {
    {.name = "filters", .type = PARAM_INT, .place = PARAM_POS, .lo = 1, .hi = NN_MAX_DIM,
     .meta = N_("FILTERS"), .what = N_("filter count"), .help = N_("the number of filters"),
     .field = PARAM_AT(NnLayerSpec, filters)},
    {.name = "kernel", .type = PARAM_DIMS, .place = PARAM_POS, .dims = 2, .hi = NN_MAX_KERNEL,
     .meta = N_("KxK"), .what = N_("kernel size"), .help = N_("the kernel size"),
     .field = PARAM_AT(NnLayerSpec, kh)},
    {.name = "activation", .type = PARAM_CHOICE, .place = PARAM_BARE, .choices = nn_act_names,
     .def = "linear", .help = N_("its activation, part of the layer (as in the lab)"),
     .field = PARAM_AT(NnLayerSpec, act)},
    {.name = "padding", .type = PARAM_CHOICE, .place = PARAM_BARE, .choices = nn_padding_names,
     .def = "valid", .help = N_("valid (no padding, Keras' default) or same"),
     .field = PARAM_AT(NnLayerSpec, padding)},
    {0},
};

const NnLayerOps nn_conv2d_ops = {
    .about = {.name = "conv2d", .keras = "Conv2D", .prefix = "conv2d",
              .summary = N_("a 2-D convolution with stride 1, and its activation"),
              .fields = conv2d_fields, .input_rank = 3, .v1_kind = 2},
    .out_shape = conv_out_shape,
    .param_count = conv_param_count,
    .init = conv_init,
    .scratch_floats = conv_scratch,
    .forward = conv_forward,
    .backward = conv_backward,
};
