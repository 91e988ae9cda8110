/* run.c: one line of commands through the table, and plain command streams. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "untangle/core/i18n.h"
#include "untangle/commands/commands.h"
#include "untangle/core/interrupt.h"
#include "untangle/session/report.h"
#include "untangle/frontend/front.h"
#include "untangle/frontend/learn.h"
#include "untangle/frontend/run.h"
#include "untangle/frontend/tokenizer.h"
#include "untangle/core/xalloc.h"

void shell_print_error(Shell *sh, const char *msg)
{
    /* One line whatever the message quotes: a newline or escape typed into a
     * command name or read from a file is shown as \n or \xHH. */
    char clean[ERR_MSG_MAX * 4];
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)msg; *p && n + 5 < sizeof clean; p++) {
        if (*p == '\n')
            n += (size_t)snprintf(clean + n, sizeof clean - n, "\\n");
        else if (*p < 0x20 || *p == 0x7f)
            n += (size_t)snprintf(clean + n, sizeof clean - n, "\\x%02x", *p);
        else
            clean[n++] = (char)*p;
    }
    clean[n] = '\0';
    fflush(sh->out);
    if (sh->where_file && sh->where_line > 0)
        fprintf(sh->err, _("%s:%ld: error: %s\n"), sh->where_file, sh->where_line, clean);
    else if (sh->where_file)
        fprintf(sh->err, _("%s: error: %s\n"), sh->where_file, clean); /* a whole file, argv */
    else
        fprintf(sh->err, _("error: %s\n"), clean);
    fflush(sh->err);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int run_command(Shell *sh, int argc, char **argv)
{
    CmdArgs a;
    if (cmd_parse(sh, argc, argv, &a) != 0)
        return CMD_ERR;
    double t0 = now_seconds();
    int rc = a.cmd->handler(sh, &a);
    double dt = now_seconds() - t0;
    /* Slow work tells how long it took, where a person is watching. */
    if (rc == CMD_OK && dt >= 2.0 && (sh->interactive || sh->tty_out))
        sh_printf(sh, "(%s: %.1f s)\n", a.top->name, dt);
    return rc;
}

/* While a command runs, everything it prints goes both to the real stream and
 * to memory (a tee) for the record, so the person still sees progress as it
 * comes. Memory keeps one byte more than the record takes, so that the record
 * knows the output was longer. */
typedef struct Tee {
    FILE *real;
    char *mem;
    size_t len, cap;
} Tee;

static void tee_keep(Tee *t, const char *buf, size_t n)
{
    if (t->len + n > REPORT_OUTPUT_MAX + 1)
        n = REPORT_OUTPUT_MAX + 1 - t->len;
    if (n == 0)
        return;
    if (t->len + n > t->cap) {
        t->cap = (t->len + n) * 2;
        t->mem = xrealloc(t->mem, t->cap);
    }
    memcpy(t->mem + t->len, buf, n);
    t->len += n;
}

static ssize_t tee_write(void *cookie, const char *buf, size_t n)
{
    Tee *t = cookie;
    tee_keep(t, buf, n);
    fwrite(buf, 1, n, t->real);
    fflush(t->real);
    return (ssize_t)n;
}

/* Runs one command recording it in sh->report: the command, whether the person
 * typed it, its output, the figures it reports and the pictures it draws. */
static int run_recorded(Shell *sh, int argc, char **argv)
{
    char *text = tok_join(argc, argv);
    int typed = sh->depth == 0 && sh->recording < 0;
    size_t at = report_begin_command(sh->report, text, typed);
    sh->report->items[at].seed = sh->seed;
    free(text);
    long outer = sh->recording;
    sh->recording = (long)at;
    Tee tee = {.real = sh->out};
    cookie_io_functions_t io = {.write = tee_write};
    FILE *f = fopencookie(&tee, "w", io);
    FILE *saved = sh->out;
    if (f)
        sh->out = f;
    int rc = run_command(sh, argc, argv);
    if (f) {
        fclose(f);
        sh->out = saved;
    }
    sh->recording = outer;
    if (rc == CMD_ERR) {
        char msg[ERR_MSG_MAX + 16];
        int n = snprintf(msg, sizeof msg, _("error: %s\n"), sh->errmsg);
        if (n > 0)
            tee_keep(&tee, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
    }
    report_end_command(sh->report, at, tee.mem ? tee.mem : "", tee.len, rc != CMD_ERR);
    free(tee.mem);
    return rc;
}

int shell_run_line(Shell *sh, const char *line)
{
    /* Every command that comes through here may `need` a lesson replayed. */
    if (!sh->replay_lesson)
        sh->replay_lesson = lesson_replay;
    if (!sh->learn_lesson)
        sh->learn_lesson = lesson_learn;
    if (!sh->lesson_outline)
        sh->lesson_outline = lesson_outline_read;
    if (!sh->read_line)
        sh->read_line = front_read_line;
    if (!sh->print_quote)
        sh->print_quote = front_print_quote;
    TokLine t;
    Err e;
    err_clear(&e);
    if (tok_split(line, &t, &e) != 0) {
        shell_print_error(sh, e.msg);
        return CMD_ERR;
    }
    int rc = CMD_OK;
    for (size_t i = 0; i <= t.ncmds && rc == CMD_OK; i++) {
        /* A Ctrl-C (or SIGTERM) stops here whenever it came: during a command
         * that finished anyway, or between two. It is cleared only at the prompt. */
        if (interrupt_pending()) {
            shell_print_interrupted(sh);
            rc = CMD_ERR;
            break;
        }
        if (i == t.ncmds)
            break;
        sh->errmsg[0] = '\0';
        sh->error_shown = 0;
        rc = sh->report ? run_recorded(sh, t.cmds[i].argc, t.cmds[i].argv)
                        : run_command(sh, t.cmds[i].argc, t.cmds[i].argv);
        if (rc == CMD_ERR && !sh->error_shown)
            shell_print_error(sh, sh->errmsg[0] ? sh->errmsg : _("command failed"));
        if (rc != CMD_EXIT && shell_check_output(sh) != 0)
            rc = CMD_ERR;
    }
    fflush(sh->out);
    tok_free(&t);
    return rc;
}

void shell_print_interrupted(Shell *sh)
{
    if (interrupt_signal() == SIGTERM)
        shell_print_error(sh, _("stopped by SIGTERM; the run stops here"));
    else if (sh->interactive)
        shell_print_error(sh, _("interrupted (Ctrl-C); the rest of the line was not run"));
    else
        shell_print_error(sh, _("interrupted (Ctrl-C); the run stops here"));
}

int shell_check_output(Shell *sh)
{
    int failed = ferror(sh->out) || fflush(sh->out) != 0;
    if (failed && !sh->output_lost)
        sh->output_lost = EIO; /* a stream that does not say why */
    if (!sh->output_lost)
        return 0;
    if (sh->output_reported)
        return -1;
    sh->output_reported = 1;
    /* A closed pipe (EPIPE: `| head`) is the end of the output: said once, and
     * the run stops. */
    int why = sh->output_lost;
    char msg[200];
    snprintf(msg, sizeof msg, _("cannot write the output: %s; %s"), strerror(why),
             why == EPIPE ? _("the reader of the output has gone, so the run stops here")
                          : _("free some space or write it elsewhere; the run stops here"));
    shell_print_error(sh, msg);
    return -1;
}

/* The standard output as the session writes it: the errno of the first write
 * that fails is kept in the Shell, so that the one error line can say why. */
typedef struct OutCookie {
    Shell *sh;
    int fd;
} OutCookie;

static ssize_t out_write(void *cookie, const char *buf, size_t n)
{
    OutCookie *c = cookie;
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(c->fd, buf + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (!c->sh->output_lost)
                c->sh->output_lost = w < 0 ? errno : EIO;
            return -1;
        }
        done += (size_t)w;
    }
    return (ssize_t)n;
}

static int out_close(void *cookie)
{
    free(cookie);
    return 0;
}

FILE *shell_open_output(Shell *sh, int fd)
{
    OutCookie *c = xmalloc(sizeof *c);
    c->sh = sh;
    c->fd = fd;
    cookie_io_functions_t io = {.write = out_write, .close = out_close};
    FILE *f = fopencookie(c, "w", io);
    if (!f) {
        free(c);
        return NULL;
    }
    setvbuf(f, NULL, isatty(fd) ? _IOLBF : _IOFBF, BUFSIZ);
    return f;
}

LineRead shell_stream_line(FILE *f, char **out)
{
    size_t cap = 256, len = 0;
    char *buf = xmalloc(cap);
    int ch, nul = 0;
    *out = NULL;
    errno = 0;
    while ((ch = fgetc(f)) != EOF) {
        if (ch == '\n')
            break;
        if (len == TOK_LINE_MAX) {
            free(buf);
            return LINE_TOO_LONG;
        }
        if (len + 1 >= cap)
            buf = xrealloc(buf, cap *= 2);
        nul |= ch == '\0';
        buf[len++] = (char)ch;
    }
    if (ch == EOF && ferror(f)) {
        free(buf);
        return LINE_FAILED;
    }
    if (ch == EOF && len == 0) {
        free(buf);
        return LINE_EOF;
    }
    if (nul) {
        free(buf);
        return LINE_NUL;
    }
    buf[len] = '\0';
    *out = buf;
    return LINE_OK;
}

int shell_run_stream(Shell *sh, FILE *f, const char *name)
{
    const char *saved_file = sh->where_file;
    long saved_line = sh->where_line;
    sh->where_file = name;
    sh->where_line = 0;
    int rc = CMD_OK;
    while (rc == CMD_OK) {
        char *line, msg[200];
        sh->where_line = f == stdin ? ++sh->stdin_line : sh->where_line + 1;
        LineRead got = shell_stream_line(f, &line);
        if (got == LINE_EOF)
            break;
        if (got == LINE_OK) {
            /* A UTF-8 byte order mark (Windows editors) is not part of a command. */
            const char *text = line;
            if (sh->where_line == 1 && strncmp(text, "\xef\xbb\xbf", 3) == 0)
                text += 3;
            rc = shell_run_line(sh, text);
            free(line);
            continue;
        }
        if (got == LINE_FAILED && interrupt_pending()) {
            shell_print_interrupted(sh); /* while waiting for the line */
        } else {
            if (got == LINE_TOO_LONG)
                snprintf(msg, sizeof msg, _("the line is longer than the %zu bytes a line may hold; "
                         "is this a command file?"), TOK_LINE_MAX);
            else if (got == LINE_NUL)
                snprintf(msg, sizeof msg, "%s", _("the line holds a NUL byte; commands are text: is "
                         "this a command file?"));
            else
                snprintf(msg, sizeof msg, _("cannot read the commands: %s; check the file"),
                         strerror(errno ? errno : EIO));
            shell_print_error(sh, msg);
        }
        rc = CMD_ERR;
    }
    sh->where_file = saved_file;
    sh->where_line = saved_line;
    return rc;
}
