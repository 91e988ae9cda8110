/* check_shell.c: the tokenizer, dispatch through the command table, argument
 * errors, expect, and the lesson reader. */
#include "testutil.h"

#include "untangle/commands/commands.h"
#include "untangle/frontend/lesson.h"
#include "untangle/frontend/run.h"
#include "untangle/frontend/tokenizer.h"

/* ---- tokenizer ---- */

START_TEST(tok_words_quotes_and_commands)
{
    TokLine t;
    Err e;
    ck_assert_int_eq(tok_split("  plot \"t-SNE MNIST raw\" to out/a.png ; nh k 6;; echo 'a b'\"c\"",
                               &t, &e),
                     0);
    ck_assert_uint_eq(t.ncmds, 3);
    ck_assert_int_eq(t.cmds[0].argc, 4);
    ck_assert_str_eq(t.cmds[0].argv[1], "t-SNE MNIST raw");
    ck_assert_str_eq(t.cmds[0].argv[3], "out/a.png");
    ck_assert_ptr_null(t.cmds[0].argv[4]);
    ck_assert_int_eq(t.cmds[1].argc, 3);
    ck_assert_str_eq(t.cmds[1].argv[2], "6");
    ck_assert_int_eq(t.cmds[2].argc, 2);
    ck_assert_str_eq(t.cmds[2].argv[1], "a bc");
    tok_free(&t);
}
END_TEST

START_TEST(tok_comments_escapes_empty)
{
    TokLine t;
    Err e;
    ck_assert_int_eq(tok_split("echo a#b # comment ; echo no", &t, &e), 0);
    ck_assert_uint_eq(t.ncmds, 1);
    ck_assert_int_eq(t.cmds[0].argc, 2);
    ck_assert_str_eq(t.cmds[0].argv[1], "a#b"); /* '#' inside a word is not a comment */
    tok_free(&t);
    ck_assert_int_eq(tok_split("echo \"say \\\"hi\\\"\"", &t, &e), 0);
    ck_assert_str_eq(t.cmds[0].argv[1], "say \"hi\"");
    tok_free(&t);
    ck_assert_int_eq(tok_split("   ;  ; # only a comment", &t, &e), 0);
    ck_assert_uint_eq(t.ncmds, 0);
    tok_free(&t);
    ck_assert_int_eq(tok_split("", &t, &e), 0);
    ck_assert_uint_eq(t.ncmds, 0);
    tok_free(&t);
}
END_TEST

START_TEST(tok_errors)
{
    TokLine t;
    Err e;
    ck_assert_int_eq(tok_split("echo 'open", &t, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "unterminated single quote starting at column 6"));
    char big[TOK_MAX_WORDS * 2 + 8];
    size_t n = 0;
    for (int i = 0; i < TOK_MAX_WORDS + 1; i++) {
        big[n++] = 'w';
        big[n++] = ' ';
    }
    big[n] = '\0';
    ck_assert_int_eq(tok_split(big, &t, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "too many words"));
}
END_TEST

/* ---- dispatch ---- */

typedef struct Captured {
    Shell sh;
    char *out, *err;
    size_t out_len, err_len;
} Captured;

static void cap_open(Captured *c)
{
    shell_init(&c->sh);
    c->sh.out = open_memstream(&c->out, &c->out_len);
    c->sh.err = open_memstream(&c->err, &c->err_len);
    c->sh.tty_out = 0;
}

static void cap_close(Captured *c)
{
    fclose(c->sh.out);
    fclose(c->sh.err);
    free(c->out);
    free(c->err);
    shell_free(&c->sh);
}

static int cap_run(Captured *c, const char *line)
{
    int rc = shell_run_line(&c->sh, line);
    fflush(c->sh.out);
    fflush(c->sh.err);
    return rc;
}

START_TEST(dispatch_unknown_and_arity)
{
    Captured c;
    cap_open(&c);
    c.sh.where_file = "lesson.md";
    c.sh.where_line = 12;
    ck_assert_int_eq(cap_run(&c, "fti epochs 3"), CMD_ERR);
    ck_assert_ptr_nonnull(strstr(c.err, "lesson.md:12: error: unknown command 'fti'; did you mean 'fit'?"));
    ck_assert_int_eq(cap_run(&c, "set seed"), CMD_ERR);
    ck_assert_ptr_nonnull(strstr(c.err, "set takes 2 words after it, got 1; usage: set seed N"));
    ck_assert_int_eq(cap_run(&c, "zzzzzzzzzz"), CMD_ERR);
    ck_assert_ptr_nonnull(strstr(c.err, "unknown command 'zzzzzzzzzz'; `help` lists"));
    ck_assert_int_eq(cap_run(&c, "quit"), CMD_EXIT);
    cap_close(&c);
}
END_TEST

START_TEST(dispatch_stops_at_first_error)
{
    Captured c;
    cap_open(&c);
    ck_assert_int_eq(cap_run(&c, "echo one; set seed x; echo two"), CMD_ERR);
    ck_assert_ptr_nonnull(strstr(c.out, "one\n"));
    ck_assert_ptr_null(strstr(c.out, "two"));
    ck_assert_ptr_nonnull(strstr(c.err, "error: bad seed 'x' (should be a whole number"));
    cap_close(&c);
}
END_TEST

START_TEST(set_changes_state_only_on_success)
{
    Captured c;
    cap_open(&c);
    ck_assert_int_eq(cap_run(&c, "set seed 42"), CMD_OK);
    ck_assert_uint_eq(c.sh.seed, 42);
    ck_assert_int_eq(cap_run(&c, "set seed -5"), CMD_ERR);
    ck_assert_uint_eq(c.sh.seed, 42);
    ck_assert_int_eq(cap_run(&c, "set threads 0"), CMD_ERR);
    ck_assert_ptr_nonnull(strstr(c.err, "threads 0 is out of range (should be from 1 to 64)"));
    ck_assert_int_eq(cap_run(&c, "set term sixels"), CMD_ERR);
    ck_assert_ptr_nonnull(strstr(c.err, "should be auto, kitty, sixel, blocks, ascii or none"));
    ck_assert_int_eq(cap_run(&c, "set term none"), CMD_OK);
    ck_assert_int_eq(c.sh.term, TERM_NONE);
    cap_close(&c);
}
END_TEST

START_TEST(expect_compares_figures)
{
    Captured c;
    cap_open(&c);
    sh_report(&c.sh, "accuracy", 0.9213);
    ck_assert_int_eq(cap_run(&c, "expect accuracy >= 0.92"), CMD_OK);
    ck_assert_int_eq(cap_run(&c, "expect accuracy > 0.93"), CMD_ERR);
    ck_assert_ptr_nonnull(strstr(c.err, "expect accuracy > 0.93 failed: accuracy is 0.9213"));
    ck_assert_int_eq(cap_run(&c, "expect accuracy ~ 0.93"), CMD_OK); /* within 1 % */
    ck_assert_int_eq(cap_run(&c, "expect accuracy ~ 0.95"), CMD_ERR);
    ck_assert_int_eq(cap_run(&c, "expect accuracy >= 0.95 quick 0.9"), CMD_ERR);
    c.sh.quick = 1;
    ck_assert_int_eq(cap_run(&c, "expect accuracy >= 0.95 quick 0.9"), CMD_OK);
    ck_assert_int_eq(cap_run(&c, "expect accuracy => 0.9"), CMD_ERR);
    ck_assert_ptr_nonnull(strstr(c.err, "bad comparison '=>'"));
    ck_assert_int_eq(cap_run(&c, "expect acuracy >= 0.9"), CMD_ERR);
    ck_assert_ptr_nonnull(strstr(c.err, "no figure 'acuracy' was reported yet; reported: accuracy"));
    sh_report(&c.sh, "accuracy", 0.5); /* a new report replaces the old value */
    ck_assert_int_eq(cap_run(&c, "expect accuracy == 0.5"), CMD_OK);
    cap_close(&c);
}
END_TEST

START_TEST(options_parse_and_refuse)
{
    Captured c;
    cap_open(&c);
    static const OptSpec specs[] = {{"batch", 1}, {"epochs", 1}, {"verbose", 1}, {NULL, 0}};
    char *ok_argv[] = {"fit", "epochs", "3", "batch", "300", NULL};
    Opts o;
    ck_assert_int_eq(opts_parse(&c.sh, "fit", 5, ok_argv, 1, specs, &o), 0);
    long batch = 32, epochs = 1, verbose = 1;
    ck_assert_int_eq(opts_long(&c.sh, &o, "batch", 1, 100000, &batch), 0);
    ck_assert_int_eq(opts_long(&c.sh, &o, "epochs", 1, 100000, &epochs), 0);
    ck_assert_int_eq(opts_long(&c.sh, &o, "verbose", 0, 2, &verbose), 0);
    ck_assert_int_eq(batch, 300);
    ck_assert_int_eq(epochs, 3);
    ck_assert_int_eq(verbose, 1); /* absent: default kept */
    char *bad_argv[] = {"fit", "epoch", "3", NULL};
    ck_assert_int_eq(opts_parse(&c.sh, "fit", 3, bad_argv, 1, specs, &o), -1);
    ck_assert_str_eq(c.sh.errmsg,
                     "fit has no option 'epoch' (options: batch, epochs or verbose); see `help fit`");
    char *twice[] = {"fit", "batch", "3", "batch", "4", NULL};
    ck_assert_int_eq(opts_parse(&c.sh, "fit", 5, twice, 1, specs, &o), -1);
    char *missing[] = {"fit", "batch", NULL};
    ck_assert_int_eq(opts_parse(&c.sh, "fit", 2, missing, 1, specs, &o), -1);
    ck_assert_ptr_nonnull(strstr(c.sh.errmsg, "option 'batch' needs a value"));
    long a, b, d;
    ck_assert_int_eq(arg_dims3(&c.sh, "input", "28x28x1", 4096, &a, &b, &d), 0);
    ck_assert_int_eq(a * 100 + b * 10 + d, 28 * 100 + 28 * 10 + 1);
    ck_assert_int_eq(arg_dims2(&c.sh, "kernel", "5x", 64, &a, &b), -1);
    ck_assert_int_eq(arg_dims2(&c.sh, "kernel", "0x3", 64, &a, &b), -1);
    cap_close(&c);
}
END_TEST

/* ---- lesson reader ---- */

START_TEST(lesson_items_and_lines)
{
    const char *md = "# Title\n"                         /* 1 */
                     "\n"                                /* 2 */
                     "Some *prose*\ncontinued.\n"        /* 3-4 */
                     "\n"                                /* 5 */
                     "```untangle\n"                     /* 6 */
                     "load mnist   # the data\n"         /* 7 */
                     "\n"                                /* 8 */
                     "# a comment line\n"                /* 9 */
                     "show images 200\r\n"               /* 10 */
                     "```\n"                             /* 11 */
                     "> **Question** How many?\n"        /* 12 */
                     "> Think.\n"                        /* 13 */
                     "\n"                                /* 14 */
                     "> **Réponse** 784.\n"              /* 15 */
                     "```python\nprint(1)\n```\n";       /* 16-18 */
    Lesson l;
    Err e;
    ck_assert_int_eq(lesson_parse(md, strlen(md), &l, &e), 0);
    ck_assert_uint_eq(l.n, 9);
    ck_assert_int_eq(l.items[0].kind, LESSON_PROSE);
    ck_assert_str_eq(l.items[0].text, "# Title");
    ck_assert_int_eq(l.items[1].kind, LESSON_PROSE);
    ck_assert_str_eq(l.items[1].text, "Some *prose*\ncontinued.");
    ck_assert_int_eq(l.items[1].line, 3);
    ck_assert_int_eq(l.items[2].kind, LESSON_BLOCK_START);
    ck_assert_int_eq(l.items[3].kind, LESSON_COMMAND);
    ck_assert_str_eq(l.items[3].text, "load mnist");
    ck_assert_int_eq(l.items[3].line, 7);
    ck_assert_str_eq(l.items[4].text, "show images 200");
    ck_assert_int_eq(l.items[4].line, 10);
    ck_assert_int_eq(l.items[5].kind, LESSON_BLOCK_END);
    ck_assert_int_eq(l.items[6].kind, LESSON_QUESTION);
    ck_assert_str_eq(l.items[6].text, "**Question** How many?\nThink.");
    ck_assert_int_eq(l.items[6].line, 12);
    ck_assert_int_eq(l.items[7].kind, LESSON_ANSWER);
    ck_assert_int_eq(l.items[7].line, 15);
    ck_assert_int_eq(l.items[8].kind, LESSON_PROSE); /* a foreign block is shown, not run */
    ck_assert_ptr_nonnull(strstr(l.items[8].text, "print(1)"));
    lesson_free(&l);
}
END_TEST

START_TEST(lesson_refuses_bad_files)
{
    Lesson l;
    Err e;
    const char *open = "text\n\n```untangle\necho 1\n";
    ck_assert_int_eq(lesson_parse(open, strlen(open), &l, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "line 3: the ``` block opened here is never closed"));
    const char nul[] = "abc\0def";
    ck_assert_int_eq(lesson_parse(nul, sizeof nul - 1, &l, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "NUL byte"));
    ck_assert_int_eq(lesson_load("/nonexistent/lesson.md", &l, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "cannot open lesson"));
    ck_assert_int_eq(lesson_parse("", 0, &l, &e), 0);
    ck_assert_uint_eq(l.n, 0);
    lesson_free(&l);
}
END_TEST

START_TEST(replay_runs_blocks_and_stops_at_error)
{
    char *dir = tu_tmpdir();
    char path[1200];
    snprintf(path, sizeof path, "%s/l.md", dir);
    const char *md = "Intro.\n\n```untangle\necho ran-1\nset seed 7\n```\n\n```untangle\n"
                     "set seed nope\necho never\n```\n";
    tu_write_file(path, md, strlen(md));
    Captured c;
    cap_open(&c);
    ck_assert_int_eq(lesson_replay(&c.sh, path), CMD_ERR);
    fflush(c.sh.out);
    fflush(c.sh.err);
    ck_assert_ptr_nonnull(strstr(c.out, "Intro."));
    ck_assert_ptr_nonnull(strstr(c.out, "untangle> echo ran-1\nran-1\n"));
    ck_assert_ptr_null(strstr(c.out, "never"));
    char want[1300];
    snprintf(want, sizeof want, "%s:9: error: bad seed 'nope'", path);
    ck_assert_ptr_nonnull(strstr(c.err, want));
    ck_assert_uint_eq(c.sh.seed, 7);
    ck_assert_int_eq(c.sh.depth, 0);
    cap_close(&c);
    tu_rmtree(dir);
}
END_TEST

static Suite *shell_suite(void)
{
    Suite *s = suite_create("shell");
    TCase *t = tcase_create("tokenizer");
    tcase_add_test(t, tok_words_quotes_and_commands);
    tcase_add_test(t, tok_comments_escapes_empty);
    tcase_add_test(t, tok_errors);
    suite_add_tcase(s, t);
    t = tcase_create("dispatch");
    tcase_add_test(t, dispatch_unknown_and_arity);
    tcase_add_test(t, dispatch_stops_at_first_error);
    tcase_add_test(t, set_changes_state_only_on_success);
    tcase_add_test(t, expect_compares_figures);
    tcase_add_test(t, options_parse_and_refuse);
    suite_add_tcase(s, t);
    t = tcase_create("lesson");
    tcase_add_test(t, lesson_items_and_lines);
    tcase_add_test(t, lesson_refuses_bad_files);
    tcase_add_test(t, replay_runs_blocks_and_stops_at_error);
    suite_add_tcase(s, t);
    return s;
}

int main(void) { return tu_run_suite(shell_suite()); }
