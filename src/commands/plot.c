/* plot.c: `plot`, the lab's 3-panel figure of the session's embedding (points with
 * the Neighborhood Hit in the title, convex hulls, Gaussian ellipses). */
#include <math.h>
#include <string.h>

#include "untangle/commands/commands.h"
#include "untangle/render/figure.h"
#include "untangle/geom/geom.h"

const char *const cmd_plot_words[] = {"to", "size", NULL};

static const OptSpec plot_opts[] = {{"to", 1}, {"size", 1}, {NULL, 0}};

#define PLOT_NH_K 6            /* the lab's title uses NH with k = 6 */

/* plot ["NAME"] [to FILE] [size WxH] */
int cmd_plot(Shell *sh, int argc, char **argv)
{
    /* Options come in pairs, so the name is there exactly when the word count after
     * `plot` is odd: `plot to x.png` has no name, `plot "to" to x.png` does. */
    int has_name = argc % 2 == 0;
    Opts o;
    if (opts_parse(sh, argv[0], argc, argv, has_name ? 2 : 1, plot_opts, &o) != 0)
        return CMD_ERR;
    const LabelledMatrix *m = &sh->embedding;
    if (!m->x || m->n == 0)
        return sh_error(sh, "no embedding; run `tsne raw` first");
    if (!m->y)
        return sh_error(sh, "the embedding \"%s\" has no labels to colour; embed `tsne raw` or "
                        "features from `predict test`", m->name);
    long w = FIGURE_WIDTH, h = FIGURE_HEIGHT;
    if (opts_get(&o, "size")) {
        if (arg_dims2(sh, "size", opts_get(&o, "size"), CANVAS_MAX_SIDE, &w, &h) != 0)
            return CMD_ERR;
        if (w < FIGURE_MIN_WIDTH || h < FIGURE_MIN_HEIGHT)
            return sh_error(sh, "size %ldx%ld is too small for three panels (should be at "
                            "least %dx%d; the lab's is %dx%d)", w, h, FIGURE_MIN_WIDTH,
                            FIGURE_MIN_HEIGHT, FIGURE_WIDTH, FIGURE_HEIGHT);
    }
    const char *name = has_name ? argv[1] : m->name;

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
    int rc = sh_show_picture(sh, c, "tsne", opts_get(&o, "to"));
    if (rc == CMD_OK) {
        if (!isnan(nh))
            sh_report(sh, "nh", nh);
        sh_report(sh, "width", c->w);
        sh_report(sh, "height", c->h);
    }
    canvas_free(c);
    return rc == CMD_OK ? CMD_OK : CMD_ERR;
}
