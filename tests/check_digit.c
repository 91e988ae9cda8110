/* check_digit.c: a person's own digit normalised as MNIST's were, on pictures the
 * tests draw themselves with Cairo (dark on white, light on black, coloured, with
 * transparency, tiny, wide), `predict image` through a shell, and, when MNIST is
 * present, a drawn digit classified by a model trained here on 5000 images. */
#include <cairo.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testshell.h"
#include "testutil.h"
#include "untangle/commands/commands.h"
#include "untangle/data/digit.h"
#include "untangle/render/digit_view.h"
#include "untangle/data/mnist.h"
#include "untangle/nn/nn.h"
#include "untangle/render/png.h"
#include "untangle/frontend/run.h"

/* ---- drawing pictures with Cairo ---- */

typedef struct Pen {
    cairo_surface_t *s;
    cairo_t *cr;
    int w, h;
} Pen;

static void rgba(cairo_t *cr, uint32_t c)
{
    cairo_set_source_rgba(cr, (c >> 24) / 255.0, ((c >> 16) & 0xff) / 255.0,
                          ((c >> 8) & 0xff) / 255.0, (c & 0xff) / 255.0);
}

static Pen pen_new(int w, int h, uint32_t background)
{
    Pen p = {cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h), NULL, w, h};
    p.cr = cairo_create(p.s);
    cairo_set_operator(p.cr, CAIRO_OPERATOR_SOURCE);
    rgba(p.cr, background);
    cairo_paint(p.cr);
    cairo_set_operator(p.cr, CAIRO_OPERATOR_OVER);
    cairo_set_line_cap(p.cr, CAIRO_LINE_CAP_ROUND);
    cairo_set_line_join(p.cr, CAIRO_LINE_JOIN_ROUND);
    return p;
}

/* A stroke through n points (x, y pairs). */
static void pen_stroke(Pen *p, const double *pts, int n, double width, uint32_t colour)
{
    cairo_new_path(p->cr);
    cairo_move_to(p->cr, pts[0], pts[1]);
    for (int i = 1; i < n; i++)
        cairo_line_to(p->cr, pts[2 * i], pts[2 * i + 1]);
    cairo_set_line_width(p->cr, width);
    rgba(p->cr, colour);
    cairo_stroke(p->cr);
}

/* An elliptic ring centred at (cx, cy) with radii rx, ry. */
static void pen_ring(Pen *p, double cx, double cy, double rx, double ry, double width,
                     uint32_t colour)
{
    cairo_save(p->cr);
    cairo_translate(p->cr, cx, cy);
    cairo_scale(p->cr, rx, ry);
    cairo_new_path(p->cr);
    cairo_arc(p->cr, 0, 0, 1, 0, 2 * M_PI);
    cairo_restore(p->cr);
    cairo_set_line_width(p->cr, width);
    rgba(p->cr, colour);
    cairo_stroke(p->cr);
}

/* The drawing as a Canvas (straight RGBA), and the pen freed. */
static Canvas *pen_canvas(Pen *p)
{
    cairo_surface_flush(p->s);
    Err e;
    Canvas *c = canvas_new(p->w, p->h, 0, &e);
    ck_assert_ptr_nonnull(c);
    const unsigned char *d = cairo_image_surface_get_data(p->s);
    int stride = cairo_image_surface_get_stride(p->s);
    for (int y = 0; y < p->h; y++)
        for (int x = 0; x < p->w; x++) {
            uint32_t v;
            memcpy(&v, d + (size_t)y * (size_t)stride + 4 * (size_t)x, 4);
            unsigned a = v >> 24, ch[3] = {(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff};
            uint8_t *q = c->px + ((size_t)y * (size_t)p->w + (size_t)x) * 4;
            for (int k = 0; k < 3; k++)
                q[k] = (uint8_t)(a ? (ch[k] * 255 + a / 2) / a : 0);
            q[3] = (uint8_t)a;
        }
    cairo_destroy(p->cr);
    cairo_surface_destroy(p->s);
    return c;
}

/* A thick dark "1" (a slanted stroke with a small flag) on white, 200 wide, 300 tall. */
static Canvas *draw_one(void)
{
    Pen p = pen_new(200, 300, 0xffffffffu);
    double stem[] = {112, 45, 96, 255}, flag[] = {112, 45, 82, 80};
    pen_stroke(&p, stem, 2, 26, 0x101010ffu);
    pen_stroke(&p, flag, 2, 20, 0x101010ffu);
    return pen_canvas(&p);
}

/* A light "7" on black, off-centre (in the upper left of a 150x120 picture). */
static Canvas *draw_seven(void)
{
    Pen p = pen_new(150, 120, 0x000000ffu);
    double seven[] = {14, 12, 66, 12, 34, 92};
    pen_stroke(&p, seven, 3, 9, 0xd8d8d8ffu);
    return pen_canvas(&p);
}

/* A dark blue "0" on pale yellow, with a transparent band on the left (composited on
 * white, still a light background). 181 x 163, odd sizes. */
static Canvas *draw_zero_coloured(void)
{
    Pen p = pen_new(181, 163, 0xfff2a0ffu);
    cairo_set_operator(p.cr, CAIRO_OPERATOR_SOURCE);
    cairo_rectangle(p.cr, 0, 0, 20, 163);
    rgba(p.cr, 0x00000000u);
    cairo_fill(p.cr);
    cairo_set_operator(p.cr, CAIRO_OPERATOR_OVER);
    pen_ring(&p, 100, 84, 38, 58, 16, 0x203080ffu);
    return pen_canvas(&p);
}

/* ---- what a normalised digit must look like ---- */

typedef struct Shape {
    int x0, y0, x1, y1;   /* bounding box of values > 0, inclusive */
    double cx, cy;        /* centre of mass in pixel indices (MNIST's is at 14, 14) */
    double max, border;   /* largest value; share of the ink on the outer ring */
} Shape;

static Shape shape_of(const float *v)
{
    Shape s = {DIGIT_SIDE, DIGIT_SIDE, -1, -1, 0, 0, 0, 0};
    double m = 0, mx = 0, my = 0;
    for (int y = 0; y < DIGIT_SIDE; y++)
        for (int x = 0; x < DIGIT_SIDE; x++) {
            double t = v[y * DIGIT_SIDE + x];
            ck_assert(t >= 0 && t <= 1);
            if (t > 0) {
                s.x0 = x < s.x0 ? x : s.x0;
                s.x1 = x > s.x1 ? x : s.x1;
                s.y0 = y < s.y0 ? y : s.y0;
                s.y1 = y > s.y1 ? y : s.y1;
            }
            m += t;
            mx += t * x;
            my += t * y;
            s.max = t > s.max ? t : s.max;
            if (x == 0 || y == 0 || x == DIGIT_SIDE - 1 || y == DIGIT_SIDE - 1)
                s.border += t;
        }
    ck_assert(m > 0);
    s.border /= m;
    s.cx = mx / m;
    s.cy = my / m;
    return s;
}

/* The MNIST conventions: ink bright, box at most 20x20 with its larger side about
 * 20, centre of mass within 1 px of (14, 14), hardly any ink on the outer ring (a
 * digit whose mass is far off its middle, as a 7's is, may touch one edge: 1.4% of
 * MNIST's training digits do). */
static Shape check_mnist_like(const float *v)
{
    Shape s = shape_of(v);
    int bw = s.x1 - s.x0 + 1, bh = s.y1 - s.y0 + 1;
    ck_assert_msg(bw <= DIGIT_BOX && bh <= DIGIT_BOX, "ink box %dx%d", bw, bh);
    ck_assert_msg((bw > bh ? bw : bh) >= DIGIT_BOX - 1, "ink box %dx%d too small", bw, bh);
    ck_assert_msg(fabs(s.cx - 14) <= 1 && fabs(s.cy - 14) <= 1, "centre of mass (%.2f, %.2f)",
                  s.cx, s.cy);
    ck_assert(s.max > 0.95);
    ck_assert_msg(s.border < 0.05, "%.1f%% of the ink on the border: box x %d..%d y %d..%d",
                  100 * s.border, s.x0, s.x1, s.y0, s.y1);
    return s;
}

START_TEST(dark_one_on_white)
{
    Canvas *c = draw_one();
    float v[DIGIT_PIXELS];
    DigitInfo di;
    Err e;
    ck_assert_int_eq(digit_normalize(c, v, &di, &e), 0);
    ck_assert_int_eq(di.inverted, 1);
    ck_assert(di.border_mean > 0.9);
    Shape s = check_mnist_like(v);
    /* tall and thin: the height fills the box, the width does not */
    ck_assert_int_eq(di.scaled_h, DIGIT_BOX);
    ck_assert_int_lt(di.scaled_w, 14);
    ck_assert_int_lt(s.x1 - s.x0, s.y1 - s.y0);
    /* the source box is the stroke's: about 26 px around x 70..125, y 32..268 */
    ck_assert(di.box_y >= 25 && di.box_y <= 40 && di.box_y + di.box_h >= 260);
    /* the slant survives: the top of the stroke is to the right of its bottom */
    double top = 0, topm = 0, bot = 0, botm = 0;
    for (int x = 0; x < DIGIT_SIDE; x++) {
        top += v[(s.y0 + 2) * DIGIT_SIDE + x] * x;
        topm += v[(s.y0 + 2) * DIGIT_SIDE + x];
        bot += v[(s.y1 - 1) * DIGIT_SIDE + x] * x;
        botm += v[(s.y1 - 1) * DIGIT_SIDE + x];
    }
    ck_assert(top / topm > bot / botm);
    canvas_free(c);
}
END_TEST

START_TEST(light_seven_on_black_off_centre)
{
    Canvas *c = draw_seven();
    float v[DIGIT_PIXELS];
    DigitInfo di;
    Err e;
    ck_assert_int_eq(digit_normalize(c, v, &di, &e), 0);
    ck_assert_int_eq(di.inverted, 0);
    ck_assert(di.border_mean < 0.1);
    Shape s = check_mnist_like(v);
    /* the bar of the 7 is its top row, wide; its foot is narrow and lower left */
    int top_w = 0, foot_w = 0;
    for (int x = 0; x < DIGIT_SIDE; x++) {
        top_w += v[(s.y0 + 1) * DIGIT_SIDE + x] > 0.5;
        foot_w += v[(s.y1 - 1) * DIGIT_SIDE + x] > 0.5;
    }
    ck_assert_int_ge(top_w, 12);
    ck_assert_int_le(foot_w, 6);
    /* the upper-left placement in the source is gone: the 7's own centre of mass
     * is near its top right, yet the digit sits centred */
    ck_assert(di.box_x < 20 && di.box_y < 20);
    canvas_free(c);
}
END_TEST

START_TEST(coloured_with_transparency)
{
    Canvas *c = draw_zero_coloured();
    float v[DIGIT_PIXELS];
    DigitInfo di;
    Err e;
    ck_assert_int_eq(digit_normalize(c, v, &di, &e), 0);
    ck_assert_int_eq(di.inverted, 1);
    Shape s = check_mnist_like(v);
    /* a ring: the middle is empty, the sides are ink */
    ck_assert(v[14 * DIGIT_SIDE + 14] < 0.05);
    ck_assert(v[14 * DIGIT_SIDE + s.x0 + 1] > 0.5);
    ck_assert_int_eq(di.scaled_h, DIGIT_BOX);
    canvas_free(c);
}
END_TEST

START_TEST(wide_and_tiny)
{
    /* a wide dash: the width fills the box */
    Pen p = pen_new(97, 61, 0xffffffffu);
    double dash[] = {20, 30, 80, 34};
    pen_stroke(&p, dash, 2, 7, 0x000000ffu);
    Canvas *c = pen_canvas(&p);
    float v[DIGIT_PIXELS];
    DigitInfo di;
    Err e;
    ck_assert_int_eq(digit_normalize(c, v, &di, &e), 0);
    ck_assert_int_eq(di.scaled_w, DIGIT_BOX);
    ck_assert_int_lt(di.scaled_h, 6);
    Shape s = shape_of(v);
    ck_assert(fabs(s.cx - 14) <= 1 && fabs(s.cy - 14) <= 1);
    canvas_free(c);

    /* a digit smaller than the box is enlarged to it */
    Canvas *t = NULL;
    t = canvas_new(9, 11, 0xffffffffu, &e);
    for (int y = 2; y < 9; y++)
        canvas_set(t, 4, y, 0x000000ffu);
    canvas_set(t, 3, 3, 0x000000ffu);
    ck_assert_int_eq(digit_normalize(t, v, &di, &e), 0);
    ck_assert_int_eq(di.box_w, 2);
    ck_assert_int_eq(di.box_h, 7);
    ck_assert_int_eq(di.scaled_h, DIGIT_BOX);
    check_mnist_like(v);
    canvas_free(t);
}
END_TEST

START_TEST(no_ink_is_an_error)
{
    Err e;
    float v[DIGIT_PIXELS];
    for (int i = 0; i < DIGIT_PIXELS; i++)
        v[i] = -7;
    uint32_t fills[] = {0xffffffffu, 0x000000ffu, 0x7f7f7fffu, 0x00000000u};
    for (int k = 0; k < 4; k++) {
        Canvas *c = canvas_new(31, 17, fills[k], &e);
        err_clear(&e);
        ck_assert_int_eq(digit_normalize(c, v, NULL, &e), -1);
        ck_assert_ptr_nonnull(strstr(e.msg, "no ink"));
        canvas_free(c);
    }
    /* faint grain, nothing standing out */
    Canvas *c = canvas_new(40, 40, 0xf0f0f0ffu, &e);
    for (int i = 0; i < 40; i += 3)
        canvas_set(c, i, (i * 7) % 40, 0xe8e8e8ffu);
    ck_assert_int_eq(digit_normalize(c, v, NULL, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "no ink"));
    canvas_free(c);
    ck_assert(v[0] == -7 && v[DIGIT_PIXELS - 1] == -7); /* untouched on failure */
}
END_TEST

START_TEST(view_shows_the_digit)
{
    Canvas *c = draw_seven();
    float v[DIGIT_PIXELS], probs[10] = {0.01f, 0.02f, 0.01f, 0.05f, 0.01f,
                                        0.01f, 0.01f, 0.85f, 0.02f, 0.01f};
    DigitInfo di;
    Err e;
    ck_assert_int_eq(digit_normalize(c, v, &di, &e), 0);
    int box[4] = {di.off_x, di.off_y, di.scaled_w, di.scaled_h};
    Canvas *view = digit_view(c, v, DIGIT_SIDE, box, probs, 10, &e);
    ck_assert_ptr_nonnull(view);
    int ox, oy;
    digit_view_origin(&ox, &oy);
    ck_assert_int_ge(view->w, ox + DIGIT_SIDE * DIGIT_VIEW_ZOOM + 200);
    /* each digit pixel is a DIGIT_VIEW_ZOOM square of its grey */
    for (int y = 1; y < DIGIT_SIDE; y += 5)
        for (int x = 1; x < DIGIT_SIDE; x += 3) {
            uint32_t px = canvas_get(view, ox + x * DIGIT_VIEW_ZOOM + DIGIT_VIEW_ZOOM / 2,
                                     oy + y * DIGIT_VIEW_ZOOM + DIGIT_VIEW_ZOOM / 2);
            int g = (int)lroundf(v[y * DIGIT_SIDE + x] * 255);
            if (x > box[0] && x < box[0] + box[2] - 1 && y > box[1] && y < box[1] + box[3] - 1)
                ck_assert_int_le(abs((int)(px >> 24) - g), 2);
        }
    canvas_free(view);
    canvas_free(c);
}
END_TEST

/* ---- through the shell ---- */

static double fig(Captured *c, const char *name)
{
    double v = NAN;
    ck_assert_msg(sh_figure(&c->sh, name, &v) == 0, "no figure %s", name);
    return v;
}

static void save_png(const Canvas *c, const char *path)
{
    Err e;
    ck_assert_msg(png_write_file(c, path, &e) == 0, "%s", e.msg);
}

/* `predict image FILE [to OUT]` as a user types it. */
static int predict_image(Captured *c, const char *file, const char *to)
{
    char line[3000];
    if (to)
        snprintf(line, sizeof line, "predict image \"%s\" to \"%s\"", file, to);
    else
        snprintf(line, sizeof line, "predict image \"%s\"", file);
    int rc = shell_run_line(&c->sh, line);
    fflush(c->sh.out);
    fflush(c->sh.err);
    return rc;
}

/* A model on 784 inputs: dense 10 + softmax, weights from the seed. */
static Model *logistic(uint64_t seed, int image_input)
{
    Model *m = model_new();
    Rng r;
    rng_seed(&r, seed);
    Err e;
    NnShape flat = {1, {784, 0, 0}}, img = {3, {28, 28, 1}};
    NnLayerSpec fl = {.kind = "flatten"}, d = {.kind = "dense", .units = 10},
                a = {.kind = "activation", .act = NN_ACT_SOFTMAX};
    if (image_input) {
        ck_assert_int_eq(model_add(m, &fl, &img, &r, &e), 0);
        ck_assert_int_eq(model_add(m, &d, NULL, &r, &e), 0);
    } else {
        ck_assert_int_eq(model_add(m, &d, &flat, &r, &e), 0);
    }
    ck_assert_int_eq(model_add(m, &a, NULL, &r, &e), 0);
    return m;
}

START_TEST(predict_image_command)
{
    Captured c;
    cap_open(&c);
    char png[1100], out[1100], blank[1100];
    snprintf(png, sizeof png, "%s/one.png", c.dir);
    snprintf(out, sizeof out, "%s/seen.png", c.dir);
    snprintf(blank, sizeof blank, "%s/blank.png", c.dir);
    Canvas *one = draw_one();
    save_png(one, png);
    Err e;
    Canvas *white = canvas_new(50, 70, 0xffffffffu, &e);
    save_png(white, blank);

    /* no model yet */
    ck_assert_int_eq(predict_image(&c, png, NULL), CMD_ERR);
    ck_assert_ptr_nonnull(strstr(c.sh.errmsg, "no model"));
    /* wrong input size */
    c.sh.model = model_new();
    Rng r;
    rng_seed(&r, 1);
    NnShape in = {1, {63, 0, 0}};
    NnLayerSpec d = {.kind = "dense", .units = 10};
    ck_assert_int_eq(model_add(c.sh.model, &d, &in, &r, &e), 0);
    ck_assert_int_eq(predict_image(&c, png, NULL), CMD_ERR);
    ck_assert_ptr_nonnull(strstr(c.sh.errmsg, "(63)"));
    model_free(c.sh.model);
    /* no softmax on top */
    c.sh.model = logistic(3, 0);
    ck_assert_int_eq(model_pop(c.sh.model, &e), 0);
    ck_assert_int_eq(predict_image(&c, png, NULL), CMD_ERR);
    ck_assert_ptr_nonnull(strstr(c.sh.errmsg, "probabilities"));
    model_free(c.sh.model);

    for (int image_input = 0; image_input < 2; image_input++) {
        c.sh.model = logistic(5, image_input);
        ck_assert_int_eq(predict_image(&c, png, out), CMD_OK);
        double p = fig(&c, "predicted"), q = fig(&c, "probability");
        ck_assert(p >= 0 && p <= 9 && p == floor(p));
        ck_assert(q > 0.1 && q <= 1); /* the largest of 10 probabilities */
        ck_assert_ptr_nonnull(strstr(c.out, "light background (inverted"));
        ck_assert_ptr_nonnull(strstr(c.out, "  3. class "));
        Canvas *seen = png_read_file(out, &e);
        ck_assert_ptr_nonnull(seen);
        ck_assert_int_gt(seen->w, 2 * DIGIT_VIEW_PANEL);
        canvas_free(seen);
        model_free(c.sh.model);
    }
    c.sh.model = logistic(5, 0);
    /* a blank picture, a missing file, a missing argument */
    ck_assert_int_eq(predict_image(&c, blank, NULL), CMD_ERR);
    ck_assert_ptr_nonnull(strstr(c.sh.errmsg, "no ink"));
    ck_assert_ptr_nonnull(strstr(c.sh.errmsg, "blank.png"));
    ck_assert_int_eq(predict_image(&c, "/nonexistent/x.png", NULL), CMD_ERR);
    ck_assert_int_eq(shell_run_line(&c.sh, "predict image"), CMD_ERR);
    ck_assert_ptr_nonnull(strstr(c.sh.errmsg, "predict image needs FILE.png"));
    canvas_free(one);
    canvas_free(white);
    cap_close(&c);
}
END_TEST

/* ---- a drawn digit classified by a model trained on MNIST ---- */

START_TEST(drawn_digits_classified_after_training)
{
    char dir[1024];
    Err e;
    if (mnist_find("mnist", dir, sizeof dir, &e) != 0) {
        printf("  skip drawn digits classified: no MNIST in data/mnist (make data)\n");
        fflush(stdout);
        return;
    }
    Dataset train = {0}, test = {0};
    ck_assert_msg(mnist_load("mnist", 5000, 10, &train, &test, NULL, 0, &e) == 0, "%s", e.msg);
    Model *m = logistic(7, 0);
    ck_assert_int_eq(model_compile(m, NN_LOSS_CCE, 0.5, 1, &e), 0);
    NnFitOptions fo = {.batch = 100, .epochs = 2, .validation = 0};
    Rng r;
    rng_seed(&r, 11);
    NnFitResult res;
    ck_assert_msg(model_fit(m, &train, &fo, &r, NULL, NULL, &res, &e) == 0, "%s", e.msg);
    ck_assert(res.accuracy > 0.8);

    /* a "1" and a "0" drawn here, dark on white, at sizes MNIST never had */
    Canvas *one = draw_one(), *zero = draw_zero_coloured();
    Canvas *pics[2] = {one, zero};
    int want[2] = {1, 0};
    for (int k = 0; k < 2; k++) {
        float v[DIGIT_PIXELS], *probs = NULL;
        size_t dim;
        ck_assert_int_eq(digit_normalize(pics[k], v, NULL, &e), 0);
        ck_assert_int_eq(model_predict(m, v, 1, &probs, &dim, &e), 0);
        int best = 0;
        for (int j = 1; j < 10; j++)
            if (probs[j] > probs[best])
                best = j;
        ck_assert_msg(best == want[k], "drawn %d classified as %d (p %.3f)", want[k], best,
                      probs[best]);
        free(probs);
    }
    /* an MNIST digit put through the normalisation again stays nearly the same */
    Canvas *c = canvas_new(28, 28, 0, &e);
    for (int i = 0; i < DIGIT_PIXELS; i++) {
        uint8_t g = (uint8_t)lroundf(test.x[i] * 255);
        canvas_set(c, i % 28, i / 28, (uint32_t)g << 24 | (uint32_t)g << 16 | (uint32_t)g << 8 |
                                          0xff);
    }
    float v[DIGIT_PIXELS];
    ck_assert_int_eq(digit_normalize(c, v, NULL, &e), 0);
    double dot = 0, na = 0, nb = 0;
    for (int i = 0; i < DIGIT_PIXELS; i++) {
        dot += v[i] * test.x[i];
        na += v[i] * v[i];
        nb += test.x[i] * test.x[i];
    }
    ck_assert_msg(dot / sqrt(na * nb) > 0.85, "correlation %.3f", dot / sqrt(na * nb));
    canvas_free(c);
    canvas_free(one);
    canvas_free(zero);
    model_free(m);
    dataset_free(&train);
    dataset_free(&test);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("digit");
    TCase *t = tcase_create("normalise");
    tcase_add_test(t, dark_one_on_white);
    tcase_add_test(t, light_seven_on_black_off_centre);
    tcase_add_test(t, coloured_with_transparency);
    tcase_add_test(t, wide_and_tiny);
    tcase_add_test(t, no_ink_is_an_error);
    tcase_add_test(t, view_shows_the_digit);
    suite_add_tcase(s, t);
    TCase *sh = tcase_create("shell");
    tcase_add_test(sh, predict_image_command);
    tcase_set_timeout(sh, 30);
    suite_add_tcase(s, sh);
    TCase *mn = tcase_create("mnist");
    tcase_add_test(mn, drawn_digits_classified_after_training);
    tcase_set_timeout(mn, 60);
    suite_add_tcase(s, mn);
    return tu_run_suite(s);
}
