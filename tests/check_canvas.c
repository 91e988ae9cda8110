/* check_canvas.c: the RGBA canvas (sizes, pixels, clipped blits) and the image
 * grid of `show images` (picture size, where each image lands, its grey levels). */
#include <stdint.h>

#include "testutil.h"
#include "untangle/core/canvas.h"
#include "untangle/render/image_grid.h"

/* ------------------------------------------------------------ canvas */

START_TEST(canvas_refuses_bad_sizes)
{
    int bad[][2] = {{0, 5}, {5, 0}, {-3, 4}, {CANVAS_MAX_SIDE + 1, 1}, {1, CANVAS_MAX_SIDE + 1}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        Err e;
        err_clear(&e);
        ck_assert_ptr_null(canvas_new(bad[i][0], bad[i][1], 0, &e));
        ck_assert_str_ne(e.msg, "");
    }
    canvas_free(NULL);
}
END_TEST

START_TEST(canvas_fill_set_get)
{
    Err e;
    Canvas *c = canvas_new(7, 3, 0x10203040u, &e);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(c->w, 7);
    ck_assert_int_eq(c->h, 3);
    /* byte order in memory is R, G, B, A */
    ck_assert_uint_eq(c->px[0], 0x10);
    ck_assert_uint_eq(c->px[3], 0x40);
    ck_assert_uint_eq(canvas_get(c, 6, 2), 0x10203040u);
    canvas_set(c, 5, 1, 0xa1b2c3d4u);
    ck_assert_uint_eq(canvas_get(c, 5, 1), 0xa1b2c3d4u);
    ck_assert_uint_eq(c->px[(1 * 7 + 5) * 4 + 2], 0xc3);
    /* outside: ignored by set, 0 from get */
    canvas_set(c, -1, 0, 0xffffffffu);
    canvas_set(c, 7, 0, 0xffffffffu);
    canvas_set(c, 0, 3, 0xffffffffu);
    ck_assert_uint_eq(canvas_get(c, -1, 0), 0);
    ck_assert_uint_eq(canvas_get(c, 0, 3), 0);
    for (int y = 0; y < 3; y++)
        for (int x = 0; x < 7; x++)
            if (x != 5 || y != 1)
                ck_assert_uint_eq(canvas_get(c, x, y), 0x10203040u);
    canvas_fill(c, 0x01020304u);
    ck_assert_uint_eq(canvas_get(c, 5, 1), 0x01020304u);
    canvas_free(c);
}
END_TEST

/* src pixel (x, y) has a distinct value so a misplaced copy shows */
static Canvas *numbered(int w, int h)
{
    Err e;
    Canvas *c = canvas_new(w, h, 0, &e);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            canvas_set(c, x, y, (uint32_t)(x + 1) << 24 | (uint32_t)(y + 1) << 16 | 0xff);
    return c;
}

static void check_blit(int dw, int dh, int sw, int sh, int ox, int oy)
{
    Err e;
    const uint32_t bg = 0x0a0b0c0du;
    Canvas *dst = canvas_new(dw, dh, bg, &e);
    Canvas *src = numbered(sw, sh);
    canvas_blit(dst, src, ox, oy);
    for (int y = 0; y < dh; y++)
        for (int x = 0; x < dw; x++) {
            int sx = x - ox, sy = y - oy;
            uint32_t want = sx >= 0 && sy >= 0 && sx < sw && sy < sh ? canvas_get(src, sx, sy) : bg;
            ck_assert_msg(canvas_get(dst, x, y) == want,
                          "blit %dx%d at (%d,%d) on %dx%d: pixel (%d,%d)", sw, sh, ox, oy, dw, dh,
                          x, y);
        }
    canvas_free(dst);
    canvas_free(src);
}

START_TEST(canvas_blit_clips)
{
    check_blit(9, 7, 4, 3, 2, 1);   /* inside */
    check_blit(9, 7, 4, 3, -2, -1); /* off the top-left */
    check_blit(9, 7, 4, 3, 7, 5);   /* off the bottom-right */
    check_blit(9, 7, 4, 3, -3, 6);  /* bottom-left corner */
    check_blit(5, 3, 11, 8, -2, -4); /* larger than the destination */
    check_blit(9, 7, 4, 3, 9, 0);   /* just outside: nothing */
    check_blit(9, 7, 4, 3, -4, 0);
    check_blit(9, 7, 4, 3, 0, -3);
    check_blit(9, 7, 4, 3, 100, -100);
}
END_TEST

/* ------------------------------------------------------------ image grid */

/* n images of r x c, image i constant at (i + 1) / (n + 1) */
static float *constant_images(size_t n, int r, int c)
{
    size_t dim = (size_t)r * (size_t)c;
    float *x = malloc(n * dim * sizeof *x);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < dim; k++)
            x[i * dim + k] = (float)(i + 1) / (float)(n + 1);
    return x;
}

static int grey_of(const Canvas *c, int x, int y)
{
    uint32_t p = canvas_get(c, x, y);
    int r = (int)(p >> 24), g = (int)(p >> 16 & 0xff), b = (int)(p >> 8 & 0xff);
    ck_assert_int_eq(r, g);
    ck_assert_int_eq(g, b);
    ck_assert_uint_eq(p & 0xff, 255);
    return r;
}

START_TEST(grid_lab_size)
{
    /* the lab's figure: 200 MNIST digits, 20 per row, about 720x384 pixels */
    ImageGridLayout lay = image_grid_default();
    ck_assert_int_eq(lay.cols, 20);
    int w, h;
    Err e;
    ck_assert_int_eq(image_grid_size(200, &lay, &w, &h, &e), 0);
    ck_assert_int_eq(w, 720);
    ck_assert_msg(h >= 376 && h <= 392, "height %d is not about 384", h);
    float *x = constant_images(200, 28, 28);
    Canvas *c = image_grid(x, 200, 28, 28, &lay, &e);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(c->w, w);
    ck_assert_int_eq(c->h, h);
    /* digits are enlarged, not shrunk, and leave a gap */
    ck_assert_int_gt(lay.cell, 28);
    ck_assert_int_lt(lay.cell, w / 20);
    canvas_free(c);
    free(x);
}
END_TEST

START_TEST(grid_places_each_image)
{
    /* 7 images in 3 columns: rows of 3, 3 and 1 */
    const size_t n = 7;
    ImageGridLayout lay = {3, 9, 3, 5};
    float *x = constant_images(n, 5, 4);
    Err e;
    Canvas *c = image_grid(x, n, 5, 4, &lay, &e);
    ck_assert_msg(c != NULL, "%s", e.msg);
    ck_assert_int_eq(c->w, 3 * (9 + 3));
    ck_assert_int_eq(c->h, 3 * (9 + 5));
    int lit = 0;
    for (int y = 0; y < c->h; y++)
        for (int x0 = 0; x0 < c->w; x0++)
            lit += grey_of(c, x0, y) != 0;
    ck_assert_int_eq(lit, (int)n * 9 * 9); /* only the cells are lit */
    for (size_t i = 0; i < n; i++) {
        int cx, cy;
        image_grid_cell_origin(i, &lay, &cx, &cy);
        /* row-major placement with the gap split around each cell */
        ck_assert_int_eq(cx, (int)(i % 3) * 12 + 1);
        ck_assert_int_eq(cy, (int)(i / 3) * 14 + 2);
        int want = (int)lround((double)(i + 1) / (n + 1) * 255);
        for (int dy = 0; dy < 9; dy++)
            for (int dx = 0; dx < 9; dx++)
                ck_assert_int_eq(grey_of(c, cx + dx, cy + dy), want);
        ck_assert_int_eq(grey_of(c, cx - 1, cy + 4), 0);
        ck_assert_int_eq(grey_of(c, cx + 9, cy + 4), 0);
    }
    /* the two empty slots of the last row are black */
    ck_assert_int_eq(grey_of(c, 12 + 5, 28 + 6), 0);
    ck_assert_int_eq(grey_of(c, 24 + 5, 28 + 6), 0);
    canvas_free(c);
    free(x);
}
END_TEST

START_TEST(grid_native_scale_copies_pixels)
{
    /* cell == image side: every pixel is the image's own, up to rounding */
    enum { N = 2 };
    float sq[N * 3 * 3];
    for (int k = 0; k < N * 9; k++)
        sq[k] = (float)((k * 37) % 101) / 100.0f;
    sq[4] = -0.5f;  /* clamped to black */
    sq[7] = 1.75f;  /* clamped to white */
    sq[12] = NAN;   /* drawn black */
    ImageGridLayout lay = {2, 3, 2, 0};
    Err e;
    Canvas *c = image_grid(sq, N, 3, 3, &lay, &e);
    ck_assert_ptr_nonnull(c);
    for (int i = 0; i < N; i++) {
        int cx, cy;
        image_grid_cell_origin((size_t)i, &lay, &cx, &cy);
        for (int y = 0; y < 3; y++)
            for (int x0 = 0; x0 < 3; x0++) {
                float v = sq[i * 9 + y * 3 + x0];
                int want = isnan(v) || v <= 0 ? 0 : v >= 1 ? 255 : (int)lround(v * 255.0);
                ck_assert_msg(abs(grey_of(c, cx + x0, cy + y) - want) <= 1,
                              "image %d pixel (%d,%d)", i, x0, y);
            }
    }
    canvas_free(c);
}
END_TEST

START_TEST(grid_orientation)
{
    /* a 6x4 image white on its left column and top row only: after enlarging to
     * 12 px the left and top edges are white, the bottom-right black */
    enum { R = 6, C = 4 };
    float img[R * C] = {0};
    for (int y = 0; y < R; y++)
        img[y * C] = 1;
    for (int x = 0; x < C; x++)
        img[x] = 1;
    ImageGridLayout lay = {1, 12, 0, 0};
    Err e;
    Canvas *c = image_grid(img, 1, R, C, &lay, &e);
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(c->w, 12);
    ck_assert_int_eq(c->h, 12);
    ck_assert_int_eq(grey_of(c, 0, 11), 255);
    ck_assert_int_eq(grey_of(c, 11, 0), 255);
    ck_assert_int_eq(grey_of(c, 11, 11), 0);
    ck_assert_int_eq(grey_of(c, 6, 6), 0);
    canvas_free(c);
}
END_TEST

START_TEST(grid_fewer_images_than_columns)
{
    ImageGridLayout lay = image_grid_default();
    int w, h;
    Err e;
    ck_assert_int_eq(image_grid_size(3, &lay, &w, &h, &e), 0);
    ck_assert_int_eq(w, 3 * (lay.cell + lay.hpad));
    ck_assert_int_eq(h, lay.cell + lay.vpad);
}
END_TEST

START_TEST(grid_refusals)
{
    ImageGridLayout lay = image_grid_default();
    int w, h;
    Err e;
    err_clear(&e);
    ck_assert_int_eq(image_grid_size(0, &lay, &w, &h, &e), -1);
    ck_assert_str_ne(e.msg, "");
    err_clear(&e);
    ck_assert_int_eq(image_grid_size(60000, &lay, &w, &h, &e), -1); /* 3000 rows */
    ck_assert_msg(strstr(e.msg, "60000"), "%s", e.msg);
    ImageGridLayout bad = {0, 34, 2, 4};
    ck_assert_int_eq(image_grid_size(5, &bad, &w, &h, &e), -1);
    bad = (ImageGridLayout){5, 34, -1, 4};
    ck_assert_int_eq(image_grid_size(5, &bad, &w, &h, &e), -1);
    float px[4] = {0};
    ck_assert_ptr_null(image_grid(px, 1, 0, 4, &lay, &e));
}
END_TEST

static Suite *canvas_suite(void)
{
    Suite *s = suite_create("canvas");
    TCase *t = tcase_create("canvas");
    tcase_add_test(t, canvas_refuses_bad_sizes);
    tcase_add_test(t, canvas_fill_set_get);
    tcase_add_test(t, canvas_blit_clips);
    suite_add_tcase(s, t);
    t = tcase_create("image_grid");
    tcase_add_test(t, grid_lab_size);
    tcase_add_test(t, grid_places_each_image);
    tcase_add_test(t, grid_native_scale_copies_pixels);
    tcase_add_test(t, grid_orientation);
    tcase_add_test(t, grid_fewer_images_than_columns);
    tcase_add_test(t, grid_refusals);
    suite_add_tcase(s, t);
    return s;
}

int main(void) { return tu_run_suite(canvas_suite()); }
