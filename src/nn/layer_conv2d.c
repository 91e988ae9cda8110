/* layer_conv2d.c: 2-D convolution, stride 1, 'same' or 'valid' padding, with
 * its activation applied to the output as Keras' Conv2D(activation=...).
 *
 * Shapes (channels-last): x (n, H, W, C), y (n, Ho, Wo, F), kernel
 * (kh, kw, C, F) as Keras, bias (F). With K = kh * kw * C, a chunk of images
 * becomes one matrix product:
 *
 *   col (cn * Ho * Wo, K)   im2col: row (i, oy, ox) holds the input window
 *   y^T (F, cn * Ho * Wo) = kernel^T (F, K) col^T, then transposed to NHWC
 *
 * Backward, per chunk: dW^T += dz^T col, dcol = dz kernel^T, col2im(dcol) -> dx.
 * The batch goes through in chunks of images so that col stays in cache
 * instead of streaming a buffer of a whole batch (188 MB for 300 MNIST images
 * in the lab's second convolution) through memory on every pass. */
/* -O2 in GCC 12 vectorises only loops of known trip count; the loops over
 * channels and rows here have run-time lengths and are the hot path. */
#if !defined(__clang__)
#pragma GCC optimize("vect-cost-model=dynamic")
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "untangle/core/blas.h"
#include "untangle/nn/nn_layer.h"
#include "untangle/core/xalloc.h"

/* Bytes of im2col buffer a chunk aims at, and the chunk limits in images.
 * Measured on the lab CNN, one shard per core on 2 cores (engine.c): 2 MiB
 * (3 images in the second convolution, 26 in the first) trains 10% faster than
 * 8 MiB and 2-4% faster than 1 or 4 MiB. */
#define CONV_CHUNK_BYTES ((size_t)2 << 20)
#define CONV_CHUNK_MIN 2
#define CONV_CHUNK_MAX 32

static size_t out_dim(int in, int k, NnPadding p)
{
    return p == NN_PAD_SAME ? (size_t)in : (size_t)(in - k + 1);
}

static int conv_out_shape(const NnLayerSpec *s, NnShape in, NnShape *out, Err *e)
{
    char got[64];
    if (s->filters < 1 || s->filters > NN_MAX_DIM)
        return err_set(e, "bad conv2d filter count %d (should be 1..%d)", s->filters, NN_MAX_DIM);
    if (s->kh < 1 || s->kw < 1 || s->kh > NN_MAX_KERNEL || s->kw > NN_MAX_KERNEL)
        return err_set(e, "bad conv2d kernel %dx%d (should be 1x1..%dx%d)", s->kh, s->kw,
                       NN_MAX_KERNEL, NN_MAX_KERNEL);
    if (s->padding != NN_PAD_SAME && s->padding != NN_PAD_VALID)
        return err_set(e, "bad conv2d padding %d (should be same or valid)", (int)s->padding);
    if ((int)s->act < 0 || s->act >= NN_ACTS)
        return err_set(e, "bad conv2d activation %d", (int)s->act);
    if (s->act == NN_ACT_SOFTMAX)
        return err_set(e, "conv2d cannot carry softmax; use sigmoid, relu, tanh or linear, and "
                          "put softmax on the last dense layer");
    if (in.rank != 3)
        return err_set(e, "conv2d expects images of shape (H, W, C), got %s; give the first "
                          "layer `input 28x28x1`", nn_shape_str(in, got, sizeof got));
    if (s->padding == NN_PAD_VALID && (in.d[0] < s->kh || in.d[1] < s->kw))
        return err_set(e, "conv2d %dx%d 'valid' does not fit in input of shape %s; use `same` "
                          "or a smaller kernel", s->kh, s->kw, nn_shape_str(in, got, sizeof got));
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

/* Geometry of one layer, computed once per call. */
typedef struct Geo {
    size_t H, W, C, Ho, Wo, F, kh, kw, K, hw_out;
    long pt, pl; /* top and left padding: 'same' puts the odd extra at the bottom/right */
} Geo;

static Geo geometry(const NnLayer *l)
{
    Geo g;
    g.H = (size_t)l->in.d[0];
    g.W = (size_t)l->in.d[1];
    g.C = (size_t)l->in.d[2];
    g.Ho = (size_t)l->out.d[0];
    g.Wo = (size_t)l->out.d[1];
    g.F = (size_t)l->spec.filters;
    g.kh = (size_t)l->spec.kh;
    g.kw = (size_t)l->spec.kw;
    g.K = g.kh * g.kw * g.C;
    g.hw_out = g.Ho * g.Wo;
    g.pt = l->spec.padding == NN_PAD_SAME ? (long)(g.kh - 1) / 2 : 0;
    g.pl = l->spec.padding == NN_PAD_SAME ? (long)(g.kw - 1) / 2 : 0;
    return g;
}

static size_t chunk_images(const Geo *g, size_t n)
{
    size_t per_image = g->hw_out * g->K * sizeof(float);
    size_t c = CONV_CHUNK_BYTES / (per_image ? per_image : 1);
    if (c < CONV_CHUNK_MIN)
        c = CONV_CHUNK_MIN;
    if (c > CONV_CHUNK_MAX)
        c = CONV_CHUNK_MAX;
    return c < n ? c : n;
}

static size_t conv_scratch(const NnLayer *l, size_t n)
{
    Geo g = geometry(l);
    /* col and dcol: (m, K); forward also puts its (F, m) product in dcol */
    return chunk_images(&g, n) * g.hw_out * (g.K > g.F ? g.K : g.F);
}

typedef float v4f __attribute__((vector_size(16)));
typedef int v4i __attribute__((vector_size(16)));
/* Lane shuffle of two vectors: GCC and clang spell the builtin differently (the
 * fuzz targets are built with clang). */
#if defined(__clang__)
#define V4_SHUFFLE(a, b, i, j, k, l) __builtin_shufflevector(a, b, i, j, k, l)
#else
#define V4_SHUFFLE(a, b, i, j, k, l) __builtin_shuffle(a, b, (v4i){i, j, k, l})
#endif

/* y (m, F) = yt^T + b, yt (F, m): back to channels-last, 4 x 4 blocks at a
 * time through registers, in tiles of rows so that both sides stay in cache. */
static void untranspose_bias(const float *yt, const float *b, float *y, size_t m, size_t F)
{
    const size_t T = 64;
    size_t F4 = F & ~(size_t)3;
    for (size_t r0 = 0; r0 < m; r0 += T) {
        size_t r1 = r0 + T < m ? r0 + T : m, r4 = r0 + ((r1 - r0) & ~(size_t)3);
        for (size_t f = 0; f < F4; f += 4) {
            v4f bias = {b[f], b[f + 1], b[f + 2], b[f + 3]};
            for (size_t r = r0; r < r4; r += 4) {
                v4f a0, a1, a2, a3;
                memcpy(&a0, yt + f * m + r, sizeof a0);
                memcpy(&a1, yt + (f + 1) * m + r, sizeof a1);
                memcpy(&a2, yt + (f + 2) * m + r, sizeof a2);
                memcpy(&a3, yt + (f + 3) * m + r, sizeof a3);
                v4f t0 = V4_SHUFFLE(a0, a1, 0, 4, 1, 5);
                v4f t1 = V4_SHUFFLE(a0, a1, 2, 6, 3, 7);
                v4f t2 = V4_SHUFFLE(a2, a3, 0, 4, 1, 5);
                v4f t3 = V4_SHUFFLE(a2, a3, 2, 6, 3, 7);
                v4f o0 = V4_SHUFFLE(t0, t2, 0, 1, 4, 5) + bias;
                v4f o1 = V4_SHUFFLE(t0, t2, 2, 3, 6, 7) + bias;
                v4f o2 = V4_SHUFFLE(t1, t3, 0, 1, 4, 5) + bias;
                v4f o3 = V4_SHUFFLE(t1, t3, 2, 3, 6, 7) + bias;
                memcpy(y + r * F + f, &o0, sizeof o0);
                memcpy(y + (r + 1) * F + f, &o1, sizeof o1);
                memcpy(y + (r + 2) * F + f, &o2, sizeof o2);
                memcpy(y + (r + 3) * F + f, &o3, sizeof o3);
            }
            for (size_t r = r4; r < r1; r++)
                for (size_t k = 0; k < 4; k++)
                    y[r * F + f + k] = yt[(f + k) * m + r] + b[f + k];
        }
        for (size_t f = F4; f < F; f++)
            for (size_t r = r0; r < r1; r++)
                y[r * F + f] = yt[f * m + r] + b[f];
    }
}

/* Columns of the window that fall inside the image for output column ox:
 * [*lo, *hi) in kernel coordinates. */
static void kx_range(const Geo *g, size_t ox, size_t *lo, size_t *hi)
{
    long ix0 = (long)ox - g->pl;
    long a = ix0 < 0 ? -ix0 : 0;
    long b = (long)g->W - ix0;
    if (b > (long)g->kw)
        b = (long)g->kw;
    if (b < a)
        b = a;
    *lo = (size_t)a;
    *hi = (size_t)b;
}

/* dst[0..n) = src[0..n). Window rows are short for one channel (5 values for
 * a 5x5 kernel) and long for many (160 for 32 channels): short ones go as two
 * overlapping fixed-size copies, which compile to a few moves, where a call to
 * memcpy per window row would cost more than the copy. */
static inline void copy_row(float *restrict dst, const float *restrict src, size_t n)
{
    if (n > 16) {
        memcpy(dst, src, n * sizeof(float));
    } else if (n >= 8) {
        memcpy(dst, src, 8 * sizeof(float));
        memcpy(dst + n - 8, src + n - 8, 8 * sizeof(float));
    } else if (n >= 4) {
        memcpy(dst, src, 4 * sizeof(float));
        memcpy(dst + n - 4, src + n - 4, 4 * sizeof(float));
    } else {
        for (size_t j = 0; j < n; j++)
            dst[j] = src[j];
    }
}

/* dst[0..n) = 0, short rows as fixed-size stores for the same reason. */
static inline void zero_row(float *dst, size_t n)
{
    static const float zeros[8] = {0};
    if (n > 16) {
        memset(dst, 0, n * sizeof(float));
    } else if (n >= 8) {
        memcpy(dst, zeros, 8 * sizeof(float));
        memcpy(dst + n - 8, zeros, 8 * sizeof(float));
    } else if (n >= 4) {
        memcpy(dst, zeros, 4 * sizeof(float));
        memcpy(dst + n - 4, zeros, 4 * sizeof(float));
    } else {
        for (size_t j = 0; j < n; j++)
            dst[j] = 0.0f;
    }
}

/* col (cn * Ho * Wo, K) from x (cn, H, W, C). One window row of the kernel is
 * kw * C contiguous input values (channels-last), copied in one go. */
static void im2col(const Geo *g, const float *x, size_t cn, float *col)
{
    size_t seg = g->kw * g->C;
    for (size_t i = 0; i < cn; i++) {
        const float *xi = x + i * g->H * g->W * g->C;
        for (size_t oy = 0; oy < g->Ho; oy++)
            for (size_t ox = 0; ox < g->Wo; ox++) {
                float *row = col + ((i * g->Ho + oy) * g->Wo + ox) * g->K;
                size_t lo, hi;
                kx_range(g, ox, &lo, &hi);
                long ix0 = (long)ox - g->pl;
                for (size_t ky = 0; ky < g->kh; ky++) {
                    float *dst = row + ky * seg;
                    long iy = (long)(oy + ky) - g->pt;
                    if (iy < 0 || iy >= (long)g->H) {
                        zero_row(dst, seg);
                        continue;
                    }
                    const float *src = xi + ((size_t)iy * g->W + (size_t)(ix0 + (long)lo)) * g->C;
                    if (lo > 0)
                        zero_row(dst, lo * g->C);
                    copy_row(dst + lo * g->C, src, (hi - lo) * g->C);
                    if (hi < g->kw)
                        zero_row(dst + hi * g->C, (g->kw - hi) * g->C);
                }
            }
    }
}

/* dx (cn, H, W, C) += the windows of dcol (cn * Ho * Wo, K): the adjoint of im2col. */
static void col2im(const Geo *g, const float *dcol, size_t cn, float *dx)
{
    size_t seg = g->kw * g->C;
    for (size_t i = 0; i < cn; i++) {
        float *dxi = dx + i * g->H * g->W * g->C;
        for (size_t oy = 0; oy < g->Ho; oy++)
            for (size_t ox = 0; ox < g->Wo; ox++) {
                const float *row = dcol + ((i * g->Ho + oy) * g->Wo + ox) * g->K;
                size_t lo, hi;
                kx_range(g, ox, &lo, &hi);
                long ix0 = (long)ox - g->pl;
                for (size_t ky = 0; ky < g->kh; ky++) {
                    long iy = (long)(oy + ky) - g->pt;
                    if (iy < 0 || iy >= (long)g->H)
                        continue;
                    const float *restrict src = row + ky * seg + lo * g->C;
                    float *restrict dst = dxi + ((size_t)iy * g->W + (size_t)(ix0 + (long)lo)) * g->C;
                    size_t len = (hi - lo) * g->C;
                    for (size_t j = 0; j < len; j++)
                        dst[j] += src[j];
                }
            }
    }
}

static void conv_forward(NnLayer *l, NnScratch *s, const float *x, float *y, size_t n, int train)
{
    (void)train;
    Geo g = geometry(l);
    size_t chunk = chunk_images(&g, n);
    size_t in_img = g.H * g.W * g.C, out_img = g.hw_out * g.F;
    for (size_t i0 = 0; i0 < n; i0 += chunk) {
        size_t cn = n - i0 < chunk ? n - i0 : chunk;
        size_t m = cn * g.hw_out;
        float *yc = y + i0 * out_img; /* (m, F) */
        im2col(&g, x + i0 * in_img, cn, s->col);
        /* yt (F, m) = kernel^T (F, K) col^T (K, m): with the long side of the
         * product as its columns, OpenBLAS splits it well between threads
         * (measured: 150-160 GFLOP/s on 2 threads against 80-130 for col x kernel) */
        blas_sgemm(1, 1, g.F, m, g.K, 1.0f, l->w, g.F, s->col, g.K, 0.0f, s->dcol, m);
        untranspose_bias(s->dcol, l->b, yc, m, g.F);
        nn_act_forward(l->spec.act, yc, yc, m, g.F);
    }
}

/* dw (K, F) += dwt^T, dwt (F, K). */
static void add_transposed(float *restrict dw, const float *restrict dwt, size_t K, size_t F)
{
    for (size_t k = 0; k < K; k++)
        for (size_t f = 0; f < F; f++)
            dw[k * F + f] += dwt[f * K + k];
}

static void conv_backward(NnLayer *l, NnScratch *s, const float *x, const float *y, float *dy,
                          float *dx, size_t n)
{
    Geo g = geometry(l);
    size_t chunk = chunk_images(&g, n);
    size_t in_img = g.H * g.W * g.C, out_img = g.hw_out * g.F;
    /* dW^T (F, K), summed over the chunks, added to dW at the end */
    float *dwt = nn_layer_state(l, s, g.K * g.F * sizeof(float));
    memset(dwt, 0, g.K * g.F * sizeof(float));
    for (size_t i0 = 0; i0 < n; i0 += chunk) {
        size_t cn = n - i0 < chunk ? n - i0 : chunk;
        size_t m = cn * g.hw_out;
        float *dz = dy + i0 * out_img; /* (m, F): dL/d(pre-activation), in place */
        nn_act_backward(l->spec.act, y + i0 * out_img, dz, m, g.F);
        nn_sum_rows(nn_layer_db(l, s), dz, m, g.F);
        im2col(&g, x + i0 * in_img, cn, s->col);
        /* dW^T (F, K) += dz^T (F, m) col (m, K): the long side as columns again */
        blas_sgemm(1, 0, g.F, g.K, m, 1.0f, dz, g.F, s->col, g.K, 1.0f, dwt, g.K);
        if (dx) {
            /* dcol (m, K) = dz (m, F) kernel^T (F, K), then summed back into dx
             * (measured against dx as the convolution of dz with the turned
             * kernel: that one writes an im2col of dz twice as large, and lost) */
            blas_sgemm(0, 1, m, g.K, g.F, 1.0f, dz, g.F, l->w, g.F, 0.0f, s->dcol, g.K);
            float *dxc = dx + i0 * in_img;
            memset(dxc, 0, cn * in_img * sizeof(float));
            col2im(&g, s->dcol, cn, dxc);
        }
    }
    add_transposed(nn_layer_dw(l, s), dwt, g.K, g.F);
}

static const Param conv2d_fields[] = {
    {.name = "filters", .type = PARAM_INT, .place = PARAM_POS, .lo = 1, .hi = NN_MAX_DIM,
     .meta = "FILTERS", .what = "filter count", .help = "the number of filters",
     .field = PARAM_AT(NnLayerSpec, filters)},
    {.name = "kernel", .type = PARAM_DIMS, .place = PARAM_POS, .dims = 2, .hi = NN_MAX_KERNEL,
     .meta = "KxK", .what = "kernel size", .help = "the kernel size",
     .field = PARAM_AT(NnLayerSpec, kh)},
    {.name = "activation", .type = PARAM_CHOICE, .place = PARAM_BARE, .choices = nn_act_names,
     .def = "linear", .help = "its activation, part of the layer (as in the lab)",
     .field = PARAM_AT(NnLayerSpec, act)},
    {.name = "padding", .type = PARAM_CHOICE, .place = PARAM_BARE, .choices = nn_padding_names,
     .def = "valid", .help = "valid (no padding, Keras' default) or same",
     .field = PARAM_AT(NnLayerSpec, padding)},
    {0},
};

const NnLayerOps nn_conv2d_ops = {
    .about = {.name = "conv2d", .keras = "Conv2D", .prefix = "conv2d",
              .summary = "a 2-D convolution with stride 1, and its activation",
              .fields = conv2d_fields, .input_rank = 3, .v1_kind = 2},
    .out_shape = conv_out_shape,
    .param_count = conv_param_count,
    .init = conv_init,
    .scratch_floats = conv_scratch,
    .forward = conv_forward,
    .backward = conv_backward,
};
