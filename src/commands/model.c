/* model.c: `model new|add|summary|pop|save|load` and `pop`, the lab's Keras
 * Sequential typed as commands. Every sub-command builds its result aside and
 * swaps it into the session only on success. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "untangle/core/i18n.h"
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
static int default_input(Shell *sh, const NnLayerAbout *type, NnShape *s)
{
    if (sh->train.n == 0 && sh->test.n == 0)
        return sh_error(sh, _("the first layer needs its input shape: add `input 784` (dense) or "
                            "`input 28x28x1` (conv2d), or load the data first"));
    const Dataset *d = sh->train.n ? &sh->train : &sh->test;
    if (type->input_rank == 3)
        *s = (NnShape){3, {d->rows, d->cols, 1}};
    else
        *s = (NnShape){1, {d->rows * d->cols, 0, 0}};
    return 0;
}

static void print_added(Shell *sh, const Model *m, size_t i)
{
    char shp[64];
    sh_printf(sh, _("added %s (%s): output %s, %zu params\n"), model_layer_name(m, i),
              model_layer_type(m, i), nn_shape_str(model_layer_output(m, i), shp, sizeof shp),
              model_layer_params(m, i));
}

/* The layers `model add` knows: the layer registry, each type with its fields. */
static int layer_variant(size_t i, CmdVariant *out)
{
    const NnLayerAbout *t = nn_layer_type(i);
    if (!t)
        return 0;
    *out = (CmdVariant){t->name, t->summary, t->help, t->fields};
    return 1;
}

static int model_add_run(Shell *sh, const CmdArgs *a)
{
    const NnLayerAbout *type = nn_layer_find(a->variant.name);
    NnLayerSpec spec;
    memset(&spec, 0, sizeof spec);
    spec.kind = type->name;
    spec.act = NN_ACT_LINEAR;
    params_store(&a->pv, &spec);
    /* dense's activation becomes a layer of its own, as in the lab */
    NnAct top_act = type->activation_layer && cmd_given(a, "activation")
                        ? (NnAct)cmd_index(a, "activation")
                        : NN_ACT_LINEAR;
    const char *name = cmd_text(a, "name");
    if (name) {
        if (strlen(name) >= NN_NAME_MAX)
            return sh_error(sh, _("bad layer name '%s' (at most %d characters)"), name,
                            NN_NAME_MAX - 1);
        snprintf(spec.name, sizeof spec.name, "%s", name);
    }

    Model *m = sh->model ? model_clone(sh->model) : model_new();
    NnShape input, *inp = NULL;
    if (cmd_given(a, "input")) {
        input_shape(a, &input);
        inp = &input;
    } else if (m->n_layers == 0) {
        if (default_input(sh, type, &input) != 0)
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
    if (top_act != NN_ACT_LINEAR) {
        NnLayerSpec act;
        memset(&act, 0, sizeof act);
        act.kind = "activation";
        act.act = top_act;
        if (model_add(m, &act, NULL, NULL, &e) != 0) {
            sh_error_err(sh, &e);
            goto fail;
        }
        print_added(sh, m, m->n_layers - 1);
    }
    model_free(sh->model);
    sh->model = m;
    sh_model_changed(sh);
    sh_report(sh, "params", (double)m->n_params);
    sh_report(sh, "layers", (double)m->n_layers);
    return CMD_OK;
fail:
    model_free(m);
    return CMD_ERR;
}

/* 7850 -> "7,850", as Keras prints totals; "7 850" in French, where a comma would
 * read as a decimal point. */
static const char *thousands(size_t v, char *buf, size_t cap)
{
    /* TRANSLATORS: the separator of thousands in a parameter count (7,850). */
    const char *sep = C_("digit groups", ",");
    size_t ns = strlen(sep);
    char raw[32];
    snprintf(raw, sizeof raw, "%zu", v);
    size_t n = strlen(raw), o = 0;
    for (size_t i = 0; i < n && o + ns + 1 < cap; i++) {
        if (i > 0 && (n - i) % 3 == 0) {
            memcpy(buf + o, sep, ns);
            o += ns;
        }
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
        return sh_error(sh, _("there is no model; start one with `model new`"));
    static const char *const line =
        "______________________________________________________________________\n";
    static const char *const dline =
        "======================================================================\n";
    char shp[64], full[80], out[80], tot[32];
    sh_printf(sh, _("Model: \"sequential\"\n%s"), line);
    sh_printf(sh, " %-33s%-26s%s\n%s", _("Layer (type)"), _("Output Shape"), _("Param #"), dline);
    for (size_t i = 0; i < m->n_layers; i++) {
        snprintf(full, sizeof full, "%s (%s)", model_layer_name(m, i), model_layer_type(m, i));
        NnShape s = model_layer_output(m, i);
        nn_shape_str(s, shp, sizeof shp);
        snprintf(out, sizeof out, "(None, %s", shp + 1); /* Keras shows the batch as None */
        /* a name longer than the column still leaves a space, as Keras' does */
        sh_printf(sh, " %-33s%s%-26s%zu\n", full, strlen(full) >= 33 ? " " : "", out,
                  model_layer_params(m, i));
    }
    if (m->n_layers == 0)
        sh_printf(sh, _(" (no layer yet: `model add dense 10 softmax input 784`)\n"));
    sh_printf(sh, "%s", dline);
    thousands(m->n_params, tot, sizeof tot);
    sh_printf(sh, _("Total params: %s\nTrainable params: %s\nNon-trainable params: 0\n%s"), tot, tot,
              line);
    if (m->compile.compiled) {
        char opt[200];
        nn_optimizer_words(&m->compile.opt, opt, sizeof opt);
        sh_printf(sh, _("compiled: categorical_crossentropy, optimizer %s; trained %ld epochs\n"),
                  opt, m->epochs_trained);
    }
    sh_report(sh, "params", (double)m->n_params);
    sh_report(sh, "layers", (double)m->n_layers);
    return CMD_OK;
}

static int pop_run(Shell *sh, const CmdArgs *a)
{
    (void)a;
    if (!sh->model || sh->model->n_layers == 0)
        return sh_error(sh, _("the model has no layer to remove; add one with `model add`"));
    char name[NN_NAME_MAX], shp[64];
    snprintf(name, sizeof name, "%s", model_layer_name(sh->model, sh->model->n_layers - 1));
    Err e;
    err_clear(&e);
    if (model_pop(sh->model, &e) != 0)
        return sh_error_err(sh, &e);
    sh_model_changed(sh);
    const Model *m = sh->model;
    if (m->n_layers)
        sh_printf(sh, _("removed %s; the top is now %s, output %s\n"), name,
                  model_layer_name(m, m->n_layers - 1),
                  nn_shape_str(model_output_shape(m), shp, sizeof shp));
    else
        sh_printf(sh, _("removed %s; the model is empty\n"), name);
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
        return sh_error(sh, _("bad model name '' (give a name like mlp)"));
    if (strchr(name, '/'))
        w = snprintf(out, cap, "%s%s", name, ext);
    else
        w = snprintf(out, cap, "%s/%s%s", sh->output_dir, name, ext);
    if (w < 0 || (size_t)w >= cap)
        return sh_error(sh, _("model name '%s' is too long"), name);
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
        return sh_error(sh, _("there is no model to save; build one with `model add`"));
    char path[SH_PATH_MAX];
    if (model_path(sh, name, path, sizeof path, 1) != 0)
        return CMD_ERR;
    /* the output folder is made as pictures make it: with its parents */
    if (!strchr(name, '/') && sh_make_output_dir(sh) != 0)
        return CMD_ERR;
    if (sh_check_write(sh, path) != 0 || sh_keep_student_file(sh, path) != 0)
        return CMD_ERR;
    Err e;
    err_clear(&e);
    if (model_save(sh->model, path, &e) != 0)
        return sh_error_err(sh, &e);
    sh_note_lesson_file(sh, path);
    sh_printf(sh, _("saved %s (%zu layers, %zu params)\n"), path, sh->model->n_layers,
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
    sh_model_changed(sh);
    sh_printf(sh, _("loaded %s: %zu layers, %zu params%s\n"), path, m->n_layers, m->n_params,
              m->compile.compiled ? _(", compiled") : "");
    sh_report(sh, "params", (double)m->n_params);
    sh_report(sh, "layers", (double)m->n_layers);
    return CMD_OK;
}

static int model_new_run(Shell *sh, const CmdArgs *a)
{
    (void)a;
    model_free(sh->model);
    sh->model = model_new();
    sh_model_changed(sh);
    sh_printf(sh, _("new empty model\n"));
    /* what the last model reported no longer holds */
    sh_report(sh, "params", 0);
    sh_report(sh, "layers", 0);
    return CMD_OK;
}

static const Param add_params[] = {
    {.name = "input", .type = PARAM_DIMS, .dims = 0, .hi = NN_MAX_DIM, .what = N_("input shape"),
     .meta = N_("D|HxWxC"), .help = N_("the input shape, for the first layer (default: the images)")},
    {.name = "name", .type = PARAM_WORD, .meta = N_("NAME"),
     .help = N_("the layer's name (default: kind_N, as Keras)")},
    {0},
};
static const Param save_params[] = {
    {.name = "name", .type = PARAM_WORD, .place = PARAM_POS, .meta = N_("NAME"),
     .complete = PARAM_COMPLETE_MODEL, .help = N_("NAME.model, in the output folder without '/'")},
    {0},
};
static const Param load_params[] = {
    {.name = "name", .type = PARAM_WORD, .place = PARAM_POS, .meta = N_("NAME"),
     .complete = PARAM_COMPLETE_MODEL,
     .help = N_("NAME.model, looked for in the output folder, then here")},
    {0},
};

/* `model add softmax`: an activation is a word of a layer, or a layer of its own. */
static int layer_hint(const char *word, char *buf, size_t cap)
{
    for (size_t i = 0; nn_act_names[i]; i++)
        if (strcmp(word, nn_act_names[i]) == 0) {
            snprintf(buf, cap, _("an activation comes after a layer's size (`model add dense 10 "
                                 "%s`) or is a layer of its own (`model add activation %s`)"),
                     word, word);
            return 1;
        }
    return 0;
}

static const CmdSpec model_new_spec = {
    .name = "new", .summary = N_("start an empty network"), .handler = model_new_run};
static const CmdSpec model_add_spec = {
    .name = "add",
    .summary = N_("add a layer on top"),
    .help = N_("The first layer takes the shape of the loaded images when `input` is not given. "
            "Weights are drawn when a layer is added (Glorot uniform, zero biases) from the "
            "session seed. A layer that does not fit the one below is refused, naming both "
            "shapes."),
    .params = add_params,
    .handler = model_add_run,
    .variant = layer_variant,
    .variant_what = N_("layer"),
    .variant_hint = layer_hint,
};
static const CmdSpec model_summary_spec = {
    .name = "summary",
    .summary = N_("the layers with their output shapes and parameter counts (figure `params`)"),
    .handler = model_summary_run};
static const CmdSpec model_pop_spec = {
    .name = "pop",
    .summary = N_("remove the top layer, keeping the weights of the others"),
    .handler = pop_run};
static const CmdSpec model_save_spec = {
    .name = "save",
    .summary = N_("write NAME.model atomically"),
    .help = N_("A NAME without '/' goes to the output folder (docs/model-format.md)."),
    .params = save_params,
    .handler = model_save_run};
static const CmdSpec model_load_spec = {
    .name = "load",
    .summary = N_("read NAME.model back, checking everything"),
    .params = load_params,
    .handler = model_load_run};

static const CmdSpec *const model_subs[] = {
    &model_new_spec, &model_add_spec, &model_summary_spec, &model_pop_spec, &model_save_spec,
    &model_load_spec, NULL,
};

const CmdSpec cmd_model_spec = {
    .name = "model",
    .summary = N_("build, inspect, save and load the network (like Keras' Sequential)"),
    .help = N_("`model new` starts an empty network and `model add` stacks layers on it: "
            "`model add dense 100 sigmoid input 784` adds a fully connected layer and its "
            "activation as a second layer (so that `model pop` removes it alone); conv2d "
            "keeps its activation inside the layer, as in the lab."),
    .subs = model_subs,
};

const CmdSpec cmd_pop_spec = {
    .name = "pop",
    .summary = N_("remove the top layer of the model (same as `model pop`)"),
    .help = N_("Removes the top layer of the model; the remaining layers keep their weights, so "
            "`predict` then gives the output of the layer below."),
    .handler = pop_run,
};
