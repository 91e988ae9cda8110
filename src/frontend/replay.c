/* replay.c: a lesson replayed: prose printed, `untangle` blocks run with their
 * prompt echoed, questions and answers shown (after a pause with --step). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "untangle/core/i18n.h"
#include "untangle/core/interrupt.h"
#include "untangle/frontend/lesson.h"
#include "untangle/frontend/prose.h"
#include "untangle/session/report.h"
#include "untangle/frontend/run.h"
#include "untangle/render/markdown.h"

#define STYLE_BOLD "\033[1m"
#define STYLE_CMD "\033[1;32m"
#define STYLE_OFF "\033[0m"

static void print_prose(Shell *sh, const LessonItem *it, ProseKind kind)
{
    prose_print(sh, it->text, kind);
    fputc('\n', sh->out);
}

/* The command as the prompt would show it; a control character in the lesson's
 * text is shown escaped, never sent to the terminal. */
void lesson_echo_command(Shell *sh, const char *text)
{
    char *shown = md_escape_controls(text);
    fprintf(sh->out, "%suntangle>%s %s\n", prose_styled(sh) ? STYLE_CMD : "",
            prose_styled(sh) ? STYLE_OFF : "", shown);
    free(shown);
}

/* Waits for Enter; returns 0 to go on, -1 when the person types q or closes input. */
static int pause_for(Shell *sh, const char *what)
{
    fprintf(sh->out, _("%s-- %s: Enter to go on, q to stop --%s"), prose_styled(sh) ? STYLE_BOLD : "",
            what, prose_styled(sh) ? STYLE_OFF : "");
    fflush(sh->out);
    char buf[64];
    if (!fgets(buf, sizeof buf, stdin) || buf[0] == 'q' || interrupt_pending())
        return -1;
    return 0;
}

/* The report keeps the lesson's text; commands are recorded as they run. */
void lesson_record(Shell *sh, const LessonItem *it)
{
    struct Report *r = sh->report;
    if (!r)
        return;
    switch (it->kind) {
    case LESSON_PROSE: report_add(r, REPORT_PROSE, it->text); break;
    case LESSON_HINT: report_add(r, REPORT_PROSE, it->text); break;
    case LESSON_QUESTION: report_add(r, REPORT_QUESTION, it->text); break;
    case LESSON_STUDENT: report_add(r, REPORT_STUDENT, it->text); break;
    case LESSON_ANSWER: report_add(r, REPORT_ANSWER, it->text); break;
    default: break;
    }
}

/* A lesson of a folder named after a language (lessons/fr/) is replayed in
 * that language, unless `set lang` chose one. */
void lesson_language(Shell *sh, const char *path)
{
    if (sh->lang[0])
        return;
    const char *slash = strrchr(path, '/');
    if (!slash)
        return;
    const char *dir = slash;
    while (dir > path && dir[-1] != '/')
        dir--;
    for (size_t i = 0; i18n_langs[i]; i++) {
        size_t n = strlen(i18n_langs[i]);
        if ((size_t)(slash - dir) == n && strncmp(dir, i18n_langs[i], n) == 0 &&
            strcmp(i18n_langs[i], "en") != 0) {
            i18n_set_lang(i18n_langs[i]);
            return;
        }
    }
}

int lesson_replay(Shell *sh, const char *path)
{
    if (sh->depth >= LESSON_MAX_NESTING || sh->n_lessons >= LESSON_MAX_NESTING) {
        shell_print_error(sh, _("lessons nest too deeply; a lesson may not replay itself"));
        return CMD_ERR;
    }
    Lesson l;
    Err e;
    err_clear(&e);
    int loaded = lesson_load(path, &l, &e);
    if (loaded != 0) {
        /* A file that cannot be read is named where it was asked for (the
         * command line, or the `need`); one that holds no lesson, by itself. */
        const char *file = sh->where_file;
        long line = sh->where_line;
        if (loaded == -2) {
            sh->where_file = path;
            sh->where_line = 0;
        }
        shell_print_error(sh, e.msg);
        sh->where_file = file;
        sh->where_line = line;
        sh->error_shown = 1;
        return CMD_ERR;
    }
    lesson_language(sh, path);
    const char *saved_file = sh->where_file;
    long saved_line = sh->where_line;
    sh->where_file = path;
    sh->depth++;
    sh->lesson_chain[sh->n_lessons++] = path;
    if (sh->report)
        report_add(sh->report, REPORT_TITLE, path);
    int rc = CMD_OK;
    for (size_t i = 0; i < l.n && rc == CMD_OK; i++) {
        const LessonItem *it = &l.items[i];
        sh->where_line = it->line;
        lesson_record(sh, it);
        switch (it->kind) {
        case LESSON_PROSE:
            print_prose(sh, it, PROSE_TEXT);
            break;
        case LESSON_BLOCK_START:
            if (sh->step && pause_for(sh, it->exercise ? _("the exercise's solution") : _("commands")) != 0)
                rc = CMD_EXIT;
            break;
        case LESSON_COMMAND:
            lesson_echo_command(sh, it->text);
            rc = shell_run_line(sh, it->text); /* stops at a Ctrl-C too */
            break;
        case LESSON_BLOCK_END:
            fputc('\n', sh->out);
            break;
        case LESSON_QUESTION:
        case LESSON_STUDENT:
        case LESSON_HINT:
            print_prose(sh, it, PROSE_QUOTE);
            break;
        case LESSON_ANSWER:
            if (sh->step && pause_for(sh, _("answer")) != 0) {
                rc = CMD_EXIT;
                break;
            }
            print_prose(sh, it, PROSE_QUOTE);
            break;
        }
        fflush(sh->out);
    }
    if (rc == CMD_EXIT && interrupt_pending()) { /* at a --step pause */
        shell_print_interrupted(sh);
        rc = CMD_ERR;
    }
    sh->n_lessons--;
    sh->depth--;
    sh->where_file = saved_file;
    sh->where_line = saved_line;
    lesson_free(&l);
    return rc;
}
