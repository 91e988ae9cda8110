/* repl.c: the interactive loop: readline prompt, history file, tab completion
 * from the command table, Ctrl-C that clears the line and keeps the session. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "untangle/commands/commands.h"
#include "untangle/core/interrupt.h"
#include "untangle/frontend/run.h"
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

static char **complete_command_names(const char *text)
{
    size_t n = 0;
    while (cmd_table[n].name)
        n++;
    const char **names = xmalloc(sizeof(char *) * (n + 1));
    for (size_t i = 0; i < n; i++)
        names[i] = cmd_table[i].name;
    char **m = build_matches(text, names, n);
    free(names);
    return m;
}

static char **complete(const char *text, int start, int end)
{
    (void)end;
    /* The command this word belongs to starts after the last ';' before it. */
    int s = start;
    while (s > 0 && rl_line_buffer[s - 1] != ';')
        s--;
    while (rl_line_buffer[s] == ' ' || rl_line_buffer[s] == '\t')
        s++;
    if (s >= start) {
        rl_attempted_completion_over = 1;
        return complete_command_names(text);
    }
    char name[64];
    size_t k = 0;
    while (rl_line_buffer[s + (int)k] && rl_line_buffer[s + (int)k] != ' ' && k + 1 < sizeof name) {
        name[k] = rl_line_buffer[s + (int)k];
        k++;
    }
    name[k] = '\0';
    if (strcmp(name, "help") == 0) {
        rl_attempted_completion_over = 1;
        return complete_command_names(text);
    }
    const CmdSpec *c = cmd_find(name);
    if (c && c->words) {
        size_t n = 0;
        while (c->words[n])
            n++;
        char **m = build_matches(text, c->words, n);
        if (m) {
            rl_attempted_completion_over = 1;
            return m;
        }
    }
    rl_attempted_completion_over = 0; /* file names: lessons, models, pictures */
    return NULL;
}

/* Called (outside the signal handler) when a signal interrupts readline's read:
 * Ctrl-C drops the line being typed and shows a fresh prompt, and readline keeps
 * reading, so nothing typed next is lost; the history stays. */
static int on_signal_event(void)
{
    if (interrupt_pending()) {
        interrupt_clear();
        rl_replace_line("", 0);
        rl_crlf();
        rl_on_new_line();
        rl_redisplay();
    }
    return 0;
}

int shell_repl(Shell *sh)
{
    char hist[SH_PATH_MAX];
    history_path(hist, sizeof hist);
    using_history();
    stifle_history(HISTORY_MAX);
    if (hist[0])
        read_history(hist);
    rl_readline_name = "untangle";
    rl_attempted_completion_function = complete;
    rl_signal_event_hook = on_signal_event;
    sh->interactive = 1;
    sh->where_file = NULL;

    printf("untangle %s: deep learning on MNIST, one command at a time. "
           "`help` lists the commands; Ctrl-D leaves.\n",
           UNTANGLE_VERSION);
    int rc = CMD_OK;
    for (;;) {
        interrupt_clear();
        char *line = readline("untangle> ");
        if (!line) {
            putchar('\n');
            break;
        }
        if (interrupt_pending()) {
            free(line);
            continue;
        }
        if (line[strspn(line, " \t")] != '\0') {
            add_history(line);
            if (hist[0] && append_history(1, hist) != 0)
                write_history(hist); /* the file did not exist yet */
        }
        rc = shell_run_line(sh, line);
        free(line);
        if (rc == CMD_EXIT)
            break;
    }
    if (hist[0])
        history_truncate_file(hist, HISTORY_MAX);
    return CMD_OK;
}
