/* figure.c: the lab's 3-panel figure (points, convex hulls, ellipses). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "untangle/core/i18n.h"
#include "untangle/core/interrupt.h"
#include "untangle/render/figure.h"
#include "untangle/geom/geom.h"
#include "untangle/render/plot.h"
#include "untangle/core/xalloc.h"

/* Sizes at the default 384x719, scaled with the picture. */
#define FIG_LEFT 40.0          /* room for y tick labels such as "-100" */
#define FIG_RIGHT 38.0         /* colour bar, its ticks and labels */
#define FIG_TITLE 24.0         /* band above each area */
#define FIG_BOTTOM 22.0        /* x tick labels */
#define FIG_BAR_W 11.0
#define FIG_BAR_GAP 7.0
#define FIG_FONT 9.0

#define FIG_DOT 1.25           /* top panel dots (matplotlib s=3 at 100 dpi) */
#define FIG_FAINT_DOT 1.0
#define FIG_FAINT_ALPHA 0.18   /* points under the hulls and ellipses */
#define FIG_HULL_WIDTH 1.5
#define FIG_ELLIPSE_ALPHA 0.55

/* The scale of a band of band_h rows of a width-wide picture, against one panel
 * of the lab's figure (a third of its height). */
static double fig_scale(int width, double band_h)
{
    double s = fmin(width / (double)FIGURE_WIDTH, band_h / (FIGURE_HEIGHT / 3.0));
    return s < 0.5 ? 0.5 : s;
}

/* The panel drawn in rows [top, bottom) of a width-wide picture, at scale s. */
static void fig_band(int width, int top, int bottom, double s, FigurePanel *out)
{
    out->top = top;
    out->bottom = bottom;
    out->font = FIG_FONT * s;
    out->ax = (int)lround(FIG_LEFT * s);
    out->ay = top + (int)lround(FIG_TITLE * s);
    out->aw = width - out->ax - (int)lround(FIG_RIGHT * s);
    out->ah = bottom - (int)lround(FIG_BOTTOM * s) - out->ay;
    out->title_y = top + (int)lround(FIG_TITLE * s * 0.5);
    out->bar_x = out->ax + out->aw + (int)lround(FIG_BAR_GAP * s);
    out->bar_w = (int)lround(FIG_BAR_W * s);
}

void figure_layout(int width, int height, int panel, FigurePanel *out)
{
    fig_band(width, (int)lround((double)height * panel / 3.0),
             (int)lround((double)height * (panel + 1) / 3.0), fig_scale(width, height / 3.0),
             out);
}

static PlotArea fig_area(const FigurePanel *fp, const double lim[4])
{
    return plot_area(fp->ax, fp->ay, fp->aw, fp->ah, lim[0], lim[1], lim[2], lim[3]);
}

static void fig_axes(Plot *p, const PlotArea *a, const FigurePanel *fp, const char *title)
{
    PlotAxes ax = {.title = title, .font = fp->font, .title_font = fp->font * 1.25,
                   .ticks = 6};
    plot_axes(p, a, &ax);
}

static void fig_colorbar(Plot *p, const FigurePanel *fp, int n_classes)
{
    uint32_t col[256];
    char text[256][12];
    const char *lab[256];
    for (int c = 0; c < n_classes; c++) {
        col[c] = plot_palette(c);
        snprintf(text[c], sizeof text[c], "%d", c);
        lab[c] = text[c];
    }
    plot_colorbar(p, fp->bar_x, fp->ay, fp->bar_w, fp->ah, col, lab, (size_t)n_classes,
                  fp->font);
}

static void fig_hulls(Plot *p, const PlotArea *a, const float *xy, const GeomHulls *h)
{
    double *pts = NULL;
    size_t cap = 0;
    for (int c = 0; c < h->n_classes; c++) {
        const GeomHull *hc = &h->cls[c];
        if (hc->n_vertices > cap) {
            cap = hc->n_vertices;
            pts = xrealloc(pts, cap * 2 * sizeof *pts);
        }
        for (size_t j = 0; j < hc->n_vertices; j++) {
            pts[2 * j] = xy[2 * hc->vertices[j]];
            pts[2 * j + 1] = xy[2 * hc->vertices[j] + 1];
        }
        plot_polyline(p, a, pts, hc->n_vertices, hc->n_vertices >= 3, FIG_HULL_WIDTH,
                      plot_palette(c));
    }
    free(pts);
}

/* Draws panel `kind` in the band fp over the data limits lim. */
static void fig_panel(Plot *p, const FigurePanel *fp, const double lim[4], FigureKind kind,
                      const float *xy, const uint8_t *labels, size_t n, int n_classes,
                      int alone, const GeomHulls *hulls, const GeomEllipses *ells,
                      const char *title)
{
    double s = fp->font / FIG_FONT;
    PlotArea a = fig_area(fp, lim);
    if (kind == FIGURE_POINTS && alone) {
        /* a frame among many (live views): squares, fast */
        plot_dots_labels(p, &a, xy, labels, n, (int)lround(2 * FIG_DOT * s));
    } else if (kind == FIGURE_POINTS) {
        /* drawn in their order as the lab's scatter(c=labels) */
        plot_scatter_labels(p, &a, xy, labels, n, FIG_DOT * s, 1.0);
    } else {
        plot_scatter_labels(p, &a, xy, labels, n, FIG_FAINT_DOT * s, FIG_FAINT_ALPHA);
        if (kind == FIGURE_HULLS)
            fig_hulls(p, &a, xy, hulls);
        /* translucent ellipses, class 0 first as the lab */
        for (int c = 0; kind == FIGURE_ELLIPSES && c < ells->n_classes && !interrupt_pending(); c++) {
            const GeomEllipse *el = &ells->cls[c];
            if (el->count > 0)
                plot_ellipse(p, &a, el->mean[0], el->mean[1], el->major, el->minor, el->angle,
                             plot_alpha(plot_palette(c), FIG_ELLIPSE_ALPHA));
        }
    }
    fig_axes(p, &a, fp, title);
    fig_colorbar(p, fp, n_classes);
}

/* Panels `first`..`last` of the figure stacked in a width x height picture. */
static Canvas *fig_draw(const float *xy, const uint8_t *labels, size_t n, const char *name,
                        double nh, int width, int height, int first, int last, Err *e)
{
    Canvas *out = NULL;
    Plot *p = NULL;
    GeomHulls hulls = {0};
    GeomEllipses ells = {0};

    if (n == 0) {
        err_set(e, _("the embedding has no points; run `tsne` first"));
        return NULL;
    }
    if (width < FIGURE_MIN_WIDTH || height < FIGURE_MIN_HEIGHT / (last - first + 1) ||
        width > CANVAS_MAX_SIDE || height > CANVAS_MAX_SIDE) {
        err_set(e, _("figure size %dx%d is out of range; use at least %dx%d and at most %dx%d "
                "(the lab's is %dx%d)"), width, height, FIGURE_MIN_WIDTH, FIGURE_MIN_HEIGHT,
                CANVAS_MAX_SIDE, CANVAS_MAX_SIDE, FIGURE_WIDTH, FIGURE_HEIGHT);
        return NULL;
    }
    /* the points alone (live views, many frames) need neither hulls nor ellipses */
    int nc = 0;
    for (size_t i = 0; i < n; i++)
        if (labels[i] + 1 > nc)
            nc = labels[i] + 1;
    if (last >= FIGURE_HULLS && geom_hulls(xy, labels, n, &hulls, e) < 0)
        goto out;
    if (last >= FIGURE_ELLIPSES && geom_ellipses(xy, labels, n, &ells, e) < 0)
        goto out;
    for (size_t i = 0; i < 2 * n; i++)
        if (!isfinite(xy[i])) {
            err_set(e, _("point %zu of the embedding is not finite; run `tsne` again"), i / 2);
            goto out;
        }
    p = plot_new(width, height, PLOT_WHITE, e);
    if (!p)
        goto out;

    double lim[4];
    plot_limits_xy(xy, n, 0.05, lim);
    const char *nm = name ? name : "";
    char title[3][160];
    if (isnan(nh))
        snprintf(title[0], sizeof title[0], "%s", nm);
    else
        snprintf(title[0], sizeof title[0], _("%s NH=%.1f%%"), nm, 100 * nh);
    snprintf(title[1], sizeof title[1], _("%s convex hulls"), nm);
    snprintf(title[2], sizeof title[2], _("%s fitting ellipses"), nm);
    int panels = last - first + 1;
    for (int k = first; k <= last; k++) {
        FigurePanel fp;
        int i = k - first;
        fig_band(width, (int)lround((double)height * i / panels),
                 (int)lround((double)height * (i + 1) / panels),
                 fig_scale(width, height / (double)panels), &fp);
        fig_panel(p, &fp, lim, (FigureKind)k, xy, labels, n, nc, panels == 1, &hulls, &ells,
                  title[k]);
        if (interrupt_pending())
            break; /* a picture of 16384x16384 takes seconds: plot_to_canvas says it */
    }
    out = plot_to_canvas(p, e);
out:
    plot_free(p);
    geom_hulls_free(&hulls);
    geom_ellipses_free(&ells);
    return out;
}

Canvas *figure_embedding(const float *xy, const uint8_t *labels, size_t n, const char *name,
                         double nh, int width, int height, Err *e)
{
    if (width <= 0 || height <= 0) {
        width = FIGURE_WIDTH;
        height = FIGURE_HEIGHT;
    }
    if (height < FIGURE_MIN_HEIGHT) {
        err_set(e, _("figure size %dx%d is out of range; use at least %dx%d and at most %dx%d "
                "(the lab's is %dx%d)"), width, height, FIGURE_MIN_WIDTH, FIGURE_MIN_HEIGHT,
                CANVAS_MAX_SIDE, CANVAS_MAX_SIDE, FIGURE_WIDTH, FIGURE_HEIGHT);
        return NULL;
    }
    return fig_draw(xy, labels, n, name, nh, width, height, FIGURE_POINTS, FIGURE_ELLIPSES, e);
}

Canvas *figure_panel(const float *xy, const uint8_t *labels, size_t n, const char *name,
                     double nh, FigureKind kind, int width, int height, Err *e)
{
    if (width <= 0 || height <= 0) {
        width = FIGURE_PANEL_WIDTH;
        height = FIGURE_PANEL_HEIGHT;
    }
    if ((int)kind < FIGURE_POINTS || kind > FIGURE_ELLIPSES) {
        err_set(e, _("unknown panel %d"), (int)kind);
        return NULL;
    }
    return fig_draw(xy, labels, n, name, nh, width, height, (int)kind, (int)kind, e);
}
