/* embed.c: `tsne` (a 2-D embedding of test images or predicted features) and the
 * three class-separation criteria of the lab on that embedding: `hull`, `ellipse`
 * and `nh`. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "untangle/core/i18n.h"
#include "untangle/commands/commands.h"
#include "untangle/commands/commands_extra.h"
#include "untangle/geom/geom.h"
#include "untangle/embed/pca.h"
#include "untangle/embed/tsne.h"
#include "untangle/core/xalloc.h"

static const char *const tsne_sources[] = {"raw", "features", NULL};
static const char *const tsne_inits[] = {"pca", "random", NULL};
static const char *const tsne_parts[] = {"test", "train", "all", NULL};
/* in the order of TsneMethod and TsneKnn, AUTO first */
static const char *const tsne_methods[] = {"auto", "bh", "fft", "exact", NULL};
static const char *const tsne_knns[] = {"auto", "exact", "approx", NULL};

#define TSNE_MIN_ITER 250      /* scikit-learn refuses fewer (the exploration phase) */
#define TSNE_MAX_ITER 100000
#define NH_DEFAULT_K 6         /* the lab's k */

/* ---- tsne ---- */

/* Appends s to the string in dst (capacity cap), cutting it short when full: names
 * are for display. */
static void str_append(char *dst, size_t cap, const char *s)
{
    size_t len = strlen(dst), add = strlen(s);
    if (len + 1 >= cap)
        return;
    if (add > cap - 1 - len)
        add = cap - 1 - len;
    memcpy(dst + len, s, add);
    dst[len + add] = '\0';
}

static void tsne_log_line(void *ctx, const char *line)
{
    Shell *sh = ctx;
    sh_printf(sh, "%s\n", line);
    fflush(sh->out);   /* a long run shows its progress as it comes */
}

/* The positions tsne_run left after an interruption are worth keeping only when they
 * are finite and have moved apart (an interruption before the first iteration leaves
 * nothing useful). */
static void tsne_progress_bar(void *ctx, const TsneProgressInfo *info)
{
    Shell *sh = ctx;
    sh_progress(sh, "t-SNE", (size_t)info->iteration, (size_t)info->n_iter);
}

static int tsne_partial_usable(const float *y, size_t n)
{
    int spread = 0;
    for (size_t i = 0; i < 2 * n; i++) {
        if (!isfinite(y[i]))
            return 0;
        spread |= y[i] != y[i % 2];
    }
    return spread;
}

static int tsne_command(Shell *sh, const CmdArgs *a)
{
    int src = cmd_index(a, "source");

    /* what to embed: rows of a (n, d) float matrix, borrowed from the session (or,
     * for `from all`, the training then the test images, joined below) */
    const float *x;
    const uint8_t *y;
    size_t avail, d;
    const char *what;
    int part = cmd_index(a, "from"); /* test, train, all */
    if (cmd_given(a, "from") && src != 0)
        return sh_error(sh, _("`from` picks the images of `tsne raw`; features come from "
                        "`predict`, so drop `from %s`"), cmd_text(a, "from"));
    if (src == 0) {
        const Dataset *ds = part == 1 ? &sh->train : &sh->test;
        if (sh->test.n == 0 || !sh->test.x)
            return sh_error(sh, _("no test images loaded; run `load mnist` first"));
        if (part != 0 && (sh->train.n == 0 || !sh->train.x))
            return sh_error(sh, _("no training images loaded; run `load mnist` first"));
        if (part == 2 && dataset_dim(&sh->train) != dataset_dim(&sh->test))
            return sh_error(sh, _("training and test images differ in size; load them again"));
        x = ds->x;
        y = ds->y;
        avail = part == 2 ? sh->train.n + sh->test.n : ds->n;
        d = dataset_dim(ds);
        what = part == 0 ? _("test images") : part == 1 ? _("training images") : _("images");
    } else {
        if (sh->features.n == 0 || !sh->features.x)
            return sh_error(sh, _("no features; run `predict` on a model first"));
        x = sh->features.x;
        y = sh->features.y;
        avail = sh->features.n;
        d = sh->features.d;
        what = "feature rows";
    }

    /* --quick replays cap the work, so a lesson's `first 10000` must not fail there
     * because `load` already kept fewer images. */
    long first = (long)avail;
    if (cmd_long_within(sh, a, "first", 1, sh->quick ? LONG_MAX : (long)avail, &first) != 0)
        return CMD_ERR;
    int capped = 0;
    long quick_max = (long)avail < SH_QUICK_TEST ? (long)avail : SH_QUICK_TEST;
    long asked = first;
    if (sh->quick && first > quick_max) {
        first = quick_max;
        capped = 1;
    }
    size_t n = (size_t)first;

    TsneParams p;
    tsne_params_default(&p);
    long iters = p.n_iter, verbose = cmd_long(a, "verbose");
    if (cmd_given(a, "perplexity"))
        p.perplexity = cmd_real(a, "perplexity");
    if (cmd_given(a, "iterations"))
        iters = cmd_long(a, "iterations");
    if (cmd_given(a, "angle"))
        p.angle = cmd_real(a, "angle");
    if (cmd_given(a, "init"))
        p.init_pca = cmd_index(a, "init") == 0;
    p.method = (TsneMethod)cmd_index(a, "method");
    p.knn = (TsneKnn)cmd_index(a, "knn");
    if (cmd_given(a, "pca")) {
        long pca = cmd_long(a, "pca");
        if (pca >= (long)d)
            return sh_error(sh, _("pca %ld must be below the %zu values of each point; use e.g. "
                            "pca 50"), pca, d);
        p.pca_dims = (int)pca;
    }
    if (n < 4)
        return sh_error(sh, _("t-SNE needs at least 4 points, not %zu; use first 4 or more"), n);
    if (!(p.perplexity < (double)n))
        return sh_error(sh, _("perplexity %g is too large for %zu points (it must be below the "
                        "number of points); use a smaller perplexity (5 to 50 is usual) or more "
                        "points with first N"), p.perplexity, n);
    p.n_iter = (int)iters;
    p.verbose = (int)verbose;
    p.seed = sh->seed;
    p.threads = sh->threads > 0 ? sh->threads : 1;
    if (sh->tty_out && p.verbose < 2) {
        p.progress = tsne_progress_bar;
        p.progress_ctx = sh;
    }

    char name[sizeof sh->embedding.name], range[40];
    snprintf(range, sizeof range, "[0:%zu]", n);
    name[0] = '\0';
    str_append(name, sizeof name, src == 1 ? "features" : part == 0 ? "raw test" : part == 1 ? "raw train" : "raw all");
    str_append(name, sizeof name, range);
    if (src == 1 && sh->features.name[0]) {
        str_append(name, sizeof name, " (");
        str_append(name, sizeof name, sh->features.name);
        str_append(name, sizeof name, ")");
    }
    if (capped)
        sh_printf(sh, _("(quick replay: embedding %zu %s, not %ld)\n"), n, what, asked);
    TsneMethod method = p.method == TSNE_METHOD_AUTO ? tsne_method_for(n) : p.method;
    if (method == TSNE_METHOD_BH && p.angle == 0)
        method = TSNE_METHOD_EXACT;
    char how[48];
    if (method == TSNE_METHOD_BH)
        snprintf(how, sizeof how, "bh, angle %g", p.angle);
    else
        snprintf(how, sizeof how, "%s", tsne_method_name(method));
    sh_printf(sh, _("t-SNE of %s: %zu points of %zu values, perplexity %g, init %s, %d "
              "iterations, method %s, seed %llu, %d thread%s\n"), name, n, d, p.perplexity,
              p.init_pca ? "pca" : "random", p.n_iter, how, (unsigned long long)p.seed,
              p.threads, p.threads > 1 ? "s" : "");
    fflush(sh->out);

    /* `from all`: the training images, then the test images, in one matrix. */
    float *joined = NULL;
    uint8_t *joined_y = NULL;
    if (src == 0 && part == 2) {
        size_t bytes;
        Err je;
        err_clear(&je);
        if (size_mul(n, d * sizeof(float), &bytes) != 0 ||
            mem_check_budget(bytes, _("the images to embed"), &je) != 0)
            return sh_error_err(sh, &je);
        size_t from_train = n < sh->train.n ? n : sh->train.n;
        joined = xmalloc_floats(n * d);
        joined_y = xmalloc(n);
        memcpy(joined, sh->train.x, from_train * d * sizeof(float));
        memcpy(joined_y, sh->train.y, from_train);
        memcpy(joined + from_train * d, sh->test.x, (n - from_train) * d * sizeof(float));
        memcpy(joined_y + from_train, sh->test.y, n - from_train);
        x = joined;
        y = joined_y;
    }

    /* The new embedding is built aside and replaces the old one only when usable. */
    size_t cells;
    Err e;
    err_clear(&e);
    if (size_mul(n, 2 * sizeof(float), &cells) != 0 ||
        mem_check_budget(cells, _("the embedding"), &e) != 0)
        return sh_error_err(sh, &e);
    float *out = xmalloc(n * 2 * sizeof *out);   /* (n, 2) */
    for (size_t i = 0; i < 2 * n; i++)
        out[i] = NAN;
    /* live: the map drawn as it forms, instead of the progress bar */
    TsneLive *live = NULL;
    uint8_t *no_labels = NULL;
    if (sh->live || cmd_given(a, "live")) {
        const uint8_t *labels = y ? y : (no_labels = xcalloc(n, 1));
        live = tsne_live_begin(sh, labels, n, p.n_iter);
        p.progress = tsne_live_progress;
        p.progress_ctx = live;
    }
    TsneResult res = {0};
    int rc = tsne_run(x, n, d, &p, out, &res, tsne_log_line, sh, &e);
    if (live) {
        int live_rc = tsne_live_end(live);
        tsne_live_free(live);
        free(no_labels);
        if (live_rc != CMD_OK && rc == 0) {
            free(joined);
            free(joined_y);
            free(out);
            return CMD_ERR;
        }
    } else if (p.progress) {
        sh_progress_end(sh);
    }
    free(joined);
    if (rc != 0 && !(e.interrupted && tsne_partial_usable(out, n))) {
        free(joined_y);
        free(out);
        if (e.interrupted)
            return sh_error(sh, _("t-SNE interrupted before its first iteration; the embedding "
                            "is unchanged"));
        return sh_error_err(sh, &e);
    }

    free(sh->embedding.x);
    free(sh->embedding.y);
    sh->embedding.x = out;
    sh->embedding.y = NULL;
    if (joined_y) {
        sh->embedding.y = joined_y;
    } else if (y) {
        sh->embedding.y = xmalloc(n);
        memcpy(sh->embedding.y, y, n);
    }
    sh->embedding.n = n;
    sh->embedding.d = 2;
    memcpy(sh->embedding.name, name, sizeof name);
    if (rc != 0)
        str_append(sh->embedding.name, sizeof sh->embedding.name, " (interrupted)");
    if (rc != 0) {
        sh_printf(sh, _("interrupted: kept the embedding of the last iteration as \"%s\"\n"),
                  sh->embedding.name);
        return sh_error_err(sh, &e);
    }
    sh_printf(sh, _("embedded %zu points in %.1f s: KL divergence %.4f after %d iterations\n"), n,
              res.seconds, res.kl, res.iterations);
    sh_report(sh, "kl", res.kl);
    sh_report(sh, "tsne_seconds", res.seconds);
    sh_report(sh, "n", (double)n);
    return CMD_OK;
}

/* ---- hull, ellipse, nh ---- */

/* The session's embedding with its labels, or an error saying how to get one. */
static int need_embedding(Shell *sh)
{
    if (!sh->embedding.x || sh->embedding.n == 0)
        return sh_error(sh, _("no embedding; run `tsne raw` first"));
    if (!sh->embedding.y)
        return sh_error(sh, _("the embedding \"%s\" has no labels; embed `tsne raw` or features "
                        "from `predict test`"), sh->embedding.name);
    return CMD_OK;
}

static void report_class(Shell *sh, const char *what, int c, double v)
{
    char name[FIGURE_NAME_MAX];
    snprintf(name, sizeof name, "%s.%d", what, c);
    sh_report(sh, name, v);
}

static int hull_run(Shell *sh, const CmdArgs *a)
{
    (void)a;
    if (need_embedding(sh) != CMD_OK)
        return CMD_ERR;
    const LabelledMatrix *m = &sh->embedding;
    GeomHulls h;
    Err e;
    err_clear(&e);
    if (geom_hulls(m->x, m->y, m->n, &h, &e) != 0)
        return sh_error_err(sh, &e);
    /* The hull of all points, to say how much the class hulls overlap: their areas
     * add up to more than the whole when they do. */
    size_t *all = xmalloc(m->n * sizeof *all);
    double all_area, sum = 0;
    geom_convex_hull(m->x, NULL, m->n, all, &all_area);
    free(all);

    sh_printf(sh, _("convex hulls of %s\n"), m->name);
    sh_printf(sh, "%5s %7s %9s %12s\n", _("class"), _("points"), _("vertices"), _("area"));
    for (int c = 0; c < h.n_classes; c++) {
        const GeomHull *hc = &h.cls[c];
        if (hc->count == 0)
            continue;
        sh_printf(sh, "%5d %7zu %9zu %12.1f%s\n", c, hc->count, hc->n_vertices, hc->area,
                  hc->degenerate ? _("  (flat: under 3 points, or all on a line)") : "");
        report_class(sh, "hull.area", c, hc->area);
        report_class(sh, "hull.vertices", c, (double)hc->n_vertices);
        sum += hc->area;
    }
    sh_printf(sh, _("all points: area %.1f; the class hulls add up to %.2f times that%s\n"),
              all_area, all_area > 0 ? sum / all_area : 0.0,
              all_area > 0 && sum > all_area ? _(" (they overlap)") : "");
    if (all_area > 0)
        sh_report(sh, "hull.ratio", sum / all_area);
    geom_hulls_free(&h);
    return CMD_OK;
}

static int ellipse_run(Shell *sh, const CmdArgs *a)
{
    (void)a;
    if (need_embedding(sh) != CMD_OK)
        return CMD_ERR;
    const LabelledMatrix *m = &sh->embedding;
    GeomEllipses el;
    Err e;
    err_clear(&e);
    if (geom_ellipses(m->x, m->y, m->n, &el, &e) != 0)
        return sh_error_err(sh, &e);
    sh_printf(sh, _("Gaussian ellipses of %s (full axes 2*sqrt(2)*sqrt(eigenvalue))\n"), m->name);
    sh_printf(sh, "%5s %7s %9s %9s %9s %9s %7s\n", _("class"), _("points"), _("mean x"), _("mean y"), _("major"),
              _("minor"), _("angle"));
    for (int c = 0; c < el.n_classes; c++) {
        const GeomEllipse *g = &el.cls[c];
        if (g->count == 0)
            continue;
        sh_printf(sh, "%5d %7zu %9.2f %9.2f %9.2f %9.2f %7.1f\n", c, g->count, g->mean[0],
                  g->mean[1], g->major, g->minor, g->angle);
        report_class(sh, "ellipse.major", c, g->major);
        report_class(sh, "ellipse.minor", c, g->minor);
    }
    geom_ellipses_free(&el);
    return CMD_OK;
}

static int nh_run(Shell *sh, const CmdArgs *a)
{
    if (need_embedding(sh) != CMD_OK)
        return CMD_ERR;
    const LabelledMatrix *m = &sh->embedding;
    if (m->n < 2)
        return sh_error(sh, _("the embedding has %zu point; Neighborhood Hit needs at least 2"),
                        m->n);
    long k = NH_DEFAULT_K < m->n ? NH_DEFAULT_K : (long)m->n - 1;
    if (cmd_long_within(sh, a, "k", 1, (long)m->n - 1, &k) != 0)
        return CMD_ERR;
    GeomNH nh;
    Err e;
    err_clear(&e);
    if (geom_nh(m->x, m->y, m->n, (size_t)k, &nh, &e) != 0)
        return sh_error_err(sh, &e);
    sh_printf(sh, _("Neighborhood Hit (k %ld) of %s: %.1f%%\n"), k, m->name, 100 * nh.global);
    sh_printf(sh, "%5s %7s %7s\n", _("class"), _("points"), _("NH"));
    for (int c = 0; c < nh.n_classes; c++) {
        if (nh.count[c] == 0)
            continue;
        sh_printf(sh, "%5d %7zu %6.1f%%\n", c, nh.count[c], 100 * nh.per_class[c]);
        report_class(sh, "nh", c, nh.per_class[c]);
    }
    sh_report(sh, "nh", nh.global);
    geom_nh_free(&nh);
    return CMD_OK;
}

/* The defaults shown are scikit-learn 1.2's, which tsne_params_default sets. */
static const Param tsne_params[] = {
    {.name = "source", .type = PARAM_CHOICE, .place = PARAM_POS, .choices = tsne_sources,
     .help = N_("the loaded images, or the last predicted features")},
    {.name = "from", .type = PARAM_CHOICE, .choices = tsne_parts, .def = "test",
     .help = N_("which images: all is the training then the test images")},
    {.name = "first", .type = PARAM_INT, .lo = 1, .hi = 9e15,
     .help = N_("embed the first N rows (all by default)")},
    {.name = "perplexity", .type = PARAM_REAL, .lo = 1e-3, .hi = 1e6, .def = "30",
     .help = N_("the effective number of neighbours")},
    {.name = "init", .type = PARAM_CHOICE, .choices = tsne_inits, .def = "pca",
     .help = N_("the starting positions")},
    {.name = "iterations", .type = PARAM_INT, .lo = TSNE_MIN_ITER, .hi = TSNE_MAX_ITER,
     .def = "1000", .help = N_("gradient steps, early exaggeration included")},
    {.name = "verbose", .type = PARAM_INT, .lo = 0, .hi = 2, .def = "0", .meta = N_("0|1|2"),
     .help = N_("2 reports the KL divergence every 50 iterations")},
    {.name = "angle", .type = PARAM_REAL, .lo = 0, .hi = 1, .def = "0.5",
     .help = N_("Barnes-Hut's accuracy; 0 runs the exact (slow) gradient")},
    {.name = "method", .type = PARAM_CHOICE, .choices = tsne_methods, .def = "auto",
     .help = N_("the repulsion: bh below 20000 points, fft (grid and FFT) from there, or exact")},
    {.name = "knn", .type = PARAM_CHOICE, .choices = tsne_knns, .def = "auto",
     .help = N_("the neighbours: exact, or approx (from 20000 points, 2000 with method fft, in "
                "over 128 dimensions)")},
    {.name = "pca", .type = PARAM_INT, .lo = 2, .hi = PCA_COV_MAX_K, .meta = N_("D"),
     .help = N_("first project on D principal components (FIt-SNE's practice: 50)")},
    {.name = "live", .type = PARAM_FLAG,
     .help = N_("watch the map form: the points redrawn every few iterations, and a GIF")},
    {0},
};

const CmdSpec cmd_tsne_spec = {
    .name = "tsne",
    .summary = N_("embed images or features in 2-D with t-SNE"),
    /* xgettext:no-c-format */
    .help = N_("Runs t-SNE as scikit-learn 1.2 does (PCA init, perplexity 30, early "
            "exaggeration 12 for 250 iterations, 1000 in all) on the loaded images (`raw`: "
            "the test images, `from train`, or `from all`: the training then the test "
            "images, 70000 for MNIST) or on the last predicted features (`features`). The "
            "result is the embedding that hull, ellipse, nh and plot use. The repulsion: "
            "Barnes-Hut below 20000 points (as scikit-learn), from there FFT-accelerated "
            "interpolation on a grid (FIt-SNE's method; the pairs nearer than a few grid "
            "intervals exactly). The neighbours: exact below 20000 points (2000 with method "
            "fft); from there, in "
            "more than 128 dimensions, candidates among the 64 principal components, then "
            "exact distances (over 99% of the exact neighbours on MNIST, much faster). "
            "`verbose 1` prints each stage with its time and the time left. With `live` (or "
            "`set live on`), the points are redrawn in place every few iterations, coloured "
            "by class, with the iteration, the phase and the KL divergence; the last frame "
            "and a short animation of the run (GIF) go to the output folder and the report. "
            "Ctrl-C keeps the embedding of the last iteration."),
    .params = tsne_params,
    .handler = tsne_command,
};

const CmdSpec cmd_hull_spec = {
    .name = "hull",
    .summary = N_("per-class convex hulls of the embedding"),
    .help = N_("Computes each class's convex hull in the embedding and prints its vertex count "
            "and area."),
    .handler = hull_run,
};

const CmdSpec cmd_ellipse_spec = {
    .name = "ellipse",
    .summary = N_("per-class Gaussian ellipses of the embedding"),
    .help = N_("Fits a Gaussian to each class of the embedding (mean, maximum-likelihood "
            "covariance) and prints the mean, the axes (2*sqrt(2)*sqrt(eigenvalue)) and the "
            "angle."),
    .handler = ellipse_run,
};

static const Param nh_params[] = {
    {.name = "k", .type = PARAM_INT, .lo = 1, .hi = 9e15, .def = "6",
     .help = N_("neighbours of each point (the lab's 6), below the number of points")},
    {0},
};

const CmdSpec cmd_nh_spec = {
    .name = "nh",
    .summary = N_("Neighborhood Hit of the embedding"),
    .help = N_("For each point, the share of its K nearest other points with the same label, "
            "averaged over all points and per class: how well the classes separate."),
    .params = nh_params,
    .handler = nh_run,
};
