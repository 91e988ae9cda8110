/* layers.c: the layer registry, and what every layer and the engine share:
 * shapes, per-layer scratch state, where gradients go. Neither model.c nor
 * engine.c is needed here, so both can use it without calling each other. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "untangle/nn/nn_layer.h"
#include "untangle/core/xalloc.h"

/* The registry: one line per layer type, in the order help lists them. Type X
 * is the table nn_X_ops of src/nn/layer_X.c. */
#define LAYER_TYPES(TYPE)                                                              \
    TYPE(dense)                                                                        \
    TYPE(activation)                                                                   \
    TYPE(conv2d)                                                                       \
    TYPE(maxpool)                                                                      \
    TYPE(avgpool)                                                                      \
    TYPE(flatten)                                                                      \
    TYPE(dropout)

#define DECLARE(x) extern const NnLayerOps nn_##x##_ops;
#define ENTRY(x) &nn_##x##_ops,
LAYER_TYPES(DECLARE)
const NnLayerOps *const nn_layer_types[] = {LAYER_TYPES(ENTRY) NULL};
_Static_assert(sizeof nn_layer_types / sizeof nn_layer_types[0] <= NN_MAX_LAYER_TYPES + 1,
               "raise NN_MAX_LAYER_TYPES");

const char *const nn_act_names[] = {"linear", "sigmoid", "softmax", "relu", "tanh", NULL};
const char *const nn_padding_names[] = {"valid", "same", NULL};

const NnLayerOps *nn_layer_ops(const char *name)
{
    for (size_t i = 0; name && nn_layer_types[i]; i++)
        if (strcmp(nn_layer_types[i]->about.name, name) == 0)
            return nn_layer_types[i];
    return NULL;
}

size_t nn_layer_type_index(const NnLayerOps *ops)
{
    size_t i = 0;
    while (nn_layer_types[i] && nn_layer_types[i] != ops)
        i++;
    return i;
}

const NnLayerAbout *nn_layer_type(size_t i)
{
    for (size_t k = 0; k < i; k++)
        if (!nn_layer_types[k])
            return NULL;
    return nn_layer_types[i] ? &nn_layer_types[i]->about : NULL;
}

const NnLayerAbout *nn_layer_find(const char *name)
{
    const NnLayerOps *ops = nn_layer_ops(name);
    return ops ? &ops->about : NULL;
}

int nn_kind_is(const NnLayerSpec *s, const char *kind)
{
    return s->kind && strcmp(s->kind, kind) == 0;
}

size_t nn_shape_size(NnShape s)
{
    size_t n = 1;
    for (int i = 0; i < s.rank && i < 3; i++)
        n *= (size_t)(s.d[i] > 0 ? s.d[i] : 0);
    return s.rank > 0 ? n : 0;
}

const char *nn_shape_str(NnShape s, char *buf, size_t cap)
{
    if (s.rank == 1)
        snprintf(buf, cap, "(%d)", s.d[0]);
    else if (s.rank == 3)
        snprintf(buf, cap, "(%d, %d, %d)", s.d[0], s.d[1], s.d[2]);
    else
        snprintf(buf, cap, "(?)");
    return buf;
}

void *nn_layer_state(const NnLayer *l, NnScratch *s, size_t bytes)
{
    size_t i = l->index;
    if (s->state_cap[i] < bytes) {
        free(s->state[i]);
        s->state[i] = xmalloc(bytes);
        s->state_cap[i] = bytes;
    }
    return s->state[i];
}

float *nn_layer_dw(const NnLayer *l, NnScratch *s) { return s->grads + l->offset; }

float *nn_layer_db(const NnLayer *l, NnScratch *s)
{
    return s->grads + l->offset + l->n_weights;
}

size_t nn_layer_scratch(const NnLayer *l, size_t n)
{
    return l->ops->scratch_floats ? l->ops->scratch_floats(l, n) : 0;
}

void nn_scratch_free(NnScratch *s)
{
    free(s->col);
    free(s->dcol);
    for (size_t i = 0; i < NN_MAX_LAYERS; i++)
        free(s->state[i]);
    memset(s, 0, sizeof *s);
}
