/* show_nn.c: the pictures of a network: `show curves`, `show confusion`, `show
 * weights`, `show activations`, `show errors` (see commands_extra.h). Each checks
 * what it needs (a model, its history, test data of the model's input size), builds
 * its picture with a pure function of src/render and hands it to sh_show_picture.
 * None changes the session except for the figures it reports. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "untangle/core/i18n.h"
#include "untangle/render/activations.h"
#include "untangle/commands/commands_extra.h"
#include "untangle/render/confusion.h"
#include "untangle/render/curves.h"
#include "untangle/render/label_grid.h"
#include "untangle/nn/nn.h"
#include "untangle/render/weights.h"
#include "untangle/core/xalloc.h"

#define SHOW_CLASSES 10


/* Shows c (freed here) and turns the result into a command status. */
static int show_and_free(Shell *sh, Canvas *c, const char *stem, const char *to)
{
    int rc = sh_show_picture(sh, c, stem, to);
    canvas_free(c);
    return rc == CMD_OK ? CMD_OK : CMD_ERR;
}

static int need_model(Shell *sh)
{
    if (!sh->model || sh->model->n_layers == 0)
        return sh_error(sh, _("there is no model; build one with `model new` and `model add`")),
               -1;
    return 0;
}

/* Test images that fit the model's input. */
static int need_test(Shell *sh)
{
    if (need_model(sh) != 0)
        return -1;
    if (!sh->data_name[0] || sh->test.n == 0 || !sh->test.x)
        return sh_error(sh, _("no test images loaded; run `load mnist` first")), -1;
    size_t in = nn_shape_size(sh->model->input), dim = dataset_dim(&sh->test);
    if (in != dim) {
        char shp[64];
        return sh_error(sh, _("the model takes %s inputs but the test images have %d x %d = %zu "
                            "pixels; build the model with `input 784` or `input 28x28x1`"),
                        nn_shape_str(sh->model->input, shp, sizeof shp), sh->test.rows,
                        sh->test.cols, dim),
               -1;
    }
    return 0;
}

/* The model's top layer must give one score per class. */
static int need_class_scores(Shell *sh)
{
    NnShape out = model_output_shape(sh->model);
    if (out.rank != 1 || out.d[0] != SHOW_CLASSES) {
        char shp[64];
        size_t top = sh->model->n_layers - 1;
        return sh_error(sh, _("the top layer '%s' gives %s values, not one score per class (%d); "
                            "add `model add dense %d softmax` on top (or `pop` back to it)"),
                        model_layer_name(sh->model, top), nn_shape_str(out, shp, sizeof shp),
                        SHOW_CLASSES, SHOW_CLASSES),
               -1;
    }
    return 0;
}

/* Scores (test.n, 10) of the whole test set, allocated; NULL after sh_error. */
static float *test_scores(Shell *sh)
{
    if (need_test(sh) != 0 || need_class_scores(sh) != 0)
        return NULL;
    Err e;
    err_clear(&e);
    float *scores = NULL;
    size_t dim = 0;
    model_set_threads(sh->model, sh->threads);
    if (model_predict(sh->model, sh->test.x, sh->test.n, &scores, &dim, &e) != 0) {
        sh_error_err(sh, &e);
        return NULL;
    }
    return scores;
}

/* ---- show curves ---- */

static int curves_run(Shell *sh, const CmdArgs *a)
{
    if (!sh->model || sh->model->history.n == 0)
        return sh_error(sh, _("no training history; run `fit` first"));
    const NnHistory *h = &sh->model->history;
    CurvesData d = {h->n, h->loss, h->accuracy, h->val_loss, h->val_accuracy};
    Err e;
    err_clear(&e);
    Canvas *c = curves_picture(&d, &e);
    if (!c)
        return sh_error_err(sh, &e);
    sh_printf(sh, _("%zu epoch%s: loss %.4f -> %.4f, accuracy %.4f -> %.4f\n"), h->n,
              h->n == 1 ? "" : "s", h->loss[0], h->loss[h->n - 1], h->accuracy[0],
              h->accuracy[h->n - 1]);
    int rc = show_and_free(sh, c, "curves", cmd_text(a, "to"));
    if (rc == CMD_OK)
        sh_report_model(sh, "epochs", (double)h->n);
    return rc;
}

/* ---- show confusion ---- */

static int confusion_run(Shell *sh, const CmdArgs *a)
{
    float *scores = test_scores(sh);
    if (!scores)
        return CMD_ERR;
    size_t counts[SHOW_CLASSES * SHOW_CLASSES];
    Err e;
    err_clear(&e);
    int rc = CMD_ERR;
    if (confusion_count(scores, sh->test.n, SHOW_CLASSES, sh->test.y, counts, NULL, &e) != 0) {
        rc = sh_error_err(sh, &e);
        goto out;
    }
    double acc = confusion_accuracy(counts, SHOW_CLASSES);
    char title[128];
    snprintf(title, sizeof title, _("confusion on %zu test images: accuracy %.2f%%"),
             sh->test.n, 100 * acc);
    Canvas *c = confusion_picture(counts, SHOW_CLASSES, title, &e);
    if (!c) {
        rc = sh_error_err(sh, &e);
        goto out;
    }
    /* the weakest class and the most frequent confusion, in words */
    size_t worst = 0, ct = 0, cp = 1;
    double worst_acc = 2;
    for (size_t t = 0; t < SHOW_CLASSES; t++) {
        double ca = confusion_class_accuracy(counts, SHOW_CLASSES, t);
        if (!isnan(ca) && ca < worst_acc)
            worst_acc = ca, worst = t;
        for (size_t p = 0; p < SHOW_CLASSES; p++)
            if (p != t && counts[t * SHOW_CLASSES + p] > counts[ct * SHOW_CLASSES + cp])
                ct = t, cp = p;
    }
    sh_printf(sh, _("accuracy %.2f%% on %zu test images; weakest class %zu (%.1f%%); most "
                  "frequent confusion: %zu taken for %zu (%zu times)\n"),
              100 * acc, sh->test.n, worst, 100 * worst_acc, ct, cp,
              counts[ct * SHOW_CLASSES + cp]);
    rc = show_and_free(sh, c, "confusion", cmd_text(a, "to"));
    if (rc == CMD_OK) {
        char name[FIGURE_NAME_MAX];
        sh_report_model(sh, "accuracy", acc);
        for (size_t t = 0; t < SHOW_CLASSES; t++) {
            snprintf(name, sizeof name, "class_accuracy.%zu", t);
            sh_report_model(sh, name, confusion_class_accuracy(counts, SHOW_CLASSES, t));
            for (size_t p = 0; p < SHOW_CLASSES; p++) {
                snprintf(name, sizeof name, "confusion.%zu.%zu", t, p);
                sh_report_model(sh, name, (double)counts[t * SHOW_CLASSES + p]);
            }
        }
    }
out:
    free(scores);
    return rc;
}

/* ---- show weights ---- */

static NnShape layer_input(const Model *m, size_t i)
{
    return i == 0 ? m->input : model_layer_output(m, i - 1);
}

/* The picture shape (rows, cols) of what dense layer i reads, when it reads an
 * image: through flatten layers down to a one-channel image, or the model's input
 * when it is the image size of the loaded data (or a square). 0 otherwise. */
static int layer_image_input(const Shell *sh, size_t i, int *rows, int *cols)
{
    const Model *m = sh->model;
    NnShape s = layer_input(m, i);
    size_t j = i;
    while (s.rank == 1 && j > 0 && nn_kind_is(model_layer_spec(m, j - 1), "flatten")) {
        j--;
        s = layer_input(m, j);
    }
    if (s.rank == 3)
        return s.d[2] == 1 ? (*rows = s.d[0], *cols = s.d[1], 1) : 0;
    if (j != 0)
        return 0;  /* a hidden layer's units are not pixels */
    size_t d = (size_t)s.d[0];
    if (sh->test.x && dataset_dim(&sh->test) == d) {
        *rows = sh->test.rows;
        *cols = sh->test.cols;
        return 1;
    }
    int r = (int)lround(sqrt((double)d));
    if (r >= 2 && (size_t)r * (size_t)r == d)
        return *rows = *cols = r, 1;
    return 0;
}

/* Layer index (0-based) from a 1-based number or a name; -1 after sh_error. */
static long find_layer(Shell *sh, const char *text)
{
    const Model *m = sh->model;
    for (size_t i = 0; i < m->n_layers; i++)
        if (strcmp(model_layer_name(m, i), text) == 0)
            return (long)i;
    if (text[0] >= '0' && text[0] <= '9') {
        long k;
        if (arg_long(sh, _("layer"), text, 1, (long)m->n_layers, &k) != 0)
            return -1;
        return k - 1;
    }
    char names[512];
    size_t at = 0;
    for (size_t i = 0; i < m->n_layers && at < sizeof names; i++) {
        int w = snprintf(names + at, sizeof names - at, "%s%s", i ? ", " : "",
                         model_layer_name(m, i));
        at += w > 0 ? (size_t)w : 0;
    }
    return sh_error(sh, _("bad layer '%s' (should be a number 1..%zu or a name: %s); see "
                        "`model summary`"), text, m->n_layers, names), -1;
}

static int weights_run(Shell *sh, const CmdArgs *a)
{
    if (need_model(sh) != 0)
        return CMD_ERR;
    int scale = cmd_index(a, "scale");
    long li = find_layer(sh, cmd_text(a, "layer"));
    if (li < 0)
        return CMD_ERR;
    const Model *m = sh->model;
    size_t i = (size_t)li, n = 0;
    const NnLayerSpec *spec = model_layer_spec(m, i);
    const float *w = model_layer_weights(m, i, &n);
    if (!w || n == 0 || (!nn_kind_is(spec, "dense") && !nn_kind_is(spec, "conv2d"))) {
        char with[256];
        size_t at = 0;
        with[0] = '\0';
        for (size_t j = 0; j < m->n_layers && at < sizeof with; j++) {
            size_t nj;
            if (!model_layer_weights(m, j, &nj))
                continue;
            int k = snprintf(with + at, sizeof with - at, "%s%zu %s", at ? ", " : "", j + 1,
                             model_layer_name(m, j));
            at += k > 0 ? (size_t)k : 0;
        }
        return sh_error(sh, _("layer %zu '%s' (%s) has no weights to draw; layers with weights: "
                            "%s"), i + 1, model_layer_name(m, i), model_layer_type(m, i),
                        at ? with : _("none"));
    }
    Err e;
    err_clear(&e);
    Canvas *c = NULL;
    char title[200];
    double drawn = 0;
    if (nn_kind_is(spec, "dense")) {
        size_t units = (size_t)spec->units, in = n / units;
        int rows, cols;
        if (layer_image_input(sh, i, &rows, &cols)) {
            snprintf(title, sizeof title, _("%s: the weights of each unit over the %dx%d input, "
                                          "%s scale"), model_layer_name(m, i), rows, cols,
                     scale == WEIGHTS_SCALE_SHARED ? _("one") : _("per-unit"));
            c = weights_units_picture(w, in, units, rows, cols, (WeightsScale)scale, title, &e);
            drawn = (double)(units < WEIGHTS_MAX_UNITS ? units : WEIGHTS_MAX_UNITS);
        } else {
            snprintf(title, sizeof title, _("%s: %zu units (rows) x %zu inputs (columns)"),
                     model_layer_name(m, i), units, in);
            c = weights_matrix_picture(w, in, units, title, &e);
            drawn = (double)units;
        }
    } else {
        int cin = (int)(n / ((size_t)spec->kh * (size_t)spec->kw * (size_t)spec->filters));
        c = weights_filters_picture(w, spec->kh, spec->kw, cin, spec->filters, NULL, &e);
        drawn = (double)spec->filters;
    }
    if (!c)
        return sh_error_err(sh, &e);
    int rc = show_and_free(sh, c, "weights", cmd_text(a, "to"));
    if (rc == CMD_OK)
        sh_report_model(sh, "units", drawn);
    return rc;
}

/* ---- show activations ---- */

static int activations_run(Shell *sh, const CmdArgs *a)
{
    if (need_test(sh) != 0)
        return CMD_ERR;
    long idx = cmd_long(a, "image");
    if (cmd_long_within(sh, a, "image", 0, (long)sh->test.n - 1, &idx) != 0)
        return CMD_ERR;
    const Model *m = sh->model;
    size_t L = m->n_layers, dim = dataset_dim(&sh->test);
    const float *x = sh->test.x + (size_t)idx * dim;
    /* Each layer's output for this one image, without reaching into the network:
     * a copy is cut down from the top, predicting before each cut. */
    float **outs = xcalloc(L, sizeof *outs);
    Model *cut = model_clone(m);
    Err e;
    err_clear(&e);
    int rc = CMD_ERR;
    Canvas *c = NULL;
    ActMap *maps = NULL;
    char (*labels)[96] = NULL;
    for (size_t k = L; k > 0; k--) {
        size_t d;
        if (model_predict(cut, x, 1, &outs[k - 1], &d, &e) != 0 ||
            (k > 1 && model_pop(cut, &e) != 0)) {
            rc = sh_error_err(sh, &e);
            goto out;
        }
    }
    maps = xcalloc(L + 1, sizeof *maps);
    labels = xcalloc(L + 1, sizeof *labels);
    size_t nm = 0;
    NnShape in = m->input;
    snprintf(labels[0], sizeof labels[0], _("input: test image %ld, label %u"), idx,
             sh->test.y[idx]);
    maps[nm] = (ActMap){labels[0], x, 3, sh->test.rows, sh->test.cols, 1};
    if (in.rank == 3)
        maps[nm].h = in.d[0], maps[nm].w = in.d[1], maps[nm].c = in.d[2];
    nm++;
    for (size_t k = 0; k < L && nm < ACT_MAX_MAPS; k++) {
        if (nn_kind_is(model_layer_spec(m, k), "flatten"))
            continue;  /* the same values as below, in one row */
        NnShape s = model_layer_output(m, k);
        char shp[64];
        snprintf(labels[nm], sizeof labels[nm], "%zu %s (%s) %s", k + 1, model_layer_name(m, k),
                 model_layer_type(m, k), nn_shape_str(s, shp, sizeof shp));
        if (s.rank == 3)
            maps[nm] = (ActMap){labels[nm], outs[k], 3, s.d[0], s.d[1], s.d[2]};
        else
            maps[nm] = (ActMap){labels[nm], outs[k], 1, 1, 1, s.d[0]};
        nm++;
    }
    NnShape top = model_output_shape(m);
    long predicted = -1;
    char title[160];
    if (top.rank == 1 && top.d[0] == SHOW_CLASSES) {
        predicted = (long)confusion_argmax(outs[L - 1], SHOW_CLASSES);
        snprintf(title, sizeof title, _("test image %ld (label %u) through the network: "
                                      "predicted %ld"), idx, sh->test.y[idx], predicted);
    } else {
        snprintf(title, sizeof title, _("test image %ld (label %u) through the network"), idx,
                 sh->test.y[idx]);
    }
    c = activations_picture(maps, nm, title, &e);
    if (!c) {
        rc = sh_error_err(sh, &e);
        goto out;
    }
    rc = show_and_free(sh, c, "activations", cmd_text(a, "to"));
    if (rc == CMD_OK) {
        sh_report_model(sh, "layers", (double)(nm - 1));
        if (predicted >= 0)
            sh_report_model(sh, "predicted", (double)predicted);
    }
out:
    for (size_t k = 0; k < L; k++)
        free(outs[k]);
    free(outs);
    free(maps);
    free(labels);
    model_free(cut);
    return rc;
}

/* ---- show errors ---- */

static int errors_run(Shell *sh, const CmdArgs *a)
{
    long want = cmd_long(a, "count"), cols = cmd_long(a, "cols");
    float *scores = test_scores(sh);
    if (!scores)
        return CMD_ERR;
    size_t n = sh->test.n, dim = dataset_dim(&sh->test), wrong = 0;
    size_t shown_cap = (size_t)want;
    size_t *which = xmalloc(shown_cap * sizeof *which);
    uint8_t *pred = xmalloc(shown_cap);
    for (size_t i = 0; i < n; i++) {
        size_t p = confusion_argmax(scores + i * SHOW_CLASSES, SHOW_CLASSES);
        if (p == sh->test.y[i])
            continue;
        if (wrong < shown_cap) {
            which[wrong] = i;
            pred[wrong] = (uint8_t)p;
        }
        wrong++;
    }
    free(scores);
    int rc = CMD_OK;
    size_t shown = wrong < shown_cap ? wrong : shown_cap;
    float *imgs = NULL;
    char (*text)[32] = NULL;
    const char **labels = NULL;
    double acc = 1 - (double)wrong / (double)n;
    sh_printf(sh, _("%zu of %zu test images are misclassified (accuracy %.2f%%)\n"), wrong, n,
              100 * acc);
    if (shown > 0) {
        imgs = xmalloc_floats(shown * dim);  /* (shown, rows, cols) */
        text = xmalloc(shown * sizeof *text);
        labels = xmalloc(shown * sizeof *labels);
        for (size_t k = 0; k < shown; k++) {
            memcpy(imgs + k * dim, sh->test.x + which[k] * dim, dim * sizeof *imgs);
            /* "true→pred", the arrow in UTF-8 */
            snprintf(text[k], sizeof text[k], "%u\xe2\x86\x92%u", sh->test.y[which[k]], pred[k]);
            labels[k] = text[k];
        }
        char title[160];
        snprintf(title, sizeof title, _("%zu of %zu test images are misclassified%s (true\xe2\x86\x92"
                                      "predicted)"), wrong, n, shown < wrong ? _(", the first shown")
                                                                            : "");
        Err e;
        err_clear(&e);
        Canvas *c = label_grid(imgs, shown, sh->test.rows, sh->test.cols, labels, (int)cols,
                               title, &e);
        /* too wide for the terminal to stay legible: fewer there, all in the PNG */
        int x0, x1, y;
        label_grid_cell(0, 2, &x0, &y);
        label_grid_cell(1, 2, &x1, &y);
        int fit = sh_term_grid_columns(sh, (double)(x1 - x0) * sh->test.cols / LABEL_GRID_CELL);
        TermView tv = {NULL, 0, shown};
        if (c && fit > 0 && fit < cols && (size_t)fit < shown) {
            tv.shown = (size_t)fit * SHOW_TERM_ROWS < shown ? (size_t)fit * SHOW_TERM_ROWS
                                                             : shown;
            tv.c = label_grid(imgs, tv.shown, sh->test.rows, sh->test.cols, labels, fit, title,
                              &e);
        }
        rc = c ? sh_show_picture_as(sh, c, &tv, "errors", cmd_text(a, "to")) : sh_error_err(sh, &e);
        rc = rc == CMD_OK ? CMD_OK : CMD_ERR;
        canvas_free(tv.c);
        canvas_free(c);
    }
    if (rc == CMD_OK) {
        sh_report_model(sh, "errors", (double)wrong);
        sh_report_model(sh, "images", (double)shown);
        sh_report_model(sh, "accuracy", acc);
    }
    free(which);
    free(pred);
    free(imgs);
    free(text);
    free(labels);
    return rc;
}

/* ---- the specs: one per picture, listed in show.c ---- */

static const Param to_only[] = {CMD_PARAM_TO, {0}};

const CmdSpec show_curves_spec = {
    .name = "curves",
    .summary = N_("loss and accuracy per epoch of every `fit`, train and validation"),
    .help = N_("Draws the training curves of the session's model; reports `epochs`."),
    .params = to_only,
    .handler = curves_run,
};

const CmdSpec show_confusion_spec = {
    .name = "confusion",
    .summary = N_("the 10x10 confusion matrix on the test set"),
    .help = N_("Rows are the true classes, columns the predicted ones, with the accuracy of "
            "each class; reports accuracy, class_accuracy.C and confusion.T.P (counts)."),
    .params = to_only,
    .handler = confusion_run,
};

static const Param weights_params[] = {
    {.name = "layer", .type = PARAM_WORD, .place = PARAM_POS, .meta = N_("LAYER"),
     .help = N_("a layer by number or name, as `model summary` shows them")},
    {.name = "scale", .type = PARAM_CHOICE, .choices = weights_scale_names, .def = "shared",
     .help = N_("one colour scale for all units, or one per unit")},
    CMD_PARAM_TO,
    {0},
};

const CmdSpec show_weights_spec = {
    .name = "weights",
    .summary = N_("the weights of a layer: templates, a matrix or filters"),
    .help = N_("A dense layer on the pixels draws each unit's weights as an image (red "
            "positive, blue negative, one scale for all units or `scale unit`), other dense "
            "layers as a matrix, conv2d its filters. Reports `units`."),
    .params = weights_params,
    .handler = weights_run,
};

static const Param activations_params[] = {
    {.name = "image", .type = PARAM_INT, .place = PARAM_POS, .lo = 0, .hi = 1e9, .meta = N_("N"),
     .what = N_("test image"), .help = N_("the test image, from 0")},
    CMD_PARAM_TO,
    {0},
};

const CmdSpec show_activations_spec = {
    .name = "activations",
    .summary = N_("test image N through every layer"),
    .help = N_("Draws the output of each layer for one test image (feature maps for conv2d "
            "and maxpool); reports `layers` and `predicted`."),
    .params = activations_params,
    .handler = activations_run,
};

static const Param errors_params[] = {
    {.name = "count", .type = PARAM_INT, .place = PARAM_POS_OPT, .lo = 1, .hi = LABEL_GRID_MAX,
     .def = "36", .meta = N_("N"), .what = N_("number of images"), .help = N_("how many to show")},
    {.name = "cols", .type = PARAM_INT, .lo = 1, .hi = 256, .def = "12",
     .help = N_("images per row")},
    CMD_PARAM_TO,
    {0},
};

const CmdSpec show_errors_spec = {
    .name = "errors",
    .summary = N_("the first N misclassified test images, true\xe2\x86\x92predicted"),
    .help = N_("Shows the misclassified test images with the true and the predicted class "
            "under each; reports errors (all misclassified), images (shown) and accuracy."),
    .params = errors_params,
    .handler = errors_run,
};
