/* show.c: `show`, the pictures of the session. Each sub-command builds a Canvas
 * and hands it to sh_show_picture, which writes the PNG and draws it in the
 * terminal. A picture is one CmdSpec with its handler (in this file or
 * show_nn.c) and one line in show_subs. */
#include <stdio.h>
#include <string.h>

#include "untangle/core/i18n.h"
#include "untangle/commands/commands.h"
#include "untangle/commands/commands_extra.h"
#include "untangle/core/xalloc.h"
#include "untangle/nn/nn.h"
#include "untangle/render/digit_view.h"
#include "untangle/render/image_grid.h"

static const char *const show_sets[] = {"train", "test", NULL};

#define SHOW_DEFAULT_IMAGES 200

/* The image set `from` names, with a message when it is empty; NULL after sh_error. */
static const Dataset *show_set(Shell *sh, const CmdArgs *a, int *which)
{
    *which = cmd_index(a, "from");
    const Dataset *d = *which == 0 ? &sh->train : &sh->test;
    if (!sh->data_name[0])
        return sh_error(sh, _("no data loaded; run `load mnist` first")), NULL;
    if (d->n == 0 || !d->x)
        return sh_error(sh, _("no %s images loaded; run `load mnist` first"), show_sets[*which]),
               NULL;
    return d;
}

/* The model's class probabilities for one image, when the session has a model that
 * reads images of this size and ends in a 10-way softmax; NULL otherwise (caller
 * frees). */
static float *image_probabilities(Shell *sh, const Dataset *d, const float *img)
{
    const Model *m = sh->model;
    if (!m || m->n_layers == 0 || nn_shape_size(m->input) != dataset_dim(d))
        return NULL;
    NnShape out = model_output_shape(m);
    const NnLayerSpec *top = model_layer_spec(m, m->n_layers - 1);
    if (out.rank != 1 || out.d[0] != 10 || !nn_kind_is(top, "activation") ||
        top->act != NN_ACT_SOFTMAX)
        return NULL;
    float *probs = NULL;
    size_t dim = 0;
    Err e;
    err_clear(&e);
    model_set_threads(sh->model, sh->threads);
    if (model_predict(sh->model, img, 1, &probs, &dim, &e) != 0 || dim != 10) {
        free(probs);
        return NULL;
    }
    return probs;
}

/* show image N [from train|test] [to FILE] */
static int image_run(Shell *sh, const CmdArgs *a)
{
    int which;
    const Dataset *d = show_set(sh, a, &which);
    if (!d)
        return CMD_ERR;
    long i = cmd_long(a, "index");
    if (cmd_long_within(sh, a, "index", 0, (long)d->n - 1, &i) != 0)
        return CMD_ERR;
    const float *img = d->x + (size_t)i * dataset_dim(d);
    unsigned label = d->y[i];
    float *probs = image_probabilities(sh, d, img);
    size_t best = 0;
    for (size_t k = 1; probs && k < 10; k++)
        if (probs[k] > probs[best])
            best = k;
    char title[160], caption[96];
    /* One message per set, so that a translation can say "training image". */
    if (probs)
        snprintf(title, sizeof title,
                 which == 0 ? _("train image %ld: label %u, predicted %zu (probability %.3f)")
                            : _("test image %ld: label %u, predicted %zu (probability %.3f)"),
                 i, label, best, probs[best]);
    else
        snprintf(title, sizeof title,
                 which == 0 ? _("train image %ld: label %u") : _("test image %ld: label %u"), i,
                 label);
    snprintf(caption, sizeof caption, _("%dx%d pixels, each drawn %dx%d"), d->rows, d->cols,
             DIGIT_VIEW_ZOOM, DIGIT_VIEW_ZOOM);
    Err e;
    err_clear(&e);
    Canvas *c = image_view(img, d->rows, d->cols, title, caption, probs, probs ? 10 : 0, &e);
    if (!c) {
        free(probs);
        return sh_error_err(sh, &e);
    }
    sh_printf(sh, "%s\n", title);
    int rc = sh_show_picture(sh, c, "image", cmd_text(a, "to"));
    canvas_free(c);
    if (rc == CMD_OK) {
        sh_report(sh, "label", label);
        if (probs) {
            sh_report_model(sh, "predicted", (double)best);
            sh_report_model(sh, "probability", probs[best]);
        }
    }
    free(probs);
    return rc == CMD_OK ? CMD_OK : CMD_ERR;
}

static const Param image_params[] = {
    {.name = "index", .type = PARAM_INT, .place = PARAM_POS, .lo = 0, .hi = 9e15, .meta = N_("N"),
     .what = N_("image"), .help = N_("the image, from 0")},
    {.name = "from", .type = PARAM_CHOICE, .choices = show_sets, .def = "train",
     .help = N_("which part of the data")},
    CMD_PARAM_TO,
    {0},
};

static const CmdSpec show_image_spec = {
    .name = "image",
    .summary = N_("one image enlarged, with its label and the model's prediction"),
    .help = N_("Draws image N (from 0) of the training set (or `from test`) at 8 times its "
            "size with its label; when the session's model reads such images and ends in a "
            "softmax, also what it predicts, with the probability of each class. Reports "
            "label, and predicted and probability with a model."),
    .params = image_params,
    .handler = image_run,
};

/* show images [N] [from train|test] [cols C] [to FILE] */
static int images_run(Shell *sh, const CmdArgs *a)
{
    int which;
    const Dataset *d = show_set(sh, a, &which);
    if (!d)
        return CMD_ERR;

    long n = d->n < SHOW_DEFAULT_IMAGES ? (long)d->n : SHOW_DEFAULT_IMAGES;
    if (cmd_long_within(sh, a, "count", 1, (long)d->n, &n) != 0)
        return CMD_ERR;

    ImageGridLayout lay = image_grid_default();
    long cols = lay.cols;
    long max_cols = CANVAS_MAX_SIDE / (lay.cell + lay.hpad);
    if (cmd_long_within(sh, a, "cols", 1, max_cols, &cols) != 0)
        return CMD_ERR;
    lay.cols = (int)cols;

    Err e;
    err_clear(&e);
    Canvas *c = image_grid(d->x, (size_t)n, d->rows, d->cols, &lay, &e);
    if (!c)
        return sh_error_err(sh, &e);
    /* A grid too wide for the terminal would leave a few cells per image there:
     * the terminal gets the first rows of a narrower grid, the PNG all of them. */
    TermView tv = {NULL, 0, (size_t)n};
    double slot_src = (double)(lay.cell + lay.hpad) * d->cols / lay.cell;
    int fit = sh_term_grid_columns(sh, slot_src);
    if (fit > 0 && fit < lay.cols && fit < n) {
        ImageGridLayout small = lay;
        small.cols = fit;
        size_t shown = (size_t)fit * SHOW_TERM_ROWS < (size_t)n ? (size_t)fit * SHOW_TERM_ROWS
                                                                 : (size_t)n;
        tv.c = image_grid(d->x, shown, d->rows, d->cols, &small, &e);
        tv.shown = shown;
    }
    int rc = sh_show_picture_as(sh, c, &tv, "images", cmd_text(a, "to"));
    canvas_free(tv.c);
    if (rc == CMD_OK) {
        sh_report(sh, "width", c->w);
        sh_report(sh, "height", c->h);
        sh_report(sh, "images", (double)n);
        /* and from which part: a lesson asks for the training images */
        char name[FIGURE_NAME_MAX];
        snprintf(name, sizeof name, "images_from_%s", show_sets[which]);
        sh_report(sh, name, (double)n);
    }
    canvas_free(c);
    return rc == CMD_OK ? CMD_OK : CMD_ERR;
}

static const Param images_params[] = {
    {.name = "count", .type = PARAM_INT, .place = PARAM_POS_OPT, .lo = 1, .hi = 9e15, /* data */
     .def = "200", .meta = N_("N"), .what = N_("number of images"), .help = N_("the first N images")},
    {.name = "from", .type = PARAM_CHOICE, .choices = show_sets, .def = "train",
     .help = N_("which part of the data")},
    {.name = "cols", .type = PARAM_INT, .lo = 1, .hi = 1e6, .def = "20",
     .help = N_("images per row")},
    CMD_PARAM_TO,
    {0},
};

static const CmdSpec show_images_spec = {
    .name = "images",
    .summary = N_("the first N images of the data, grey on black (exercise 0)"),
    .help = N_("Draws the first N (200) images, 20 per row; reports width, height and images."),
    .params = images_params,
    .handler = images_run,
};

/* One line per picture; each sub-command's spec sits beside its handler. */
static const CmdSpec *const show_subs[] = {
    &show_images_spec,
    &show_image_spec,
    &show_curves_spec,       /* show_nn.c */
    &show_confusion_spec,
    &show_weights_spec,
    &show_activations_spec,
    &show_errors_spec,
    &show_hulls_spec,        /* show_embed.c */
    &show_ellipses_spec,
    NULL,
};

const CmdSpec cmd_show_spec = {
    .name = "show",
    .summary = N_("draw pictures: images, training curves, confusion matrix, weights, feature "
               "maps, mistakes, hulls, ellipses"),
    .help = N_("Each picture goes to the terminal and to a PNG in the output folder (`to FILE` "
            "names it)."),
    .subs = show_subs,
};
