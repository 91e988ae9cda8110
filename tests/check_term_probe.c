/* check_term_probe.c: asking the terminal what it draws (term_probe.h), on a
 * pseudo-terminal whose other side plays kitty, a sixel terminal, a plain one or
 * one that never answers; and what live views and in-place kitty pictures send. */
#include <stdint.h>
#include <stdlib.h>
#include <termios.h>
#include <time.h>

#include "testpty.h"
#include "testutil.h"
#include "untangle/render/png.h"
#include "untangle/render/term_probe.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

START_TEST(parse_answers)
{
    TermCaps c = {0};
    static const char kitty[] = "\033_Gi=31;OK\033\\\033[6;18;9t\033[?62;22c";
    ck_assert_int_eq(term_probe_parse(kitty, sizeof kitty - 1, &c), 1);
    ck_assert(c.kitty && !c.sixel && c.answered);
    ck_assert_int_eq(c.cell_w, 9);
    ck_assert_int_eq(c.cell_h, 18);
    ck_assert_int_eq(term_caps_mode(&c), TERM_KITTY);

    memset(&c, 0, sizeof c);
    static const char sixel[] = "\033[?63;1;2;4;6;9;15;22c";
    ck_assert_int_eq(term_probe_parse(sixel, sizeof sixel - 1, &c), 1);
    ck_assert(c.sixel && !c.kitty);
    ck_assert_int_eq(term_caps_mode(&c), TERM_SIXEL);

    /* "14" and "42" are not 4; the class (first number) is never an attribute */
    memset(&c, 0, sizeof c);
    static const char plain[] = "\033[?4;14;42c";
    ck_assert_int_eq(term_probe_parse(plain, sizeof plain - 1, &c), 1);
    ck_assert(!c.sixel && !c.kitty && c.answered);
    ck_assert_int_eq(term_caps_mode(&c), TERM_BLOCKS);

    /* kitty's error answer, a half-received DA1, noise: not yet an answer */
    memset(&c, 0, sizeof c);
    static const char partial[] = "\033_Gi=31;ENOTSUPPORTED:x\033\\xx\033[?62;4";
    ck_assert_int_eq(term_probe_parse(partial, sizeof partial - 1, &c), 0);
    ck_assert(!c.kitty && !c.answered);
}
END_TEST

/* Probes a fresh pty whose other side answers `answer`; returns the seconds. */
static double probe_with(const char *answer, TermCaps *caps, char *heard, size_t cap)
{
    Pty p;
    pty_open(&p, answer);
    struct termios before, after;
    ck_assert_int_eq(tcgetattr(p.slave, &before), 0);
    double t0 = now();
    ck_assert_int_eq(term_probe(p.slave, p.slave, TERM_PROBE_TIMEOUT_MS, caps), 0);
    double took = now() - t0;
    /* the terminal is left as it was: echo and line editing back */
    ck_assert_int_eq(tcgetattr(p.slave, &after), 0);
    ck_assert_uint_eq(after.c_lflag & (ECHO | ICANON), before.c_lflag & (ECHO | ICANON));
    pty_close(&p);
    snprintf(heard, cap, "%s", p.heard);
    pty_free(&p);
    return took;
}

START_TEST(probe_kitty)
{
    TermCaps c;
    char heard[512];
    double took = probe_with("\033_Gi=31;OK\033\\\033[6;20;10t\033[?62;c", &c, heard,
                             sizeof heard);
    ck_assert(c.probed && c.answered && c.kitty && !c.sixel);
    ck_assert_int_eq(c.cell_w, 10);
    ck_assert_int_eq(c.cell_h, 20);
    /* the three queries went out, DA1 last */
    ck_assert_ptr_nonnull(strstr(heard, "\033_Gi=31,"));
    ck_assert_ptr_nonnull(strstr(heard, "\033[16t"));
    ck_assert_ptr_nonnull(strstr(heard, "\033[c"));
    ck_assert_msg(took < TERM_PROBE_TIMEOUT_MS / 1000.0, "an answer ends the wait (%.3f s)", took);
}
END_TEST

START_TEST(probe_sixel_and_plain)
{
    TermCaps c;
    char heard[512];
    probe_with("\033[?62;4;22c", &c, heard, sizeof heard);
    ck_assert(c.answered && c.sixel && !c.kitty);
    ck_assert_int_eq(term_caps_mode(&c), TERM_SIXEL);
    /* a multiplexer answers DA1 itself, without sixel, and drops kitty's query */
    probe_with("\033[?1;2c", &c, heard, sizeof heard);
    ck_assert(c.answered && !c.sixel && !c.kitty);
    ck_assert_int_eq(term_caps_mode(&c), TERM_BLOCKS);
}
END_TEST

START_TEST(probe_times_out)
{
    TermCaps c;
    char heard[512];
    double took = probe_with(NULL, &c, heard, sizeof heard);
    ck_assert(c.probed && !c.answered && !c.kitty && !c.sixel);
    ck_assert_int_eq(term_caps_mode(&c), TERM_BLOCKS);
    double limit = TERM_PROBE_TIMEOUT_MS / 1000.0;
    ck_assert_msg(took >= limit * 0.9 && took < limit + 0.5, "waited %.3f s for %.3f", took,
                  limit);
}
END_TEST

START_TEST(probe_refuses_non_terminals)
{
    TermCaps c;
    int fd[2];
    ck_assert_int_eq(pipe(fd), 0);
    ck_assert_int_eq(term_probe(fd[0], fd[1], 100, &c), -1);
    ck_assert(!c.probed);
    close(fd[0]);
    close(fd[1]);
}
END_TEST

/* A 60x30 picture with a diagonal, for the drawing tests. */
static Canvas *picture(void)
{
    Err e;
    Canvas *c = canvas_new(60, 30, 0x204060ffu, &e);
    ck_assert_ptr_nonnull(c);
    for (int x = 0; x < 60; x++)
        canvas_set(c, x, x / 2, 0xffffffffu);
    return c;
}

static int b64(int ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    return ch == '+' ? 62 : ch == '/' ? 63 : -1;
}

START_TEST(kitty_in_place_sends_png)
{
    Canvas *c = picture();
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    TermTarget t = {.mode = TERM_KITTY, .max_cols = 40, .cell_w = 10, .cell_h = 20,
                    .kitty_id = 77};
    int cols, rows;
    Err e;
    ck_assert_int_eq(term_draw_to(f, c, &t, &cols, &rows, &e), 0);
    fclose(f);
    ck_assert_int_eq(cols, 6);
    ck_assert_int_eq(rows, 2);
    ck_assert_msg(strncmp(buf, "\033_Ga=T,f=100,i=77,p=1,q=2,C=1,c=6,r=2,m=", 40) == 0, "%.50s",
                  buf + 1);
    ck_assert(buf[len - 1] == '\\' && buf[len - 2] == '\033'); /* no newline: cursor stays */
    /* the chunks' payloads, joined, are the PNG of the picture */
    uint8_t *png = malloc(len);
    size_t n = 0;
    unsigned acc = 0;
    int bits = 0;
    for (const char *p = buf; (p = strstr(p, "\033_G")) != NULL;) {
        const char *semi = strchr(p, ';'), *end = strstr(p, "\033\\");
        ck_assert(semi && end && semi < end);
        for (const char *q = semi + 1; q < end; q++) {
            if (*q == '=')
                continue;
            acc = (acc << 6) | (unsigned)b64(*q);
            bits += 6;
            if (bits >= 8) {
                png[n++] = (uint8_t)(acc >> (bits - 8));
                bits -= 8;
            }
        }
        p = end + 2;
    }
    Canvas *back = png_decode(png, n, &e);
    ck_assert_msg(back != NULL, "%s", e.msg);
    ck_assert_int_eq(back->w, 60);
    ck_assert_int_eq(back->h, 30);
    ck_assert_uint_eq(canvas_get(back, 40, 20), 0xffffffffu);
    canvas_free(back);
    free(png);
    free(buf);
    canvas_free(c);
}
END_TEST

static size_t count(const char *buf, size_t len, const char *what)
{
    size_t k = 0, w = strlen(what);
    for (const char *p = buf; (p = memmem(p, len - (size_t)(p - buf), what, w)) != NULL; p += w)
        k++;
    return k;
}

START_TEST(live_region_redraws_in_place)
{
    Canvas *c = picture();
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    TermTarget t = {.mode = TERM_BLOCKS, .max_cols = 30};
    TermLive l;
    term_live_init(&l, f, &t);
    Err e;
    ck_assert_int_eq(term_live_frame(&l, c, "frame one", &e), 0);
    fflush(f);
    size_t first = len;
    ck_assert_int_eq(term_live_frame(&l, c, "frame two", &e), 0);
    term_live_end(&l);
    fclose(f);
    int rows = l.rows;
    ck_assert_int_gt(rows, 1);
    char up[16];
    snprintf(up, sizeof up, "\033[%dA", rows);
    /* the rows are reserved once, the cursor saved once and restored for each frame */
    ck_assert_uint_eq(count(buf, first, up), 1);
    ck_assert_uint_eq(count(buf, len, "\0337"), 1);
    ck_assert_uint_ge(count(buf + first, len - first, "\0338"), 2);
    ck_assert_ptr_nonnull(memmem(buf, first, "frame one", 9));
    ck_assert_ptr_nonnull(memmem(buf + first, len - first, "frame two", 9));
    ck_assert_ptr_nonnull(strstr(buf, "\033[?25l"));
    ck_assert(len > 6 && memcmp(buf + len - 6, "\033[?25h", 6) == 0); /* the cursor is back */
    free(buf);
    canvas_free(c);
}
END_TEST

static Suite *probe_suite(void)
{
    Suite *s = suite_create("term_probe");
    TCase *t = tcase_create("probe");
    tcase_set_timeout(t, 20);
    tcase_add_test(t, parse_answers);
    tcase_add_test(t, probe_kitty);
    tcase_add_test(t, probe_sixel_and_plain);
    tcase_add_test(t, probe_times_out);
    tcase_add_test(t, probe_refuses_non_terminals);
    suite_add_tcase(s, t);
    t = tcase_create("draw");
    tcase_add_test(t, kitty_in_place_sends_png);
    tcase_add_test(t, live_region_redraws_in_place);
    suite_add_tcase(s, t);
    return s;
}

int main(void) { return tu_run_suite(probe_suite()); }
