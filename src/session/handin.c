/* handin.c: the student's page from the session (see handin.h). */
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "untangle/core/xalloc.h"
#include "untangle/session/handin.h"
#include "untangle/session/learn_state.h"
#include "untangle/session/lessons.h"
#include "untangle/session/progress.h"

void sh_student_name(const Shell *sh, char *buf, size_t cap)
{
    const char *user = getenv("USER");
    const struct passwd *pw = NULL;
    if (sh->student_name[0])
        snprintf(buf, cap, "%s", sh->student_name);
    else if (user && *user)
        snprintf(buf, cap, "%s", user);
    else if ((pw = getpwuid(getuid())) != NULL && pw->pw_name && *pw->pw_name)
        snprintf(buf, cap, "%s", pw->pw_name);
    else
        snprintf(buf, cap, "unknown");
}

/* ---- what the progress file says of the record's lessons ---- */

/* The lessons a hand-in shows the progress of, and what their entries borrow. */
typedef struct HandinProgress {
    ReportLessonProgress *lp;
    LessonOutline *outlines;
    size_t n;
    Progress loaded;   /* read from the file when learn mode holds none */
} HandinProgress;

static int record_has_answer(const Report *r, const char *text)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->items[i].kind == REPORT_STUDENT && strcmp(r->items[i].text, text) == 0)
            return 1;
    return 0;
}

/* Learn mode went through the lesson titled `title` in the record: it holds an
 * exercise's outcome under it (a replay records none). */
static int learnt_in_record(const Report *r, const char *title)
{
    const char *lesson = "";
    for (size_t i = 0; i < r->n; i++) {
        if (r->items[i].kind == REPORT_TITLE)
            lesson = r->items[i].text;
        else if (r->items[i].kind == REPORT_EXERCISE && strcmp(lesson, title) == 0)
            return 1;
    }
    return 0;
}

static const ProgressLesson *find_entry(const Progress *p, const char *key)
{
    for (size_t i = 0; p && i < p->n; i++)
        if (strcmp(p->lessons[i].key, key) == 0)
            return &p->lessons[i];
    return NULL;
}

static void add_lesson(HandinProgress *h, const Report *r, const char *path,
                       const ProgressLesson *pl, LessonOutline *o)
{
    h->lp = xrealloc(h->lp, (h->n + 1) * sizeof *h->lp);
    h->outlines = xrealloc(h->outlines, (h->n + 1) * sizeof *h->outlines);
    h->outlines[h->n] = *o;
    ReportLessonProgress *lp = &h->lp[h->n++];
    memset(lp, 0, sizeof *lp);
    lp->lesson = path;
    lp->n_exercises = o->exercises;
    lp->titles = (const char *const *)o->titles;
    const char **status = xcalloc(o->exercises ? o->exercises : 1, sizeof *status);
    ReportExercise *ex;
    size_t nex = report_exercises(r, &ex);
    for (size_t k = 0; k < o->exercises; k++) {
        const ProgressExercise *x = progress_exercise(pl, (int)k + 1);
        status[k] = x && x->status == EXERCISE_DONE      ? "done"
                    : x && x->status == EXERCISE_SKIPPED ? "skipped"
                                                         : "open";
        /* This session's outcome when the file has none yet (the progress is
         * saved as exercises end; the record knows the session's own). */
        for (size_t j = 0; j < nex && strcmp(status[k], "open") == 0; j++)
            if (strcmp(ex[j].lesson, path) == 0 && strcmp(ex[j].title, o->titles[k]) == 0 &&
                strcmp(ex[j].outcome, "open") != 0)
                status[k] = strcmp(ex[j].outcome, "done") == 0 ? "done" : "skipped";
    }
    free(ex);
    lp->status = status;
    size_t nq = o->questions ? o->questions : 1;
    const char **q = xcalloc(nq, sizeof *q), **a = xcalloc(nq, sizeof *a),
               **ref = xcalloc(nq, sizeof *ref);
    for (size_t k = 0; k < o->questions; k++) {
        const ProgressAnswer *pa = progress_answer(pl, (int)k + 1);
        if (!pa || !pa->text[0] || record_has_answer(r, pa->text))
            continue;
        q[lp->n_answers] = o->questions_text[k];
        a[lp->n_answers] = pa->text;
        ref[lp->n_answers++] = o->answers[k];
    }
    lp->questions = q;
    lp->answers = a;
    lp->references = ref;
}

/* The record's lessons that learn mode went through and the progress knows. */
static void handin_progress(Shell *sh, HandinProgress *h)
{
    memset(h, 0, sizeof *h);
    const Report *r = sh->report;
    if (!sh->lesson_outline)
        return;
    const Progress *p = sh->learn ? sh->learn->progress : NULL;
    if (!p) {
        int learnt = 0;
        for (size_t i = 0; i < r->n && !learnt; i++)
            learnt = r->items[i].kind == REPORT_EXERCISE;
        char path[SH_PATH_MAX];
        Err e;
        err_clear(&e);
        if (!learnt || progress_default_path(path, sizeof path, &e) != 0)
            return;
        int rc = progress_load(path, &h->loaded, &e);
        if (rc != 0) {
            sh_printf(sh, "%s\n", e.msg); /* refused (and kept aside) or unreadable */
            return;
        }
        p = &h->loaded;
    }
    for (size_t i = 0; i < r->n; i++) {
        const char *path = r->items[i].text;
        if (r->items[i].kind != REPORT_TITLE || (!sh->learn && !learnt_in_record(r, path)))
            continue;
        int seen = 0;
        for (size_t k = 0; k < h->n && !seen; k++)
            seen = strcmp(h->lp[k].lesson, path) == 0;
        char key[256];
        progress_lesson_key(path, key, sizeof key);
        const ProgressLesson *pl = find_entry(p, key);
        LessonOutline o;
        Err e;
        err_clear(&e);
        if (seen || !pl || sh->lesson_outline(path, &o, &e) != 0)
            continue;
        add_lesson(h, r, path, pl, &o);
    }
}

static void handin_progress_free(HandinProgress *h)
{
    for (size_t i = 0; i < h->n; i++) {
        free((void *)h->lp[i].status);
        free((void *)h->lp[i].questions);
        free((void *)h->lp[i].answers);
        free((void *)h->lp[i].references);
        lesson_outline_free(&h->outlines[i]);
    }
    free(h->lp);
    free(h->outlines);
    progress_free(&h->loaded);
}

int sh_handin(Shell *sh, const char *path, ReportSummary *s, char sha256[REPORT_SHA256_HEX])
{
    if (sh_check_write(sh, path) != 0)
        return -1;
    char name[sizeof sh->student_name], date[64];
    sh_student_name(sh, name, sizeof name);
    time_t now = time(NULL);
    struct tm tm;
    if (!localtime_r(&now, &tm) || strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S %z", &tm) == 0)
        snprintf(date, sizeof date, "%lld seconds after 1970", (long long)now);
    HandinProgress h;
    handin_progress(sh, &h);
    ReportMeta m = {.name = name, .date = date, .program = "untangle " UNTANGLE_VERSION,
                    .progress = h.lp, .n_progress = h.n};
    Err e;
    err_clear(&e);
    int rc = report_write(sh->report, &m, path, sha256, &e);
    handin_progress_free(&h);
    if (rc != 0)
        return sh_error_err(sh, &e), -1;
    if (s)
        report_summarize(sh->report, s);
    return 0;
}
