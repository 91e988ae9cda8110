/* check_pictures.c: the pictures of a network (curves, confusion matrix, weights,
 * activations, misclassified images) built from small synthetic numbers, and the
 * `show` sub-commands through a shell with tiny models built by the nn API. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testshell.h"
#include "testutil.h"
#include "untangle/render/activations.h"
#include "untangle/commands/commands.h"
#include "untangle/commands/commands_extra.h"
#include "untangle/render/confusion.h"
#include "untangle/render/curves.h"
#include "untangle/render/label_grid.h"
#include "untangle/nn/nn.h"
#include "untangle/render/plot.h"
#include "untangle/render/png.h"
#include "untangle/frontend/run.h"
#include "untangle/render/weights.h"
#include "untangle/core/xalloc.h"

static int R(uint32_t c) { return (int)(c >> 24); }
static int G(uint32_t c) { return (int)((c >> 16) & 0xff); }
static int B(uint32_t c) { return (int)((c >> 8) & 0xff); }

/* Pixels within `tol` of colour `want` (RGB) in the rectangle. */
static size_t count_colour(const Canvas *c, int x0, int y0, int x1, int y1, uint32_t want,
                           int tol)
{
    size_t n = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) {
            uint32_t p = canvas_get(c, x, y);
            if (abs(R(p) - R(want)) <= tol && abs(G(p) - G(want)) <= tol &&
                abs(B(p) - B(want)) <= tol)
                n++;
        }
    return n;
}

/* Mean row of the pixels of colour `want` in the columns [x0, x1) of the band
 * [y0, y1); NAN when none. */
static double mean_row(const Canvas *c, int x0, int x1, int y0, int y1, uint32_t want)
{
    double s = 0;
    size_t n = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) {
            uint32_t p = canvas_get(c, x, y);
            if (abs(R(p) - R(want)) <= 12 && abs(G(p) - G(want)) <= 12 &&
                abs(B(p) - B(want)) <= 12) {
                s += y;
                n++;
            }
        }
    return n ? s / (double)n : NAN;
}

/* ---- curves ---- */

START_TEST(curves_rising_accuracy_falling_loss)
{
    enum { N = 7 };
    float loss[N], acc[N], vloss[N], vacc[N];
    for (int i = 0; i < N; i++) {
        loss[i] = 2.0f / (float)(i + 1);
        acc[i] = 0.5f + 0.06f * (float)i;
        vloss[i] = loss[i] + 0.1f;
        vacc[i] = i == 3 ? NAN : acc[i] - 0.05f; /* a gap */
    }
    Err e;
    CurvesData d = {N, loss, acc, vloss, vacc};
    Canvas *c = curves_picture(&d, &e);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(c->w, CURVES_WIDTH);
    ck_assert_int_eq(c->h, CURVES_HEIGHT);
    uint32_t blue = plot_palette(0), orange = plot_palette(1);
    for (int panel = 0; panel < 2; panel++) {
        double x, y, w, h;
        curves_area(panel, &x, &y, &w, &h);
        int X = (int)x, Y = (int)y + 2, W = (int)w, H = (int)h - 4;
        /* the training line: its left end high for the loss, low for the accuracy;
         * the legend is left out by looking at the left and right fifths only of
         * the rows the line crosses there */
        double left = mean_row(c, X + 2, X + W / 5, Y, Y + H, blue);
        double right = mean_row(c, X + 4 * W / 5, X + W - 2, Y, Y + H, blue);
        ck_assert(!isnan(left) && !isnan(right));
        if (panel == 0)
            ck_assert_msg(left < right - H / 3.0, "loss: left %.1f right %.1f", left, right);
        else
            ck_assert_msg(left > right + H / 3.0, "accuracy: left %.1f right %.1f", left, right);
        ck_assert_uint_gt(count_colour(c, X, Y, X + W, Y + H, orange, 12), 30);
    }
    canvas_free(c);

    /* without validation: no orange anywhere; one epoch still draws */
    CurvesData d1 = {1, loss, acc, NULL, NULL};
    c = curves_picture(&d1, &e);
    ck_assert_ptr_nonnull(c);
    ck_assert_uint_eq(count_colour(c, 0, 0, c->w, c->h, orange, 40), 0);
    ck_assert_uint_gt(count_colour(c, 0, 0, c->w, c->h, blue, 12), 10);
    canvas_free(c);
    float nan4[N] = {NAN, NAN, NAN, NAN, NAN, NAN, NAN};
    CurvesData d2 = {N, loss, acc, nan4, nan4};
    c = curves_picture(&d2, &e);
    ck_assert_uint_eq(count_colour(c, 0, 0, c->w, c->h, orange, 40), 0);
    canvas_free(c);

    CurvesData d0 = {0, loss, acc, NULL, NULL};
    ck_assert_ptr_null(curves_picture(&d0, &e));
    ck_assert_ptr_nonnull(strstr(e.msg, "no training history"));
}
END_TEST

/* The live panel of a known run: 3 epochs, the loss falling on a straight line
 * from 2.0 to 0.5 and the accuracy rising from 0.2 to 0.95, validation after
 * epochs 1 and 2 only (the third is still running). The picture maps epochs and
 * values linearly: x from -0.06 to 3.06 (the whole run, 2% either side), y over
 * the values with 8% above and below; the training line must cross each column
 * at the row that mapping gives, the validation dots sit where theirs give, and
 * nothing is drawn right of the epochs done. */
START_TEST(curves_live_follow_a_known_history)
{
    enum { N = 121 };
    float x[N], loss[N], acc[N];
    for (int i = 0; i < N; i++) {
        x[i] = 2.4f * (float)i / (N - 1); /* 0 .. 2.4 epochs */
        loss[i] = 2.0f - 0.625f * x[i];    /* 2.0 .. 0.5 */
        acc[i] = 0.2f + 0.3125f * x[i];    /* 0.2 .. 0.95 */
    }
    float vx[2] = {1, 2}, vloss[2] = {1.1f, 0.9f}, vacc[2] = {0.5f, 0.6f};
    CurvesLive d = {N, x, loss, acc, 2, vx, vloss, vacc, 3, "epoch 3/3, batch 40/100"};
    Err e;
    Canvas *c = curves_live_picture(&d, &e);
    ck_assert_msg(c != NULL, "%s", e.msg);
    ck_assert_int_eq(c->w, CURVES_LIVE_WIDTH);
    ck_assert_int_eq(c->h, CURVES_LIVE_HEIGHT);
    uint32_t blue = plot_palette(0), orange = plot_palette(1);
    const float *train[2] = {loss, acc}, *val[2] = {vloss, vacc};
    for (int panel = 0; panel < 2; panel++) {
        double ax, ay, aw, ah;
        curves_live_area(panel, &ax, &ay, &aw, &ah);
        /* the limits the picture uses: all values of both series, 8% margin */
        double lo = 1e9, hi = -1e9;
        for (int i = 0; i < N; i++)
            lo = fmin(lo, train[panel][i]), hi = fmax(hi, train[panel][i]);
        for (int i = 0; i < 2; i++)
            lo = fmin(lo, val[panel][i]), hi = fmax(hi, val[panel][i]);
        double m = (hi - lo) * 0.08;
        lo -= m, hi += m;
        double x0 = -0.06, x1 = 3.06;
#define PX(v) (ax + ((v) - x0) / (x1 - x0) * aw)
#define PY(v) (ay + ah - ((v) - lo) / (hi - lo) * ah)
        /* columns in the first half of the run, left of the legends' corners */
        static const double at[] = {0.3, 0.6, 1.2};
        for (size_t k = 0; k < sizeof at / sizeof at[0]; k++) {
            double want_v = panel == 0 ? 2.0 - 0.625 * at[k] : 0.2 + 0.3125 * at[k];
            int px = (int)lround(PX(at[k]));
            double row = mean_row(c, px - 1, px + 2, (int)ay, (int)(ay + ah), blue);
            ck_assert_msg(fabs(row - PY(want_v)) <= 2.5, "panel %d at epoch %.1f: row %.1f, want %.1f",
                          panel, at[k], row, PY(want_v));
        }
        for (int i = 0; i < 2; i++) {
            int px = (int)lround(PX(vx[i])), py = (int)lround(PY(val[panel][i]));
            ck_assert_msg(count_colour(c, px - 3, py - 3, px + 4, py + 4, orange, 20) >= 8,
                          "panel %d: validation dot %d at (%d, %d)", panel, i, px, py);
        }
        /* right of 2.4 epochs (and of the dots): nothing drawn yet in blue or orange,
         * the legend's corner left out */
        int from = (int)PX(2.55), to = (int)(ax + aw) - 2;
        int y0 = panel == 0 ? (int)(ay + ah * 0.45) : (int)ay + 2;
        int y1 = panel == 0 ? (int)(ay + ah) - 2 : (int)(ay + ah * 0.55);
        ck_assert_uint_eq(count_colour(c, from, y0, to, y1, blue, 40), 0);
        ck_assert_uint_eq(count_colour(c, from, y0, to, y1, orange, 40), 0);
#undef PX
#undef PY
    }
    /* the caption line is written under the panels */
    ck_assert_uint_gt(count_colour(c, 0, CURVES_LIVE_HEIGHT - CURVES_LIVE_CAPTION, c->w,
                                   CURVES_LIVE_HEIGHT, 0x000000ffu, 60), 40);
    canvas_free(c);

    /* no sample yet: empty panels; a bad request: NULL with a message */
    CurvesLive empty = {0, NULL, NULL, NULL, 0, NULL, NULL, NULL, 3, NULL};
    c = curves_live_picture(&empty, &e);
    ck_assert_ptr_nonnull(c);
    ck_assert_uint_eq(count_colour(c, 0, 0, c->w, c->h, blue, 12), 0);
    canvas_free(c);
    CurvesLive bad = {N, x, loss, acc, 2, vx, vloss, vacc, 0, NULL};
    ck_assert_ptr_null(curves_live_picture(&bad, &e));
}
END_TEST

/* ---- confusion ---- */

START_TEST(confusion_counts_and_accuracy)
{
    /* 7 images, 3 classes; argmax with a tie (the first wins) and a NaN (never wins) */
    const float scores[] = {0.9f, 0.05f, 0.05f,  0.1f, 0.8f, 0.1f,  0.2f, 0.2f, 0.6f,
                            0.5f, 0.5f, 0.0f,    NAN, 0.3f, 0.7f,   0.1f, 0.7f, 0.2f,
                            0.6f, 0.3f, 0.1f};
    const uint8_t labels[] = {0, 1, 2, 1, 2, 2, 2};
    size_t counts[9];
    uint8_t pred[7];
    Err e;
    ck_assert_int_eq(confusion_count(scores, 7, 3, labels, counts, pred, &e), 0);
    const size_t want[9] = {1, 0, 0, /* true 1 */ 1, 1, 0, /* true 2 */ 1, 1, 2};
    for (int i = 0; i < 9; i++)
        ck_assert_uint_eq(counts[i], want[i]);
    ck_assert_uint_eq(pred[3], 0);
    ck_assert_uint_eq(pred[4], 2);
    ck_assert(fabs(confusion_accuracy(counts, 3) - 4.0 / 7) < 1e-12);
    ck_assert(fabs(confusion_class_accuracy(counts, 3, 2) - 0.5) < 1e-12);
    const uint8_t bad[] = {0, 1, 3, 0, 0, 0, 0};
    ck_assert_int_eq(confusion_count(scores, 7, 3, bad, counts, NULL, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "label 3"));
    size_t none[4] = {0};
    ck_assert(isnan(confusion_accuracy(none, 2)));
    ck_assert(isnan(confusion_class_accuracy(none, 2, 1)));
}
END_TEST

START_TEST(confusion_picture_dark_diagonal)
{
    enum { K = 10 };
    size_t counts[K * K];
    memset(counts, 0, sizeof counts);
    for (int t = 0; t < K; t++)
        counts[t * K + t] = 90 + (size_t)t;   /* about 90% of each row */
    counts[4 * K + 8] = 7;                    /* a light confusion cell */
    counts[7 * K + 1] = 3;
    for (int t = 0; t < K; t++)
        counts[t * K + (t + 3) % K] += 10;
    Err e;
    Canvas *c = confusion_picture(counts, K, NULL, &e);
    ck_assert_ptr_nonnull(c);
    int x, y, s;
    confusion_cell_rect(K, K - 1, K - 1, &x, &y, &s);
    ck_assert_int_le(x + s, c->w);
    ck_assert_int_le(y + s, c->h);
    for (int t = 0; t < K; t++) {
        /* the diagonal: dark, with white digits written on it */
        confusion_cell_rect(K, t, t, &x, &y, &s);
        uint32_t corner = canvas_get(c, x + 3, y + 3);
        ck_assert_msg(R(corner) + G(corner) + B(corner) < 3 * 110, "cell %d,%d not dark", t, t);
        ck_assert_uint_gt(count_colour(c, x, y, x + s, y + s, 0xffffffffu, 40), 6);
        /* an empty cell: one light colour, no text */
        int q = (t + 5) % K;
        confusion_cell_rect(K, t, q, &x, &y, &s);
        uint32_t bg = canvas_get(c, x + 3, y + 3);
        ck_assert(R(bg) > 230 && G(bg) > 230 && B(bg) > 240);
        ck_assert_uint_eq(count_colour(c, x + 2, y + 2, x + s - 2, y + s - 2, bg, 2),
                          (size_t)(s - 4) * (size_t)(s - 4));
    }
    /* a light non-empty cell: its count in dark ink */
    confusion_cell_rect(K, 4, 8, &x, &y, &s);
    ck_assert_uint_gt(count_colour(c, x, y, x + s, y + s, 0x202020ffu, 60), 6);
    /* the colour map runs from near white to dark blue */
    uint32_t lo = confusion_colour(0), hi = confusion_colour(1);
    ck_assert(R(lo) > 240 && B(lo) > 240 && R(hi) < 40 && B(hi) > R(hi) + 40);
    canvas_free(c);
    ck_assert_ptr_null(confusion_picture(counts, 1, NULL, &e));
    /* another size works: 3 classes */
    size_t c3[9] = {5, 1, 0, 0, 7, 2, 1, 0, 4};
    c = confusion_picture(c3, 3, "three", &e);
    ck_assert_ptr_nonnull(c);
    canvas_free(c);
}
END_TEST

/* ---- weights ---- */

START_TEST(weights_units_red_positive_blue_negative)
{
    /* 3 units over 5x7 images, stored (in, units): unit 0 positive on the left
     * three columns and negative on the right ones; unit 1 zero; unit 2 tiny */
    enum { ROWS = 5, COLS = 7, U = 3 };
    float w[ROWS * COLS * U];
    for (int r = 0; r < ROWS; r++)
        for (int c = 0; c < COLS; c++) {
            int i = r * COLS + c;
            w[i * U + 0] = c < 3 ? 0.8f : c > 3 ? -0.6f : 0;
            w[i * U + 1] = 0;
            w[i * U + 2] = c == 6 ? 0.01f : 0;
        }
    Err e;
    for (int scale = 0; scale < 2; scale++) {
        Canvas *p = weights_units_picture(w, ROWS * COLS, U, ROWS, COLS, (WeightsScale)scale,
                                          NULL, &e);
        ck_assert_ptr_nonnull(p);
        int x, y, cw, ch;
        weights_units_cell(U, ROWS, COLS, 0, &x, &y, &cw, &ch);
        ck_assert_int_eq(cw * ROWS, ch * COLS); /* the aspect of the weights is kept */
        int px = cw / COLS;                      /* zoom */
        uint32_t left = canvas_get(p, x + px / 2, y + ch / 2);
        uint32_t right = canvas_get(p, x + cw - px / 2 - 1, y + ch / 2);
        uint32_t middle = canvas_get(p, x + 3 * px + px / 2, y + ch / 2);
        ck_assert_msg(R(left) > B(left) + 50 && R(left) > G(left) + 50,
                      "positive weight not red: %08x", left);
        ck_assert_msg(B(right) > R(right) + 50, "negative weight not blue: %08x", right);
        ck_assert(R(middle) > 245 && G(middle) > 245 && B(middle) > 245);
        /* the stronger weight is the deeper colour on a shared scale */
        if (scale == WEIGHTS_SCALE_SHARED)
            ck_assert_int_lt(G(left), G(right));
        weights_units_cell(U, ROWS, COLS, 1, &x, &y, &cw, &ch);
        ck_assert_uint_eq(count_colour(p, x, y, x + cw, y + ch, 0xffffffffu, 2),
                          (size_t)cw * (size_t)ch);
        /* the tiny unit: almost white on the shared scale, full red on its own */
        weights_units_cell(U, ROWS, COLS, 2, &x, &y, &cw, &ch);
        uint32_t t = canvas_get(p, x + cw - px / 2 - 1, y + ch / 2);
        if (scale == WEIGHTS_SCALE_SHARED)
            ck_assert(G(t) > 240);
        else
            ck_assert(G(t) < 40 && R(t) > B(t) + 50);
        canvas_free(p);
    }
    ck_assert_ptr_null(weights_units_picture(w, 34, U, ROWS, COLS, 0, NULL, &e));
    /* the ends of the colour map and its middle */
    ck_assert(B(weights_colour(-1)) > R(weights_colour(-1)) + 50);
    ck_assert(R(weights_colour(1)) > B(weights_colour(1)) + 50);
    ck_assert_uint_eq(weights_colour(0), 0xffffffffu);
    ck_assert_uint_eq(weights_colour(5), weights_colour(1));
}
END_TEST

START_TEST(weights_matrix_and_filters)
{
    Err e;
    /* a 13-input, 6-unit dense layer of mixed signs */
    float m[13 * 6];
    for (int i = 0; i < 13 * 6; i++)
        m[i] = (float)((i * 7) % 11 - 5) / 5.0f;
    Canvas *c = weights_matrix_picture(m, 13, 6, NULL, &e);
    ck_assert_ptr_nonnull(c);
    ck_assert_uint_gt(count_colour(c, 0, 0, c->w, c->h, weights_colour(1), 3), 50);
    ck_assert_uint_gt(count_colour(c, 0, 0, c->w, c->h, weights_colour(-1), 3), 50);
    canvas_free(c);
    /* conv2d (kh, kw, cin, filters) = (3, 5, 1, 4) and (3, 5, 2, 3) */
    float k1[3 * 5 * 4], k2[3 * 5 * 2 * 3];
    for (int i = 0; i < 60; i++)
        k1[i] = (i % 4 == 1) ? 0.5f : (i % 4 == 2 ? -0.5f : 0.1f);
    for (int i = 0; i < 90; i++)
        k2[i] = (float)sin(i * 0.7);
    c = weights_filters_picture(k1, 3, 5, 1, 4, NULL, &e);
    ck_assert_ptr_nonnull(c);
    ck_assert_uint_gt(count_colour(c, 0, 0, c->w, c->h, weights_colour(1), 3), 100);
    ck_assert_uint_gt(count_colour(c, 0, 0, c->w, c->h, weights_colour(-1), 3), 100);
    canvas_free(c);
    c = weights_filters_picture(k2, 3, 5, 2, 3, NULL, &e);
    ck_assert_ptr_nonnull(c);
    canvas_free(c);
    ck_assert_ptr_null(weights_filters_picture(k2, 0, 5, 2, 3, NULL, &e));
}
END_TEST

/* ---- activations and labelled grids ---- */

START_TEST(activations_and_label_grid)
{
    float a3[5 * 4 * 3], a1[10], a100[100];
    for (int i = 0; i < 60; i++)
        a3[i] = (float)(i % 3 == 0) * (float)i / 60.0f;  /* channel 0 only */
    for (int i = 0; i < 10; i++)
        a1[i] = i == 7 ? 0.9f : 0.01f;
    for (int i = 0; i < 100; i++)
        a100[i] = (float)i - 50;
    ActMap maps[3] = {{"conv", a3, 3, 5, 4, 3}, {"probs", a1, 1, 1, 1, 10},
                      {"dense", a100, 1, 1, 1, 100}};
    Err e;
    Canvas *one = activations_picture(maps, 1, "one", &e);
    Canvas *all = activations_picture(maps, 3, "all", &e);
    ck_assert_ptr_nonnull(one);
    ck_assert_ptr_nonnull(all);
    ck_assert_int_eq(one->w, ACT_WIDTH);
    ck_assert_int_gt(all->h, one->h + 80);
    /* the largest probability is the red bar */
    ck_assert_uint_gt(count_colour(all, 0, one->h, all->w, all->h, plot_palette(3), 3), 200);
    canvas_free(one);
    canvas_free(all);
    ActMap bad = {"bad", a1, 2, 1, 1, 10};
    ck_assert_ptr_null(activations_picture(&bad, 1, NULL, &e));

    /* 5 images of 9x7 in 3 columns: each bright where its image is 1 */
    float imgs[5 * 63];
    for (int i = 0; i < 5 * 63; i++)
        imgs[i] = (i % 63) < 31 ? 1.0f : 0.0f;  /* top half white */
    const char *labels[5] = {("1\xe2\x86\x92" "2"), "a", "b", "c", "d"}; /* 1→2 */
    Canvas *g = label_grid(imgs, 5, 9, 7, labels, 3, "five", &e);
    ck_assert_ptr_nonnull(g);
    for (size_t i = 0; i < 5; i++) {
        int x, y;
        label_grid_cell(i, 3, &x, &y);
        uint32_t top = canvas_get(g, x + LABEL_GRID_CELL / 2, y + 4);
        uint32_t bottom = canvas_get(g, x + LABEL_GRID_CELL / 2, y + LABEL_GRID_CELL - 4);
        ck_assert(R(top) > 240 && R(bottom) < 15);
        /* dark label text under the image */
        ck_assert_uint_gt(count_colour(g, x, y + LABEL_GRID_CELL + 1, x + LABEL_GRID_CELL,
                                       y + LABEL_GRID_CELL + 17, 0x202020ffu, 60),
                          3);
    }
    canvas_free(g);
    ck_assert_ptr_null(label_grid(imgs, 0, 9, 7, NULL, 3, NULL, &e));
}
END_TEST

/* ---- the commands through a shell ---- */

static void cap_load(Captured *c)
{
    synthetic(0.45f, 0.5f, &c->sh.train, 500, 31);
    synthetic(0.45f, 0.5f, &c->sh.test, 173, 32);
    snprintf(c->sh.data_name, sizeof c->sh.data_name, "synthetic");
}

static int run(Captured *c, const char *fmt, const char *arg)
{
    char line[1400];
    snprintf(line, sizeof line, fmt, arg);
    int rc = shell_run_line(&c->sh, line);
    fflush(c->sh.out);
    fflush(c->sh.err);
    return rc;
}

static double fig(Captured *c, const char *name)
{
    double v = NAN;
    ck_assert_msg(sh_figure(&c->sh, name, &v) == 0, "no figure %s", name);
    return v;
}

/* The PNG written at dir/name: its size. */
static void png_size(Captured *c, const char *name, int *w, int *h)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", c->dir, name);
    Err e;
    Canvas *p = png_read_file(path, &e);
    ck_assert_msg(p != NULL, "%s", e.msg);
    *w = p->w;
    *h = p->h;
    canvas_free(p);
}

/* A dense softmax classifier on 63 inputs, trained a few epochs, through the nn API. */
static Model *trained_dense(const Dataset *train, int epochs, double validation)
{
    Model *m = model_new();
    Rng r;
    rng_seed(&r, 4);
    Err e;
    NnShape in = {1, {63, 0, 0}};
    NnLayerSpec d = {.kind = "dense", .units = 10},
                a = {.kind = "activation", .act = NN_ACT_SOFTMAX};
    ck_assert_int_eq(model_add(m, &d, &in, &r, &e), 0);
    ck_assert_int_eq(model_add(m, &a, NULL, &r, &e), 0);
    ck_assert_int_eq(model_compile(m, NN_LOSS_CCE, 0.5, 1, &e), 0);
    NnFitOptions fo = {.batch = 50, .epochs = epochs, .validation = validation};
    NnFitResult res;
    if (epochs > 0)
        ck_assert_msg(model_fit(m, train, &fo, &r, NULL, NULL, &res, &e) == 0, "%s", e.msg);
    return m;
}

START_TEST(show_commands_dense)
{
    Captured c;
    cap_open(&c);
    /* nothing yet */
    ck_assert_int_eq(run(&c, "show curves", NULL), CMD_ERR);
    ck_assert_ptr_nonnull(strstr(c.sh.errmsg, "no training history; run `fit` first"));
    ck_assert_int_eq(run(&c, "show confusion", NULL), CMD_ERR);
    ck_assert_ptr_nonnull(strstr(c.sh.errmsg, "no model"));
    ck_assert_int_eq(run(&c, "show nonsense", NULL), CMD_ERR);
    ck_assert_ptr_nonnull(strstr(c.sh.errmsg, "confusion"));
    cap_load(&c);
    c.sh.model = trained_dense(&c.sh.train, 0, 0);
    ck_assert_int_eq(run(&c, "show curves", NULL), CMD_ERR);  /* untrained */
    model_free(c.sh.model);
    c.sh.model = trained_dense(&c.sh.train, 4, 0.2);
    int w, h;

    ck_assert_int_eq(run(&c, "show curves to %s/k.png", c.dir), CMD_OK);
    png_size(&c, "k.png", &w, &h);
    ck_assert_int_eq(w, CURVES_WIDTH);
    ck_assert_int_eq(fig(&c, "epochs"), 4);
    ck_assert_int_eq(run(&c, "show curves to", NULL), CMD_ERR);

    /* the confusion figures agree with an independent count */
    ck_assert_int_eq(run(&c, "show confusion to %s/c.png", c.dir), CMD_OK);
    float *p = NULL;
    size_t dim;
    Err e;
    ck_assert_int_eq(model_predict(c.sh.model, c.sh.test.x, c.sh.test.n, &p, &dim, &e), 0);
    size_t right = 0, total = 0;
    double per[10] = {0}, seen[10] = {0};
    for (size_t i = 0; i < c.sh.test.n; i++) {
        size_t best = 0;
        for (size_t k = 1; k < 10; k++)
            if (p[i * 10 + k] > p[i * 10 + best])
                best = k;
        right += best == c.sh.test.y[i];
        per[c.sh.test.y[i]] += best == c.sh.test.y[i];
        seen[c.sh.test.y[i]]++;
    }
    free(p);
    ck_assert(fabs(fig(&c, "accuracy") - (double)right / (double)c.sh.test.n) < 1e-12);
    ck_assert(fig(&c, "accuracy") > 0.5);  /* learnt something: the diagonal dominates */
    char name[48];
    for (int t = 0; t < 10; t++) {
        snprintf(name, sizeof name, "class_accuracy.%d", t);
        if (seen[t] > 0)
            ck_assert(fabs(fig(&c, name) - per[t] / seen[t]) < 1e-12);
        for (int q = 0; q < 10; q++) {
            snprintf(name, sizeof name, "confusion.%d.%d", t, q);
            total += (size_t)fig(&c, name);
        }
    }
    ck_assert_uint_eq(total, c.sh.test.n);
    ck_assert_ptr_nonnull(strstr(c.out, "weakest class"));

    /* weights: the dense layer reads the 9x7 images, so one image per unit */
    ck_assert_int_eq(run(&c, "show weights 1 to %s/w.png", c.dir), CMD_OK);
    ck_assert_int_eq(fig(&c, "units"), 10);
    ck_assert_int_eq(run(&c, "show weights dense_1 scale unit to %s/w2.png", c.dir), CMD_OK);
    png_size(&c, "w2.png", &w, &h);
    ck_assert_int_gt(w, 10 * 7 * 2);
    ck_assert_int_eq(run(&c, "show weights 2", NULL), CMD_ERR);
    ck_assert_ptr_nonnull(strstr(c.sh.errmsg, "no weights"));
    ck_assert_ptr_nonnull(strstr(c.sh.errmsg, "1 dense_1"));
    ck_assert_int_eq(run(&c, "show weights 3", NULL), CMD_ERR);
    ck_assert_int_eq(run(&c, "show weights densse_1", NULL), CMD_ERR);
    ck_assert_ptr_nonnull(strstr(c.sh.errmsg, "dense_1, activation_1"));
    ck_assert_int_eq(run(&c, "show weights 1 scale huge", NULL), CMD_ERR);
    ck_assert_int_eq(run(&c, "show weights", NULL), CMD_ERR);

    /* errors: the count is the complement of the accuracy */
    ck_assert_int_eq(run(&c, "show errors 5 cols 4 to %s/e.png", c.dir), CMD_OK);
    ck_assert_int_eq(fig(&c, "errors"), (double)(c.sh.test.n - right));
    ck_assert_int_eq(fig(&c, "images"), c.sh.test.n - right < 5 ? c.sh.test.n - right : 5);
    char want[80];
    snprintf(want, sizeof want, "%zu of %zu test images are misclassified", c.sh.test.n - right,
             c.sh.test.n);
    ck_assert_ptr_nonnull(strstr(c.out, want));
    ck_assert_int_eq(run(&c, "show errors 0", NULL), CMD_ERR);
    ck_assert_int_eq(run(&c, "show errors cols 0", NULL), CMD_ERR);

    /* activations of a dense network: the input and two bars */
    ck_assert_int_eq(run(&c, "show activations 172 to %s/a.png", c.dir), CMD_OK);
    ck_assert_int_eq(fig(&c, "layers"), 2);
    ck_assert_int_eq(run(&c, "show activations 173", NULL), CMD_ERR);

    /* pictures without `to` go to the output folder, numbered */
    ck_assert_int_eq(run(&c, "show confusion", NULL), CMD_OK);
    ck_assert_ptr_nonnull(strstr(c.out, "-confusion.png"));

    /* a model whose top is not 10 classes is refused, and the session is unchanged */
    Model *keep = c.sh.model;
    c.sh.model = model_clone(keep);
    ck_assert_int_eq(model_pop(c.sh.model, &e), 0);
    ck_assert_int_eq(model_pop(c.sh.model, &e), 0);
    NnLayerSpec d7 = {.kind = "dense", .units = 7};
    Rng r;
    rng_seed(&r, 9);
    ck_assert_int_eq(model_add(c.sh.model, &d7, &c.sh.model->input, &r, &e), 0);
    ck_assert_int_eq(run(&c, "show confusion", NULL), CMD_ERR);
    ck_assert_ptr_nonnull(strstr(c.sh.errmsg, "(7)"));
    ck_assert_int_eq(run(&c, "show errors", NULL), CMD_ERR);
    model_free(c.sh.model);
    c.sh.model = keep;
    cap_close(&c);
}
END_TEST

START_TEST(show_commands_cnn)
{
    Captured c;
    cap_open(&c);
    cap_load(&c);
    Model *m = model_new();
    Rng r;
    rng_seed(&r, 12);
    Err e;
    NnShape in = {3, {9, 7, 1}};
    NnLayerSpec s[] = {{.kind = "conv2d", .filters = 5, .kh = 3, .kw = 3,
                        .padding = NN_PAD_SAME, .act = NN_ACT_RELU},
                       {.kind = "maxpool", .ph = 2, .pw = 2},
                       {.kind = "conv2d", .filters = 3, .kh = 2, .kw = 2,
                        .padding = NN_PAD_VALID, .act = NN_ACT_SIGMOID},
                       {.kind = "flatten"},
                       {.kind = "dense", .units = 10},
                       {.kind = "activation", .act = NN_ACT_SOFTMAX}};
    for (int i = 0; i < 6; i++)
        ck_assert_int_eq(model_add(m, &s[i], i ? NULL : &in, &r, &e), 0);
    c.sh.model = m;
    int w, h;
    ck_assert_int_eq(run(&c, "show weights conv2d_1 to %s/f1.png", c.dir), CMD_OK);
    ck_assert_int_eq(fig(&c, "units"), 5);
    ck_assert_int_eq(run(&c, "show weights 3 to %s/f2.png", c.dir), CMD_OK);
    ck_assert_int_eq(fig(&c, "units"), 3);
    /* dense on the flattened 3-channel maps: a matrix, not images */
    ck_assert_int_eq(run(&c, "show weights 5 to %s/m.png", c.dir), CMD_OK);
    png_size(&c, "m.png", &w, &h);
    ck_assert_int_gt(w, 200);
    /* activations: input, conv, pool, conv, dense, softmax (flatten skipped) */
    ck_assert_int_eq(run(&c, "show activations 3 to %s/a.png", c.dir), CMD_OK);
    ck_assert_int_eq(fig(&c, "layers"), 5);
    double pred = fig(&c, "predicted");
    ck_assert(pred >= 0 && pred <= 9);
    png_size(&c, "a.png", &w, &h);
    ck_assert_int_eq(w, ACT_WIDTH);
    ck_assert_int_gt(h, 300);
    /* the session's model is the same afterwards (the cuts were on a copy) */
    ck_assert_uint_eq(c.sh.model->n_layers, 6);
    /* a model for other images is refused with both sizes named */
    c.sh.test.rows = 7;
    c.sh.test.cols = 8;
    ck_assert_int_eq(run(&c, "show activations 0", NULL), CMD_ERR);
    ck_assert_ptr_nonnull(strstr(c.sh.errmsg, "(9, 7, 1)"));
    c.sh.test.rows = 9;
    c.sh.test.cols = 7;
    cap_close(&c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pictures");
    TCase *t = tcase_create("builders");
    tcase_add_test(t, curves_rising_accuracy_falling_loss);
    tcase_add_test(t, curves_live_follow_a_known_history);
    tcase_add_test(t, confusion_counts_and_accuracy);
    tcase_add_test(t, confusion_picture_dark_diagonal);
    tcase_add_test(t, weights_units_red_positive_blue_negative);
    tcase_add_test(t, weights_matrix_and_filters);
    tcase_add_test(t, activations_and_label_grid);
    suite_add_tcase(s, t);
    TCase *sh = tcase_create("commands");
    tcase_add_test(sh, show_commands_dense);
    tcase_add_test(sh, show_commands_cnn);
    tcase_set_timeout(sh, 30);
    suite_add_tcase(s, sh);
    return tu_run_suite(s);
}
