/* repl.c: the interactive loop: readline prompt, history file, tab completion
 * from the command table, Ctrl-C that clears the line and keeps the session. */
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "untangle/core/i18n.h"
#include "untangle/commands/commands.h"
#include "untangle/core/files.h"
#include "untangle/core/interrupt.h"
#include "untangle/frontend/run.h"
#include "untangle/frontend/tokenizer.h"
#include "untangle/session/lessons.h"
#include "untangle/core/xalloc.h"

#define HISTORY_MAX 2000

static void history_path(char *buf, size_t cap)
{
    const char *env = getenv("UNTANGLE_HISTORY");
    const char *home = getenv("HOME");
    if (env && *env)
        snprintf(buf, cap, "%s", env);
    else if (home && *home)
        snprintf(buf, cap, "%s/.untangle_history", home);
    else
        buf[0] = '\0';
}

/* The history is kept only in a regular file (or one to create): readline's
 * blocking open would hang on a FIFO, and its rewrite could replace a device.
 * A character device (/dev/null) is the usual way to say "no history": off,
 * silently; anything else is said once. Returns 0 when hist may be used. */
static int history_usable(Shell *sh, const char *hist)
{
    struct stat st;
    if (stat(hist, &st) != 0 || S_ISREG(st.st_mode))
        return 0;
    if (!S_ISCHR(st.st_mode)) {
        char msg[SH_PATH_MAX + 200];
        snprintf(msg, sizeof msg, _("cannot keep the history in '%s': it is %s, not a regular "
                 "file; history is off for this session (UNTANGLE_HISTORY names the file)"),
                 hist, file_kind(st.st_mode));
        const char *saved = sh->where_file;
        sh->where_file = "untangle";
        sh->where_line = 0;
        shell_print_error(sh, msg);
        sh->where_file = saved;
    }
    return -1;
}

/* Readline's match array: [0] the longest common prefix, then every match, NULL. */
static char **build_matches(const char *text, const char *const *cands, size_t ncands)
{
    size_t len = strlen(text), n = 0;
    char **m = xmalloc(sizeof(char *) * (ncands + 2));
    for (size_t i = 0; i < ncands; i++) {
        if (strncmp(cands[i], text, len) != 0)
            continue;
        int dup = 0;
        for (size_t j = 0; j < n; j++)
            dup |= strcmp(m[j + 1], cands[i]) == 0;
        if (!dup) {
            m[n + 1] = xstrdup(cands[i]);
            n++;
        }
    }
    if (n == 0) {
        free(m);
        return NULL;
    }
    size_t common = strlen(m[1]);
    for (size_t i = 2; i <= n; i++) {
        size_t k = 0;
        while (k < common && m[i][k] == m[1][k])
            k++;
        common = k;
    }
    m[0] = xmalloc(common + 1);
    memcpy(m[0], m[1], common);
    m[0][common] = '\0';
    m[n + 1] = NULL;
    return m;
}

/* Readline's hooks take no context pointer, so the prompt's state is kept here
 * while it is open (readline's own state is global anyway): the session being
 * completed for (saved models are in its output folder, figures in it) and the
 * history file. The only state of this file. */
static struct {
    const Shell *sh; /* NULL while the prompt is closed */
    char hist[SH_PATH_MAX];
    int cancel;      /* a continuation line is read: Ctrl-C abandons it, readline returns */
} prompt;

/* Names of saved models: NAME for OUTPUT/NAME.model, and ./NAME.model. */
static size_t add_models(const char *dir, const char **names, char **owned, size_t n,
                         size_t cap)
{
    DIR *d = opendir(dir);
    struct dirent *ent;
    while (d && n < cap && (ent = readdir(d)) != NULL) {
        size_t len = strlen(ent->d_name);
        if (len > 6 && strcmp(ent->d_name + len - 6, ".model") == 0) {
            owned[n] = xstrdup(ent->d_name);
            owned[n][len - 6] = '\0';
            names[n] = owned[n];
            n++;
        }
    }
    if (d)
        closedir(d);
    return n;
}

/* The names of the lessons in the session's language (01-logistic...). */
static size_t add_lessons(const Shell *sh, const char **names, char **owned, size_t n, size_t cap)
{
    char dir[SH_PATH_MAX];
    Err e;
    err_clear(&e);
    if (lessons_folder(sh->lang[0] ? sh->lang : i18n_lang(), dir, sizeof dir, &e) != 0 &&
        lessons_folder("en", dir, sizeof dir, &e) != 0)
        return n;
    char **list;
    long k = lessons_list(dir, &list, &e);
    for (long i = 0; i < k; i++) {
        if (n < cap) {
            owned[n] = list[i]; /* ownership passes to owned[] */
            names[n] = owned[n];
            n++;
        } else {
            free(list[i]);
        }
    }
    if (k >= 0)
        free(list);
    return n;
}

static char **complete(const char *text, int start, int end)
{
    (void)end;
    /* The command this word belongs to starts after the last ';' before it. */
    int s = start;
    while (s > 0 && rl_line_buffer[s - 1] != ';')
        s--;
    char *before = xmalloc((size_t)(start - s) + 1);
    memcpy(before, rl_line_buffer + s, (size_t)(start - s));
    before[start - s] = '\0';
    TokLine t;
    Err e;
    CmdCompletion c;
    rl_attempted_completion_over = 1;
    if (tok_split(before, &t, &e) != 0) {
        free(before);
        return NULL;
    }
    free(before);
    if (t.ncmds == 0)
        cmd_complete(0, NULL, &c);
    else
        cmd_complete(t.cmds[0].argc, t.cmds[0].argv, &c);

    enum { CAP = CMD_COMPLETE_MAX + FIGURES_MAX + 256 };
    const char **cands = xmalloc(sizeof(char *) * CAP);
    char **owned = xcalloc(CAP, sizeof(char *));
    size_t n = 0;
    for (size_t i = 0; i < c.n; i++)
        cands[n++] = c.words[i];
    size_t first_owned = n;
    if (c.also == PARAM_COMPLETE_MODEL && prompt.sh) {
        n = add_models(prompt.sh->output_dir, cands, owned, n, CAP);
        n = add_models(".", cands, owned, n, CAP);
    } else if (c.also == PARAM_COMPLETE_LESSON && prompt.sh) {
        n = add_lessons(prompt.sh, cands, owned, n, CAP);
    } else if (c.also == PARAM_COMPLETE_FIGURE && prompt.sh) {
        for (size_t i = 0; i < prompt.sh->n_figures && n < CAP; i++)
            cands[n++] = prompt.sh->figures[i].name;
    }
    char **m = build_matches(text, cands, n);
    for (size_t i = first_owned; i < CAP; i++)
        free(owned[i]);
    free(owned);
    free(cands);
    tok_free(&t);
    if (!m && (c.also == PARAM_COMPLETE_FILE || c.also == PARAM_COMPLETE_LESSON))
        rl_attempted_completion_over = 0; /* readline's own file names */
    return m;
}

/* Called (outside the signal handler) when a signal interrupts readline's read:
 * Ctrl-C drops the line being typed and shows a fresh prompt, and readline keeps
 * reading, so nothing typed next is lost; the history stays. */
static int on_signal_event(void)
{
    if (interrupt_signal() == SIGTERM || (prompt.cancel && interrupt_pending())) {
        rl_done = 1; /* asked to end (or to abandon a continuation): readline returns */
        return 0;
    }
    if (interrupt_pending()) {
        interrupt_clear();
        rl_replace_line("", 0);
        rl_crlf();
        rl_on_new_line();
        rl_redisplay();
    }
    return 0;
}

/* Readline, the history and completion, set up once for the session. */
static void prompt_open(Shell *sh)
{
    history_path(prompt.hist, sizeof prompt.hist);
    using_history();
    stifle_history(HISTORY_MAX);
    if (prompt.hist[0] && history_usable(sh, prompt.hist) != 0)
        prompt.hist[0] = '\0';
    if (prompt.hist[0])
        read_history(prompt.hist);
    rl_readline_name = "untangle";
    rl_attempted_completion_function = complete;
    rl_signal_event_hook = on_signal_event;
    prompt.sh = sh;
}

static void prompt_close(void)
{
    if (prompt.hist[0])
        history_truncate_file(prompt.hist, HISTORY_MAX);
    clear_history();
    prompt.sh = NULL;
}

char *shell_read_line(Shell *sh, const char *prompt_text)
{
    if (!sh->interactive) {
        char *line = NULL;
        sh->where_file = "stdin";
        sh->where_line = ++sh->stdin_line;
        LineRead got = shell_stream_line(stdin, &line);
        if (got == LINE_OK) {
            /* What a pipe typed is shown after the prompt, as a terminal would. */
            fprintf(sh->out, "%s%s\n", prompt_text, line);
            fflush(sh->out);
            return line;
        }
        if (got != LINE_EOF)
            shell_print_error(sh, got == LINE_TOO_LONG ? _("the line is too long; the input stops here")
                                  : got == LINE_NUL    ? _("the line holds a NUL byte; the input stops here")
                                                       : _("cannot read the input; it stops here"));
        return NULL;
    }
    if (!prompt.sh)
        prompt_open(sh);
    for (;;) {
        if (interrupt_signal() == SIGTERM)
            return NULL; /* SIGTERM ends the session (status 143); Ctrl-C only the command */
        interrupt_clear();
        char *line = readline(prompt_text);
        if (!line) {
            putchar('\n');
            return NULL;
        }
        if (interrupt_pending()) {
            free(line);
            continue;
        }
        if (line[strspn(line, " \t")] != '\0') {
            add_history(line);
            if (prompt.hist[0] && append_history(1, prompt.hist) != 0)
                write_history(prompt.hist); /* the file did not exist yet */
        }
        return line;
    }
}

char *shell_read_continuation(Shell *sh, const char *prompt_text)
{
    if (!prompt.sh)
        prompt_open(sh);
    interrupt_clear();
    prompt.cancel = 1;
    char *line = readline(prompt_text);
    prompt.cancel = 0;
    if (interrupt_pending()) {
        free(line);
        putchar('\n'); /* readline left the cursor after the abandoned text */
        return NULL;
    }
    return line;
}

int shell_repl(Shell *sh)
{
    sh->interactive = 1;
    sh->where_file = NULL;
    int opened = !prompt.sh;
    if (opened)
        prompt_open(sh);
    printf(_("untangle %s: deep learning on MNIST, one command at a time. "
           "`help` lists the commands; Ctrl-D leaves.\n"),
           UNTANGLE_VERSION);
    fflush(stdout);
    for (;;) {
        char *line = shell_read_line(sh, "untangle> ");
        if (!line)
            break;
        int rc = shell_run_line(sh, line);
        free(line);
        if (rc == CMD_EXIT)
            break;
    }
    if (opened)
        prompt_close();
    return CMD_OK;
}
