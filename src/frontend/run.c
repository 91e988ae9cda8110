/* run.c: one line of commands through the table, and plain command streams. */
#include <string.h>
#include <time.h>

#include "untangle/commands/commands.h"
#include "untangle/core/interrupt.h"
#include "untangle/session/report.h"
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
    if (sh->where_file)
        fprintf(sh->err, "%s:%ld: error: %s\n", sh->where_file, sh->where_line, clean);
    else
        fprintf(sh->err, "error: %s\n", clean);
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
    interrupt_clear();
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
        int n = snprintf(msg, sizeof msg, "error: %s\n", sh->errmsg);
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
    TokLine t;
    Err e;
    err_clear(&e);
    if (tok_split(line, &t, &e) != 0) {
        shell_print_error(sh, e.msg);
        return CMD_ERR;
    }
    int rc = CMD_OK;
    for (size_t i = 0; i < t.ncmds && rc == CMD_OK; i++) {
        sh->errmsg[0] = '\0';
        rc = sh->report ? run_recorded(sh, t.cmds[i].argc, t.cmds[i].argv)
                        : run_command(sh, t.cmds[i].argc, t.cmds[i].argv);
        if (rc == CMD_ERR)
            shell_print_error(sh, sh->errmsg[0] ? sh->errmsg : "command failed");
    }
    fflush(sh->out);
    tok_free(&t);
    return rc;
}

/* Reads one whole line of any length; returns NULL at EOF. Caller frees. */
static char *read_line(FILE *f)
{
    size_t cap = 256, len = 0;
    char *buf = xmalloc(cap);
    int ch;
    while ((ch = fgetc(f)) != EOF) {
        if (len + 1 >= cap)
            buf = xrealloc(buf, cap *= 2);
        if (ch == '\n')
            break;
        buf[len++] = (char)ch;
    }
    if (ch == EOF && len == 0) {
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    return buf;
}

int shell_run_stream(Shell *sh, FILE *f, const char *name)
{
    const char *saved_file = sh->where_file;
    long saved_line = sh->where_line;
    sh->where_file = name;
    sh->where_line = 0;
    int rc = CMD_OK;
    char *line;
    while (rc == CMD_OK && (line = read_line(f)) != NULL) {
        sh->where_line++;
        rc = shell_run_line(sh, line);
        free(line);
    }
    sh->where_file = saved_file;
    sh->where_line = saved_line;
    return rc;
}
