/* plot.c: `plot`, the lab's 3-panel figure of the session's embedding (points with
 * the Neighborhood Hit in the title, convex hulls, Gaussian ellipses). */
#include <math.h>
#include <string.h>

#include "untangle/core/i18n.h"
#include "untangle/commands/commands.h"
#include "untangle/render/figure.h"
#include "untangle/geom/geom.h"

#define PLOT_NH_K 6            /* the lab's title uses NH with k = 6 */

/* plot ["NAME"] [to FILE] [size WxH] */
static int plot_run(Shell *sh, const CmdArgs *a)
{
    const LabelledMatrix *m = &sh->embedding;
    if (!m->x || m->n == 0)
        return sh_error(sh, _("no embedding; run `tsne raw` first"));
    if (!m->y)
        return sh_error(sh, _("the embedding \"%s\" has no labels to colour; embed `tsne raw` or "
                        "features from `predict test`"), m->name);
    long w = FIGURE_WIDTH, h = FIGURE_HEIGHT;
    int size[3];
    if (cmd_dims(a, "size", size) == 2) {
        w = size[0];
        h = size[1];
        if (w < FIGURE_MIN_WIDTH || h < FIGURE_MIN_HEIGHT)
            return sh_error(sh, _("size %ldx%ld is too small for three panels (should be at "
                            "least %dx%d; the lab's is %dx%d)"), w, h, FIGURE_MIN_WIDTH,
                            FIGURE_MIN_HEIGHT, FIGURE_WIDTH, FIGURE_HEIGHT);
    }
    const char *name = cmd_given(a, "name") ? cmd_text(a, "name") : m->name;

    Err e;
    err_clear(&e);
    double nh = NAN;
    if (m->n > PLOT_NH_K) {
        GeomNH g;
        if (geom_nh(m->x, m->y, m->n, PLOT_NH_K, &g, &e) != 0)
            return sh_error_err(sh, &e);
        nh = g.global;
        geom_nh_free(&g);
    }
    Canvas *c = figure_embedding(m->x, m->y, m->n, name, nh, (int)w, (int)h, &e);
    if (!c)
        return sh_error_err(sh, &e);
    int rc = sh_show_picture(sh, c, "tsne", cmd_text(a, "to"));
    if (rc == CMD_OK) {
        if (!isnan(nh))
            sh_report(sh, "nh", nh);
        sh_report(sh, "width", c->w);
        sh_report(sh, "height", c->h);
    }
    canvas_free(c);
    return rc == CMD_OK ? CMD_OK : CMD_ERR;
}

/* The title is optional and comes first; since options come in pairs, it is
 * there exactly when the words after `plot` are odd in number: `plot to x.png`
 * has no title, `plot "to" to x.png` does (params_parse's rule). */
static const Param plot_params[] = {
    {.name = "name", .type = PARAM_WORD, .place = PARAM_POS_OPT, .meta = N_("\"NAME\""),
     .help = N_("the title (default: where the embedding came from)")},
    CMD_PARAM_TO,
    {.name = "size", .type = PARAM_DIMS, .dims = 2, .hi = CANVAS_MAX_SIDE, .meta = N_("WxH"),
     .help = N_("the picture's size in pixels (the lab's 384x719)")},
    {0},
};

const CmdSpec cmd_plot_spec = {
    .name = "plot",
    .summary = N_("the lab's 3-panel figure: points, hulls, ellipses"),
    .help = N_("Draws the embedding three times, stacked: points coloured by class titled "
            "\"NAME NH=xx.x%\", the convex hulls, and the fitted ellipses."),
    .params = plot_params,
    .handler = plot_run,
};
