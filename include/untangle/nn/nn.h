/* nn.h: sequential neural networks as the lab builds them with Keras.
 *
 * A Model is a stack of layers (dense, activation, conv2d, maxpool2d, flatten)
 * that each see the output of the one below. Everything is float32 and
 * batch-major; images are channels-last, as Keras: one sample of shape
 * (H, W, C) is stored row-major, so a batch is (B, H, W, C) and `flatten` is a
 * plain copy. All trainable parameters live in one flat block (Model.params)
 * and their gradients in a parallel block (Model.grads): zero-grad, SGD, save
 * and load are each one loop.
 *
 * Weights are drawn when a layer is added (Glorot uniform, limit
 * sqrt(6 / (fan_in + fan_out)), zero biases) from the Rng the caller gives, so
 * the same seed gives the same weights. Training runs on OpenBLAS sgemm. A
 * batch is cut into NN_SHARDS fixed slices that run forward, loss and backward
 * on their own, each on one thread of the model's pool (model_set_threads) with
 * single-threaded sgemm, and their gradients are summed in slice order: one
 * threading layer, no data shared between the cores inside a step, and the same
 * weights whatever the thread count.
 *
 * Ownership: a Model owns everything it points to; model_free releases it.
 * No function here prints: errors fill an Err, progress goes to a callback. */
#ifndef UNTANGLE_NN_H
#define UNTANGLE_NN_H

#include <stddef.h>
#include <stdint.h>
#include "untangle/core/dataset.h"
#include "untangle/core/err.h"
#include "untangle/core/rng.h"

#define NN_MAX_LAYERS 64
#define NN_SHARDS 4            /* slices of every batch, whatever the thread count */
#define NN_NAME_MAX 32
#define NN_MAX_DIM (1 << 30)   /* largest units, filters or image side accepted: memory
                                  checks refuse what would not fit long before */
#define NN_MAX_VALUES ((size_t)1 << 40) /* largest values per sample of one layer */
#define NN_MAX_KERNEL 64       /* largest conv2d kernel or pool side */

typedef enum {
    NN_DENSE, NN_ACTIVATION, NN_CONV2D, NN_MAXPOOL, NN_FLATTEN, NN_LAYER_KINDS
} NnLayerKind;

typedef enum {
    NN_ACT_LINEAR, NN_ACT_SIGMOID, NN_ACT_SOFTMAX, NN_ACT_RELU, NN_ACT_TANH, NN_ACTS
} NnAct;

typedef enum { NN_PAD_VALID, NN_PAD_SAME } NnPadding;

/* Names as typed in commands and written in files: "sigmoid", "dense", "same". */
extern const char *const nn_act_names[];     /* NN_ACTS entries + NULL */
extern const char *const nn_kind_names[];    /* NN_LAYER_KINDS entries + NULL */
extern const char *const nn_padding_names[]; /* "valid", "same", NULL */

/* The shape of one sample: rank 1 (D) or rank 3 (H, W, C). */
typedef struct NnShape {
    int rank;
    int d[3];
} NnShape;

size_t nn_shape_size(NnShape s);                 /* product of the dimensions */
/* "(14, 14, 32)" or "(784)" into buf; returns buf. */
const char *nn_shape_str(NnShape s, char *buf, size_t cap);

/* What defines a layer: its kind and hyperparameters. */
typedef struct NnLayerSpec {
    NnLayerKind kind;
    int units;             /* dense: output size */
    NnAct act;             /* activation; conv2d's own activation */
    int filters, kh, kw;   /* conv2d */
    NnPadding padding;     /* conv2d; stride is always 1 */
    int ph, pw;            /* maxpool: pool size, which is also the stride */
    char name[NN_NAME_MAX];/* "" picks kind_N as Keras does */
} NnLayerSpec;

typedef struct NnLayer NnLayer;   /* nn_layer.h */

/* Compile settings. */
typedef enum { NN_LOSS_CCE } NnLoss;
typedef struct NnCompile {
    int compiled;          /* 0 until model_compile */
    NnLoss loss;           /* categorical cross-entropy */
    double lr;             /* SGD learning rate, > 0 */
    int accuracy;          /* report accuracy */
} NnCompile;

/* Per-epoch figures of every fit since the model was created or loaded. */
typedef struct NnHistory {
    size_t n, cap;
    float *loss, *accuracy;          /* (n) training running means */
    float *val_loss, *val_accuracy;  /* (n) NaN where no validation was held out */
} NnHistory;

typedef struct NnWork NnWork;     /* batch buffers, private to the engine */

typedef struct Model {
    NnShape input;                 /* shape of one input sample */
    size_t n_layers;
    NnLayer *layers[NN_MAX_LAYERS];/* owned */
    float *params;                 /* (n_params) every layer's weights then biases; owned */
    float *grads;                  /* (n_params) parallel to params; owned */
    size_t n_params;
    unsigned name_count[NN_LAYER_KINDS]; /* for automatic names, never decreases */
    NnCompile compile;
    NnHistory history;
    long epochs_trained;
    int threads;                   /* workers for fit, evaluate, predict (1 by default) */
    NnWork *work;                  /* owned, rebuilt when needed */
} Model;

Model *model_new(void);
/* Threads that fit, evaluate and predict use from now on (1..64; at most
 * NN_SHARDS of them find work); the results do not depend on it. */
void model_set_threads(Model *m, int threads);
void model_free(struct Model *m); /* accepts NULL */
/* A deep copy (weights, compile settings, history). */
Model *model_clone(const Model *m);

/* Adds a layer on top. `input` gives the input shape and is required for the
 * first layer only (NULL afterwards). The new layer's weights are drawn from
 * *init (Glorot uniform, zero biases); NULL leaves them zero (loading).
 * On failure (shape mismatch, absurd size, too many layers) the model is
 * unchanged and the message names both shapes. */
int model_add(Model *m, const NnLayerSpec *spec, const NnShape *input, Rng *init, Err *e);
/* Removes the top layer; the others keep their weights. */
int model_pop(Model *m, Err *e);

NnShape model_output_shape(const Model *m);  /* the input shape when empty */
/* Read-only views of layer i (0 = bottom) for summaries. */
const char *model_layer_name(const Model *m, size_t i);
const char *model_layer_type(const Model *m, size_t i); /* Keras class: "Dense" */
NnShape model_layer_output(const Model *m, size_t i);
size_t model_layer_params(const Model *m, size_t i);
const NnLayerSpec *model_layer_spec(const Model *m, size_t i);
/* A short description of layer i: "100 units", "5x5, 32 filters, same, sigmoid". */
void model_layer_describe(const Model *m, size_t i, char *buf, size_t cap);
/* Pointers to layer i's weights and biases inside params (NULL, 0 when none),
 * with their shapes: dense (in, units); conv2d (kh, kw, cin, filters). */
const float *model_layer_weights(const Model *m, size_t i, size_t *n);
const float *model_layer_biases(const Model *m, size_t i, size_t *n);

/* Validates and records the compile settings (lr > 0 and finite, a softmax on top). */
int model_compile(Model *m, NnLoss loss, double lr, int accuracy, Err *e);

/* Training. */
typedef struct NnProgress {
    int epoch, epochs;             /* 1-based epoch */
    size_t batch, batches;         /* batches done in this epoch */
    double loss, accuracy;         /* running means over the epoch so far */
    double val_loss, val_accuracy; /* NaN until measured, at the end of the epoch */
    double elapsed;                /* seconds since the epoch started */
    int epoch_done;                /* 1 on the last call of an epoch */
} NnProgress;
typedef void (*NnProgressFn)(void *ctx, const NnProgress *p);

typedef struct NnFitOptions {
    size_t batch;                  /* >= 1 */
    int epochs;                    /* >= 1 */
    double validation;             /* fraction held out at the end, in [0, 1) */
} NnFitOptions;

typedef struct NnFitResult {
    int epochs_done;               /* complete epochs */
    double loss, accuracy;         /* of the last complete epoch */
    double val_loss, val_accuracy; /* NaN without validation */
    double seconds;                /* wall time of the whole fit */
} NnFitResult;

/* Trains on d with SGD, shuffling every epoch from *rng. Each epoch is appended
 * to m->history. Ctrl-C stops after the current batch (weights of the last
 * completed batch kept; returns -1 with e->interrupted). A NaN or infinite loss
 * or weight stops with the weights from before the bad step. */
int model_fit(Model *m, const Dataset *d, const NnFitOptions *o, Rng *rng, NnProgressFn cb,
              void *ctx, NnFitResult *res, Err *e);
/* Mean loss (clipped as Keras) and accuracy of the model on d. */
int model_evaluate(Model *m, const Dataset *d, double *loss, double *accuracy, Err *e);
/* Output of the top layer for the n rows of x (n, input size): *out (n, *dim),
 * allocated, caller frees. */
int model_predict(Model *m, const float *x, size_t n, float **out, size_t *dim, Err *e);

/* Model files (docs/model-format.md). Saving is atomic; loading verifies
 * everything and returns a new model, or NULL with a message. */
int model_save(const Model *m, const char *path, Err *e);
Model *model_load(const char *path, Err *e);
/* The same from memory (the file reader uses it; fuzzed). */
Model *model_parse(const uint8_t *buf, size_t len, Err *e);
/* The file's bytes in memory: *buf allocated (caller frees), *len its size. */
void model_serialize(const Model *m, uint8_t **buf, size_t *len);

#endif
