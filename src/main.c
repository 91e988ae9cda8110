/* main.c: untangle's command line: the REPL, lesson replays, -c and pipes. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "untangle/core/blas.h"
#include "untangle/core/files.h"
#include "untangle/core/i18n.h"
#include "untangle/core/interrupt.h"
#include "untangle/core/params.h"
#include "untangle/commands/commands.h"
#include "untangle/nn/kernels.h"
#include "untangle/render/markdown.h"
#include "untangle/session/handin.h"
#include "untangle/frontend/learn.h"
#include "untangle/frontend/run.h"
#include "untangle/core/xalloc.h"

static void usage(FILE *f)
{
    fprintf(f,
            _("usage: untangle [OPTIONS] [FILE...]\n"
            "       untangle [OPTIONS] learn [LESSON]\n"
            "       untangle check-handin FILE.html...\n"
            "\n"
            "A teaching shell for deep learning on MNIST. With no FILE and a terminal, an\n"
            "interactive prompt; with FILEs, replays them in order (FILE.md: a lesson, whose\n"
            "prose is printed and whose `untangle` blocks are run; any other file: one\n"
            "command per line); with a pipe, reads commands from it. `learn` takes you\n"
            "through a lesson whose exercises you do yourself, checked as you go (LESSON: a\n"
            "file, or 01, 01-logistic... in lessons/LANG; none: where you stopped).\n"
            "\n"
            "options:\n"
            "  -c COMMANDS          run COMMANDS (separated by ';') and exit\n"
            "  --step               pause before each block of commands and each answer (back,\n"
            "                       skip, where there), then stay at the prompt\n"
            "  --quick              run lessons on subsets (train %d, test %d, %d epochs at most)\n"
            "  --allow-write PATH   let lessons write under PATH too (default: the output folder)\n"
            "  --html FILE          also write the replay as one HTML page (prose, commands,\n"
            "                       their output, every figure, questions and answers)\n"
            "  --output DIR         where pictures go (default ./out)\n"
            "  --term MODE          auto, kitty, sixel, blocks, ascii or none\n"
            "  --seed N             random seed (default 0)\n"
            "  --threads N          threads for the heavy work (default: 2 at most)\n"
            "  --help, --version\n"
            "\n"
            "`check-handin` tells whether a page `handin` wrote was edited since (status 1 when\n"
            "it was); it does not tell who did the work.\n"
            "\n"
            "Errors name their place (FILE:LINE) and end a non-interactive run with status 1\n"
            "(2: a bad command line; 130: Ctrl-C; 143: SIGTERM).\n"
            "Type `help` at the prompt for the commands.\n"),
            SH_QUICK_TRAIN, SH_QUICK_TEST, SH_QUICK_EPOCHS);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* Exit statuses: a command failed, the command line itself is wrong; a signal
 * that stopped the run gives 128 + its number (130 for Ctrl-C, 143 for SIGTERM). */
enum { EXIT_FAILED = 1, EXIT_USAGE = 2 };

/* "untangle: error: MSG" on stderr, in the form of every other error line. */
static void cli_error(Shell *sh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void cli_error(Shell *sh, const char *fmt, ...)
{
    char msg[ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *file = sh->where_file;
    long line = sh->where_line;
    sh->where_file = "untangle";
    sh->where_line = 0;
    shell_print_error(sh, msg);
    sh->where_file = file;
    sh->where_line = line;
}

/* Applies an option that takes a value through the matching `set` command, so that
 * both paths validate alike. */
static int set_option(Shell *sh, const char *flag, const char *key, const char *value)
{
    char *argv[] = {"set", (char *)key, (char *)value, NULL};
    CmdArgs a;
    if (cmd_parse(sh, 3, argv, &a) != 0 || a.cmd->handler(sh, &a) != CMD_OK) {
        cli_error(sh, "%s: %s", flag, sh->errmsg);
        return -1;
    }
    return 0;
}

/* Options followed by a value; `set_key` names the `set` setting they apply. */
static const struct {
    const char *flag, *set_key;
} valued_options[] = {
    {"-c", NULL},          {"--allow-write", NULL}, {"--html", NULL},      {"--output", "output"},
    {"--term", "term"},    {"--seed", "seed"},      {"--threads", "threads"},
};

static int valued_option(const char *a)
{
    for (size_t i = 0; i < sizeof valued_options / sizeof valued_options[0]; i++)
        if (strcmp(a, valued_options[i].flag) == 0)
            return (int)i;
    return -1;
}

/* Which kernels run and why, for --version (the same lines as `info`). */
static void print_kernels(FILE *f)
{
    BlasCoreInfo bi;
    char buf[320];
    blas_core_info(&bi);
    fprintf(f, _("matrix products: %s\n"), blas_core_describe(&bi, buf, sizeof buf));
    fprintf(f, _("convolutions, activations, pooling: %s\n"), nn_kernels_describe(buf, sizeof buf));
}

/* What the command line asks for, once read. */
typedef struct Options {
    const char *commands;  /* -c */
    const char *html_path; /* --html */
    int nfiles;            /* FILE arguments, read again in order by run_files */
    int learn;             /* `learn [LESSON]` came first among them */
    const char *lesson;    /* its LESSON, or NULL */
    int done;              /* --help or --version: nothing to run */
} Options;

/* Reads the options into o and sh; returns 0, or EXIT_USAGE after one error line. */
static int read_options(Shell *sh, int argc, char **argv, Options *o)
{
    memset(o, 0, sizeof *o);
    FILE *quiet = fopen("/dev/null", "w");
    FILE *saved_out = sh->out;
    sh->out = quiet ? quiet : stdout; /* `set` from options speaks only on error */
    int status = 0;
    for (int i = 1; i < argc && !status && !o->done; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
        int k;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            o->done = 1;
        } else if (strcmp(a, "--version") == 0) {
            printf("untangle %s\n", UNTANGLE_VERSION);
            print_kernels(stdout);
            o->done = 1;
        } else if (strcmp(a, "--step") == 0) {
            sh->step = 1;
        } else if (strcmp(a, "--quick") == 0) {
            sh->quick = 1;
        } else if ((k = valued_option(a)) >= 0) {
            if (!next) {
                cli_error(sh, _("%s needs a value; see --help"), a);
                status = EXIT_USAGE;
                break;
            }
            i++;
            if (strcmp(a, "-c") == 0) {
                o->commands = next;
            } else if (strcmp(a, "--html") == 0) {
                o->html_path = next;
            } else if (strcmp(a, "--allow-write") == 0) {
                sh->allow_write = xrealloc(sh->allow_write, (sh->n_allow_write + 1) * sizeof(char *));
                sh->allow_write[sh->n_allow_write++] = xstrdup(next);
            } else if (set_option(sh, a, valued_options[k].set_key, next) != 0) {
                status = EXIT_USAGE;
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            cli_error(sh, _("unknown option '%s'; see --help"), a);
            status = EXIT_USAGE;
        } else if (!o->learn && o->nfiles == 0 && strcmp(a, "learn") == 0) {
            o->learn = 1;
        } else if (o->learn && !o->lesson) {
            o->lesson = a;
        } else if (o->learn) {
            cli_error(sh, _("learn takes one lesson at most, not '%s'; see --help"), a);
            status = EXIT_USAGE;
        } else {
            o->nfiles++;
        }
    }
    sh->out = saved_out;
    if (quiet)
        fclose(quiet);
    return status;
}

/* The words untangle takes in place of a file. */
static const char *const own_words[] = {"learn", "check-handin"};

/* A lesson (.md) is replayed; any other file is read as commands, one a line. */
static int run_file(Shell *sh, const char *path)
{
    if (ends_with(path, ".md"))
        return lesson_replay(sh, path);
    Err e;
    size_t size;
    /* `untangle lean`: a misspelt word of untangle's own, not a file */
    const char *advice = _("give a lesson (.md) or a command file");
    char near[160];
    if (access(path, F_OK) != 0 && !strchr(path, '/'))
        for (size_t i = 0; i < sizeof own_words / sizeof own_words[0]; i++)
            if (param_edit_distance(path, own_words[i]) <= 2) {
                snprintf(near, sizeof near, _("did you mean `untangle %s`?"), own_words[i]);
                advice = near;
                break;
            }
    FILE *f = file_open_read(path, "", advice, &size, &e);
    if (!f) {
        cli_error(sh, "%s", e.msg);
        return CMD_ERR;
    }
    sh->depth++; /* a command file is a lesson too: it writes only in the output folder */
    int rc = shell_run_stream(sh, f, path);
    sh->depth--;
    fclose(f);
    return rc;
}

/* Every FILE argument in order, until one fails. */
static int run_files(Shell *sh, int argc, char **argv)
{
    int rc = CMD_OK;
    for (int i = 1; i < argc && rc == CMD_OK; i++) {
        const char *a = argv[i];
        if (valued_option(a) >= 0) {
            i++;
            continue;
        }
        if (a[0] == '-' && a[1] != '\0')
            continue;
        sh->where_file = "untangle"; /* a file that cannot be read is named by argv */
        sh->where_line = 0;
        rc = run_file(sh, a);
    }
    return rc;
}

/* untangle check-handin FILE...: one line per page, status 1 when one was edited
 * or cannot be checked. What the page says is shown with its control characters
 * escaped: a page is the student's file. */
static int check_handin(int n, char **files)
{
    if (n == 0) {
        fprintf(stderr, _("untangle: check-handin needs the page to check: untangle check-handin "
                        "FILE.html\n"));
        return 2;
    }
    int status = 0;
    for (int i = 0; i < n; i++) {
        ReportCheck c;
        Err e;
        err_clear(&e);
        char *file = md_escape_controls(files[i]);
        if (report_check(files[i], &c, &e) != 0) {
            char *msg = md_escape_controls(e.msg);
            printf(_("%s: error: %s\n"), file, msg);
            free(msg);
            status = 1;
        } else if (c.intact) {
            char *name = md_escape_controls(c.name), *date = md_escape_controls(c.date);
            printf(_("%s: intact: the page is as untangle wrote it for %s on %s (SHA-256 %s)\n"),
                   file, name, date, c.actual);
            free(name);
            free(date);
        } else {
            printf(_("%s: edited after it was written: the page states SHA-256 %s but its content "
                   "gives %s\n"),
                   file, c.stated, c.actual);
            status = 1;
        }
        free(file);
    }
    return status;
}

/* The HTML report, written even after a failure or an interrupt: the page shows
 * where the replay stopped. Returns 0 or -1 after an error line. */
static int write_report(Shell *sh, const char *path)
{
    ReportSummary s;
    char sha[REPORT_SHA256_HEX];
    if (sh_handin(sh, path, &s, sha) != 0) {
        cli_error(sh, "--html: %s", sh->errmsg);
        return -1;
    }
    fprintf(stderr, _("untangle: wrote %s (%zu figures; SHA-256 %s)\n"), path, s.figures, sha);
    return 0;
}

int main(int argc, char **argv)
{
    i18n_init();
    if (argc >= 2 && strcmp(argv[1], "check-handin") == 0)
        return check_handin(argc - 2, argv + 2);
    /* OpenBLAS reads OPENBLAS_CORETYPE only while it loads, so when it fell back
     * to slow kernels the program restarts here, once. */
    blas_choose_core(argv);

    Shell sh;
    shell_init(&sh);
    interrupt_install();
    blas_set_threads(sh.threads);

    FILE *out = shell_open_output(&sh, STDOUT_FILENO);
    if (out)
        sh.out = out;
    Options o;
    int status = read_options(&sh, argc, argv, &o);
    if (status || o.done)
        goto done;
    if (sh.step && !isatty(STDIN_FILENO))
        sh.step = 0; /* nobody to press Enter: run straight through */

    int rc = CMD_OK;
    if (o.commands) {
        sh.where_file = "-c";
        sh.where_line = 1;
        rc = shell_run_line(&sh, o.commands);
    }
    if (rc == CMD_OK && o.nfiles)
        rc = run_files(&sh, argc, argv);
    /* --step (a person at the terminal) ends at the prompt, with what the lessons built. */
    if (rc == CMD_OK && o.nfiles && sh.step && !o.learn)
        rc = shell_repl(&sh);
    if (rc == CMD_OK && o.learn) {
        /* After the lesson the student stays at the prompt (or the pipe goes on). */
        sh.interactive = isatty(STDIN_FILENO);
        rc = lesson_learn(&sh, o.lesson);
        if (rc == CMD_ERR && !sh.error_shown && sh.errmsg[0])
            cli_error(&sh, "%s", sh.errmsg);
        if (rc == CMD_OK)
            rc = sh.interactive ? shell_repl(&sh) : shell_run_stream(&sh, stdin, "stdin");
        else if (rc == CMD_EXIT)
            rc = CMD_OK;
    }
    if (!o.commands && !o.nfiles && !o.learn) {
        if (isatty(STDIN_FILENO))
            rc = shell_repl(&sh);
        else
            rc = shell_run_stream(&sh, stdin, "stdin");
    }
    status = rc == CMD_ERR ? EXIT_FAILED : 0;
    int stopped_by = interrupt_signal();
    if (o.html_path) {
        interrupt_clear(); /* the report is written after a Ctrl-C too; a second one stops it */
        if (write_report(&sh, o.html_path) != 0)
            status = EXIT_FAILED;
    }
    /* Output that never reached its reader (a full disk, a closed pipe) is a
     * failure, said once. */
    sh.where_file = "untangle";
    sh.where_line = 0;
    if (shell_check_output(&sh) != 0 || sh.output_lost)
        status = EXIT_FAILED;
    if (stopped_by)
        status = 128 + stopped_by;
done:
    shell_free(&sh);
    if (out)
        fclose(out);
    return status;
}
