/* nn.h: sequential neural networks as the lab builds them with Keras.
 *
 * A Model is a stack of layers that each see the output of the one below. The
 * layer types are a registry (src/nn/layers.c): each type is one file
 * (layer_dense.c, ...) whose table gives its name, its Keras class, the prefix of
 * its automatic names and the fields it takes, described once as Params, which
 * `model add`, completion, help, summaries and model files all read. Everything is float32 and
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
#include "untangle/core/params.h"
#include "untangle/core/rng.h"

#define NN_MAX_LAYERS 64
#define NN_SHARDS 4            /* slices of every batch, whatever the thread count */
#define NN_NAME_MAX 32
#define NN_MAX_DIM (1 << 30)   /* largest units, filters or image side accepted: memory
                                  checks refuse what would not fit long before */
#define NN_MAX_VALUES ((size_t)1 << 40) /* largest values per sample of one layer */
#define NN_MAX_KERNEL 64       /* largest conv2d kernel or pool side */

#define NN_MAX_LAYER_TYPES 32  /* entries the registry may hold */

typedef enum {
    NN_ACT_LINEAR, NN_ACT_SIGMOID, NN_ACT_SOFTMAX, NN_ACT_RELU, NN_ACT_TANH, NN_ACTS
} NnAct;

typedef enum { NN_PAD_VALID, NN_PAD_SAME } NnPadding;

/* Names as typed in commands and written in files: "sigmoid", "same". */
extern const char *const nn_act_names[];     /* NN_ACTS entries + NULL */
extern const char *const nn_padding_names[]; /* "valid", "same", NULL */

/* The shape of one sample: rank 1 (D) or rank 3 (H, W, C). */
typedef struct NnShape {
    int rank;
    int d[3];
} NnShape;

size_t nn_shape_size(NnShape s);                 /* product of the dimensions */
/* "(14, 14, 32)" or "(784)" into buf; returns buf. */
const char *nn_shape_str(NnShape s, char *buf, size_t cap);

/* What defines a layer: its kind and hyperparameters. Each layer type reads the
 * fields its description names (NnLayerAbout.fields) and ignores the others. */
typedef struct NnLayerSpec {
    const char *kind;      /* a layer type's name: "dense", "conv2d"... (nn_layer_find) */
    int units;             /* dense: output size */
    NnAct act;             /* activation; conv2d's own activation */
    int filters, kh, kw;   /* conv2d; kh, kw follow each other (a 2-size field) */
    NnPadding padding;     /* conv2d; stride is always 1 */
    int ph, pw;            /* maxpool, avgpool: pool size, which is also the stride */
    double rate;           /* dropout: the fraction of values zeroed in training */
    char name[NN_NAME_MAX];/* "" picks prefix_N as Keras does */
} NnLayerSpec;

/* Is s of that kind? */
int nn_kind_is(const NnLayerSpec *s, const char *kind);

/* What a layer type says about itself (the head of its table in its file). */
typedef struct NnLayerAbout {
    const char *name;      /* as typed and as files record it: "conv2d" */
    const char *keras;     /* the Keras class summaries show: "Conv2D" */
    const char *prefix;    /* automatic names are prefix_N: "max_pooling2d_1" */
    const char *summary;   /* one line for `help model add` */
    const char *help;      /* more, or NULL */
    const Param *fields;   /* its words after `model add KIND`, stored into NnLayerSpec
                              where a field says so; NULL-name-terminated, or NULL */
    int input_rank;        /* the input a first layer gets by default: 3 images, else flat */
    int activation_layer;  /* an `activation` word adds an activation layer on top (dense,
                              as the lab: so that `model pop` removes it alone) */
    int v1_kind;           /* its number in version-1 model files; -1 for later types */
} NnLayerAbout;

/* The layer types in registry order, NULL past the end; by name, NULL if none. */
const NnLayerAbout *nn_layer_type(size_t i);
const NnLayerAbout *nn_layer_find(const char *name);

typedef struct NnLayer NnLayer;   /* nn_layer.h */

/* The optimiser compile chose, with its hyperparameters (Keras' names). Each type
 * reads the ones its description names (NnOptimizerAbout.hyper). */
typedef struct NnOptimizer {
    const char *name;      /* an optimiser type's name: "sgd", "momentum", "adam" */
    double lr;             /* learning rate, > 0 */
    double momentum;       /* momentum: the velocity kept from step to step */
    int nesterov;          /* momentum: Nesterov's look-ahead */
    double beta_1, beta_2; /* adam: decay of the first and second moments */
    double epsilon;        /* adam: added to sqrt(v) */
} NnOptimizer;

/* What an optimiser type says about itself (the head of its table in its file). */
typedef struct NnOptimizerAbout {
    const char *name;      /* "adam" */
    const char *keras;     /* "Adam" */
    const char *summary;   /* one line */
    const char *help;      /* the update, in words, or NULL */
    const Param *hyper;    /* its words after `optimizer NAME`, stored into NnOptimizer,
                              with Keras' defaults */
} NnOptimizerAbout;

/* The optimiser types in registry order (optimizers.c), NULL past the end; by
 * name, NULL if none. */
const NnOptimizerAbout *nn_optimizer_type(size_t i);
const NnOptimizerAbout *nn_optimizer_find(const char *name);
/* Fills *o with the defaults of the type called name (Keras'); -1 when unknown. */
int nn_optimizer_defaults(const char *name, NnOptimizer *o, Err *e);
/* "adam lr 0.001 beta_1 0.9 beta_2 0.999 epsilon 1e-07" into buf. */
void nn_optimizer_words(const NnOptimizer *o, char *buf, size_t cap);

/* Compile settings. */
typedef enum { NN_LOSS_CCE } NnLoss;
typedef struct NnCompile {
    int compiled;          /* 0 until model_compile */
    NnLoss loss;           /* categorical cross-entropy */
    NnOptimizer opt;       /* the optimiser and its hyperparameters */
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
    unsigned name_count[NN_MAX_LAYER_TYPES]; /* automatic names per type (registry
                                              order); never decreases */
    NnCompile compile;
    /* The optimiser's state: per parameter, state_per_param floats (momentum's
     * velocity; adam's m then v), as blocks of n_params; and its step count (adam's
     * t). Reset by compile and when the parameter count changes; saved in files. */
    float *opt_state;              /* owned; NULL when the optimiser keeps none */
    size_t n_opt_state;
    uint64_t opt_steps;
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
/* Layer i's fields as words, from its description: "units 100", "filters 32
 * kernel 5x5 activation sigmoid padding same". */
void model_layer_describe(const Model *m, size_t i, char *buf, size_t cap);
/* Pointers to layer i's weights and biases inside params (NULL, 0 when none),
 * with their shapes: dense (in, units); conv2d (kh, kw, cin, filters). */
const float *model_layer_weights(const Model *m, size_t i, size_t *n);
const float *model_layer_biases(const Model *m, size_t i, size_t *n);

/* Validates and records the compile settings (a known optimiser, hyperparameters
 * in range, a softmax on top); the optimiser's state starts at zero. */
int model_compile_with(Model *m, NnLoss loss, const NnOptimizer *opt, int accuracy, Err *e);
/* The same with plain SGD at learning rate lr. */
int model_compile(Model *m, NnLoss loss, double lr, int accuracy, Err *e);
/* Forgets the optimiser's state (velocities, moments, step count). */
void model_reset_optimizer(Model *m);

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

/* Trains on d with the compiled optimiser, shuffling every epoch from *rng. Each epoch is appended
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
