/* lessons.c: `lessons`, every lesson of the student's language with what the
 * progress file (session/progress.h) says of it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "untangle/commands/commands.h"
#include "untangle/core/i18n.h"
#include "untangle/session/lessons.h"
#include "untangle/session/progress.h"

/* The language lessons are chosen in: `set lang`, else the messages'. */
static const char *lessons_lang(const Shell *sh)
{
    return sh->lang[0] ? sh->lang : i18n_lang();
}

/* Answers typed (not only revealed) to questions the lesson still has. */
static size_t answered(const ProgressLesson *pl, size_t questions)
{
    size_t n = 0;
    for (size_t i = 0; pl && i < pl->n_answers; i++)
        if (pl->answers[i].text && pl->answers[i].text[0] &&
            (size_t)pl->answers[i].question <= questions)
            n++;
    return n;
}

static void count_exercises(const ProgressLesson *pl, size_t total, size_t *done, size_t *skipped)
{
    *done = *skipped = 0;
    for (size_t i = 0; pl && i < pl->n_exercises; i++) {
        if ((size_t)pl->exercises[i].number > total)
            continue;
        if (pl->exercises[i].status == EXERCISE_DONE)
            (*done)++;
        else if (pl->exercises[i].status == EXERCISE_SKIPPED)
            (*skipped)++;
    }
}

static int lessons_run(Shell *sh, const CmdArgs *a)
{
    (void)a;
    Err e;
    err_clear(&e);
    char dir[SH_PATH_MAX], path[SH_PATH_MAX];
    if (lessons_folder(lessons_lang(sh), dir, sizeof dir, &e) != 0 ||
        progress_default_path(path, sizeof path, &e) != 0)
        return sh_error_err(sh, &e);
    Progress p;
    int loaded = progress_load(path, &p, &e);
    if (loaded < 0)
        return sh_error_err(sh, &e);
    if (loaded == 1)
        sh_printf(sh, "%s\n", e.msg); /* kept aside: the list goes on from nothing */
    char **names;
    long n = lessons_list(dir, &names, &e);
    if (n < 0) {
        progress_free(&p);
        return sh_error_err(sh, &e);
    }
    sh_printf(sh, _("lessons in %s (progress in %s):\n"), dir, path);
    size_t width = 0;
    for (long i = 0; i < n; i++)
        if (strlen(names[i]) > width)
            width = strlen(names[i]);
    for (long i = 0; i < n; i++) {
        char file[2 * SH_PATH_MAX], key[256];
        snprintf(file, sizeof file, "%s/%s.md", dir, names[i]);
        progress_lesson_key(file, key, sizeof key);
        const ProgressLesson *pl = NULL;
        for (size_t k = 0; k < p.n; k++)
            if (strcmp(p.lessons[k].key, key) == 0)
                pl = &p.lessons[k];
        LessonOutline o = {0};
        Err le;
        err_clear(&le);
        if (!sh->lesson_outline || sh->lesson_outline(file, &o, &le) != 0) {
            sh_printf(sh, _("  %-*s  cannot be read: %s\n"), (int)width, names[i],
                      sh->lesson_outline ? le.msg : _("no lesson reader"));
            continue;
        }
        size_t done, skipped;
        count_exercises(pl, o.exercises, &done, &skipped);
        char skips[48];
        snprintf(skips, sizeof skips, ngettext("%zu skipped", "%zu skipped", skipped), skipped);
        sh_printf(sh, _("  %-*s  exercises %zu/%zu done, %s; questions %zu/%zu answered%s\n"),
                  (int)width, names[i], done, o.exercises, skips, answered(pl, o.questions),
                  o.questions, pl && pl->finished ? _("; finished") : "");
        lesson_outline_free(&o);
    }
    for (long i = 0; i < n; i++)
        free(names[i]);
    free(names);
    progress_free(&p);
    return CMD_OK;
}

const CmdSpec cmd_lessons_spec = {
    .name = "lessons",
    .summary = N_("list the lessons with your progress in each"),
    .help = N_("Lists every lesson of lessons/LANG (the language of `set lang`, else of the "
            "locale) with the exercises you did or skipped, the questions you answered and "
            "whether you finished it, as kept in $XDG_STATE_HOME/untangle/progress (by default "
            "~/.local/state/untangle/progress). A progress file that cannot be read is kept "
            "aside as progress.corrupt-DATE and the list starts from nothing."),
    .handler = lessons_run,
};
