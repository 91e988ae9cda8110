/* nn_act.c: elementwise activations and their derivatives, fast enough that the
 * sigmoid CNN's 38 000 activations per image do not rival its convolutions.
 *
 * exp is computed 4 lanes at a time with GCC vector extensions (plain C, no
 * intrinsics): x = n ln2 + r with |r| <= ln2 / 2, e^r by its degree-6 Taylor
 * polynomial (truncation below 1.3e-7 relative, about one float ulp), and 2^n
 * built in the exponent bits. The same code serves the tail, padded to 4 lanes,
 * so every element goes through the same arithmetic whatever its position. */
/* -O2 in GCC 12 vectorises only loops of known trip count; the loops over
 * channels and rows here have run-time lengths and are the hot path. */
#pragma GCC optimize("vect-cost-model=dynamic")
#include <float.h>
#include <math.h>
#include <string.h>

#include "untangle/core/interrupt.h"
#include "untangle/nn/nn_layer.h"

/* 16-byte vectors: SSE on every x86-64, no ABI questions. */
typedef float v4f __attribute__((vector_size(16)));
typedef int v4i __attribute__((vector_size(16)));

#define LANES 4

static inline v4f splat(float v) { return (v4f){v, v, v, v}; }

/* Lane-wise select without branches: mask lanes are all ones or all zeros. */
static inline v4f select(v4i mask, v4f a, v4f b)
{
    v4i ai, bi;
    memcpy(&ai, &a, sizeof ai);
    memcpy(&bi, &b, sizeof bi);
    v4i r = (mask & ai) | (~mask & bi);
    v4f out;
    memcpy(&out, &r, sizeof out);
    return out;
}
static inline v4f vmin(v4f a, v4f b) { return select(a < b, a, b); }
static inline v4f vmax(v4f a, v4f b) { return select(a > b, a, b); }

/* e^x for x in any range: clamped to [-87, 88] so that 2^n stays a normal float
 * (e^-87 is 1.6e-38, e^88 is 1.7e38); callers never need more. */
static inline v4f vexp(v4f x)
{
    const float log2e = 1.44269504088896341f;
    /* ln 2 split in a part exact in few bits and a correction, so n * hi is exact */
    const float ln2_hi = 0.693145751953125f, ln2_lo = 1.428606765330187e-06f;
    const float round_magic = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer */
    x = vmax(vmin(x, splat(88.0f)), splat(-87.0f));
    v4f n = (x * splat(log2e) + splat(round_magic)) - splat(round_magic);
    v4f r = (x - n * splat(ln2_hi)) - n * splat(ln2_lo);
    v4f p = splat(1.0f / 720.0f);
    p = p * r + splat(1.0f / 120.0f);
    p = p * r + splat(1.0f / 24.0f);
    p = p * r + splat(1.0f / 6.0f);
    p = p * r + splat(0.5f);
    p = p * r + splat(1.0f);
    p = p * r + splat(1.0f);
    v4i ni = __builtin_convertvector(n, v4i);
    v4i bits = (ni + 127) << 23;
    v4f scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

static inline v4f vsigmoid(v4f x) { return splat(1.0f) / (splat(1.0f) + vexp(-x)); }

/* tanh(x) = 1 - 2 / (e^{2x} + 1): no cancellation for large |x|, and near 0 an
 * absolute error of a few 1e-8, enough for training. */
static inline v4f vtanh(v4f x) { return splat(1.0f) - splat(2.0f) / (vexp(x + x) + splat(1.0f)); }

static inline v4f load8(const float *p)
{
    v4f v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void store8(float *p, v4f v) { memcpy(p, &v, sizeof v); }

/* Applies f to n values, a vector at a time, the tail through a padded copy. */
#define MAP(f, x, y, n)                                                    \
    do {                                                                   \
        size_t i_ = 0;                                                     \
        for (; i_ + LANES <= (n); i_ += LANES)                             \
            store8((y) + i_, f(load8((x) + i_)));                          \
        if (i_ < (n)) {                                                    \
            float tmp_[LANES] = {0};                                       \
            memcpy(tmp_, (x) + i_, ((n) - i_) * sizeof(float));            \
            store8(tmp_, f(load8(tmp_)));                                  \
            memcpy((y) + i_, tmp_, ((n) - i_) * sizeof(float));            \
        }                                                                  \
    } while (0)

static void softmax_rows(const float *x, float *y, size_t rows, size_t dim)
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
        MAP(vexp, yr, yr, dim);
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
    size_t total = n * dim;
    switch (a) {
    case NN_ACT_SIGMOID:
        MAP(vsigmoid, x, y, total);
        break;
    case NN_ACT_TANH:
        MAP(vtanh, x, y, total);
        break;
    case NN_ACT_RELU:
        for (size_t i = 0; i < total; i++) {
            float v = x[i];
            y[i] = v > 0.0f ? v : 0.0f;
        }
        break;
    case NN_ACT_SOFTMAX:
        softmax_rows(x, y, n, dim);
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
    size_t total = n * dim;
    switch (a) {
    case NN_ACT_SIGMOID:
        for (size_t i = 0; i < total; i++)
            dy[i] *= y[i] * (1.0f - y[i]);
        break;
    case NN_ACT_TANH:
        for (size_t i = 0; i < total; i++)
            dy[i] *= 1.0f - y[i] * y[i];
        break;
    case NN_ACT_RELU:
        for (size_t i = 0; i < total; i++) {
            float g = dy[i];
            dy[i] = y[i] > 0.0f ? g : 0.0f;
        }
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
    for (size_t r = 0; r < rows; r++) {
        const float *restrict gr = g + r * dim;
        for (size_t j = 0; j < dim; j++)
            db[j] += gr[j];
    }
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
