/* session.c: the session commands: set, expect, figures, echo, help, quit. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "untangle/commands/commands.h"
#include "untangle/core/blas.h"
#include "untangle/render/markdown.h"

const char *const cmd_set_words[] = {"seed",  "threads", "term",   "output", "auto", "kitty",
                                     "sixel", "blocks",  "ascii",  "none",   NULL};
const char *const cmd_expect_words[] = {"accuracy", "loss", "test_accuracy", "test_loss",
                                        "params",   "nh",   "kl",            "quick", NULL};

int cmd_set(Shell *sh, int argc, char **argv)
{
    (void)argc;
    static const char *const keys[] = {"seed", "threads", "term", "output", NULL};
    int k = arg_choice(sh, "setting", argv[1], keys);
    if (k < 0)
        return CMD_ERR;
    const char *v = argv[2];
    if (k == 0) {
        long seed;
        if (arg_long(sh, "seed", v, 0, 2147483647L, &seed) != 0)
            return CMD_ERR;
        sh->seed = (uint64_t)seed;
        rng_seed(&sh->rng, sh->seed);
        sh_printf(sh, "seed %ld\n", seed);
    } else if (k == 1) {
        long t;
        if (arg_long(sh, "threads", v, 1, 64, &t) != 0)
            return CMD_ERR;
        sh->threads = (int)t;
        blas_set_threads((int)t);
        sh_printf(sh, "threads %ld\n", t);
    } else if (k == 2) {
        int m = arg_choice(sh, "terminal mode", v, term_mode_names);
        if (m < 0)
            return CMD_ERR;
        sh->term = (TermMode)m;
    } else {
        if (strlen(v) + 1 > sizeof sh->output_dir)
            return sh_error(sh, "output folder name is too long");
        if (sh->depth > 0 && sh_check_write(sh, v) != 0)
            return CMD_ERR;
        snprintf(sh->output_dir, sizeof sh->output_dir, "%s", v);
        sh->picture_count = 0;
    }
    return CMD_OK;
}

static const char *const cmp_ops[] = {"==", "!=", "<", "<=", ">", ">=", "~", NULL};

static int compare(int op, double a, double b)
{
    switch (op) {
    case 0: return a == b;
    case 1: return a != b;
    case 2: return a < b;
    case 3: return a <= b;
    case 4: return a > b;
    case 5: return a >= b;
    default: return fabs(a - b) <= 0.01 * fmax(fabs(a), fabs(b));
    }
}

int cmd_expect(Shell *sh, int argc, char **argv)
{
    double value, want, quick_want;
    int op = arg_choice(sh, "comparison", argv[2], cmp_ops);
    if (op < 0)
        return CMD_ERR;
    /* The value is a number, or another figure: `expect nh_cnn > nh_mlp`. */
    if (sh_figure(sh, argv[3], &want) != 0 &&
        arg_double(sh, "expected value (a number or a figure's name)", argv[3], -1e300, 1e300,
                   &want) != 0)
        return CMD_ERR;
    if (argc == 5 || (argc == 6 && strcmp(argv[4], "quick") != 0))
        return sh_error(sh, "expect: after the value only `quick VALUE` may follow; usage: expect "
                            "NAME OP VALUE [quick VALUE]");
    if (argc == 6) {
        if (arg_double(sh, "quick value", argv[5], -1e300, 1e300, &quick_want) != 0)
            return CMD_ERR;
        if (sh->quick)
            want = quick_want;
    }
    if (sh_figure(sh, argv[1], &value) != 0) {
        char names[300] = "";
        size_t len = 0;
        for (size_t i = 0; i < sh->n_figures && len + 60 < sizeof names; i++)
            len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", i ? ", " : "",
                                    sh->figures[i].name);
        return sh_error(sh, "expect: no figure '%s' was reported yet%s%s", argv[1],
                        sh->n_figures ? "; reported: " : " (run the command that computes it first)",
                        names);
    }
    if (!compare(op, value, want))
        return sh_error(sh, "expect %s %s %g failed: %s is %.6g", argv[1], argv[2], want, argv[1],
                        value);
    sh_printf(sh, "ok: %s = %.6g %s %g\n", argv[1], value, argv[2], want);
    return CMD_OK;
}

int cmd_keep(Shell *sh, int argc, char **argv)
{
    (void)argc;
    double v;
    if (strcmp(argv[2], "as") != 0)
        return sh_error(sh, "usage: keep FIGURE as NAME (e.g. keep nh as nh_raw)");
    if (sh_figure(sh, argv[1], &v) != 0)
        return sh_error(sh, "keep: no figure '%s' was reported yet; `figures` lists them", argv[1]);
    if (strlen(argv[3]) >= FIGURE_NAME_MAX || argv[3][0] == '\0')
        return sh_error(sh, "keep: name '%s' is too long (at most %d characters)", argv[3],
                        FIGURE_NAME_MAX - 1);
    sh_report(sh, argv[3], v);
    sh_printf(sh, "%s = %.6g\n", argv[3], v);
    return CMD_OK;
}

/* The folder of the lesson being replayed, for paths relative to it. */
static void lesson_dir(const Shell *sh, char *buf, size_t cap)
{
    const char *f = sh->where_file;
    const char *slash = f ? strrchr(f, '/') : NULL;
    if (!f || !slash || sh->depth == 0)
        snprintf(buf, cap, ".");
    else
        snprintf(buf, cap, "%.*s", (int)(slash - f), f);
}

int cmd_need(Shell *sh, int argc, char **argv)
{
    (void)argc;
    if (strcmp(argv[2], "from") != 0)
        return sh_error(sh, "usage: need FILE from LESSON.md (e.g. need mlp.model from 02-mlp.md)");
    char file[2 * SH_PATH_MAX], lesson[2 * SH_PATH_MAX], dir[SH_PATH_MAX];
    /* A bare name lives in the output folder, where lessons save. */
    if (strchr(argv[1], '/'))
        snprintf(file, sizeof file, "%.*s", SH_PATH_MAX, argv[1]);
    else
        snprintf(file, sizeof file, "%s/%.*s", sh->output_dir, SH_PATH_MAX - 2, argv[1]);
    if (access(file, R_OK) == 0) {
        sh_printf(sh, "found %s\n", file);
        return CMD_OK;
    }
    lesson_dir(sh, dir, sizeof dir);
    if (argv[3][0] == '/' || sh->depth == 0)
        snprintf(lesson, sizeof lesson, "%.*s", SH_PATH_MAX, argv[3]);
    else
        snprintf(lesson, sizeof lesson, "%s/%.*s", dir, SH_PATH_MAX - 2, argv[3]);
    if (access(lesson, R_OK) != 0)
        return sh_error(sh, "need: %s is missing and so is the lesson %s that makes it", file,
                        lesson);
    sh_printf(sh, "%s is missing: replaying %s to make it\n\n", file, lesson);
    int saved_step = sh->step;
    sh->step = 0;
    if (!sh->replay_lesson)
        return sh_error(sh, "need: %s is missing and lessons cannot be replayed from here", file);
    int rc = sh->replay_lesson(sh, lesson);
    sh->step = saved_step;
    if (rc != CMD_OK)
        return sh_error(sh, "need: replaying %s failed, so %s is still missing", lesson, file);
    if (access(file, R_OK) != 0)
        return sh_error(sh, "need: %s ran but did not write %s", lesson, file);
    sh_printf(sh, "\nback from %s: %s is ready\n", lesson, file);
    return CMD_OK;
}

int cmd_figures(Shell *sh, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    if (sh->n_figures == 0)
        sh_printf(sh, "no figures yet: commands such as fit, evaluate, tsne and nh report them\n");
    for (size_t i = 0; i < sh->n_figures; i++)
        sh_printf(sh, "  %-24s %.6g\n", sh->figures[i].name, sh->figures[i].value);
    return CMD_OK;
}

/* A lesson's echo cannot send escape sequences: control characters show escaped. */
int cmd_echo(Shell *sh, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        char *shown = md_escape_controls(argv[i]);
        sh_printf(sh, "%s%s", i > 1 ? " " : "", shown);
        free(shown);
    }
    sh_printf(sh, "\n");
    return CMD_OK;
}

/* Prints text wrapped at `width` columns, each line indented. */
static void print_wrapped(Shell *sh, const char *text, int indent, int width)
{
    const char *p = text;
    while (*p) {
        while (*p == ' ')
            p++;
        int avail = width - indent, n = 0, last_space = -1;
        while (p[n] && n < avail) {
            if (p[n] == ' ')
                last_space = n;
            n++;
        }
        if (p[n] && last_space > 0)
            n = last_space;
        sh_printf(sh, "%*s%.*s\n", indent, "", n, p);
        p += n;
    }
}

int cmd_help(Shell *sh, int argc, char **argv)
{
    if (argc == 1) {
        sh_printf(sh, "Commands (`help COMMAND` for details; `;` separates commands, `#` starts a "
                      "comment):\n");
        for (const CmdSpec *c = cmd_table; c->name; c++)
            sh_printf(sh, "  %-9s %s\n", c->name, c->summary);
        return CMD_OK;
    }
    const CmdSpec *c = cmd_find(argv[1]);
    if (!c) {
        /* A prefix lists the commands it starts. */
        size_t n = strlen(argv[1]), found = 0;
        for (const CmdSpec *d = cmd_table; d->name; d++)
            if (strncmp(d->name, argv[1], n) == 0) {
                sh_printf(sh, "  %-9s %s\n", d->name, d->summary);
                found++;
            }
        if (found)
            return CMD_OK;
        const CmdSpec *near = cmd_nearest(argv[1]);
        if (near)
            return sh_error(sh, "no command '%s'; did you mean '%s'?", argv[1], near->name);
        return sh_error(sh, "no command '%s'; `help` lists the commands", argv[1]);
    }
    sh_printf(sh, "%s\n", c->synopsis);
    print_wrapped(sh, c->summary, 2, 78);
    sh_printf(sh, "\n");
    print_wrapped(sh, c->help, 2, 78);
    return CMD_OK;
}

int cmd_quit(Shell *sh, int argc, char **argv)
{
    (void)sh;
    (void)argc;
    (void)argv;
    return CMD_EXIT;
}
