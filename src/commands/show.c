/* show.c: `show`, the pictures of the session. Each sub-command builds a Canvas
 * and hands it to sh_show_picture, which writes the PNG and draws it in the
 * terminal. A picture is one CmdSpec with its handler (in this file or
 * show_nn.c) and one line in show_subs. */
#include <stdio.h>
#include <string.h>

#include "untangle/commands/commands.h"
#include "untangle/commands/commands_extra.h"
#include "untangle/render/image_grid.h"

static const char *const show_sets[] = {"train", "test", NULL};

#define SHOW_DEFAULT_IMAGES 200

/* show images [N] [from train|test] [cols C] [to FILE] */
static int images_run(Shell *sh, const CmdArgs *a)
{
    int which = cmd_index(a, "from");
    const Dataset *d = which == 0 ? &sh->train : &sh->test;
    if (!sh->data_name[0])
        return sh_error(sh, "no data loaded; run `load mnist` first");
    if (d->n == 0 || !d->x)
        return sh_error(sh, "no %s images loaded; run `load mnist` first", show_sets[which]);

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
    int rc = sh_show_picture(sh, c, "images", cmd_text(a, "to"));
    if (rc == CMD_OK) {
        sh_report(sh, "width", c->w);
        sh_report(sh, "height", c->h);
        sh_report(sh, "images", (double)n);
    }
    canvas_free(c);
    return rc == CMD_OK ? CMD_OK : CMD_ERR;
}

static const Param images_params[] = {
    {.name = "count", .type = PARAM_INT, .place = PARAM_POS_OPT, .lo = 1, .hi = 1e9,
     .def = "200", .meta = "N", .what = "number of images", .help = "the first N images"},
    {.name = "from", .type = PARAM_CHOICE, .choices = show_sets, .def = "train",
     .help = "which part of the data"},
    {.name = "cols", .type = PARAM_INT, .lo = 1, .hi = 1e6, .def = "20",
     .help = "images per row"},
    CMD_PARAM_TO,
    {0},
};

static const CmdSpec show_images_spec = {
    .name = "images",
    .summary = "the first N images of the data, grey on black (exercise 0)",
    .help = "Draws the first N (200) images, 20 per row; reports width, height and images.",
    .params = images_params,
    .handler = images_run,
};

/* One line per picture; each sub-command's spec sits beside its handler. */
static const CmdSpec *const show_subs[] = {
    &show_images_spec,
    &show_curves_spec,       /* show_nn.c */
    &show_confusion_spec,
    &show_weights_spec,
    &show_activations_spec,
    &show_errors_spec,
    NULL,
};

const CmdSpec cmd_show_spec = {
    .name = "show",
    .summary = "draw pictures: images, training curves, confusion matrix, weights, feature "
               "maps, mistakes",
    .help = "Each picture goes to the terminal and to a PNG in the output folder (`to FILE` "
            "names it).",
    .subs = show_subs,
};
