/* nn_layer.h: the layer interface inside the nn module.
 *
 * Each layer type is one file in src/nn/ (layer_dense.c, ...) that fills one
 * NnLayerOps table, and one line of the registry in layers.c. The table's head
 * (NnLayerAbout, nn.h) names the type and describes its fields; the model, the
 * model files, `model add` and help read that and nothing else. The model calls
 * only these entries; nothing else knows a layer's internals. To add a layer
 * type: write layer_x.c defining `const NnLayerOps nn_x_ops`, and add the line
 * `TYPE(x)` to the registry in layers.c. Buffers are batch-major, one sample after another:
 * x is (n, in size) and y is (n, out size), images as (n, H, W, C). */
#ifndef UNTANGLE_NN_LAYER_H
#define UNTANGLE_NN_LAYER_H

#include <stddef.h>
#include "untangle/nn/nn.h"

/* What one worker thread brings to a forward or backward pass (owned by the
 * engine's workspace, one per worker): conv2d's im2col buffer and its gradient,
 * the state each layer keeps from forward to backward, and the gradient block
 * backward adds into. The engine runs a slice of the batch (a shard) through
 * forward, loss and backward on one worker, so state never crosses threads. */
typedef struct NnScratch {
    float *col;   /* (chunk * Hout * Wout, kh * kw * cin) */
    float *dcol;  /* same size */
    size_t cap;   /* floats in each */
    float *grads; /* dL/dparams of this shard, parallel to Model.params (NULL: forward only) */
    void *state[NN_MAX_LAYERS];       /* by layer index: maxpool's argmax, conv2d's dW^T */
    size_t state_cap[NN_MAX_LAYERS];  /* bytes */
    /* This shard's random stream in training (dropout), set by the engine for each
     * shard of each step from the fit's seed: which thread runs the shard does not
     * change what it draws. */
    Rng rng;
} NnScratch;

struct NnLayer {
    const struct NnLayerOps *ops;
    NnLayerSpec spec;
    char name[NN_NAME_MAX];
    size_t index;                /* position in the model, 0 at the bottom */
    NnShape in, out;
    size_t n_weights, n_biases;  /* weights first, then biases, in the model's block */
    size_t offset;               /* where this layer's parameters start in the block */
    float *w, *b;                /* into Model.params; NULL when none */
};

typedef struct NnLayerOps {
    NnLayerAbout about;          /* name, Keras class, name prefix, fields (nn.h) */
    /* Output shape for this spec on input `in`, or -1 with a message naming both
     * shapes when the input does not fit. Also validates the hyperparameters. */
    int (*out_shape)(const NnLayerSpec *s, NnShape in, NnShape *out, Err *e);
    /* Trainable parameter counts for this spec on `in` (checked shapes); -1 when
     * the count would overflow size_t. NULL: none. */
    int (*param_count)(const NnLayerSpec *s, NnShape in, size_t *weights, size_t *biases);
    /* Glorot uniform weights, zero biases. NULL: nothing to draw. */
    void (*init)(NnLayer *l, Rng *r);
    /* Scratch floats this layer needs (see NnScratch) for a batch of n. NULL: none. */
    size_t (*scratch_floats)(const NnLayer *l, size_t n);
    /* y = f(x) for n samples. `train` tells the layer to keep what backward needs
     * (and dropout to drop). */
    void (*forward)(NnLayer *l, NnScratch *s, const float *x, float *y, size_t n, int train);
    /* Given dy = dL/dy (overwritten: layers may use it as scratch), adds dL/dw and
     * dL/db into s->grads (nn_layer_dw, nn_layer_db) and writes dx = dL/dx when dx
     * is not NULL. x and y are those of the last forward with train set, run with
     * the same scratch. */
    void (*backward)(NnLayer *l, NnScratch *s, const float *x, const float *y, float *dy,
                     float *dx, size_t n);
} NnLayerOps;

/* The registry (layers.c), in the order help lists them; NULL-terminated. */
extern const NnLayerOps *const nn_layer_types[];
/* The type called name, or NULL; its index in nn_layer_types. */
const NnLayerOps *nn_layer_ops(const char *name);
size_t nn_layer_type_index(const NnLayerOps *ops);

/* Frees a model's batch workspace (engine.c); accepts NULL. */
void nn_work_free(NnWork *w);

/* Layer l's state in s, grown to at least `bytes` (contents kept only while the
 * size does not grow: forward writes it, backward reads it). */
void *nn_layer_state(const NnLayer *l, NnScratch *s, size_t bytes);
/* Where backward adds layer l's weight and bias gradients in s->grads. */
float *nn_layer_dw(const NnLayer *l, NnScratch *s);
float *nn_layer_db(const NnLayer *l, NnScratch *s);
/* Scratch floats layer l needs for a batch of n (0 when its type needs none). */
size_t nn_layer_scratch(const NnLayer *l, size_t n);
/* Frees what s points to (col, dcol, states), not grads, and zeroes it. */
void nn_scratch_free(NnScratch *s);

/* Elementwise activations (nn_act.c), shared by the activation layer and conv2d.
 * Softmax works on rows of `dim` values. y may equal x. */
void nn_act_forward(NnAct a, const float *x, float *y, size_t n, size_t dim);
/* dy <- dL/dx in place, from y = f(x) and dy = dL/dy (y and dy distinct). */
void nn_act_backward(NnAct a, const float *restrict y, float *restrict dy, size_t n, size_t dim);
/* y (rows, dim) += b (dim) on every row. */
void nn_add_bias(float *restrict y, const float *restrict b, size_t rows, size_t dim);
/* db (dim) += the sum of the rows of g (rows, dim). */
void nn_sum_rows(float *restrict db, const float *restrict g, size_t rows, size_t dim);

/* Glorot uniform limit sqrt(6 / (fan_in + fan_out)), drawn into w[0..n). */
void nn_glorot_uniform(float *w, size_t n, size_t fan_in, size_t fan_out, Rng *r);

/* Softmax cross-entropy on a batch (loss.c): p (n, k) are softmax outputs,
 * labels (n). Returns the summed loss with p clipped to [1e-7, 1 - 1e-7] as
 * Keras, counts the correct argmax in *correct, and when dz is not NULL writes
 * dz = (p - onehot) * scale, the gradient with respect to the logits. */
double nn_softmax_ce(const float *p, const uint8_t *labels, size_t n, size_t k, float *dz,
                     float scale, size_t *correct);


#endif
