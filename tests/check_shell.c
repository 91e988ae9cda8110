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

/* `answer` takes the rest of its line as typed; tok_join gives the same line back. */
START_TEST(tok_line_as_typed)
{
    TokLine t;
    Err e;
    ck_assert_int_eq(tok_split("echo a; answer  R^784 ; \"x\" #1  ", &t, &e), 0);
    ck_assert_uint_eq(t.ncmds, 2);
    ck_assert_int_eq(t.cmds[1].argc, 2);
    ck_assert_str_eq(t.cmds[1].argv[1], "R^784 ; \"x\" #1");
    char *joined = tok_join(t.cmds[1].argc, t.cmds[1].argv);
    ck_assert_str_eq(joined, "answer R^784 ; \"x\" #1");
    free(joined);
    tok_free(&t);
    /* glued to its name by a `;`, with the largest text the storage must hold */
    ck_assert_int_eq(tok_split("answer;x", &t, &e), 0);
    ck_assert_uint_eq(t.ncmds, 1);
    ck_assert_str_eq(t.cmds[0].argv[1], ";x");
    tok_free(&t);
    ck_assert_int_eq(tok_split("answer   ", &t, &e), 0);
    ck_assert_int_eq(t.cmds[0].argc, 1);
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
    ck_assert_ptr_nonnull(strstr(c.err, "set seed needs N: the seed of weights, shuffling and "
                                        "t-SNE; see `help set seed`"));
    ck_assert_int_eq(cap_run(&c, "hull 3"), CMD_ERR);
    ck_assert_ptr_nonnull(strstr(c.err, "hull takes no more words: '3' is one too many"));
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
    /* Through the line a user types: the spec of fit refuses before fit runs. */
    ck_assert_int_eq(cap_run(&c, "fit epoch 3"), CMD_ERR);
    ck_assert_ptr_nonnull(strstr(c.err, "fit has no option 'epoch' (options: batch, epochs, "
                                        "validation, verbose, live); did you mean 'epochs'? See "
                                        "`help fit`."));
    ck_assert_int_eq(cap_run(&c, "fit batch 3 batch 4"), CMD_ERR);
    ck_assert_ptr_nonnull(strstr(c.err, "fit: option 'batch' is given twice; keep one"));
    ck_assert_int_eq(cap_run(&c, "fit batch"), CMD_ERR);
    ck_assert_ptr_nonnull(strstr(c.err, "fit: option 'batch' needs a value (batch N)"));
    ck_assert_int_eq(cap_run(&c, "fit batch 0"), CMD_ERR);
    ck_assert_ptr_nonnull(strstr(c.err, "batch 0 is out of range (should be from 1 to 10000000)"));
    /* a misspelt word names the word and what it should be */
    ck_assert_int_eq(cap_run(&c, "model new; model add dense 10 softmx input 784"), CMD_ERR);
    ck_assert_ptr_nonnull(strstr(c.err, "bad activation 'softmx' (should be linear, sigmoid, "
                                        "softmax, relu or tanh)"));
    ck_assert_int_eq(cap_run(&c, "model add conv2d 4 0x5 input 28x28x1"), CMD_ERR);
    ck_assert_ptr_nonnull(strstr(c.err, "bad kernel size '0x5' (should be two sizes like 5x5"));
    ck_assert_int_eq(cap_run(&c, "model add conv2d 4 3x3 relu sigmoid input 28x28x1"), CMD_ERR);
    ck_assert_ptr_nonnull(strstr(c.err, "two activations, 'relu' and 'sigmoid'; keep one"));
    ck_assert_int_eq(cap_run(&c, "model add conv2d 4 3x3 relu same input 28x28x1"), CMD_OK);
    ck_assert_int_eq(cap_run(&c, "model add maxpool"), CMD_OK);
    ck_assert_int_eq(cap_run(&c, "model add maxpool 3x3"), CMD_OK);
    ck_assert_ptr_nonnull(strstr(c.out, "output (4, 4, 4)"));
    ck_assert_int_eq(cap_run(&c, "keep params to p"), CMD_ERR);
    ck_assert_ptr_nonnull(strstr(c.err, "expected the word 'as' here, not 'to'"));
    cap_close(&c);

    /* the parser itself, on a file's `name value` fields */
    static const Param fields[] = {
        {.name = "units", .type = PARAM_INT, .place = PARAM_POS, .lo = 1, .hi = 100},
        {.name = "pool", .type = PARAM_DIMS, .place = PARAM_POS_OPT, .dims = 2, .hi = 64,
         .def = "2x2"},
        {.name = "rate", .type = PARAM_REAL, .lo = 0, .hi = 1, .def = "0.5"},
        {0},
    };
    const Param *lists[] = {fields};
    char *words[] = {"units", "7", "rate", "0.25"};
    ParamValues pv;
    Err e;
    ck_assert_int_eq(params_parse(lists, 1, 4, words, 1, "test", &pv, &e), 0);
    ck_assert_int_eq(params_get(&pv, "units")->i, 7);
    ck_assert_int_eq(params_get(&pv, "pool")->d[1], 2); /* the default */
    ck_assert(params_get(&pv, "rate")->x == 0.25);
    int d[3];
    ck_assert_int_eq(param_read_dims("input", "28x28x1", 0, 4096, d, &e), 3);
    ck_assert_int_eq(d[0] * 100 + d[1] * 10 + d[2], 28 * 100 + 28 * 10 + 1);
    ck_assert_int_eq(param_read_dims("input", "28x28", 0, 4096, d, &e), -1);
    ck_assert_int_eq(param_read_dims("kernel", "5x", 2, 64, d, &e), -1);
    ck_assert_int_eq(param_read_dims("kernel", "0x3", 2, 64, d, &e), -1);
}
END_TEST

/* `help CMD SUB...` reaches every sub-command and layer, from the specs. */
START_TEST(help_reaches_sub_commands)
{
    Captured c;
    cap_open(&c);
    ck_assert_int_eq(cap_run(&c, "help model add"), CMD_OK);
    ck_assert_ptr_nonnull(strstr(c.out, "model add dense UNITS [linear|sigmoid|softmax|relu|tanh]"));
    ck_assert_int_eq(cap_run(&c, "help model add conv2d"), CMD_OK);
    ck_assert_ptr_nonnull(strstr(c.out, "valid|same"));
    ck_assert_int_eq(cap_run(&c, "help set term"), CMD_OK);
    ck_assert_ptr_nonnull(strstr(c.out, "set term auto|kitty|sixel|blocks|ascii|none"));
    ck_assert_int_eq(cap_run(&c, "help fit"), CMD_OK);
    ck_assert_ptr_nonnull(strstr(c.out, "(default 300)"));
    ck_assert_int_eq(cap_run(&c, "help show weights"), CMD_OK);
    ck_assert_ptr_nonnull(strstr(c.out, "show weights LAYER [scale shared|unit] [to FILE]"));
    ck_assert_int_eq(cap_run(&c, "help predict image"), CMD_OK);
    ck_assert_int_eq(cap_run(&c, "help model ad"), CMD_ERR);
    ck_assert_ptr_nonnull(strstr(c.err, "`model` has no sub-command 'ad'; `help model` lists"));
    cap_close(&c);
}
END_TEST

static int offers(const CmdCompletion *k, const char *w)
{
    for (size_t i = 0; i < k->n; i++)
        if (strcmp(k->words[i], w) == 0)
            return 1;
    return 0;
}

/* Completion knows where it is in the line. */
START_TEST(completion_is_positional)
{
    CmdCompletion k;
    char *set_term[] = {"set", "term"};
    cmd_complete(2, set_term, &k);
    ck_assert(offers(&k, "blocks") && offers(&k, "ascii") && !offers(&k, "seed"));
    cmd_complete(1, set_term, &k);
    ck_assert(offers(&k, "term") && offers(&k, "seed") && !offers(&k, "blocks"));
    char *load[] = {"model", "load"};
    cmd_complete(2, load, &k);
    ck_assert_int_eq(k.also, PARAM_COMPLETE_MODEL);
    char *add[] = {"model", "add"};
    cmd_complete(2, add, &k);
    ck_assert(offers(&k, "conv2d") && offers(&k, "dense") && !offers(&k, "input"));
    char *conv[] = {"model", "add", "conv2d", "32", "5x5"};
    cmd_complete(5, conv, &k);
    ck_assert(offers(&k, "sigmoid") && offers(&k, "same") && offers(&k, "input"));
    char *conv_act[] = {"model", "add", "conv2d", "32", "5x5", "relu"};
    cmd_complete(6, conv_act, &k);
    ck_assert(!offers(&k, "sigmoid") && offers(&k, "same"));
    char *fit[] = {"fit", "batch", "300"};
    cmd_complete(3, fit, &k);
    ck_assert(offers(&k, "epochs") && !offers(&k, "batch"));
    char *image[] = {"predict", "image"};
    cmd_complete(2, image, &k);
    ck_assert_int_eq(k.also, PARAM_COMPLETE_FILE);
    char *predict[] = {"predict"};
    cmd_complete(1, predict, &k);
    ck_assert(offers(&k, "image") && offers(&k, "test"));
    char *help[] = {"help", "model"};
    cmd_complete(2, help, &k);
    ck_assert(offers(&k, "add") && offers(&k, "save"));
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
    tcase_add_test(t, tok_line_as_typed);
    tcase_add_test(t, tok_errors);
    suite_add_tcase(s, t);
    t = tcase_create("dispatch");
    tcase_add_test(t, dispatch_unknown_and_arity);
    tcase_add_test(t, dispatch_stops_at_first_error);
    tcase_add_test(t, set_changes_state_only_on_success);
    tcase_add_test(t, expect_compares_figures);
    tcase_add_test(t, options_parse_and_refuse);
    tcase_add_test(t, help_reaches_sub_commands);
    tcase_add_test(t, completion_is_positional);
    suite_add_tcase(s, t);
    t = tcase_create("lesson");
    tcase_add_test(t, lesson_items_and_lines);
    tcase_add_test(t, lesson_refuses_bad_files);
    tcase_add_test(t, replay_runs_blocks_and_stops_at_error);
    suite_add_tcase(s, t);
    return s;
}

int main(void) { return tu_run_suite(shell_suite()); }
