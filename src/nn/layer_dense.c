/* layer_dense.c: fully connected layer, y = x W + b.
 *
 * W is (in, units) row-major as Keras' kernel, b is (units). A batch is one
 * sgemm each way: forward (n, in) x (in, units); backward dW = x^T dy and
 * dx = dy W^T. */
/* -O2 in GCC 12 vectorises only loops of known trip count; the loops over
 * channels and rows here have run-time lengths and are the hot path. Clang
 * has no such pragma (and vectorises them at -O2). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("vect-cost-model=dynamic")
#endif
#include <stdio.h>
#include <string.h>

#include "untangle/core/i18n.h"
#include "untangle/core/blas.h"
#include "untangle/nn/nn_layer.h"
#include "untangle/core/xalloc.h"

static int dense_out_shape(const NnLayerSpec *s, NnShape in, NnShape *out, Err *e)
{
    char got[64];
    if (s->units < 1 || s->units > NN_MAX_DIM)
        return err_set(e, _("bad dense size %d (should be 1..%d)"), s->units, NN_MAX_DIM);
    if (in.rank != 1)
        return err_set(e, _("dense expects a flat input of shape (D), got %s; add `model add "
                          "flatten` first"), nn_shape_str(in, got, sizeof got));
    out->rank = 1;
    out->d[0] = s->units;
    out->d[1] = out->d[2] = 0;
    return 0;
}

static int dense_param_count(const NnLayerSpec *s, NnShape in, size_t *weights, size_t *biases)
{
    *biases = (size_t)s->units;
    return size_mul((size_t)in.d[0], (size_t)s->units, weights);
}

static void dense_init(NnLayer *l, Rng *r)
{
    nn_glorot_uniform(l->w, l->n_weights, (size_t)l->in.d[0], (size_t)l->spec.units, r);
    memset(l->b, 0, l->n_biases * sizeof(float));
}

static void dense_forward(NnLayer *l, NnScratch *s, const float *x, float *y, size_t n, int train)
{
    (void)s;
    (void)train;
    size_t in = (size_t)l->in.d[0], units = (size_t)l->spec.units;
    /* y (n, units) = x W, then + b on every row */
    blas_sgemm(0, 0, n, units, in, 1.0f, x, in, l->w, units, 0.0f, y, units);
    nn_add_bias(y, l->b, n, units);
}

static void dense_backward(NnLayer *l, NnScratch *s, const float *x, const float *y, float *dy,
                           float *dx, size_t n)
{
    (void)y;
    size_t in = (size_t)l->in.d[0], units = (size_t)l->spec.units;
    /* dW (in, units) += x^T (in, n) dy (n, units) */
    blas_sgemm(1, 0, in, units, n, 1.0f, x, in, dy, units, 1.0f, nn_layer_dw(l, s), units);
    nn_sum_rows(nn_layer_db(l, s), dy, n, units);
    /* dx (n, in) = dy (n, units) W^T (units, in) */
    if (dx)
        blas_sgemm(0, 1, n, in, units, 1.0f, dy, units, l->w, units, 0.0f, dx, in);
}

static const Param dense_fields[] = {
    {.name = "units", .type = PARAM_INT, .place = PARAM_POS, .lo = 1, .hi = NN_MAX_DIM,
     .meta = N_("UNITS"), .what = N_("number of units"), .help = N_("the number of units"),
     .field = PARAM_AT(NnLayerSpec, units)},
    {.name = "activation", .type = PARAM_CHOICE, .place = PARAM_BARE, .choices = nn_act_names,
     .help = N_("added as an activation layer of its own on top (so that `pop` removes it)")},
    {0},
};

const NnLayerOps nn_dense_ops = {
    .about = {.name = "dense", .keras = "Dense", .prefix = "dense",
              .summary = N_("a fully connected layer, y = x W + b"), .fields = dense_fields,
              .input_rank = 1, .activation_layer = 1, .v1_kind = 0},
    .out_shape = dense_out_shape,
    .param_count = dense_param_count,
    .init = dense_init,
    .forward = dense_forward,
    .backward = dense_backward,
};
