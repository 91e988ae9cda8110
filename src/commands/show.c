/* show.c: `show`, the pictures of the session. Each sub-command builds a Canvas
 * and hands it to sh_show_picture, which writes the PNG and draws it in the
 * terminal. Sub-commands live in one small table so that later pictures
 * (curves, confusion, weights, errors, activations) are one function and one
 * line each. */
#include <stdio.h>
#include <string.h>

#include "untangle/commands/commands.h"
#include "untangle/commands/commands_extra.h"
#include "untangle/render/image_grid.h"

const char *const cmd_show_words[] = {"images", "from", "train", "test", "cols", "to",
                                      SHOW_NN_WORDS, NULL};

typedef struct ShowSub {
    const char *name;
    int (*run)(Shell *sh, int argc, char **argv); /* argv[1] is the sub-command */
} ShowSub;

static int show_images(Shell *sh, int argc, char **argv);

static const ShowSub show_subs[] = {
    {"images", show_images},
    {"curves", show_curves},           /* show_nn.c */
    {"confusion", show_confusion},
    {"weights", show_weights},
    {"activations", show_activations},
    {"errors", show_errors},
};
#define SHOW_N_SUBS (sizeof show_subs / sizeof show_subs[0])
/* the same names for arg_choice's "should be ..." message */
static const char *const show_sub_names[] = {"images", "curves", "confusion", "weights",
                                             "activations", "errors", NULL};
_Static_assert(sizeof show_sub_names / sizeof show_sub_names[0] == SHOW_N_SUBS + 1,
               "show_subs and show_sub_names must list the same sub-commands");

static const char *const show_sets[] = {"train", "test", NULL};
static const OptSpec show_images_opts[] = {{"from", 1}, {"cols", 1}, {"to", 1}, {NULL, 0}};

#define SHOW_DEFAULT_IMAGES 200

/* show images [N] [from train|test] [cols C] [to FILE] */
static int show_images(Shell *sh, int argc, char **argv)
{
    /* An optional count comes first, before the `name value` options; a word that
     * does not start like a number is left to the options (so that a typo such as
     * `form` is reported as an unknown option). */
    int first_opt = 2;
    const char *count_text = NULL;
    if (argc > 2 && argv[2][0] && strchr("0123456789+-", argv[2][0])) {
        count_text = argv[2];
        first_opt = 3;
    }
    Opts o;
    if (opts_parse(sh, argv[0], argc, argv, first_opt, show_images_opts, &o) != 0)
        return CMD_ERR;

    int which = 0;
    if (opts_get(&o, "from") && (which = arg_choice(sh, "set", opts_get(&o, "from"),
                                                    show_sets)) < 0)
        return CMD_ERR;
    const Dataset *d = which == 0 ? &sh->train : &sh->test;
    if (!sh->data_name[0])
        return sh_error(sh, "no data loaded; run `load mnist` first");
    if (d->n == 0 || !d->x)
        return sh_error(sh, "no %s images loaded; run `load mnist` first", show_sets[which]);

    long n = d->n < SHOW_DEFAULT_IMAGES ? (long)d->n : SHOW_DEFAULT_IMAGES;
    if (count_text && arg_long(sh, "number of images", count_text, 1, (long)d->n, &n) != 0)
        return CMD_ERR;

    ImageGridLayout lay = image_grid_default();
    long cols = lay.cols;
    long max_cols = CANVAS_MAX_SIDE / (lay.cell + lay.hpad);
    if (opts_long(sh, &o, "cols", 1, max_cols, &cols) != 0)
        return CMD_ERR;
    lay.cols = (int)cols;

    Err e;
    err_clear(&e);
    Canvas *c = image_grid(d->x, (size_t)n, d->rows, d->cols, &lay, &e);
    if (!c)
        return sh_error_err(sh, &e);
    int rc = sh_show_picture(sh, c, "images", opts_get(&o, "to"));
    if (rc == CMD_OK) {
        sh_report(sh, "width", c->w);
        sh_report(sh, "height", c->h);
        sh_report(sh, "images", (double)n);
    }
    canvas_free(c);
    return rc == CMD_OK ? CMD_OK : CMD_ERR;
}

int cmd_show(Shell *sh, int argc, char **argv)
{
    if (argc < 2)
        return sh_error(sh, "show needs a picture (should be images, curves, confusion, "
                            "weights, activations or errors); see `help show`");
    int k = arg_choice(sh, "picture", argv[1], show_sub_names);
    if (k < 0)
        return CMD_ERR;
    return show_subs[k].run(sh, argc, argv);
}
