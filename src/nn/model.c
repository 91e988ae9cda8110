/* model.c: the sequential model: adding and removing layers, the one parameter
 * block, names, compile settings. It calls the engine only to free the batch
 * workspace; the engine does not call it (both share layers.c). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "untangle/core/i18n.h"
#include "untangle/nn/nn_layer.h"
#include "untangle/nn/nn_optim.h"
#include "untangle/core/interrupt.h"
#include "untangle/core/pool.h"
#include "untangle/core/xalloc.h"

/* A batch size that add refuses to exceed in memory: a model whose activations
 * for this many samples do not fit would fail at fit anyway. */
#define BUDGET_BATCH 256

Model *model_new(void)
{
    Model *m = xcalloc(1, sizeof *m);
    nn_optimizer_defaults("sgd", &m->compile.opt, NULL); /* Keras' until compile says */
    m->compile.accuracy = 1;
    m->threads = 1;
    m->params = xmalloc_floats(0);
    m->grads = xmalloc_floats(0);
    return m;
}

static void history_free(NnHistory *h)
{
    free(h->loss);
    free(h->accuracy);
    free(h->val_loss);
    free(h->val_accuracy);
    memset(h, 0, sizeof *h);
}

void model_free(struct Model *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->n_layers; i++)
        free(m->layers[i]);
    free(m->params);
    free(m->grads);
    free(m->opt_state);
    history_free(&m->history);
    nn_work_free(m->work);
    free(m);
}

/* Points every layer's w and b into the current block. */
static void bind_params(Model *m)
{
    for (size_t i = 0; i < m->n_layers; i++) {
        NnLayer *l = m->layers[i];
        int has = l->n_weights + l->n_biases > 0;
        l->w = has ? m->params + l->offset : NULL;
        l->b = has ? m->params + l->offset + l->n_weights : NULL;
    }
}

/* Zeroes n floats in chunks, looking at the stop flag between them: -1 when
 * interrupted. */
static int zero_floats(float *p, size_t n)
{
    const size_t chunk = (size_t)1 << 20;
    for (size_t at = 0; at < n; at += chunk) {
        if (interrupt_pending())
            return -1;
        memset(p + at, 0, (n - at < chunk ? n - at : chunk) * sizeof(float));
    }
    return 0;
}

static float *copy_floats(const float *src, size_t n)
{
    float *p = xmalloc_floats(n);
    if (n)
        memcpy(p, src, n * sizeof(float));
    return p;
}

Model *model_clone(const Model *m)
{
    Model *c = xcalloc(1, sizeof *c);
    c->input = m->input;
    c->n_layers = m->n_layers;
    for (size_t i = 0; i < m->n_layers; i++) {
        NnLayer *l = xmalloc(sizeof *l);
        *l = *m->layers[i];
        c->layers[i] = l;
    }
    c->n_params = m->n_params;
    c->params = copy_floats(m->params, m->n_params);
    c->grads = xcalloc_floats(m->n_params);
    memcpy(c->name_count, m->name_count, sizeof c->name_count);
    c->compile = m->compile;
    c->n_opt_state = m->n_opt_state;
    c->opt_state = m->n_opt_state ? copy_floats(m->opt_state, m->n_opt_state) : NULL;
    c->opt_steps = m->opt_steps;
    c->threads = m->threads;
    c->epochs_trained = m->epochs_trained;
    const NnHistory *h = &m->history;
    c->history.n = c->history.cap = h->n;
    float **dst[4] = {&c->history.loss, &c->history.accuracy, &c->history.val_loss,
                      &c->history.val_accuracy};
    float *src[4] = {h->loss, h->accuracy, h->val_loss, h->val_accuracy};
    for (int k = 0; k < 4; k++) {
        *dst[k] = xmalloc((h->n ? h->n : 1) * sizeof(float));
        if (h->n)
            memcpy(*dst[k], src[k], h->n * sizeof(float));
    }
    bind_params(c);
    return c;
}

static int valid_shape(NnShape s)
{
    if (s.rank != 1 && s.rank != 3)
        return 0;
    size_t n = 1;
    for (int i = 0; i < s.rank; i++)
        if (s.d[i] < 1 || s.d[i] > NN_MAX_DIM || size_mul(n, (size_t)s.d[i], &n) != 0)
            return 0;
    return n <= NN_MAX_VALUES;
}

static int valid_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n >= NN_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)name[i]) && name[i] != '_' && name[i] != '-' && name[i] != '.')
            return 0;
    return 1;
}

static int name_taken(const Model *m, const char *name)
{
    for (size_t i = 0; i < m->n_layers; i++)
        if (strcmp(m->layers[i]->name, name) == 0)
            return 1;
    return 0;
}

int model_add(Model *m, const NnLayerSpec *spec, const NnShape *input, Rng *init, Err *e)
{
    char shp[64];
    const NnLayerOps *ops = nn_layer_ops(spec->kind);
    if (!ops) {
        char list[300];
        size_t len = 0;
        list[0] = '\0';
        for (size_t i = 0; nn_layer_types[i]; i++)
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "",
                                    nn_layer_types[i]->about.name);
        return err_set(e, _("bad layer kind '%.40s' (should be one of %s)"),
                       spec->kind ? spec->kind : "", list);
    }
    const char *kind = ops->about.name;
    size_t type = nn_layer_type_index(ops);
    if (m->n_layers >= NN_MAX_LAYERS)
        return err_set(e, _("the model already has %d layers, the most untangle holds; remove "
                          "some with `model pop`"), NN_MAX_LAYERS);
    NnShape in;
    if (m->n_layers == 0) {
        if (!input)
            return err_set(e, _("the first layer needs the input shape; add `input 784` (dense) "
                              "or `input 28x28x1` (conv2d)"));
        if (!valid_shape(*input))
            return err_set(e, _("bad input shape %s (each size should be 1..%d)"),
                           nn_shape_str(*input, shp, sizeof shp), NN_MAX_DIM);
        in = *input;
    } else {
        in = model_output_shape(m);
        if (input) {
            char want[64];
            if (input->rank != in.rank || memcmp(input->d, in.d, sizeof in.d[0] * (size_t)in.rank))
                return err_set(e, _("input %s given, but the layer below gives %s; only the first "
                                  "layer takes `input`: drop it, or start again with `model new`"),
                               nn_shape_str(*input, want, sizeof want),
                               nn_shape_str(in, shp, sizeof shp));
        }
    }
    NnShape out;
    if (ops->out_shape(spec, in, &out, e) != 0)
        return -1;
    if (!valid_shape(out))
        return err_set(e, _("%s on input %s would give an empty or oversized output"),
                       kind, nn_shape_str(in, shp, sizeof shp));
    if (spec->name[0] && !valid_name(spec->name)) {
        /* The name may come from a hostile file: quote it printable, on one line. */
        char shown[NN_NAME_MAX];
        size_t i = 0;
        for (; i + 1 < sizeof shown && spec->name[i]; i++) {
            unsigned char ch = (unsigned char)spec->name[i];
            shown[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
        }
        shown[i] = '\0';
        return err_set(e, _("bad layer name '%s' (letters, digits, _ - . and at most %d "
                          "characters)"), shown, NN_NAME_MAX - 1);
    }
    if (spec->name[0] && name_taken(m, spec->name))
        return err_set(e, _("a layer is already named '%s'; choose another name"), spec->name);

    /* Memory: parameters and their gradients, plus a batch of activations. */
    size_t nw, nb, np, total, bytes, act;
    nw = nb = 0;
    if ((ops->param_count && ops->param_count(spec, in, &nw, &nb) != 0) || size_add(nw, nb, &np) != 0 || size_add(m->n_params, np, &total) != 0 ||
        size_mul(total, 2 * sizeof(float), &bytes) != 0 ||
        size_mul(nn_shape_size(out), BUDGET_BATCH * 2 * sizeof(float), &act) != 0 ||
        size_add(bytes, act, &bytes) != 0)
        return err_set(e, _("%s of that size would need more memory than exists; use a smaller "
                          "size"), kind);
    if (mem_check_budget(bytes, kind, e) != 0)
        return -1;

    /* Everything checked: build. */
    NnLayer *l = xcalloc(1, sizeof *l);
    l->ops = ops;
    l->spec = *spec;
    l->spec.kind = kind; /* the registry's string: lives as long as the program */
    l->in = in;
    l->out = out;
    l->n_weights = nw;
    l->n_biases = nb;
    l->offset = m->n_params;
    l->index = m->n_layers;
    m->name_count[type]++;
    if (spec->name[0])
        snprintf(l->name, sizeof l->name, "%s", spec->name);
    else {
        unsigned k = m->name_count[type];
        snprintf(l->name, sizeof l->name, "%s_%u", ops->about.prefix, k);
        while (name_taken(m, l->name))
            snprintf(l->name, sizeof l->name, "%s_%u", ops->about.prefix, ++k);
    }
    l->spec.name[0] = '\0';
    snprintf(l->spec.name, sizeof l->spec.name, "%s", l->name);
    if (m->n_layers == 0)
        m->input = in;

    /* A big layer takes seconds to fill (the pages are touched for the first
     * time): Ctrl-C stops it, and the model is then as it was. */
    float *old_p = m->params, *old_g = m->grads;
    size_t old_n = m->n_params;
    Rng rng_before;
    if (init)
        rng_before = *init;
    if (np > 0) {
        float *p = xmalloc_floats(total), *g = xmalloc_floats(total);
        if (m->n_params)
            memcpy(p, m->params, m->n_params * sizeof(float));
        if (zero_floats(p + m->n_params, np) != 0 || zero_floats(g, total) != 0) {
            free(p);
            free(g);
            m->name_count[type]--;
            free(l);
            return err_interrupted(e, _("model add"));
        }
        m->params = p;
        m->grads = g;
        m->n_params = total;
    }
    m->layers[m->n_layers++] = l;
    bind_params(m);
    if (init && np > 0 && ops->init)
        ops->init(l, init); /* stops early when interrupted: undone below */
    if (np > 0 && interrupt_pending()) {
        free(m->params);
        free(m->grads);
        m->params = old_p;
        m->grads = old_g;
        m->n_params = old_n;
        m->layers[--m->n_layers] = NULL;
        m->name_count[type]--;
        free(l);
        bind_params(m);
        if (init)
            *init = rng_before;
        return err_interrupted(e, _("model add"));
    }
    if (np > 0) {
        free(old_p);
        free(old_g);
        model_reset_optimizer(m);
    }
    nn_work_free(m->work);
    m->work = NULL;
    return 0;
}

int model_pop(Model *m, Err *e)
{
    if (m->n_layers == 0)
        return err_set(e, _("the model has no layer to remove; add one with `model add`"));
    NnLayer *l = m->layers[--m->n_layers];
    if (l->n_weights + l->n_biases > 0)
        model_reset_optimizer(m);
    m->n_params = l->offset; /* the block keeps its size; only the count shrinks */
    m->layers[m->n_layers] = NULL;
    free(l);
    bind_params(m);
    nn_work_free(m->work);
    m->work = NULL;
    return 0;
}

void model_set_threads(Model *m, int threads)
{
    m->threads = threads < 1 ? 1 : threads > POOL_MAX_THREADS ? POOL_MAX_THREADS : threads;
}

NnShape model_output_shape(const Model *m)
{
    return m->n_layers ? m->layers[m->n_layers - 1]->out : m->input;
}

const char *model_layer_name(const Model *m, size_t i) { return m->layers[i]->name; }
const char *model_layer_type(const Model *m, size_t i)
{
    return m->layers[i]->ops->about.keras;
}
NnShape model_layer_output(const Model *m, size_t i) { return m->layers[i]->out; }
const NnLayerSpec *model_layer_spec(const Model *m, size_t i) { return &m->layers[i]->spec; }

size_t model_layer_params(const Model *m, size_t i)
{
    return m->layers[i]->n_weights + m->layers[i]->n_biases;
}

void model_layer_describe(const Model *m, size_t i, char *buf, size_t cap)
{
    if (cap)
        buf[0] = '\0';
    params_format(m->layers[i]->ops->about.fields, &m->layers[i]->spec, 0, buf, cap);
}

const float *model_layer_weights(const Model *m, size_t i, size_t *n)
{
    *n = m->layers[i]->n_weights;
    return *n ? m->layers[i]->w : NULL;
}

const float *model_layer_biases(const Model *m, size_t i, size_t *n)
{
    *n = m->layers[i]->n_biases;
    return *n ? m->layers[i]->b : NULL;
}

void model_reset_optimizer(Model *m)
{
    free(m->opt_state);
    m->opt_state = NULL;
    m->n_opt_state = 0;
    m->opt_steps = 0;
}

int model_compile_with(Model *m, NnLoss loss, const NnOptimizer *opt, int accuracy, Err *e)
{
    if (loss != NN_LOSS_CCE)
        return err_set(e, _("bad loss %d (should be categorical_crossentropy)"), (int)loss);
    const NnOptimizerOps *ops = nn_optimizer_ops(opt->name);
    if (!ops)
        return err_set(e, _("bad optimizer '%.40s' (should be sgd, momentum or adam)"),
                       opt->name ? opt->name : "");
    /* The smallest the number grammar reads: a file saved with it must load. */
    if (!isfinite(opt->lr) || opt->lr < PARAM_NUMBER_MIN || opt->lr > 1e6)
        return err_set(e, _("bad learning rate %g (should be a positive number, e.g. 0.5)"),
                       opt->lr);
    if (ops->check && ops->check(opt, e) != 0)
        return -1;
    if (m->n_layers == 0)
        return err_set(e, _("the model has no layer; build it with `model add` first"));
    const NnLayer *top = m->layers[m->n_layers - 1];
    if (!nn_kind_is(&top->spec, "activation") || top->spec.act != NN_ACT_SOFTMAX) {
        char shp[64];
        return err_set(e, _("categorical_crossentropy needs class probabilities: the top layer "
                          "'%s' gives %s values that are not a softmax; add `model add "
                          "activation softmax` (or `model add dense 10 softmax`)"),
                       top->name, nn_shape_str(top->out, shp, sizeof shp));
    }
    m->compile.compiled = 1;
    m->compile.loss = loss;
    m->compile.opt = *opt;
    m->compile.opt.name = ops->about.name; /* the registry's string */
    m->compile.accuracy = accuracy;
    model_reset_optimizer(m);
    return 0;
}

int model_compile(Model *m, NnLoss loss, double lr, int accuracy, Err *e)
{
    NnOptimizer o;
    nn_optimizer_defaults("sgd", &o, NULL);
    o.lr = lr;
    return model_compile_with(m, loss, &o, accuracy, e);
}
