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

const char *const cmd_model_words[] = {
    "new", "add", "summary", "pop", "save", "load", "dense", "activation", "conv2d", "maxpool",
    "flatten", "sigmoid", "softmax", "relu", "tanh", "linear", "same", "valid", "input", "name",
    NULL};

static const char *const sub_names[] = {"new", "add", "summary", "pop", "save", "load", NULL};
static const char *const kind_words[] = {"dense", "activation", "conv2d", "maxpool", "flatten",
                                         NULL};

static int is_word(const char *w, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(w, list[i]) == 0)
            return (int)i;
    return -1;
}

/* `input D` or `input HxWxC`. */
static int parse_input(Shell *sh, const char *text, NnShape *s)
{
    long a, b, c;
    memset(s, 0, sizeof *s);
    if (strchr(text, 'x')) {
        if (arg_dims3(sh, "input shape", text, NN_MAX_DIM, &a, &b, &c) != 0)
            return -1;
        *s = (NnShape){3, {(int)a, (int)b, (int)c}};
        return 0;
    }
    if (arg_long(sh, "input size", text, 1, NN_MAX_DIM, &a) != 0)
        return -1;
    *s = (NnShape){1, {(int)a, 0, 0}};
    return 0;
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

static int model_add_cmd(Shell *sh, int argc, char **argv)
{
    if (argc < 3)
        return sh_error(sh, "model add needs a layer: dense, activation, conv2d, maxpool or "
                            "flatten");
    int kind = arg_choice(sh, "layer", argv[2], kind_words);
    if (kind < 0)
        return CMD_ERR;
    NnLayerSpec spec;
    memset(&spec, 0, sizeof spec);
    spec.kind = (NnLayerKind)kind;
    spec.act = NN_ACT_LINEAR;
    spec.padding = NN_PAD_VALID; /* Keras' default */
    int pos = 3;
    NnAct dense_act = NN_ACT_LINEAR; /* dense's activation becomes a layer of its own */
    long v, a, b;

    switch (spec.kind) {
    case NN_DENSE:
        if (argc < 4)
            return sh_error(sh, "model add dense needs the number of units: `model add dense "
                                "10 softmax`");
        if (arg_long(sh, "dense size", argv[3], 1, NN_MAX_DIM, &v) != 0)
            return CMD_ERR;
        spec.units = (int)v;
        pos = 4;
        break;
    case NN_ACTIVATION:
        if (argc < 4)
            return sh_error(sh, "model add activation needs a function: sigmoid, softmax, relu, "
                                "tanh or linear");
        if ((v = arg_choice(sh, "activation", argv[3], nn_act_names)) < 0)
            return CMD_ERR;
        spec.act = (NnAct)v;
        pos = 4;
        break;
    case NN_CONV2D:
        if (argc < 5)
            return sh_error(sh, "model add conv2d needs filters and kernel size: `model add "
                                "conv2d 32 5x5 sigmoid same`");
        if (arg_long(sh, "filter count", argv[3], 1, NN_MAX_DIM, &v) != 0 ||
            arg_dims2(sh, "kernel size", argv[4], NN_MAX_KERNEL, &a, &b) != 0)
            return CMD_ERR;
        spec.filters = (int)v;
        spec.kh = (int)a;
        spec.kw = (int)b;
        pos = 5;
        break;
    case NN_MAXPOOL:
        spec.ph = spec.pw = 2;
        if (argc > 3 && strchr(argv[3], 'x') && strcmp(argv[3], "input") != 0) {
            if (arg_dims2(sh, "pool size", argv[3], NN_MAX_KERNEL, &a, &b) != 0)
                return CMD_ERR;
            spec.ph = (int)a;
            spec.pw = (int)b;
            pos = 4;
        }
        break;
    default:
        break;
    }
    /* Optional words, in any order: an activation (dense, conv2d), a padding (conv2d). */
    for (; pos < argc; pos++) {
        int w;
        if ((spec.kind == NN_DENSE || spec.kind == NN_CONV2D) &&
            (w = is_word(argv[pos], nn_act_names)) >= 0) {
            if (spec.kind == NN_DENSE)
                dense_act = (NnAct)w;
            else
                spec.act = (NnAct)w;
        } else if (spec.kind == NN_CONV2D && (w = is_word(argv[pos], nn_padding_names)) >= 0) {
            spec.padding = (NnPadding)w;
        } else {
            break;
        }
    }
    static const OptSpec add_opts[] = {{"input", 1}, {"name", 1}, {NULL, 0}};
    Opts o;
    if (opts_parse(sh, "model add", argc, argv, pos, add_opts, &o) != 0)
        return CMD_ERR;
    const char *name = opts_get(&o, "name");
    if (name) {
        if (strlen(name) >= NN_NAME_MAX)
            return sh_error(sh, "bad layer name '%s' (at most %d characters)", name,
                            NN_NAME_MAX - 1);
        snprintf(spec.name, sizeof spec.name, "%s", name);
    }

    Model *m = sh->model ? model_clone(sh->model) : model_new();
    NnShape input, *inp = NULL;
    if (opts_get(&o, "input")) {
        if (parse_input(sh, opts_get(&o, "input"), &input) != 0)
            goto fail;
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

static int model_summary(Shell *sh)
{
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

static int do_pop(Shell *sh)
{
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

int cmd_pop(Shell *sh, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return do_pop(sh);
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

static int model_save_cmd(Shell *sh, const char *name)
{
    if (!sh->model || sh->model->n_layers == 0)
        return sh_error(sh, "there is no model to save; build one with `model add`");
    char path[SH_PATH_MAX];
    if (model_path(sh, name, path, sizeof path, 1) != 0)
        return CMD_ERR;
    if (!strchr(name, '/') && mkdir(sh->output_dir, 0777) != 0 && errno != EEXIST)
        return sh_error(sh, "cannot create the output folder '%s': %s; `set output DIR` to "
                            "change it", sh->output_dir, strerror(errno));
    if (sh_check_write(sh, path) != 0)
        return CMD_ERR;
    Err e;
    err_clear(&e);
    if (model_save(sh->model, path, &e) != 0)
        return sh_error_err(sh, &e);
    sh_printf(sh, "saved %s (%zu layers, %zu params)\n", path, sh->model->n_layers,
              sh->model->n_params);
    return CMD_OK;
}

static int model_load_cmd(Shell *sh, const char *name)
{
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

int cmd_model(Shell *sh, int argc, char **argv)
{
    int sub = arg_choice(sh, "model sub-command", argv[1], sub_names);
    switch (sub) {
    case 0: /* new */
        if (argc > 2)
            return sh_error(sh, "model new takes no argument");
        model_free(sh->model);
        sh->model = model_new();
        sh_printf(sh, "new empty model\n");
        return CMD_OK;
    case 1:
        return model_add_cmd(sh, argc, argv);
    case 2:
        if (argc > 2)
            return sh_error(sh, "model summary takes no argument");
        return model_summary(sh);
    case 3:
        if (argc > 2)
            return sh_error(sh, "model pop takes no argument");
        return do_pop(sh);
    case 4:
    case 5:
        if (argc != 3)
            return sh_error(sh, "model %s needs one NAME: `model %s mlp`", sub_names[sub],
                            sub_names[sub]);
        return sub == 4 ? model_save_cmd(sh, argv[2]) : model_load_cmd(sh, argv[2]);
    default:
        return CMD_ERR;
    }
}
