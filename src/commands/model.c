/* model.c: `model new|add|summary|pop|save|load` and `pop`, the lab's Keras
 * Sequential typed as commands. Every sub-command builds its result aside and
 * swaps it into the session only on success. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "untangle/commands/commands.h"
#include "untangle/nn/nn.h"

/* Tags for rng_fork: weights of layer i come from stream TAG_INIT + i, so they
 * depend only on the seed and the layer's place. */
#define TAG_INIT 0x6e6e696e69740000ULL

/* `input D` or `input HxWxC`, as cmd_parse read it. */
static void input_shape(const CmdArgs *a, NnShape *s)
{
    int d[3];
    int n = cmd_dims(a, "input", d);
    memset(s, 0, sizeof *s);
    *s = n == 3 ? (NnShape){3, {d[0], d[1], d[2]}} : (NnShape){1, {d[0], 0, 0}};
}

/* The input shape of a first layer given without `input`: the loaded images. */
static int default_input(Shell *sh, NnLayerKind kind, NnShape *s)
{
    if (sh->train.n == 0 && sh->test.n == 0)
        return sh_error(sh, "the first layer needs its input shape: add `input 784` (dense) or "
                            "`input 28x28x1` (conv2d), or load the data first");
    const Dataset *d = sh->train.n ? &sh->train : &sh->test;
    if (kind == NN_CONV2D || kind == NN_MAXPOOL)
        *s = (NnShape){3, {d->rows, d->cols, 1}};
    else
        *s = (NnShape){1, {d->rows * d->cols, 0, 0}};
    return 0;
}

static void print_added(Shell *sh, const Model *m, size_t i)
{
    char shp[64];
    sh_printf(sh, "added %s (%s): output %s, %zu params\n", model_layer_name(m, i),
              model_layer_type(m, i), nn_shape_str(model_layer_output(m, i), shp, sizeof shp),
              model_layer_params(m, i));
}

/* The layers `model add` knows: each kind's words, read into an NnLayerSpec. */
static const Param dense_params[] = {
    {.name = "units", .type = PARAM_INT, .place = PARAM_POS, .lo = 1, .hi = NN_MAX_DIM,
     .what = "number of units", .meta = "UNITS", .help = "the number of units",
     .field = PARAM_AT(NnLayerSpec, units)},
    {.name = "activation", .type = PARAM_CHOICE, .place = PARAM_BARE, .choices = nn_act_names,
     .help = "added as an activation layer of its own on top (so that `pop` removes it)"},
    {0},
};
static const Param activation_params[] = {
    {.name = "function", .type = PARAM_CHOICE, .place = PARAM_POS, .choices = nn_act_names,
     .what = "activation", .help = "the function", .field = PARAM_AT(NnLayerSpec, act)},
    {0},
};
static const Param conv2d_params[] = {
    {.name = "filters", .type = PARAM_INT, .place = PARAM_POS, .lo = 1, .hi = NN_MAX_DIM,
     .what = "filter count", .meta = "FILTERS", .help = "the number of filters",
     .field = PARAM_AT(NnLayerSpec, filters)},
    {.name = "kernel", .type = PARAM_DIMS, .place = PARAM_POS, .dims = 2, .hi = NN_MAX_KERNEL,
     .what = "kernel size", .meta = "KxK", .help = "the kernel size",
     .field = PARAM_AT(NnLayerSpec, kh)},
    {.name = "activation", .type = PARAM_CHOICE, .place = PARAM_BARE, .choices = nn_act_names,
     .def = "linear", .help = "its activation, part of the layer",
     .field = PARAM_AT(NnLayerSpec, act)},
    {.name = "padding", .type = PARAM_CHOICE, .place = PARAM_BARE, .choices = nn_padding_names,
     .def = "valid", .help = "valid (no padding, Keras' default) or same",
     .field = PARAM_AT(NnLayerSpec, padding)},
    {0},
};
static const Param maxpool_params[] = {
    {.name = "pool", .type = PARAM_DIMS, .place = PARAM_POS_OPT, .dims = 2, .hi = NN_MAX_KERNEL,
     .def = "2x2", .what = "pool size", .meta = "KxK", .help = "the pool size, also the stride",
     .field = PARAM_AT(NnLayerSpec, ph)},
    {0},
};

typedef struct LayerKindView {
    const char *name;
    NnLayerKind kind;
    const char *summary;
    const Param *params;
} LayerKindView;

static const LayerKindView layer_kinds[] = {
    {"dense", NN_DENSE, "a fully connected layer", dense_params},
    {"activation", NN_ACTIVATION, "an activation function as a layer", activation_params},
    {"conv2d", NN_CONV2D, "a 2-D convolution, stride 1", conv2d_params},
    {"maxpool", NN_MAXPOOL, "the maximum over each pool", maxpool_params},
    {"flatten", NN_FLATTEN, "(H, W, C) as one row of H*W*C values", NULL},
    {NULL, 0, NULL, NULL},
};

static int layer_variant(size_t i, CmdVariant *out)
{
    if (i >= sizeof layer_kinds / sizeof layer_kinds[0] - 1)
        return 0;
    *out = (CmdVariant){layer_kinds[i].name, layer_kinds[i].summary, NULL,
                        layer_kinds[i].params};
    return 1;
}

static int model_add_run(Shell *sh, const CmdArgs *a)
{
    NnLayerSpec spec;
    memset(&spec, 0, sizeof spec);
    for (size_t k = 0; layer_kinds[k].name; k++)
        if (strcmp(layer_kinds[k].name, a->variant.name) == 0)
            spec.kind = layer_kinds[k].kind;
    spec.act = NN_ACT_LINEAR;
    params_store(&a->pv, &spec);
    /* dense's activation becomes a layer of its own */
    NnAct dense_act = spec.kind == NN_DENSE && cmd_given(a, "activation")
                          ? (NnAct)cmd_index(a, "activation")
                          : NN_ACT_LINEAR;
    const char *name = cmd_text(a, "name");
    if (name) {
        if (strlen(name) >= NN_NAME_MAX)
            return sh_error(sh, "bad layer name '%s' (at most %d characters)", name,
                            NN_NAME_MAX - 1);
        snprintf(spec.name, sizeof spec.name, "%s", name);
    }

    Model *m = sh->model ? model_clone(sh->model) : model_new();
    NnShape input, *inp = NULL;
    if (cmd_given(a, "input")) {
        input_shape(a, &input);
        inp = &input;
    } else if (m->n_layers == 0) {
        if (default_input(sh, spec.kind, &input) != 0)
            goto fail;
        inp = &input;
    }
    Err e;
    err_clear(&e);
    Rng r = rng_fork(&sh->rng, TAG_INIT + m->n_layers);
    if (model_add(m, &spec, inp, &r, &e) != 0) {
        sh_error_err(sh, &e);
        goto fail;
    }
    print_added(sh, m, m->n_layers - 1);
    /* `dense N ACT`: the activation is a layer of its own, as in the lab, so that
     * `model pop` removes it and leaves the dense layer's output on top. */
    if (spec.kind == NN_DENSE && dense_act != NN_ACT_LINEAR) {
        NnLayerSpec act;
        memset(&act, 0, sizeof act);
        act.kind = NN_ACTIVATION;
        act.act = dense_act;
        if (model_add(m, &act, NULL, NULL, &e) != 0) {
            sh_error_err(sh, &e);
            goto fail;
        }
        print_added(sh, m, m->n_layers - 1);
    }
    model_free(sh->model);
    sh->model = m;
    sh_report(sh, "params", (double)m->n_params);
    return CMD_OK;
fail:
    model_free(m);
    return CMD_ERR;
}

/* 7850 -> "7,850", as Keras prints totals. */
static const char *thousands(size_t v, char *buf, size_t cap)
{
    char raw[32];
    snprintf(raw, sizeof raw, "%zu", v);
    size_t n = strlen(raw), o = 0;
    for (size_t i = 0; i < n && o + 2 < cap; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = raw[i];
    }
    buf[o] = '\0';
    return buf;
}

static int model_summary_run(Shell *sh, const CmdArgs *a)
{
    (void)a;
    const Model *m = sh->model;
    if (!m)
        return sh_error(sh, "there is no model; start one with `model new`");
    static const char *const line =
        "______________________________________________________________________\n";
    static const char *const dline =
        "======================================================================\n";
    char shp[64], full[80], out[80], tot[32];
    sh_printf(sh, "Model: \"sequential\"\n%s", line);
    sh_printf(sh, " %-33s%-26s%s\n%s", "Layer (type)", "Output Shape", "Param #", dline);
    for (size_t i = 0; i < m->n_layers; i++) {
        snprintf(full, sizeof full, "%s (%s)", model_layer_name(m, i), model_layer_type(m, i));
        NnShape s = model_layer_output(m, i);
        nn_shape_str(s, shp, sizeof shp);
        snprintf(out, sizeof out, "(None, %s", shp + 1); /* Keras shows the batch as None */
        sh_printf(sh, " %-33s%-26s%zu\n", full, out, model_layer_params(m, i));
    }
    if (m->n_layers == 0)
        sh_printf(sh, " (no layer yet: `model add dense 10 softmax input 784`)\n");
    sh_printf(sh, "%s", dline);
    thousands(m->n_params, tot, sizeof tot);
    sh_printf(sh, "Total params: %s\nTrainable params: %s\nNon-trainable params: 0\n%s", tot, tot,
              line);
    if (m->compile.compiled)
        sh_printf(sh, "compiled: categorical_crossentropy, sgd lr %g; trained %ld epochs\n",
                  m->compile.lr, m->epochs_trained);
    sh_report(sh, "params", (double)m->n_params);
    sh_report(sh, "layers", (double)m->n_layers);
    return CMD_OK;
}

static int pop_run(Shell *sh, const CmdArgs *a)
{
    (void)a;
    if (!sh->model || sh->model->n_layers == 0)
        return sh_error(sh, "the model has no layer to remove; add one with `model add`");
    char name[NN_NAME_MAX], shp[64];
    snprintf(name, sizeof name, "%s", model_layer_name(sh->model, sh->model->n_layers - 1));
    Err e;
    err_clear(&e);
    if (model_pop(sh->model, &e) != 0)
        return sh_error_err(sh, &e);
    const Model *m = sh->model;
    if (m->n_layers)
        sh_printf(sh, "removed %s; the top is now %s, output %s\n", name,
                  model_layer_name(m, m->n_layers - 1),
                  nn_shape_str(model_output_shape(m), shp, sizeof shp));
    else
        sh_printf(sh, "removed %s; the model is empty\n", name);
    sh_report(sh, "params", (double)m->n_params);
    sh_report(sh, "layers", (double)m->n_layers);
    return CMD_OK;
}

/* NAME -> the file: ".model" appended when absent; a NAME without '/' lives in
 * the output folder, so lessons save beside their pictures. */
static int model_path(Shell *sh, const char *name, char *out, size_t cap, int for_write)
{
    size_t n = strlen(name);
    const char *ext = n >= 6 && strcmp(name + n - 6, ".model") == 0 ? "" : ".model";
    int w;
    if (n == 0)
        return sh_error(sh, "bad model name '' (give a name like mlp)");
    if (strchr(name, '/'))
        w = snprintf(out, cap, "%s%s", name, ext);
    else
        w = snprintf(out, cap, "%s/%s%s", sh->output_dir, name, ext);
    if (w < 0 || (size_t)w >= cap)
        return sh_error(sh, "model name '%s' is too long", name);
    if (!for_write && !strchr(name, '/')) {
        /* reading: the output folder first, then the current folder */
        struct stat st;
        if (stat(out, &st) != 0) {
            char here[SH_PATH_MAX];
            snprintf(here, sizeof here, "%s%s", name, ext);
            if (stat(here, &st) == 0)
                snprintf(out, cap, "%s", here);
        }
    }
    return 0;
}

static int model_save_run(Shell *sh, const CmdArgs *a)
{
    const char *name = cmd_text(a, "name");
    if (!sh->model || sh->model->n_layers == 0)
        return sh_error(sh, "there is no model to save; build one with `model add`");
    char path[SH_PATH_MAX];
    if (model_path(sh, name, path, sizeof path, 1) != 0)
        return CMD_ERR;
    if (!strchr(name, '/') && mkdir(sh->output_dir, 0777) != 0 && errno != EEXIST)
        return sh_error(sh, "cannot create the output folder '%s': %s; `set output DIR` to "
                            "change it", sh->output_dir, strerror(errno));
    if (sh_check_write(sh, path) != 0 || sh_keep_student_file(sh, path) != 0)
        return CMD_ERR;
    Err e;
    err_clear(&e);
    if (model_save(sh->model, path, &e) != 0)
        return sh_error_err(sh, &e);
    sh_note_lesson_file(sh, path);
    sh_printf(sh, "saved %s (%zu layers, %zu params)\n", path, sh->model->n_layers,
              sh->model->n_params);
    return CMD_OK;
}

static int model_load_run(Shell *sh, const CmdArgs *a)
{
    const char *name = cmd_text(a, "name");
    char path[SH_PATH_MAX];
    if (model_path(sh, name, path, sizeof path, 0) != 0)
        return CMD_ERR;
    Err e;
    err_clear(&e);
    Model *m = model_load(path, &e);
    if (!m)
        return sh_error_err(sh, &e);
    model_free(sh->model);
    sh->model = m;
    sh_printf(sh, "loaded %s: %zu layers, %zu params%s\n", path, m->n_layers, m->n_params,
              m->compile.compiled ? ", compiled" : "");
    sh_report(sh, "params", (double)m->n_params);
    sh_report(sh, "layers", (double)m->n_layers);
    return CMD_OK;
}

static int model_new_run(Shell *sh, const CmdArgs *a)
{
    (void)a;
    model_free(sh->model);
    sh->model = model_new();
    sh_printf(sh, "new empty model\n");
    return CMD_OK;
}

static const Param add_params[] = {
    {.name = "input", .type = PARAM_DIMS, .dims = 0, .hi = NN_MAX_DIM, .what = "input shape",
     .meta = "D|HxWxC", .help = "the input shape, for the first layer (default: the images)"},
    {.name = "name", .type = PARAM_WORD, .meta = "NAME",
     .help = "the layer's name (default: kind_N, as Keras)"},
    {0},
};
static const Param save_params[] = {
    {.name = "name", .type = PARAM_WORD, .place = PARAM_POS, .meta = "NAME",
     .complete = PARAM_COMPLETE_MODEL, .help = "NAME.model, in the output folder without '/'"},
    {0},
};
static const Param load_params[] = {
    {.name = "name", .type = PARAM_WORD, .place = PARAM_POS, .meta = "NAME",
     .complete = PARAM_COMPLETE_MODEL,
     .help = "NAME.model, looked for in the output folder, then here"},
    {0},
};

static const CmdSpec model_new_spec = {
    .name = "new", .summary = "start an empty network", .handler = model_new_run};
static const CmdSpec model_add_spec = {
    .name = "add",
    .summary = "add a layer on top",
    .help = "The first layer takes the shape of the loaded images when `input` is not given. "
            "Weights are drawn when a layer is added (Glorot uniform, zero biases) from the "
            "session seed. A layer that does not fit the one below is refused, naming both "
            "shapes.",
    .params = add_params,
    .handler = model_add_run,
    .variant = layer_variant,
    .variant_what = "layer",
};
static const CmdSpec model_summary_spec = {
    .name = "summary",
    .summary = "the layers with their output shapes and parameter counts (figure `params`)",
    .handler = model_summary_run};
static const CmdSpec model_pop_spec = {
    .name = "pop",
    .summary = "remove the top layer, keeping the weights of the others",
    .handler = pop_run};
static const CmdSpec model_save_spec = {
    .name = "save",
    .summary = "write NAME.model atomically",
    .help = "A NAME without '/' goes to the output folder (docs/model-format.md).",
    .params = save_params,
    .handler = model_save_run};
static const CmdSpec model_load_spec = {
    .name = "load",
    .summary = "read NAME.model back, checking everything",
    .params = load_params,
    .handler = model_load_run};

static const CmdSpec *const model_subs[] = {
    &model_new_spec, &model_add_spec, &model_summary_spec, &model_pop_spec, &model_save_spec,
    &model_load_spec, NULL,
};

const CmdSpec cmd_model_spec = {
    .name = "model",
    .summary = "build, inspect, save and load the network (like Keras' Sequential)",
    .help = "`model new` starts an empty network and `model add` stacks layers on it: "
            "`model add dense 100 sigmoid input 784` adds a fully connected layer and its "
            "activation as a second layer (so that `model pop` removes it alone); conv2d "
            "keeps its activation inside the layer, as in the lab.",
    .subs = model_subs,
};

const CmdSpec cmd_pop_spec = {
    .name = "pop",
    .summary = "remove the top layer of the model (same as `model pop`)",
    .help = "Removes the top layer of the model; the remaining layers keep their weights, so "
            "`predict` then gives the output of the layer below.",
    .handler = pop_run,
};
