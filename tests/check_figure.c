/* check_figure.c: the Cairo plot helpers (colour layout, alpha, geometry) and the
 * lab's 3-panel figure (size, panels, colours, titles). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "untangle/render/figure.h"
#include "untangle/render/plot.h"
#include "untangle/core/rng.h"

static const uint8_t *px_at(const Canvas *c, int x, int y)
{
    return c->px + ((size_t)y * (size_t)c->w + (size_t)x) * 4;
}

static int near_rgb(const uint8_t *p, uint32_t rgba, int tol)
{
    int r = (int)(rgba >> 24), g = (int)((rgba >> 16) & 0xff), b = (int)((rgba >> 8) & 0xff);
    return abs(p[0] - r) <= tol && abs(p[1] - g) <= tol && abs(p[2] - b) <= tol;
}

static int is_white(const uint8_t *p) { return p[0] == 255 && p[1] == 255 && p[2] == 255 && p[3] == 255; }
static int is_dark(const uint8_t *p) { return p[0] < 110 && p[1] < 110 && p[2] < 110; }

/* ---- plot helpers ---- */

START_TEST(test_plot_channel_order)
{
    /* a 7x5 picture: the left 3 columns red, a blue rectangle bottom right: checks
     * Cairo's native-endian words come out as R, G, B, A */
    Err e = {0};
    Plot *p = plot_new(7, 5, PLOT_WHITE, &e);
    ck_assert_ptr_nonnull(p);
    PlotArea a = plot_area(0, 0, 7, 5, 0, 7, 0, 5);
    plot_rect(p, &a, 0, 0, 3, 5, 0xff0000ffu);
    plot_rect(p, &a, 5, 0, 7, 2, 0x0000ffffu);
    Canvas *c = plot_to_canvas(p, &e);
    plot_free(p);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(c->w, 7);
    ck_assert_int_eq(c->h, 5);
    const uint8_t *q = px_at(c, 1, 2);
    ck_assert(q[0] == 255 && q[1] == 0 && q[2] == 0 && q[3] == 255);
    q = px_at(c, 6, 4);    /* data y 0..2 is the bottom of the picture */
    ck_assert(q[0] == 0 && q[1] == 0 && q[2] == 255 && q[3] == 255);
    ck_assert(is_white(px_at(c, 6, 0)));
    ck_assert(is_white(px_at(c, 4, 2)));
    canvas_free(c);
}
END_TEST

START_TEST(test_plot_alpha_unpremultiplied)
{
    /* on a transparent picture a half-transparent orange keeps its straight colour */
    Err e = {0};
    Plot *p = plot_new(9, 3, 0x00000000u, &e);
    PlotArea a = plot_area(0, 0, 9, 3, 0, 9, 0, 3);
    plot_rect(p, &a, 0, 0, 9, 3, plot_alpha(0xff7f0effu, 0.5));
    Canvas *c = plot_to_canvas(p, &e);
    plot_free(p);
    const uint8_t *q = px_at(c, 4, 1);
    ck_assert_int_le(abs(q[3] - 128), 1);
    ck_assert_int_le(abs(q[0] - 255), 2);
    ck_assert_int_le(abs(q[1] - 127), 2);
    ck_assert_int_le(abs(q[2] - 14), 2);
    canvas_free(c);
}
END_TEST

START_TEST(test_plot_palette_and_errors)
{
    ck_assert_uint_eq(plot_palette(0), 0x1f77b4ffu);
    ck_assert_uint_eq(plot_palette(3), 0xd62728ffu);
    ck_assert_uint_eq(plot_palette(9), 0x17becfffu);
    ck_assert_uint_eq(plot_palette(12), plot_palette(2));
    ck_assert_uint_eq(plot_alpha(0x11223344u, 1.0), 0x112233ffu);
    ck_assert_uint_eq(plot_alpha(0x11223344u, 0.0), 0x11223300u);
    Err e = {0};
    ck_assert_ptr_null(plot_new(0, 10, PLOT_WHITE, &e));
    ck_assert_ptr_nonnull(strstr(e.msg, "0x10"));
    ck_assert_ptr_null(plot_new(10, CANVAS_MAX_SIDE + 1, PLOT_WHITE, &e));
}
END_TEST

START_TEST(test_plot_ellipse_in_data_space)
{
    /* x spans 0..20 over 200 px (10 px a unit), y 0..10 over 50 px (5 px a unit). An
     * ellipse at (10, 5) with full axes 8 (along x) and 4 (along y) covers columns
     * 60..140 and rows 15..35; turned by 90 degrees, columns 80..120 and rows 5..45. */
    Err e = {0};
    Plot *p = plot_new(200, 50, PLOT_WHITE, &e);
    PlotArea a = plot_area(0, 0, 200, 50, 0, 20, 0, 10);
    plot_ellipse(p, &a, 10, 5, 8, 4, 0, 0x000000ffu);
    Canvas *c = plot_to_canvas(p, &e);
    plot_free(p);
    ck_assert(is_dark(px_at(c, 62, 25)));
    ck_assert(is_dark(px_at(c, 137, 25)));
    ck_assert(is_white(px_at(c, 57, 25)));
    ck_assert(is_white(px_at(c, 143, 25)));
    ck_assert(is_dark(px_at(c, 100, 17)));
    ck_assert(is_white(px_at(c, 100, 12)));
    canvas_free(c);

    p = plot_new(200, 50, PLOT_WHITE, &e);
    plot_ellipse(p, &a, 10, 5, 8, 4, 90, 0x000000ffu);
    c = plot_to_canvas(p, &e);
    plot_free(p);
    ck_assert(is_dark(px_at(c, 100, 7)));
    ck_assert(is_white(px_at(c, 100, 2)));
    ck_assert(is_dark(px_at(c, 83, 25)));
    ck_assert(is_white(px_at(c, 77, 25)));
    ck_assert(is_white(px_at(c, 123, 25)));
    canvas_free(c);
}
END_TEST

START_TEST(test_plot_clip_and_text)
{
    /* data drawing stays inside its area; text draws dark pixels where asked */
    Err e = {0};
    Plot *p = plot_new(120, 80, PLOT_WHITE, &e);
    PlotArea a = plot_area(20, 10, 60, 40, 0, 1, 0, 1);
    plot_rect(p, &a, -5, -5, 5, 5, 0x2ca02cffu);   /* far larger than the area */
    plot_text(p, 100, 70, "Ag7", 12, PLOT_CENTER, PLOT_BLACK);
    Canvas *c = plot_to_canvas(p, &e);
    plot_free(p);
    ck_assert(near_rgb(px_at(c, 21, 11), 0x2ca02cffu, 0));
    ck_assert(near_rgb(px_at(c, 79, 49), 0x2ca02cffu, 0));
    ck_assert(is_white(px_at(c, 19, 30)));
    ck_assert(is_white(px_at(c, 50, 51)));
    int dark = 0;
    for (int y = 60; y < 80; y++)
        for (int x = 85; x < 120; x++)
            dark += is_dark(px_at(c, x, y));
    ck_assert_int_gt(dark, 10);
    canvas_free(c);
}
END_TEST

START_TEST(test_plot_image_nearest)
{
    /* a 3x2 image stretched over 90x40 px keeps its pixels as blocks */
    Err e = {0};
    Canvas *img = canvas_new(3, 2, 0xffffffffu, &e);
    canvas_set(img, 0, 0, 0xff0000ffu);
    canvas_set(img, 2, 1, 0x0000ffffu);
    Plot *p = plot_new(90, 40, PLOT_WHITE, &e);
    PlotArea a = plot_area(0, 0, 90, 40, 0, 3, 0, 2);
    plot_image(p, &a, img, 0, 0, 3, 2, 0);
    Canvas *c = plot_to_canvas(p, &e);
    plot_free(p);
    ck_assert(near_rgb(px_at(c, 5, 5), 0xff0000ffu, 0));
    ck_assert(near_rgb(px_at(c, 28, 18), 0xff0000ffu, 0));
    ck_assert(is_white(px_at(c, 32, 5)));
    ck_assert(near_rgb(px_at(c, 85, 35), 0x0000ffffu, 0));
    ck_assert(is_white(px_at(c, 85, 5)));
    canvas_free(c);
    canvas_free(img);
}
END_TEST

/* ---- the figure ---- */

/* 10 clusters on a ring (class c at angle 36c degrees), 53 points each, plus 3 points
 * of class 4 far out so that the limits are not symmetric. */
static size_t ring_embedding(float **xy, uint8_t **lab)
{
    size_t n = 10 * 53 + 3;
    *xy = malloc(2 * n * sizeof **xy);
    *lab = malloc(n);
    Rng r;
    rng_seed(&r, 31);
    for (size_t i = 0; i < 530; i++) {
        int c = (int)(i % 10);
        double t = c * 2 * M_PI / 10;
        (*xy)[2 * i] = (float)(40 * cos(t) + 4 * rng_normal(&r));
        (*xy)[2 * i + 1] = (float)(40 * sin(t) + 2 * rng_normal(&r));
        (*lab)[i] = (uint8_t)c;
    }
    for (size_t i = 530; i < n; i++) {
        (*xy)[2 * i] = 70.0f + (float)(i - 530);
        (*xy)[2 * i + 1] = -60.0f;
        (*lab)[i] = 4;
    }
    return n;
}

static int count_near(const Canvas *c, int x0, int y0, int w, int h, uint32_t rgba, int tol)
{
    int k = 0;
    for (int y = y0; y < y0 + h; y++)
        for (int x = x0; x < x0 + w; x++)
            k += near_rgb(px_at(c, x, y), rgba, tol);
    return k;
}

static int count_dark(const Canvas *c, int x0, int y0, int w, int h)
{
    int k = 0;
    for (int y = y0; y < y0 + h; y++)
        for (int x = x0; x < x0 + w; x++)
            k += is_dark(px_at(c, x, y));
    return k;
}

START_TEST(test_figure_default_size_and_background)
{
    float *xy;
    uint8_t *lab;
    size_t n = ring_embedding(&xy, &lab);
    Err e = {0};
    Canvas *c = figure_embedding(xy, lab, n, "ring", 0.933, 0, 0, &e);
    ck_assert_msg(c != NULL, "%s", e.msg);
    ck_assert_int_eq(c->w, 384);
    ck_assert_int_eq(c->h, 719);
    /* opaque, and mostly white */
    size_t white = 0, total = (size_t)c->w * (size_t)c->h;
    for (size_t i = 0; i < total; i++) {
        ck_assert_int_eq(c->px[4 * i + 3], 255);
        white += is_white(c->px + 4 * i);
    }
    ck_assert_uint_gt(white, total * 6 / 10);
    ck_assert(is_white(px_at(c, 1, 1)));
    ck_assert(is_white(px_at(c, 382, 717)));
    canvas_free(c);
    free(xy);
    free(lab);
}
END_TEST

START_TEST(test_figure_panels)
{
    float *xy;
    uint8_t *lab;
    size_t n = ring_embedding(&xy, &lab);
    Err e = {0};
    Canvas *c = figure_embedding(xy, lab, n, "ring", 0.933, 0, 0, &e);
    ck_assert_ptr_nonnull(c);
    FigurePanel fp[3];
    for (int i = 0; i < 3; i++) {
        figure_layout(c->w, c->h, i, &fp[i]);
        /* panels stacked, same plot area columns and height */
        ck_assert_int_le(fp[i].top, fp[i].title_y);
        ck_assert_int_lt(fp[i].title_y, fp[i].ay);
        ck_assert_int_le(fp[i].ay + fp[i].ah, fp[i].bottom);
        ck_assert_int_eq(fp[i].ax, fp[0].ax);
        ck_assert_int_eq(fp[i].aw, fp[0].aw);
        ck_assert_int_le(abs(fp[i].ah - fp[0].ah), 1);
        if (i > 0)
            ck_assert_int_eq(fp[i].top, fp[i - 1].bottom);
    }
    ck_assert_int_eq(fp[2].bottom, 719);

    for (int k = 0; k < 10; k++) {
        /* top panel: every class colour, opaque dots, inside the plot area */
        int top = count_near(c, fp[0].ax + 1, fp[0].ay + 1, fp[0].aw - 2, fp[0].ah - 2,
                             plot_palette(k), 12);
        ck_assert_msg(top >= 15, "class %d: %d pixels in the top panel", k, top);
        /* middle panel: the hull outline in the class colour */
        int mid = count_near(c, fp[1].ax + 1, fp[1].ay + 1, fp[1].aw - 2, fp[1].ah - 2,
                             plot_palette(k), 20);
        ck_assert_msg(mid >= 15, "class %d: %d hull pixels", k, mid);
        /* the colour bar beside the top panel */
        int bar = count_near(c, fp[0].bar_x, fp[0].ay, fp[0].bar_w, fp[0].ah,
                             plot_palette(k), 2);
        ck_assert_int_ge(bar, 40);
    }
    /* bottom panel: at each cluster's centre the ellipse tints white towards its class
     * colour, more than towards any other class */
    PlotArea a;
    {
        double lim[4];
        plot_limits_xy(xy, n, 0.05, lim);
        a = plot_area(fp[2].ax, fp[2].ay, fp[2].aw, fp[2].ah, lim[0], lim[1], lim[2], lim[3]);
    }
    for (int k = 0; k < 10; k++) {
        double t = k * 2 * M_PI / 10;
        int x = (int)plot_x(&a, 40 * cos(t)), y = (int)plot_y(&a, 40 * sin(t));
        const uint8_t *q = px_at(c, x, y);
        ck_assert(!is_white(q));
        int best = -1;
        double bd = INFINITY;
        for (int j = 0; j < 10; j++) {
            uint32_t col = plot_palette(j);
            double d = 0;
            for (int ch = 0; ch < 3; ch++) {
                double v = ((col >> (24 - 8 * ch)) & 0xff) * 0.55 + 255 * 0.45;
                d += (q[ch] - v) * (q[ch] - v);
            }
            if (d < bd) {
                bd = d;
                best = j;
            }
        }
        ck_assert_int_eq(best, k);
    }
    canvas_free(c);
    free(xy);
    free(lab);
}
END_TEST

START_TEST(test_figure_titles)
{
    float *xy;
    uint8_t *lab;
    size_t n = ring_embedding(&xy, &lab);
    Err e = {0};
    Canvas *with = figure_embedding(xy, lab, n, "t-SNE MNIST raw", 0.933, 0, 0, &e);
    Canvas *without = figure_embedding(xy, lab, n, "t-SNE MNIST raw", NAN, 0, 0, &e);
    ck_assert_ptr_nonnull(with);
    ck_assert_ptr_nonnull(without);
    FigurePanel fp;
    int dark_with[3], dark_without[3];
    for (int i = 0; i < 3; i++) {
        figure_layout(384, 719, i, &fp);
        int band = fp.ay - fp.top - 1;
        dark_with[i] = count_dark(with, fp.ax, fp.top, fp.aw, band);
        dark_without[i] = count_dark(without, fp.ax, fp.top, fp.aw, band);
        ck_assert_msg(dark_with[i] > 60, "panel %d title: %d dark pixels", i, dark_with[i]);
    }
    /* " NH=93.3%" adds ink to the first title only */
    ck_assert_int_gt(dark_with[0], dark_without[0] + 40);
    ck_assert_int_eq(dark_with[1], dark_without[1]);
    /* "fitting ellipses" is longer than "convex hulls" */
    ck_assert_int_gt(dark_with[2], dark_with[1]);
    canvas_free(with);
    canvas_free(without);
    free(xy);
    free(lab);
}
END_TEST

START_TEST(test_figure_sizes_and_errors)
{
    float *xy;
    uint8_t *lab;
    size_t n = ring_embedding(&xy, &lab);
    Err e = {0};
    Canvas *c = figure_embedding(xy, lab, n, "big", 0.5, 501, 977, &e);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(c->w, 501);
    ck_assert_int_eq(c->h, 977);
    canvas_free(c);
    ck_assert_ptr_null(figure_embedding(xy, lab, n, "small", 0.5, 100, 100, &e));
    ck_assert_ptr_nonnull(strstr(e.msg, "100x100"));
    ck_assert_ptr_null(figure_embedding(xy, lab, 0, "none", 0.5, 0, 0, &e));
    xy[7] = NAN;
    ck_assert_ptr_null(figure_embedding(xy, lab, n, "nan", 0.5, 0, 0, &e));
    ck_assert_ptr_nonnull(strstr(e.msg, "point 3"));
    /* tiny sets: one class of a single point, one of two, all degenerate */
    float few[] = {0, 0, 1, 1, 2, 0.5f};
    uint8_t fl[] = {0, 1, 1};
    c = figure_embedding(few, fl, 3, "few", 1.0 / 3, 0, 0, &e);
    ck_assert_ptr_nonnull(c);
    canvas_free(c);
    free(xy);
    free(lab);
}
END_TEST

static Suite *figure_suite(void)
{
    Suite *s = suite_create("figure");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_plot_channel_order);
    tcase_add_test(tc, test_plot_alpha_unpremultiplied);
    tcase_add_test(tc, test_plot_palette_and_errors);
    tcase_add_test(tc, test_plot_ellipse_in_data_space);
    tcase_add_test(tc, test_plot_clip_and_text);
    tcase_add_test(tc, test_plot_image_nearest);
    tcase_add_test(tc, test_figure_default_size_and_background);
    tcase_add_test(tc, test_figure_panels);
    tcase_add_test(tc, test_figure_titles);
    tcase_add_test(tc, test_figure_sizes_and_errors);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return tu_run_suite(figure_suite()); }
