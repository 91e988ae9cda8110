/* check_live.c: through the line a user types: live views of fit (in place on a
 * terminal, lines of text elsewhere, the last frame in the output folder), what
 * `set term` says after asking the terminal, picture names across runs, and the
 * pictures of `show image`, `show hulls`, `show ellipses` and `figures PREFIX`. */
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testpty.h"
#include "testshell.h"
#include "testutil.h"
#include "untangle/frontend/run.h"
#include "untangle/render/curves.h"
#include "untangle/render/plot.h"
#include "untangle/render/png.h"

static void cap_load(Captured *c)
{
    synthetic(0.45f, 0.5f, &c->sh.train, 600, 31);
    synthetic(0.45f, 0.5f, &c->sh.test, 173, 32);
    snprintf(c->sh.data_name, sizeof c->sh.data_name, "synthetic");
}

static int run(Captured *c, const char *line)
{
    int rc = shell_run_line(&c->sh, line);
    fflush(c->sh.out);
    fflush(c->sh.err);
    return rc;
}

static const char *const model_lines =
    "model new; model add dense 10 softmax input 63; compile lr 0.5";

/* The one file in dir whose name ends with `suffix` (caller frees), or NULL. */
static char *find_file(const char *dir, const char *suffix)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    struct dirent *ent;
    char *found = NULL;
    size_t sl = strlen(suffix);
    while ((ent = readdir(d)) != NULL) {
        size_t n = strlen(ent->d_name);
        if (n >= sl && strcmp(ent->d_name + n - sl, suffix) == 0) {
            ck_assert_msg(found == NULL, "two files end with %s", suffix);
            found = malloc(strlen(dir) + n + 2);
            sprintf(found, "%s/%s", dir, ent->d_name);
        }
    }
    closedir(d);
    return found;
}

static size_t colour_count(const Canvas *c, int x0, int y0, int x1, int y1, uint32_t want)
{
    size_t n = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++) {
            uint32_t p = canvas_get(c, x, y);
            int ok = 1;
            for (int k = 1; k < 4; k++)
                ok &= abs((int)((p >> (8 * k)) & 0xff) - (int)((want >> (8 * k)) & 0xff)) <= 20;
            n += (size_t)ok;
        }
    return n;
}

/* ---- fit live, off a terminal ---- */

START_TEST(fit_live_in_a_pipe)
{
    Captured c;
    cap_open(&c);
    cap_load(&c);
    ck_assert_int_eq(run(&c, model_lines), CMD_OK);
    ck_assert_int_eq(run(&c, "fit batch 20 epochs 3 validation 0.2 live"), CMD_OK);
    /* a line of text at each tenth of the work, no escape sequence */
    ck_assert_ptr_null(memchr(c.out, 0x1b, c.out_len));
    size_t lines = 0;
    for (const char *p = c.out; (p = strstr(p, ", batch ")) != NULL; p++)
        lines++;
    ck_assert_msg(lines >= 9 && lines <= 11, "%zu status lines:\n%s", lines, c.out);
    ck_assert_ptr_nonnull(strstr(c.out, "epoch 3/3 done: loss "));
    ck_assert_ptr_nonnull(strstr(c.out, "samples/s"));
    /* the Keras lines are still there, and the last frame in the output folder */
    ck_assert_ptr_nonnull(strstr(c.out, "Epoch 3/3\n"));
    char *frame = find_file(c.dir, "-fit-live.png");
    ck_assert_ptr_nonnull(frame);
    ck_assert_ptr_nonnull(strstr(c.out, frame));
    Err e;
    Canvas *p = png_read_file(frame, &e);
    ck_assert_msg(p != NULL, "%s", e.msg);
    ck_assert_int_eq(p->w, CURVES_LIVE_WIDTH);
    ck_assert_int_eq(p->h, CURVES_LIVE_HEIGHT);
    /* both panels hold the training line and the three validation dots */
    for (int panel = 0; panel < 2; panel++) {
        double x, y, w, h;
        curves_live_area(panel, &x, &y, &w, &h);
        ck_assert_uint_gt(colour_count(p, (int)x, (int)y, (int)(x + w), (int)(y + h),
                                       plot_palette(0)),
                          100);
        ck_assert_uint_gt(colour_count(p, (int)x, (int)y, (int)(x + w), (int)(y + h),
                                       plot_palette(1)),
                          40);
    }
    canvas_free(p);
    free(frame);
    /* `set live on` makes every fit live; off again, no more frame */
    ck_assert_int_eq(run(&c, "set live on"), CMD_OK);
    ck_assert_ptr_nonnull(strstr(c.out, "live on: every fit"));
    ck_assert_int_eq(run(&c, "fit batch 50 epochs 1 verbose 0"), CMD_OK);
    ck_assert_int_eq(run(&c, "set live off"), CMD_OK);
    ck_assert_int_eq(run(&c, "fit batch 50 epochs 1 verbose 0"), CMD_OK);
    size_t frames = 0;
    for (const char *q = c.out; (q = strstr(q, "-fit-live.png")) != NULL; q++)
        frames++;
    ck_assert_uint_eq(frames, 2);
    cap_close(&c);
}
END_TEST

/* ---- on a terminal ---- */

/* A captured shell whose pictures go to the pty p, as on a terminal. */
static void on_terminal(Captured *c, Pty *p)
{
    setenv("TERM", "xterm-256color", 1);
    unsetenv("TMUX");
    c->sh.tty = p->out;
    c->sh.tty_out = 1;
    c->sh.tty_in = p->slave;
    c->sh.term = TERM_AUTO;
}

START_TEST(fit_live_redraws_in_place)
{
    Captured c;
    Pty p;
    cap_open(&c);
    cap_load(&c);
    pty_open(&p, "\033[?62;22c");
    on_terminal(&c, &p);
    ck_assert_int_eq(run(&c, model_lines), CMD_OK);
    ck_assert_int_eq(run(&c, "fit batch 10 epochs 2 live"), CMD_OK);
    pty_close(&p);
    /* on the terminal: the rows reserved once, the cursor saved once, restored
     * twice for every frame (those the view says it drew while the fit ran, and the
     * last) and once at the end, the status line, the cursor shown again */
    ck_assert_ptr_nonnull(memmem(p.heard, p.len, "\0337", 2));
    size_t restores = 0;
    for (const char *q = p.heard; (q = memmem(q, p.len - (size_t)(q - p.heard), "\0338", 2));
         q += 2)
        restores++;
    const char *said = strstr(c.out, "live view: ");
    ck_assert_ptr_nonnull(said);
    size_t frames = strtoul(said + strlen("live view: "), NULL, 10);
    ck_assert_uint_eq(restores, 2 * (frames + 1) + 1);
    ck_assert_ptr_nonnull(memmem(p.heard, p.len, "epoch 2/2 done", 14));
    ck_assert_ptr_nonnull(memmem(p.heard, p.len, "\033[?25h", 6));
    /* the text goes to the output as usual: the epoch lines after the view */
    ck_assert_ptr_null(memchr(c.out, 0x1b, c.out_len));
    ck_assert_ptr_nonnull(strstr(c.out, "Epoch 1/2\n"));
    ck_assert_ptr_nonnull(strstr(c.out, "Epoch 2/2\n"));
    ck_assert_ptr_nonnull(strstr(c.out, "-fit-live.png (720x300)"));
    pty_free(&p);
    cap_close(&c);
}
END_TEST

/* What `set term MODE` says on a terminal answering `answer`. */
static void term_says(const char *answer, const char *mode, const char *want,
                      const char *drawn)
{
    Captured c;
    Pty p;
    cap_open(&c);
    cap_load(&c);
    pty_open(&p, answer);
    on_terminal(&c, &p);
    char line[64];
    snprintf(line, sizeof line, "set term %s", mode);
    ck_assert_int_eq(run(&c, line), CMD_OK);
    ck_assert_msg(strstr(c.out, want) != NULL, "set term %s: %s", mode, c.out);
    ck_assert_int_eq(run(&c, "show image 3"), CMD_OK);
    pty_close(&p);
    ck_assert_msg(memmem(p.heard, p.len, drawn, strlen(drawn)) != NULL,
                  "set term %s: no %s on the terminal", mode, drawn + 1);
    pty_free(&p);
    cap_close(&c);
}

START_TEST(set_term_says_what_the_terminal_answered)
{
    term_says("\033_Gi=31;OK\033\\\033[?62;c", "auto",
              "term auto: kitty graphics (the terminal answered kitty's query)", "\033_G");
    term_says("\033[?62;4;22c", "auto", "term auto: sixel (the terminal lists sixel graphics)",
              "\033P");
    term_says("\033[?1;2c", "auto", "term auto: colour blocks (the terminal answers neither",
              "\033[38;5;");
    term_says("\033[?1;2c", "kitty", "term kitty\nthe terminal does not answer kitty's graphics "
              "query: pictures may not show; `set term blocks`", "\033_G");
    term_says("\033[?1;2c", "sixel", "the terminal does not list sixel graphics", "\033P");
    term_says("\033[?1;2c", "blocks", "term blocks\n", "\033[38;2;");
}
END_TEST

START_TEST(set_term_in_tmux_and_silent_terminals)
{
    Captured c;
    Pty p;
    cap_open(&c);
    pty_open(&p, "\033[?1;2c");
    on_terminal(&c, &p);
    setenv("TMUX", "/tmp/tmux-0/default,1,0", 1);
    ck_assert_int_eq(run(&c, "set term sixel"), CMD_OK);
    ck_assert_ptr_nonnull(strstr(c.out, "(tmux does not pass pictures on to the terminal)"));
    unsetenv("TMUX");
    pty_close(&p);
    pty_free(&p);
    cap_close(&c);

    /* nothing answers: the query times out once, and says so */
    cap_open(&c);
    pty_open(&p, NULL);
    on_terminal(&c, &p);
    ck_assert_int_eq(run(&c, "set term auto"), CMD_OK);
    ck_assert_ptr_nonnull(strstr(c.out, "term auto: colour blocks (the terminal did not answer "
                                        "in 0.3 s)"));
    ck_assert_int_eq(run(&c, "set term kitty"), CMD_OK);
    ck_assert_ptr_nonnull(strstr(c.out, "the terminal did not answer in 0.3 s: it may not show "
                                        "kitty pictures"));
    pty_close(&p);
    /* asked once per session */
    size_t queries = 0;
    for (const char *q = p.heard; (q = memmem(q, p.len - (size_t)(q - p.heard), "\033[c", 3));
         q += 3)
        queries++;
    ck_assert_uint_eq(queries, 1);
    pty_free(&p);
    cap_close(&c);

    /* off a terminal */
    cap_open(&c);
    c.sh.term = TERM_AUTO;
    ck_assert_int_eq(run(&c, "set term auto"), CMD_OK);
    ck_assert_ptr_nonnull(strstr(c.out, "not a terminal, so pictures go to files only"));
    cap_close(&c);
}
END_TEST

/* A grid too wide to stay legible in 80 columns shows fewer images there. */
START_TEST(grid_narrowed_to_the_terminal)
{
    Captured c;
    Pty p;
    cap_open(&c);
    cap_load(&c);
    pty_open(&p, "\033[?1;2c");
    on_terminal(&c, &p);
    setenv("COLUMNS", "80", 1); /* the pty says 0 columns: the variable counts */
    /* 7-pixel-wide images want 3 cells each: 26 of them fit in 79 columns, 50 do not */
    ck_assert_int_eq(run(&c, "show images 100 cols 50"), CMD_OK);
    ck_assert_int_eq(run(&c, "show images 100 cols 25"), CMD_OK);
    pty_close(&p);
    ck_assert_msg(strstr(c.out, "(the terminal shows 78 of the 100 images, to keep them legible "
                                "in 80 columns;") != NULL, "%s", c.out);
    ck_assert_ptr_null(strstr(strstr(c.out, "0002-images.png"), "(the terminal shows"));
    unsetenv("COLUMNS");
    pty_free(&p);
    cap_close(&c);
}
END_TEST

/* ---- picture names ---- */

START_TEST(picture_names_follow_the_highest)
{
    Captured c;
    cap_open(&c);
    cap_load(&c);
    ck_assert_int_eq(run(&c, "show images 3; show images 4"), CMD_OK);
    char path[1300];
    struct stat st;
    snprintf(path, sizeof path, "%s/0001-images.png", c.dir);
    ck_assert_int_eq(stat(path, &st), 0);
    snprintf(path, sizeof path, "%s/0002-images.png", c.dir);
    ck_assert_int_eq(stat(path, &st), 0);
    /* another run in the same folder goes on after the highest number, whoever
     * wrote it */
    Captured d;
    cap_open(&d);
    cap_load(&d);
    snprintf(d.sh.output_dir, sizeof d.sh.output_dir, "%s", c.dir);
    ck_assert_int_eq(run(&d, "show images 2"), CMD_OK);
    snprintf(path, sizeof path, "%s/0003-images.png", c.dir);
    ck_assert_int_eq(stat(path, &st), 0);
    snprintf(path, sizeof path, "%s/0041-mine.png", c.dir);
    tu_write_file(path, "x", 1);
    ck_assert_int_eq(run(&c, "show images 2"), CMD_OK);
    snprintf(path, sizeof path, "%s/0042-images.png", c.dir);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_ptr_nonnull(strstr(c.out, path));
    cap_close(&d);
    cap_close(&c);
}
END_TEST

/* ---- show image, hulls, ellipses; figures ---- */

START_TEST(show_one_image_hulls_ellipses)
{
    Captured c;
    cap_open(&c);
    ck_assert_int_eq(run(&c, "show image 0"), CMD_ERR);
    ck_assert_ptr_nonnull(strstr(c.err, "no data loaded; run `load mnist` first"));
    cap_load(&c);
    ck_assert_int_eq(run(&c, "show image 5 from test"), CMD_OK);
    char want[64];
    snprintf(want, sizeof want, "test image 5: label %u\n", c.sh.test.y[5]);
    ck_assert_ptr_nonnull(strstr(c.out, want));
    double v;
    ck_assert_int_eq(sh_figure(&c.sh, "label", &v), 0);
    ck_assert_int_eq((int)v, c.sh.test.y[5]);
    ck_assert_int_eq(run(&c, "show image 600"), CMD_ERR);
    ck_assert_ptr_nonnull(strstr(c.err, "out of range (should be from 0 to 599)"));
    /* with a model: its prediction and the probabilities */
    ck_assert_int_eq(run(&c, model_lines), CMD_OK);
    ck_assert_int_eq(run(&c, "fit batch 20 epochs 3 verbose 0"), CMD_OK);
    ck_assert_int_eq(run(&c, "show image 5 from test"), CMD_OK);
    ck_assert_int_eq(sh_figure(&c.sh, "predicted", &v), 0);
    ck_assert_ptr_nonnull(strstr(c.out, ", predicted "));
    ck_assert_int_eq(sh_figure(&c.sh, "width", &v) == 0 ? 0 : 1, 1); /* not reported */

    ck_assert_int_eq(run(&c, "show hulls"), CMD_ERR);
    ck_assert_ptr_nonnull(strstr(c.err, "no embedding; run `tsne raw` first"));
    ck_assert_int_eq(run(&c, "tsne raw first 150 iterations 250"), CMD_OK);
    ck_assert_int_eq(run(&c, "show hulls; show ellipses size 500x400"), CMD_OK);
    ck_assert_ptr_nonnull(strstr(c.out, "-hulls.png (640x560)"));
    ck_assert_ptr_nonnull(strstr(c.out, "-ellipses.png (500x400)"));
    cap_close(&c);
}
END_TEST

START_TEST(figures_prefix_and_folded)
{
    Captured c;
    cap_open(&c);
    cap_load(&c);
    ck_assert_int_eq(run(&c, model_lines), CMD_OK);
    ck_assert_int_eq(run(&c, "fit batch 20 epochs 2 verbose 0; show confusion"), CMD_OK);
    size_t before = c.out_len;
    ck_assert_int_eq(run(&c, "figures"), CMD_OK);
    const char *list = c.out + before;
    /* the matrix is one line, the per-class accuracies one line of values */
    ck_assert_ptr_nonnull(strstr(list, "confusion.*.*            100 figures: `figures "
                                       "confusion.` lists them\n"));
    ck_assert_ptr_null(strstr(list, "confusion.3.7"));
    const char *ca = strstr(list, "  class_accuracy.* ");
    ck_assert_ptr_nonnull(ca);
    ck_assert_ptr_nonnull(strstr(ca, " 0="));
    ck_assert_ptr_nonnull(strstr(ca, " 9="));
    ck_assert_ptr_nonnull(strstr(list, "  accuracy "));
    size_t lines = 0;
    for (const char *p = list; *p; p++)
        lines += *p == '\n';
    ck_assert_uint_lt(lines, 15);
    before = c.out_len;
    ck_assert_int_eq(run(&c, "figures confusion.3."), CMD_OK);
    list = c.out + before;
    lines = 0;
    for (const char *p = list; *p; p++)
        lines += *p == '\n';
    ck_assert_uint_eq(lines, 10);
    ck_assert_ptr_nonnull(strstr(list, "  confusion.3.7 "));
    ck_assert_int_eq(run(&c, "figures nosuch"), CMD_OK);
    ck_assert_ptr_nonnull(strstr(c.out, "no figure starts with 'nosuch'"));
    cap_close(&c);
}
END_TEST

static Suite *live_suite(void)
{
    Suite *s = suite_create("live");
    TCase *t = tcase_create("live");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, fit_live_in_a_pipe);
    tcase_add_test(t, fit_live_redraws_in_place);
    tcase_add_test(t, set_term_says_what_the_terminal_answered);
    tcase_add_test(t, set_term_in_tmux_and_silent_terminals);
    tcase_add_test(t, grid_narrowed_to_the_terminal);
    suite_add_tcase(s, t);
    t = tcase_create("pictures");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, picture_names_follow_the_highest);
    tcase_add_test(t, show_one_image_hulls_ellipses);
    tcase_add_test(t, figures_prefix_and_folded);
    suite_add_tcase(s, t);
    return s;
}

int main(void) { return tu_run_suite(live_suite()); }
