/* check_report.c: the HTML report of a replay: Markdown subset, commands with
 * their output, embedded figures, questions and answers. */
#include "testutil.h"

#include "untangle/frontend/lesson.h"
#include "untangle/render/png.h"
#include "untangle/session/report.h"
#include "untangle/frontend/run.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    ck_assert_uint_eq(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    return s;
}

START_TEST(exercises_show_their_outcome)
{
    Report *r = report_new();
    report_add_exercise(r, "Logistic <regression>", "done");
    report_add_exercise(r, "The MLP", "skipped");
    char page[] = "/tmp/untangle-report-XXXXXX";
    int fd = mkstemp(page);
    ck_assert_int_ge(fd, 0);
    close(fd);
    Err e;
    err_clear(&e);
    ck_assert_int_eq(report_write(r, page, &e), 0);
    char *html = slurp(page);
    ck_assert_ptr_nonnull(strstr(html, "<p class=\"exercise done\">Exercise: Logistic "
                                       "&lt;regression&gt; &mdash; done</p>"));
    ck_assert_ptr_nonnull(strstr(html, "<p class=\"exercise\">Exercise: The MLP &mdash; "
                                       "skipped</p>"));
    free(html);
    unlink(page);
    report_free(r);
}
END_TEST

START_TEST(student_answers_are_their_own_kind)
{
    const char *md = "> **Question** Why?\n\n> **My answer** Because.\n\n> **Answer** Reference.\n";
    Lesson l;
    Err e;
    ck_assert_int_eq(lesson_parse(md, strlen(md), &l, &e), 0);
    ck_assert_uint_eq(l.n, 3);
    ck_assert_int_eq(l.items[0].kind, LESSON_QUESTION);
    ck_assert_int_eq(l.items[1].kind, LESSON_STUDENT);
    ck_assert_int_eq(l.items[2].kind, LESSON_ANSWER);
    lesson_free(&l);
}
END_TEST

/* A replay with --html: every command, its output, an error, and a figure. */
START_TEST(replay_records_commands_output_and_figures)
{
    char *dir = tu_tmpdir();
    char lesson[1200], page[1200];
    snprintf(lesson, sizeof lesson, "%s/l.md", dir);
    snprintf(page, sizeof page, "%s/page.html", dir);
    const char *md = "# Title\n\nText with **bold**.\n\n```untangle\necho hello <world>\nfigures\n```\n\n"
                     "> **Question** Dimension?\n\n> **Ma réponse** 784\n\n> **Réponse** 784.\n\n"
                     "```untangle\nset seed x\n```\n";
    tu_write_file(lesson, md, strlen(md));

    Shell sh;
    shell_init(&sh);
    char *out = NULL, *err = NULL;
    size_t out_len, err_len;
    sh.out = open_memstream(&out, &out_len);
    sh.err = open_memstream(&err, &err_len);
    snprintf(sh.output_dir, sizeof sh.output_dir, "%s", dir);
    sh.term = TERM_NONE;
    sh.report = report_new();
    ck_assert_int_eq(lesson_replay(&sh, lesson), CMD_ERR);

    /* A picture shown during a command lands in the report too. */
    Err e;
    Canvas *c = canvas_new(7, 5, 0x2040c0ffu, &e);
    canvas_set(c, 1, 1, 0xff0000ffu);
    ck_assert_int_eq(sh_show_picture(&sh, c, "pic", NULL), CMD_OK);
    ck_assert_uint_eq(sh.report->figures, 1);
    ck_assert_int_eq(report_write(sh.report, page, &e), 0);
    fflush(sh.out);
    ck_assert_ptr_nonnull(strstr(out, "hello <world>\n")); /* the person still sees output */

    char *html = slurp(page);
    ck_assert_ptr_nonnull(strstr(html, "<!DOCTYPE html>"));
    ck_assert_ptr_nonnull(strstr(html, "<h2>Title</h2>"));
    ck_assert_ptr_nonnull(strstr(html, "Text with <strong>bold</strong>."));
    ck_assert_ptr_nonnull(strstr(html, "untangle&gt; echo hello &lt;world&gt;</code><pre>hello &lt;world&gt;\n</pre>"));
    ck_assert_ptr_nonnull(strstr(html, "<div class=\"cmd failed\"><code class=\"in\">untangle&gt; set seed x"));
    ck_assert_ptr_nonnull(strstr(html, "error: bad seed 'x' (should be a whole number"));
    ck_assert_ptr_nonnull(strstr(html, "<div class=\"student\"><p><strong>Ma réponse</strong> 784</p>"));
    ck_assert_ptr_nonnull(strstr(html, "<details><summary>Reference answer</summary>"));
    ck_assert_ptr_nonnull(strstr(html, "src=\"data:image/png;base64,iVBORw0KGgo"));
    ck_assert_ptr_nonnull(strstr(html, "data-figures"));

    /* The embedded PNG decodes back to the same picture. */
    char *b64 = strstr(html, "base64,") + 7;
    size_t n64 = strcspn(b64, "\"");
    unsigned char *bin = malloc(n64);
    size_t nb = 0;
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i + 3 < n64 + 1 && i < n64; i += 4) {
        unsigned v = 0;
        int pad = 0;
        for (int k = 0; k < 4; k++) {
            char ch = b64[i + (size_t)k];
            if (ch == '=') {
                pad++;
                v <<= 6;
            } else {
                v = v << 6 | (unsigned)(strchr(tab, ch) - tab);
            }
        }
        bin[nb++] = (unsigned char)(v >> 16);
        if (pad < 2)
            bin[nb++] = (unsigned char)(v >> 8);
        if (pad < 1)
            bin[nb++] = (unsigned char)v;
    }
    Canvas *back = png_decode(bin, nb, &e);
    ck_assert_ptr_nonnull(back);
    ck_assert_int_eq(back->w, 7);
    ck_assert_int_eq(back->h, 5);
    ck_assert_uint_eq(canvas_get(back, 1, 1), 0xff0000ffu);
    ck_assert_uint_eq(canvas_get(back, 6, 4), 0x2040c0ffu);
    canvas_free(back);
    free(bin);
    free(html);
    canvas_free(c);
    fclose(sh.out);
    fclose(sh.err);
    free(out);
    free(err);
    shell_free(&sh);
    tu_rmtree(dir);
}
END_TEST

static Suite *report_suite(void)
{
    Suite *s = suite_create("report");
    TCase *t = tcase_create("report");
    tcase_add_test(t, student_answers_are_their_own_kind);
    tcase_add_test(t, exercises_show_their_outcome);
    tcase_add_test(t, replay_records_commands_output_and_figures);
    suite_add_tcase(s, t);
    return s;
}

int main(void) { return tu_run_suite(report_suite()); }
