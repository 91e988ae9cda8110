/* check_report.c: the HTML report of a replay: Markdown subset, commands with
 * their output, embedded figures, questions and answers. */
#include "testutil.h"

#include "untangle/frontend/lesson.h"
#include "untangle/render/png.h"
#include "untangle/session/report.h"
#include "untangle/frontend/run.h"

static const ReportMeta meta = {.name = "Ada <L>", .date = "2025-03-01 10:00:00 +0100",
                                .program = "untangle test"};

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
    report_add_exercise(r, "Exercise 1: logistic <regression>", "open");
    report_add_exercise(r, "Exercise 1: logistic <regression>", "done");
    report_add_exercise(r, "Exercise 2: the MLP", "skipped");
    char page[] = "/tmp/untangle-report-XXXXXX";
    int fd = mkstemp(page);
    ck_assert_int_ge(fd, 0);
    close(fd);
    Err e;
    err_clear(&e);
    ck_assert_int_eq(report_write(r, &meta, page, NULL, &e), 0);
    char *html = slurp(page);
    /* the heading names the exercise; begun, then how it ended */
    ck_assert_ptr_nonnull(strstr(html, "<p class=\"exercise\">Exercise 1: logistic "
                                       "&lt;regression&gt; &mdash; begun</p>"));
    ck_assert_ptr_nonnull(strstr(html, "<p class=\"exercise done\">Exercise 1: logistic "
                                       "&lt;regression&gt; &mdash; done</p>"));
    ck_assert_ptr_nonnull(strstr(html, "<p class=\"exercise\">Exercise 2: the MLP &mdash; "
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
    ck_assert_int_eq(lesson_replay(&sh, lesson), CMD_ERR);

    /* A picture shown during a command lands in the report too. */
    Err e;
    Canvas *c = canvas_new(7, 5, 0x2040c0ffu, &e);
    canvas_set(c, 1, 1, 0xff0000ffu);
    ck_assert_int_eq(sh_show_picture(&sh, c, "pic", NULL), CMD_OK);
    ck_assert_uint_eq(sh.report->figures, 1);
    ck_assert_int_eq(report_write(sh.report, &meta, page, NULL, &e), 0);
    fflush(sh.out);
    ck_assert_ptr_nonnull(strstr(out, "hello <world>\n")); /* the person still sees output */

    char *html = slurp(page);
    ck_assert_ptr_nonnull(strstr(html, "<!DOCTYPE html>"));
    ck_assert_ptr_nonnull(strstr(html, "<h2>Title</h2>"));
    ck_assert_ptr_nonnull(strstr(html, "Text with <strong>bold</strong>."));
    ck_assert_ptr_nonnull(strstr(html, "untangle&gt; echo hello &lt;world&gt;</code><pre>hello &lt;world&gt;\n</pre>"));
    ck_assert_ptr_nonnull(strstr(html, "<div class=\"cmd failed\"><code class=\"in\">untangle&gt; set seed x"));
    ck_assert_ptr_nonnull(strstr(html, "error: bad seed 'x' (should be a whole number"));
    /* The student's answer beside the reference, folded. */
    ck_assert_ptr_nonnull(strstr(html, "<div class=\"answers\">\n<div class=\"student\"><p><strong>Ma "
                                       "réponse</strong> 784</p>\n</div>\n<details class=\"reference\">"
                                       "<summary>Reference answer</summary>\n<p><strong>Réponse</strong> "
                                       "784.</p>"));
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

static char *write_page(const Report *r, const char *dir, char sha[REPORT_SHA256_HEX])
{
    char *page = malloc(1200);
    snprintf(page, 1200, "%s/page.html", dir);
    Err e;
    err_clear(&e);
    ck_assert_int_eq(report_write(r, &meta, page, sha, &e), 0);
    return page;
}

/* The header: who, when, each exercise once with its last outcome, questions
 * answered; a question without the student's answer says so. */
START_TEST(header_names_the_student_and_counts_the_work)
{
    char *dir = tu_tmpdir();
    Report *r = report_new();
    report_add(r, REPORT_TITLE, "01-logistic.md");
    report_add_exercise(r, "The model", "open");
    report_add_command(r, "model new", "new empty model\n", 16, 1);
    report_add_command(r, "lod", "error: unknown\n", 15, 0);
    report_add_exercise(r, "The model", "done");
    report_add_exercise(r, "Training", "skipped");
    report_add(r, REPORT_QUESTION, "**Question** Why?");
    report_add(r, REPORT_ANSWER, "**Answer** Because.");
    report_add(r, REPORT_QUESTION, "**Question** How?");
    report_add(r, REPORT_ANSWER, "**Answer** So.");
    report_add(r, REPORT_STUDENT, "**My answer** Like this.");
    ReportSummary s;
    report_summarize(r, &s);
    ck_assert_uint_eq(s.commands, 2);
    ck_assert_uint_eq(s.failed, 1);
    ck_assert_uint_eq(s.exercises_done, 1);
    ck_assert_uint_eq(s.exercises_skipped, 1);
    ck_assert_uint_eq(s.exercises_open, 0);
    ck_assert_uint_eq(s.questions, 2);
    ck_assert_uint_eq(s.answered, 1);
    char *page = write_page(r, dir, NULL);
    char *html = slurp(page);
    ck_assert_ptr_nonnull(strstr(html, "<meta name=\"author\" content=\"Ada &lt;L&gt;\">"));
    ck_assert_ptr_nonnull(strstr(html, "The work of <strong>Ada &lt;L&gt;</strong>, written on "
                                       "2025-03-01 10:00:00 +0100 by untangle test."));
    ck_assert_ptr_nonnull(strstr(html, "<tr><td>01-logistic.md</td><td>The model</td><td "
                                       "class=\"done\">done</td></tr>\n<tr><td>01-logistic.md</td>"
                                       "<td>Training</td><td class=\"skipped\">skipped</td></tr>\n"
                                       "</table>"));
    ck_assert_ptr_nonnull(strstr(html, "Questions answered: 1 of 2."));
    ck_assert_ptr_nonnull(strstr(html, "<div class=\"student none\"><p>No answer.</p></div>"));
    ck_assert_ptr_nonnull(strstr(html, "<div class=\"cmd failed\"><code class=\"in\">untangle&gt; lod"));
    free(html);
    free(page);
    report_free(r);
    tu_rmtree(dir);
}
END_TEST

/* The checksum covers every byte: the page checks, one byte changed anywhere
 * (the content, the header, the digits themselves) does not. */
START_TEST(checksum_detects_any_edited_byte)
{
    char *dir = tu_tmpdir();
    Report *r = report_new();
    report_add(r, REPORT_PROSE, "Some *prose*.");
    report_add_command(r, "evaluate", "test accuracy: 0.9200\n", 22, 1);
    char sha[REPORT_SHA256_HEX];
    char *page = write_page(r, dir, sha);
    ReportCheck c;
    Err e;
    ck_assert_int_eq(report_check(page, &c, &e), 0);
    ck_assert_int_eq(c.intact, 1);
    ck_assert_str_eq(c.stated, sha);
    ck_assert_str_eq(c.name, "Ada <L>");
    ck_assert_str_eq(c.date, "2025-03-01 10:00:00 +0100");
    char *html = slurp(page);
    size_t n = strlen(html);
    const char *digits = strstr(html, REPORT_CHECKSUM_MARK) + strlen(REPORT_CHECKSUM_MARK);
    size_t places[] = {strstr(html, "0.9200") - html + 3, strstr(html, "Ada") - html, 10,
                       (size_t)(digits - html) + 5, n - 2};
    for (size_t k = 0; k < sizeof places / sizeof places[0]; k++) {
        char *copy = strdup(html);
        copy[places[k]] = copy[places[k]] == '1' ? '2' : '1';
        tu_write_file(page, copy, n);
        ck_assert_int_eq(report_check(page, &c, &e), 0);
        ck_assert_msg(!c.intact, "a byte changed at %zu went unnoticed", places[k]);
        free(copy);
    }
    tu_write_file(page, "<html>no checksum</html>", 24);
    ck_assert_int_eq(report_check(page, &c, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "holds no untangle checksum"));
    free(html);
    free(page);
    report_free(r);
    tu_rmtree(dir);
}
END_TEST

/* Past its cap the record stops embedding pictures and cuts outputs, and the
 * page says so; one command's output is cut at REPORT_OUTPUT_MAX. */
START_TEST(record_keeps_within_its_memory_cap)
{
    char *dir = tu_tmpdir();
    Report *r = report_new();
    size_t big = REPORT_OUTPUT_MAX + 100;
    char *out = malloc(big);
    memset(out, 'x', big);
    report_add_command(r, "figures", out, big, 1);
    ck_assert_uint_eq(r->outputs_cut, 1);
    ck_assert_uint_le(strlen(r->items[0].output), REPORT_OUTPUT_MAX + 80);
    r->max_bytes = r->bytes + 1000;
    Err e;
    Canvas *c = canvas_new(64, 64, 0x102030ffu, &e);
    for (int i = 0; i < 64; i++)
        canvas_set(c, i, (i * 7) % 64, 0xffffffffu);
    ck_assert_int_eq(report_add_figure(r, c, "small.png", &e), 0);
    ck_assert_uint_eq(r->figures, 1);
    r->max_bytes = r->bytes + 10;
    ck_assert_int_eq(report_add_figure(r, c, "late.png", &e), 0);
    ck_assert_uint_eq(r->figures, 1);
    ck_assert_uint_eq(r->figures_dropped, 1);
    report_add_command(r, "evaluate", out, 5000, 1);
    ck_assert_uint_eq(r->outputs_cut, 2);
    ck_assert_uint_le(r->bytes, r->max_bytes + 4096); /* texts and item records only */
    char *page = write_page(r, dir, NULL);
    char *html = slurp(page);
    ck_assert_ptr_nonnull(strstr(html, "1 pictures are not embedded and 2 outputs are cut"));
    ck_assert_ptr_nonnull(strstr(html, "The picture late.png is not embedded"));
    ck_assert_ptr_nonnull(strstr(html, "[the rest of this output is not kept in the report]"));
    free(html);
    free(page);
    canvas_free(c);
    free(out);
    report_free(r);
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
    tcase_add_test(t, header_names_the_student_and_counts_the_work);
    tcase_add_test(t, checksum_detects_any_edited_byte);
    tcase_add_test(t, record_keeps_within_its_memory_cap);
    suite_add_tcase(s, t);
    return s;
}

int main(void) { return tu_run_suite(report_suite()); }
