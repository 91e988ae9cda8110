/* check_term.c: drawing in the terminal through libchafa. Each mode is drawn into
 * a memory stream and the escape sequences are checked; TERM_AUTO is checked on a
 * pseudo-terminal with several TERM settings. */
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>

#include "testutil.h"
#include "untangle/render/term.h"

/* A 13x7 picture: a bright diagonal band over dark red, with a blue corner, so
 * that every mode has something to draw. */
static Canvas *make_picture(void)
{
    Err e;
    Canvas *c = canvas_new(13, 7, 0x300000ffu, &e);
    ck_assert_ptr_nonnull(c);
    for (int y = 0; y < 7; y++)
        for (int x = 0; x < 13; x++) {
            if (abs(x - 2 * y) <= 1)
                canvas_set(c, x, y, 0xf0f0e0ffu);
            else if (x > 9 && y < 2)
                canvas_set(c, x, y, 0x2040ffffu);
        }
    return c;
}

/* Draws c in `mode` into memory; returns the bytes (caller frees) and their count. */
static char *draw(const Canvas *c, TermMode mode, int max_cols, size_t *len, int *rc)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    ck_assert_ptr_nonnull(f);
    Err e;
    err_clear(&e);
    *rc = term_draw(f, c, mode, max_cols, &e);
    ck_assert_int_eq(fclose(f), 0);
    return buf;
}

static int contains(const char *buf, size_t len, const char *what)
{
    return memmem(buf, len, what, strlen(what)) != NULL;
}

START_TEST(mode_names)
{
    ck_assert_str_eq(term_mode_names[TERM_AUTO], "auto");
    ck_assert_str_eq(term_mode_names[TERM_KITTY], "kitty");
    ck_assert_str_eq(term_mode_names[TERM_SIXEL], "sixel");
    ck_assert_str_eq(term_mode_names[TERM_BLOCKS], "blocks");
    ck_assert_str_eq(term_mode_names[TERM_ASCII], "ascii");
    ck_assert_str_eq(term_mode_names[TERM_NONE], "none");
    ck_assert_ptr_null(term_mode_names[TERM_NONE + 1]);
}
END_TEST

START_TEST(kitty)
{
    Canvas *c = make_picture();
    size_t len;
    int rc;
    char *out = draw(c, TERM_KITTY, 20, &len, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert(contains(out, len, "\x1b_G"));
    ck_assert(!contains(out, len, "\x1bP"));
    free(out);
    canvas_free(c);
}
END_TEST

START_TEST(sixel)
{
    Canvas *c = make_picture();
    size_t len;
    int rc;
    char *out = draw(c, TERM_SIXEL, 20, &len, &rc);
    ck_assert_int_eq(rc, 0);
    const char *start = memmem(out, len, "\x1bP", 2);
    ck_assert_ptr_nonnull(start);
    ck_assert_ptr_nonnull(memchr(start, 'q', len - (size_t)(start - out)));
    ck_assert(contains(out, len, "\x1b\\")); /* the string terminator ends it */
    ck_assert(!contains(out, len, "\x1b_G"));
    free(out);
    canvas_free(c);
}
END_TEST

/* The pixel modes send the picture itself: at its own size when it fits the width
 * asked (200 px in 80 cells of 10 px), not shrunk to the character grid. */
START_TEST(pixel_modes_full_resolution)
{
    Err e;
    Canvas *c = canvas_new(200, 100, 0x336699ffu, &e);
    for (int x = 0; x < 200; x++)
        canvas_set(c, x, x / 2, 0xffffffffu);
    size_t len;
    int rc;
    char *out = draw(c, TERM_KITTY, 80, &len, &rc);
    ck_assert_int_eq(rc, 0);
    /* the kitty header gives the pixel size of the RGBA payload (f=32) */
    ck_assert_msg(contains(out, len, "f=32,s=200,v=100,"), "%.60s", out);
    free(out);
    out = draw(c, TERM_SIXEL, 80, &len, &rc);
    ck_assert_int_eq(rc, 0);
    /* sixel raster attributes "Pan;Pad;Ph;Pv: 200 wide, the height in whole
     * six-pixel bands */
    const char *ra = memmem(out, len, "\"1;1;", 5);
    ck_assert_ptr_nonnull(ra);
    int pw = 0, ph = 0;
    ck_assert_int_eq(sscanf(ra, "\"1;1;%d;%d", &pw, &ph), 2);
    ck_assert_int_eq(pw, 200);
    ck_assert_int_ge(ph, 100 - 6);
    ck_assert_int_le(ph, 100 + 6);
    free(out);
    canvas_free(c);
}
END_TEST

START_TEST(blocks)
{
    Canvas *c = make_picture();
    size_t len;
    int rc;
    char *out = draw(c, TERM_BLOCKS, 20, &len, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert(contains(out, len, "\x1b["));
    ck_assert(contains(out, len, "\x1b[38;2;") || contains(out, len, "\x1b[48;2;")); /* truecolor */
    ck_assert(!contains(out, len, "\x1b_G"));
    ck_assert(!contains(out, len, "\x1bP"));
    /* at most 20 cells wide: count the lines, which chafa ends with a newline */
    int lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += out[i] == '\n';
    ck_assert_int_ge(lines, 1);
    ck_assert_int_le(lines, 8);
    free(out);
    canvas_free(c);
}
END_TEST

static void check_plain_ascii(const char *out, size_t len, int max_cols)
{
    ck_assert_uint_gt(len, 0);
    int col = 0, lines = 0, ink = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)out[i];
        ck_assert_msg(ch == '\n' || (ch >= 0x20 && ch <= 0x7e), "byte %zu is 0x%02x", i, ch);
        if (ch == '\n') {
            lines++;
            col = 0;
        } else {
            col++;
            ink += ch != ' ';
            ck_assert_int_le(col, max_cols);
        }
    }
    ck_assert_int_ge(lines, 1);
    ck_assert_int_gt(ink, 0); /* the bright band shows */
}

START_TEST(ascii)
{
    Canvas *c = make_picture();
    size_t len;
    int rc;
    char *out = draw(c, TERM_ASCII, 10, &len, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_ptr_null(memchr(out, 0x1b, len));
    check_plain_ascii(out, len, 10);
    free(out);
    canvas_free(c);
}
END_TEST

/* Share of non-blank characters in ASCII output. */
static double ink_share(const char *out, size_t len)
{
    size_t ink = 0, cells = 0;
    for (size_t i = 0; i < len; i++)
        if (out[i] != '\n') {
            cells++;
            ink += out[i] != ' ';
        }
    return cells ? (double)ink / (double)cells : 0;
}

START_TEST(ascii_light_picture)
{
    /* a plot-like picture: white with a thin dark cross; characters mark the
     * cross, the white stays blank */
    Err e;
    Canvas *c = canvas_new(41, 21, 0xffffffffu, &e);
    for (int x = 0; x < 41; x++)
        canvas_set(c, x, 10, 0x000000ffu);
    for (int y = 0; y < 21; y++)
        canvas_set(c, 20, y, 0x101010ffu);
    size_t len;
    int rc;
    char *out = draw(c, TERM_ASCII, 41, &len, &rc);
    ck_assert_int_eq(rc, 0);
    check_plain_ascii(out, len, 41);
    double share = ink_share(out, len);
    ck_assert_msg(share < 0.3, "ink on %.0f%% of the cells", share * 100);
    free(out);
    /* and the same, inverted, on a dark picture */
    for (size_t i = 0; i < (size_t)c->w * c->h; i++)
        for (int k = 0; k < 3; k++)
            c->px[i * 4 + k] = (uint8_t)(255 - c->px[i * 4 + k]);
    out = draw(c, TERM_ASCII, 41, &len, &rc);
    share = ink_share(out, len);
    ck_assert_msg(share > 0 && share < 0.3, "ink on %.0f%% of the cells", share * 100);
    free(out);
    canvas_free(c);
}
END_TEST

START_TEST(none)
{
    Canvas *c = make_picture();
    size_t len;
    int rc;
    char *out = draw(c, TERM_NONE, 20, &len, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_uint_eq(len, 0);
    free(out);
    canvas_free(c);
}
END_TEST

START_TEST(auto_off_terminal_is_ascii)
{
    /* a memory stream is no terminal, whatever TERM says */
    setenv("TERM", "xterm-kitty", 1);
    setenv("COLORTERM", "truecolor", 1);
    Canvas *c = make_picture();
    size_t len;
    int rc;
    char *out = draw(c, TERM_AUTO, 30, &len, &rc);
    ck_assert_int_eq(rc, 0);
    ck_assert_ptr_null(memchr(out, 0x1b, len));
    check_plain_ascii(out, len, 30);
    free(out);
    canvas_free(c);
}
END_TEST

START_TEST(bad_input)
{
    Canvas *c = make_picture();
    Err e;
    err_clear(&e);
    ck_assert_int_eq(term_draw(stdout, c, (TermMode)42, 20, &e), -1);
    ck_assert_str_ne(e.msg, "");
    err_clear(&e);
    ck_assert_int_eq(term_draw(stdout, NULL, TERM_ASCII, 20, &e), -1);
    ck_assert_str_ne(e.msg, "");
    canvas_free(c);
}
END_TEST

START_TEST(wide_picture_fits)
{
    /* a wide strip is shrunk to the width asked, keeping at least one row */
    Err e;
    Canvas *c = canvas_new(997, 3, 0x000000ffu, &e);
    for (int x = 0; x < 997; x++)
        canvas_set(c, x, 1, 0xffffffffu);
    size_t len;
    int rc;
    char *out = draw(c, TERM_ASCII, 17, &len, &rc);
    ck_assert_int_eq(rc, 0);
    check_plain_ascii(out, len, 17);
    free(out);
    canvas_free(c);
}
END_TEST

/* ------------------------------------------------------------ TERM_AUTO on a pty */

/* Draws on the slave side of a fresh pseudo-terminal with the given environment
 * and returns what the master side received (caller frees). */
static char *draw_on_pty(const char *term, const char *colorterm, const char *kitty_id,
                         size_t *len)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    ck_assert_int_ge(master, 0);
    ck_assert_int_eq(grantpt(master), 0);
    ck_assert_int_eq(unlockpt(master), 0);
    int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
    ck_assert_int_ge(slave, 0);
    FILE *f = fdopen(slave, "w");
    ck_assert_ptr_nonnull(f);

    if (kitty_id)
        setenv("KITTY_WINDOW_ID", kitty_id, 1);
    else
        unsetenv("KITTY_WINDOW_ID");
    unsetenv("TERM_PROGRAM");
    unsetenv("TMUX");
    if (term)
        setenv("TERM", term, 1);
    else
        unsetenv("TERM");
    if (colorterm)
        setenv("COLORTERM", colorterm, 1);
    else
        unsetenv("COLORTERM");

    /* small output (a few KiB at most) so the pty buffer never fills */
    Err e;
    Canvas *c = make_picture();
    ck_assert_msg(term_draw(f, c, TERM_AUTO, 8, &e) == 0, "%s", e.msg);
    canvas_free(c);
    fclose(f);

    size_t cap = 1 << 16;
    char *buf = malloc(cap);
    *len = 0;
    struct pollfd p = {master, POLLIN, 0};
    while (*len < cap && poll(&p, 1, 200) > 0 && (p.revents & POLLIN)) {
        ssize_t n = read(master, buf + *len, cap - *len);
        if (n <= 0)
            break;
        *len += (size_t)n;
    }
    close(master);
    return buf;
}

START_TEST(auto_dumb_terminal)
{
    size_t len;
    char *out = draw_on_pty("dumb", "truecolor", NULL, &len);
    ck_assert_uint_gt(len, 0);
    ck_assert_ptr_null(memchr(out, 0x1b, len));
    free(out);
    out = draw_on_pty(NULL, NULL, NULL, &len);
    ck_assert_uint_gt(len, 0);
    ck_assert_ptr_null(memchr(out, 0x1b, len));
    free(out);
}
END_TEST

/* Kitty graphics and sixel are what the terminal answers (check_term_probe.c),
 * never what TERM or KITTY_WINDOW_ID suggest: TERM_AUTO draws colour blocks. */
START_TEST(auto_never_guesses_graphics)
{
    static const char *const terms[] = {"xterm-kitty", "mlterm", "xterm-256color"};
    for (size_t i = 0; i < 3; i++) {
        size_t len;
        char *out = draw_on_pty(terms[i], NULL, i == 2 ? "3" : NULL, &len);
        ck_assert_msg(!contains(out, len, "\x1b_G") && !contains(out, len, "\x1bP"), "%s",
                      terms[i]);
        ck_assert(contains(out, len, "\x1b["));
        free(out);
    }
}
END_TEST

START_TEST(auto_colour_blocks)
{
    size_t len;
    char *out = draw_on_pty("xterm-256color", "truecolor", NULL, &len);
    ck_assert(contains(out, len, "\x1b[38;2;") || contains(out, len, "\x1b[48;2;"));
    ck_assert(!contains(out, len, "\x1b_G") && !contains(out, len, "\x1bP"));
    free(out);
    out = draw_on_pty("xterm-256color", NULL, NULL, &len);
    ck_assert(contains(out, len, "\x1b[38;5;") || contains(out, len, "\x1b[48;5;"));
    ck_assert(!contains(out, len, "\x1b[38;2;") && !contains(out, len, "\x1b[48;2;"));
    free(out);
}
END_TEST

static Suite *term_suite(void)
{
    Suite *s = suite_create("term");
    TCase *t = tcase_create("modes");
    tcase_add_test(t, mode_names);
    tcase_add_test(t, kitty);
    tcase_add_test(t, sixel);
    tcase_add_test(t, pixel_modes_full_resolution);
    tcase_add_test(t, blocks);
    tcase_add_test(t, ascii);
    tcase_add_test(t, ascii_light_picture);
    tcase_add_test(t, none);
    tcase_add_test(t, auto_off_terminal_is_ascii);
    tcase_add_test(t, bad_input);
    tcase_add_test(t, wide_picture_fits);
    suite_add_tcase(s, t);
    t = tcase_create("auto");
    tcase_add_test(t, auto_dumb_terminal);
    tcase_add_test(t, auto_never_guesses_graphics);
    tcase_add_test(t, auto_colour_blocks);
    suite_add_tcase(s, t);
    return s;
}

int main(void) { return tu_run_suite(term_suite()); }
