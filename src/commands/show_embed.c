/* show_embed.c: `show hulls` and `show ellipses`, one panel of the lab's figure
 * alone and larger: the class hulls, or the class ellipses, over the points of
 * the session's embedding (see commands_extra.h). */
#include "untangle/core/i18n.h"
#include "untangle/commands/commands_extra.h"
#include "untangle/render/figure.h"

static int panel_run(Shell *sh, const CmdArgs *a, FigureKind kind, const char *stem)
{
    const LabelledMatrix *m = &sh->embedding;
    if (!m->x || m->n == 0)
        return sh_error(sh, _("no embedding; run `tsne raw` first"));
    if (!m->y)
        return sh_error(sh, _("the embedding \"%s\" has no labels to tell the classes apart; "
                            "embed `tsne raw` or features from `predict test`"), m->name);
    int size[3];
    int w = 0, h = 0;
    if (cmd_dims(a, "size", size) == 2) {
        w = size[0];
        h = size[1];
    }
    Err e;
    err_clear(&e);
    Canvas *c = figure_panel(m->x, m->y, m->n, m->name, 0, kind, w, h, &e);
    if (!c)
        return sh_error_err(sh, &e);
    int rc = sh_show_picture(sh, c, stem, cmd_text(a, "to"));
    if (rc == CMD_OK) {
        sh_report(sh, "width", c->w);
        sh_report(sh, "height", c->h);
    }
    canvas_free(c);
    return rc == CMD_OK ? CMD_OK : CMD_ERR;
}

static int hulls_run(Shell *sh, const CmdArgs *a)
{
    return panel_run(sh, a, FIGURE_HULLS, "hulls");
}

static int ellipses_run(Shell *sh, const CmdArgs *a)
{
    return panel_run(sh, a, FIGURE_ELLIPSES, "ellipses");
}

static const Param panel_params[] = {
    CMD_PARAM_TO,
    {.name = "size", .type = PARAM_DIMS, .dims = 2, .hi = CANVAS_MAX_SIDE, .meta = N_("WxH"),
     .help = N_("the picture's size in pixels (640x560)")},
    {0},
};

const CmdSpec show_hulls_spec = {
    .name = "hulls",
    .summary = N_("the convex hull of each class on the embedding, alone and larger"),
    .help = N_("The middle panel of `plot`: each class's convex hull (the smallest convex "
            "polygon holding its points) over the faint points. `hull` gives their areas."),
    .params = panel_params,
    .handler = hulls_run,
};

const CmdSpec show_ellipses_spec = {
    .name = "ellipses",
    .summary = N_("the Gaussian ellipse of each class on the embedding, alone and larger"),
    .help = N_("The bottom panel of `plot`: each class's fitted Gaussian drawn as an ellipse "
            "of full axes 2*sqrt(2)*sqrt(eigenvalue) over the faint points. `ellipse` gives "
            "their axes."),
    .params = panel_params,
    .handler = ellipses_run,
};
