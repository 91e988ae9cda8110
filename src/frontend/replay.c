/* replay.c: a lesson replayed: prose printed, `untangle` blocks run with their
 * prompt echoed, questions and answers shown (after a pause with --step). */
#include <stdint.h>
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

void lesson_show_block(Shell *sh, const Lesson *l, size_t i, int hide_solution)
{
    const LessonItem *it = &l->items[i];
    fflush(sh->out);
    if (it->kind == LESSON_BLOCK_START && it->exercise && hide_solution) {
        fprintf(sh->out, _("(%s: the exercise before)\n"), it->text);
    } else if (it->kind == LESSON_BLOCK_START) {
        if (it->exercise)
            fprintf(sh->out, _("(%s: its reference solution)\n"), it->text);
        else
            fprintf(sh->out, _("(commands the lesson ran)\n"));
        for (size_t k = i + 1; k < l->n && l->items[k].kind == LESSON_COMMAND; k++) {
            char *shown = md_escape_controls(l->items[k].text);
            fprintf(sh->out, "    %s\n", shown);
            free(shown);
        }
    } else {
        prose_print(sh, it->text, it->kind == LESSON_PROSE ? PROSE_TEXT : PROSE_QUOTE);
    }
    fflush(sh->out);
}

/* Where a --step replay is: the keys of its pauses act on it. */
typedef struct Step {
    const char *path;
    const Lesson *l;
    size_t at;        /* the item paused before */
    size_t back;      /* the block `back` showed last, SIZE_MAX: none yet */
    int run_to;       /* `skip`: no pause until the block of this exercise; 0: none */
} Step;

/* The next exercise from item i on: its number, and its title in *title. */
static int next_exercise(const Lesson *l, size_t i, const char **title)
{
    for (; i < l->n; i++)
        if (l->items[i].kind == LESSON_BLOCK_START && l->items[i].exercise) {
            *title = l->items[i].text;
            return l->items[i].exercise;
        }
    return 0;
}

static void step_where(Shell *sh, const Step *st)
{
    const char *title = NULL;
    int n = 0;
    for (size_t i = 0; i < st->l->n; i++)
        if (st->l->items[i].kind == LESSON_BLOCK_START && st->l->items[i].exercise > n)
            n = st->l->items[i].exercise;
    fprintf(sh->out, _("lesson %s, line %ld\n"), st->path, st->l->items[st->at].line);
    int k = next_exercise(st->l, st->at, &title);
    if (k)
        fprintf(sh->out, _("next: %s (exercise %d of %d)\n"), title, k, n);
    else
        fprintf(sh->out, _("no exercise is left in this lesson\n"));
}

/* Waits at a pause of --step: Enter goes on; `back` shows the block before again
 * (one further each time), `where` says where the replay is, `skip` runs on
 * without pausing up to the next exercise; q stops. Returns 0 to go on, -1 when
 * the person types q or closes input. */
static int pause_for(Shell *sh, const char *what, Step *st)
{
    for (;;) {
        fprintf(sh->out, _("%s-- %s: Enter to go on (back, skip, where; q to stop) --%s"),
                prose_styled(sh) ? STYLE_BOLD : "", what, prose_styled(sh) ? STYLE_OFF : "");
        fflush(sh->out);
        char buf[64];
        if (!fgets(buf, sizeof buf, stdin) || interrupt_pending())
            return -1;
        buf[strcspn(buf, "\r\n")] = '\0';
        const char *w = buf + strspn(buf, " \t");
        size_t n = strcspn(w, " \t");
        if (n == 0) {
            st->back = SIZE_MAX;
            return 0;
        }
        if ((n == 1 && w[0] == 'q') || (n == 4 && strncmp(w, "quit", 4) == 0))
            return -1;
        if (n == 4 && strncmp(w, "back", 4) == 0) {
            size_t b = lesson_block_before(st->l, st->back != SIZE_MAX ? st->back : st->at);
            if (b == SIZE_MAX) {
                fprintf(sh->out, _("this is the start of the lesson\n"));
            } else {
                st->back = b;
                lesson_show_block(sh, st->l, b, 0);
            }
        } else if (n == 5 && strncmp(w, "where", 5) == 0) {
            step_where(sh, st);
        } else if (n == 4 && strncmp(w, "skip", 4) == 0) {
            const char *title;
            const LessonItem *it = &st->l->items[st->at];
            /* the exercise paused before runs too: the pauses come back at the next one */
            size_t from = it->kind == LESSON_BLOCK_START && it->exercise ? st->at + 1 : st->at;
            st->run_to = next_exercise(st->l, from, &title);
            if (st->run_to)
                fprintf(sh->out, _("running on without pauses up to %s\n"), title);
            else
                fprintf(sh->out, _("running on without pauses to the end of the lesson\n"));
            st->run_to = st->run_to ? st->run_to : -1;
            st->back = SIZE_MAX;
            return 0;
        } else {
            fprintf(sh->out, _("at a pause: Enter goes on; back, skip, where, or q to stop\n"));
        }
    }
}

/* Whether --step pauses before item i (not while `skip` runs on). */
static int pauses(Shell *sh, Step *st, size_t i)
{
    if (!sh->step)
        return 0;
    const LessonItem *it = &st->l->items[i];
    if (st->run_to && it->kind == LESSON_BLOCK_START && it->exercise == st->run_to)
        st->run_to = 0;
    st->at = i;
    return st->run_to == 0;
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
    Step st = {.path = path, .l = &l, .back = SIZE_MAX};
    for (size_t i = 0; i < l.n && rc == CMD_OK; i++) {
        const LessonItem *it = &l.items[i];
        sh->where_line = it->line;
        lesson_record(sh, it);
        switch (it->kind) {
        case LESSON_PROSE:
            print_prose(sh, it, PROSE_TEXT);
            break;
        case LESSON_BLOCK_START:
            if (pauses(sh, &st, i) &&
                pause_for(sh, it->exercise ? _("the exercise's solution") : _("commands"), &st) != 0)
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
            if (pauses(sh, &st, i) && pause_for(sh, _("answer"), &st) != 0) {
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
