/* nn_act.c: elementwise activations and their derivatives on untangle's
 * vectorised kernels (untangle/nn/kernels.h: the same bits on every
 * instruction set), softmax over rows, and the bias helpers. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "untangle/core/interrupt.h"
#include "untangle/nn/kernels.h"
#include "untangle/nn/nn_layer.h"

static void softmax_rows(const NnKernels *k, const float *x, float *y, size_t rows, size_t dim)
{
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * dim;
        float *yr = y + r * dim;
        float mx = -FLT_MAX;
        for (size_t j = 0; j < dim; j++)
            mx = xr[j] > mx ? xr[j] : mx;
        /* subtracting the max keeps every exponent <= 0: no overflow */
        for (size_t j = 0; j < dim; j++)
            yr[j] = xr[j] - mx;
        k->exp(yr, yr, dim);
        double sum = 0;
        for (size_t j = 0; j < dim; j++)
            sum += yr[j];
        float inv = (float)(1.0 / sum);
        for (size_t j = 0; j < dim; j++)
            yr[j] *= inv;
    }
}

void nn_act_forward(NnAct a, const float *x, float *y, size_t n, size_t dim)
{
    const NnKernels *k = nn_kernels();
    size_t total = n * dim;
    switch (a) {
    case NN_ACT_SIGMOID:
        k->sigmoid(x, y, total);
        break;
    case NN_ACT_TANH:
        k->tanh(x, y, total);
        break;
    case NN_ACT_RELU:
        k->relu(x, y, total);
        break;
    case NN_ACT_SOFTMAX:
        softmax_rows(k, x, y, n, dim);
        break;
    case NN_ACT_LINEAR:
    default:
        if (y != x)
            memcpy(y, x, total * sizeof(float));
        break;
    }
}

void nn_act_backward(NnAct a, const float *restrict y, float *restrict dy, size_t n, size_t dim)
{
    const NnKernels *k = nn_kernels();
    size_t total = n * dim;
    switch (a) {
    case NN_ACT_SIGMOID:
        k->sigmoid_grad(y, dy, total);
        break;
    case NN_ACT_TANH:
        k->tanh_grad(y, dy, total);
        break;
    case NN_ACT_RELU:
        k->relu_grad(y, dy, total);
        break;
    case NN_ACT_SOFTMAX:
        /* dx_j = y_j (dy_j - sum_k dy_k y_k), row by row */
        for (size_t r = 0; r < n; r++) {
            const float *yr = y + r * dim;
            float *gr = dy + r * dim;
            double dot = 0;
            for (size_t j = 0; j < dim; j++)
                dot += (double)gr[j] * yr[j];
            for (size_t j = 0; j < dim; j++)
                gr[j] = yr[j] * (gr[j] - (float)dot);
        }
        break;
    case NN_ACT_LINEAR:
    default:
        break;
    }
}

void nn_add_bias(float *restrict y, const float *restrict b, size_t rows, size_t dim)
{
    for (size_t r = 0; r < rows; r++) {
        float *restrict yr = y + r * dim;
        for (size_t j = 0; j < dim; j++)
            yr[j] += b[j];
    }
}

void nn_sum_rows(float *restrict db, const float *restrict g, size_t rows, size_t dim)
{
    nn_kernels()->sum_rows(db, g, rows, dim);
}

void nn_glorot_uniform(float *w, size_t n, size_t fan_in, size_t fan_out, Rng *r)
{
    float limit = (float)sqrt(6.0 / (double)(fan_in + fan_out));
    for (size_t i = 0; i < n; i++) {
        if ((i & 0xfffff) == 0 && interrupt_pending())
            return; /* model_add undoes the layer */
        w[i] = rng_uniform_range(r, -limit, limit);
    }
}
