/* learn.c: learn mode (see learn.h): the lesson walked item by item, the
 * exercises left to the student and judged on the session's state. */
#include <stdarg.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "untangle/commands/commands.h"
#include "untangle/core/i18n.h"
#include "untangle/core/interrupt.h"
#include "untangle/core/xalloc.h"
#include "untangle/frontend/learn.h"
#include "untangle/frontend/lesson.h"
#include "untangle/frontend/prose.h"
#include "untangle/frontend/run.h"
#include "untangle/frontend/tokenizer.h"
#include "untangle/session/learn_state.h"
#include "untangle/session/lessons.h"
#include "untangle/session/progress.h"
#include "untangle/session/report.h"

#define STYLE_BOLD "\033[1m"
#define STYLE_DONE "\033[1;32m"
#define STYLE_OFF "\033[0m"
#define PROMPT "untangle> "

typedef enum Outcome { EX_OPEN, EX_DONE, EX_SKIPPED } Outcome;

typedef struct Learner {
    LearnState st;          /* first: Shell.learn points here, the callback casts back */
    Shell *sh;
    Lesson lesson;
    char path[SH_PATH_MAX];
    char name[SH_PATH_MAX]; /* the file's name without folder nor .md: "01-logistic" */
    int n_exercises;
    /* the exercise open now (st.exercise > 0) */
    size_t ex_start, ex_end; /* its BLOCK_START and BLOCK_END items */
    int hints;               /* its hints shown so far */
    Outcome outcome;
    /* `back`: the item it showed last; SIZE_MAX until it is typed */
    size_t back;
    Progress progress;       /* the student's; owned (st.progress points here) */
    int quick_before;        /* sh->quick when learn mode began */
    size_t resumed_to;       /* a resumed lesson: the exercise it resumed at (its item);
                                the questions before it already answered are not asked */
    int at_question;         /* waiting at a question, where `next` goes on */
    int next;                /* `next` was typed there */
} Learner;

static const char *styled(const Shell *sh, const char *style)
{
    return prose_styled(sh) ? style : "";
}

/* A message of learn mode, as Markdown (its `commands` styled on a terminal),
 * wrapped to the terminal like the lesson's text. */
static void say(Shell *sh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(Shell *sh, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fflush(sh->out);
    prose_print(sh, msg, PROSE_TEXT);
}

/* ---- finding the lesson ---- */

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Does `name` ("01-logistic") answer to `arg` ("01", "01-logistic",
 * "01-logistic.md", "logistic")? */
static int lesson_named(const char *name, const char *arg)
{
    size_t n = strlen(name), k = strlen(arg);
    if (k > 3 && strcmp(arg + k - 3, ".md") == 0)
        k -= 3;
    if (k == n && strncmp(name, arg, n) == 0)
        return 1;
    if (k < n && strncmp(name, arg, k) == 0 && name[k] == '-')
        return 1;
    const char *dash = strchr(name, '-');
    return dash && (size_t)(name + n - dash - 1) == k && strncmp(dash + 1, arg, k) == 0;
}

/* The progress of the lesson at `path`, NULL when none is kept. */
static const ProgressLesson *lesson_progress(const Progress *p, const char *path)
{
    char key[256];
    progress_lesson_key(path, key, sizeof key);
    for (size_t i = 0; p && i < p->n; i++)
        if (strcmp(p->lessons[i].key, key) == 0)
            return &p->lessons[i];
    return NULL;
}

/* The lesson `arg` names (a file, or a lesson of lessons/LANG) into out; with
 * no arg, where the student stopped: the first lesson begun and not finished,
 * else the first not finished, else the first. 0, or -1 after sh_error listing the lessons there. */
static int find_lesson(Shell *sh, const char *arg, const Progress *p, char *out, size_t cap)
{
    if (arg && is_file(arg)) {
        snprintf(out, cap, "%s", arg);
        return 0;
    }
    char dir[SH_PATH_MAX];
    Err e;
    err_clear(&e);
    const char *lang = sh->lang[0] ? sh->lang : i18n_lang();
    if (lessons_folder(lang, dir, sizeof dir, &e) != 0 && lessons_folder("en", dir, sizeof dir, &e) != 0)
        return sh_error_err(sh, &e), -1;
    char **names;
    long n = lessons_list(dir, &names, &e);
    if (n < 0)
        return sh_error_err(sh, &e), -1;
    long found = -1, unfinished = -1, started = -1;
    char list[600] = "";
    size_t len = 0;
    for (long i = 0; i < n; i++) {
        if (found < 0 && arg && lesson_named(names[i], arg))
            found = i;
        if (!arg) {
            char path[2 * SH_PATH_MAX];
            snprintf(path, sizeof path, "%s/%s.md", dir, names[i]);
            const ProgressLesson *pl = lesson_progress(p, path);
            if (unfinished < 0 && (!pl || !pl->finished))
                unfinished = i;
            if (started < 0 && pl && !pl->finished)
                started = i;
        }
        if (len + 40 < sizeof list)
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "", names[i]);
    }
    if (!arg)
        found = started >= 0 ? started : unfinished >= 0 ? unfinished : n > 0 ? 0 : -1;
    int rc = 0;
    if (found >= 0 && (size_t)snprintf(out, cap, "%s/%s.md", dir, names[found]) >= cap) {
        sh_error(sh, _("the path of %s is too long"), dir);
        rc = -1;
    } else if (found < 0 && arg) {
        sh_error(sh, _("no lesson '%s' in %s: give a lesson's file, or one of %s"), arg, dir, list);
        rc = -1;
    } else if (found < 0) {
        sh_error(sh, _("no lesson in %s"), dir);
        rc = -1;
    }
    for (long i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

/* ---- progress ---- */

/* Saves the progress now (every change is kept at once); a failure is said,
 * and learn mode goes on. */
static void save_progress(Learner *L)
{
    if (!L->st.progress_path[0] || !L->st.plesson)
        return;
    Err e;
    err_clear(&e);
    if (progress_save_lesson(L->st.plesson, L->st.progress_path, &e) != 0) {
        const char *file = L->sh->where_file;
        L->sh->where_file = NULL;
        shell_print_error(L->sh, e.msg);
        L->sh->where_file = file;
    }
}

static void note_exercise(Learner *L, int number, ExerciseStatus s)
{
    if (!L->st.plesson)
        return;
    progress_set_exercise(L->st.plesson, number, s, (int64_t)time(NULL));
    save_progress(L);
}

/* Loads the progress; a corrupt file is said in its one line (it was kept
 * aside) and the progress starts empty; one that cannot be read at all leaves
 * learn mode without progress. */
static void load_progress(Learner *L)
{
    Shell *sh = L->sh;
    Err e;
    err_clear(&e);
    char path[LEARN_PATH_MAX];
    if (progress_default_path(path, sizeof path, &e) != 0) {
        sh_printf(sh, _("progress is not kept: %s\n"), e.msg);
        return;
    }
    int loaded = progress_load(path, &L->progress, &e);
    if (loaded < 0) {
        sh_printf(sh, _("progress is not kept: %s\n"), e.msg);
        return;
    }
    if (loaded == 1)
        sh_printf(sh, "%s\n", e.msg);
    snprintf(L->st.progress_path, sizeof L->st.progress_path, "%s", path);
    L->st.progress = &L->progress;
}

/* ---- the lesson's items ---- */

static const LessonItem *item(const Learner *L, size_t i) { return &L->lesson.items[i]; }

static size_t block_end(const Learner *L, size_t start)
{
    size_t i = start;
    while (i < L->lesson.n && item(L, i)->kind != LESSON_BLOCK_END)
        i++;
    return i;
}

/* A line of an exercise block that is one of its checks. */
static int is_check(const char *text)
{
    size_t k = strspn(text, " \t");
    return strncmp(text + k, "expect", 6) == 0 && (text[k + 6] == ' ' || text[k + 6] == '\0');
}

static void show_prose(Shell *sh, const LessonItem *it)
{
    prose_print(sh, it->text, it->kind == LESSON_PROSE ? PROSE_TEXT : PROSE_QUOTE);
    fputc('\n', sh->out);
}

/* Prints a lesson error at its place, FILE:LINE, then goes back to where it was. */
static void lesson_error(Learner *L, long line, const char *msg)
{
    Shell *sh = L->sh;
    const char *file = sh->where_file;
    long at = sh->where_line;
    sh->where_file = L->path;
    sh->where_line = line;
    shell_print_error(sh, msg);
    sh->where_file = file;
    sh->where_line = at;
}

/* Runs lines of the lesson (a plain block, an exercise's reference solution) as
 * a replay does: shown after the prompt, with the lesson's place and rules.
 * checks: run the `expect` lines too. Stops at the first that fails. */
static int run_lines(Learner *L, size_t start, size_t end, int checks)
{
    Shell *sh = L->sh;
    const char *file = sh->where_file;
    long at = sh->where_line;
    sh->where_file = L->path;
    sh->depth++;
    int rc = CMD_OK;
    for (size_t i = start + 1; i < end && rc == CMD_OK; i++) {
        const LessonItem *it = item(L, i);
        if (it->kind != LESSON_COMMAND || (!checks && is_check(it->text)))
            continue;
        sh->where_line = it->line;
        lesson_echo_command(sh, it->text);
        rc = shell_run_line(sh, it->text);
    }
    sh->depth--;
    sh->where_file = file;
    sh->where_line = at;
    return rc;
}

/* ---- the checks ---- */

/* Evaluates the open exercise's checks on the session; with `say`, prints what
 * each that does not hold finds and wants. Returns 1 when all hold. */
static int checks_hold(Learner *L, int say)
{
    Shell *sh = L->sh;
    int all = 1;
    for (size_t i = L->ex_start + 1; i < L->ex_end; i++) {
        const LessonItem *it = item(L, i);
        if (it->kind != LESSON_COMMAND || !is_check(it->text))
            continue;
        TokLine t;
        Err e;
        err_clear(&e);
        if (tok_split(it->text, &t, &e) != 0) {
            lesson_error(L, it->line, e.msg);
            all = 0;
            continue;
        }
        for (size_t c = 0; c < t.ncmds; c++) {
            CmdArgs a;
            ExpectResult r;
            if (cmd_parse(sh, t.cmds[c].argc, t.cmds[c].argv, &a) != 0 ||
                a.top != &cmd_expect_spec || cmd_expect_eval(sh, &a, &r) != CMD_OK) {
                lesson_error(L, it->line, sh->errmsg[0] ? sh->errmsg : _("this check is no `expect` line"));
                all = 0;
                continue;
            }
            if (!r.holds) {
                all = 0;
                if (say)
                    sh_printf(sh, _("  to do: %s; the exercise wants %s\n"), r.have, r.want);
            }
        }
        tok_free(&t);
    }
    return all;
}

/* ---- what the commands of learn mode ask ---- */

static int need_exercise(Learner *L)
{
    if (L->st.exercise > 0 && L->outcome == EX_OPEN)
        return 0;
    if (L->at_question)
        return sh_error(L->sh, _("no exercise is open here but a question: `answer` it, or press "
                                 "Enter to go on")),
               -1;
    return sh_error(L->sh, _("no exercise is open here; this works in an exercise")), -1;
}

static int show_hint(Learner *L)
{
    if (need_exercise(L) != 0)
        return CMD_ERR;
    Shell *sh = L->sh;
    int total = 0;
    const LessonItem *next = NULL;
    for (size_t i = 0; i < L->lesson.n; i++) {
        const LessonItem *it = item(L, i);
        if (it->kind == LESSON_HINT && it->exercise == L->st.exercise && total++ == L->hints)
            next = it;
    }
    if (total == 0) {
        sh_printf(sh, _("this exercise has no hint; `solution` shows the reference commands\n"));
    } else if (!next) {
        sh_printf(sh, ngettext("no more hints (%d shown); `solution` shows the reference commands\n",
                               "no more hints (%d shown); `solution` shows the reference commands\n",
                               (unsigned long)total),
                  total);
    } else {
        L->hints++;
        if (L->st.plesson) {
            progress_add_hint(L->st.plesson, L->st.exercise, (int64_t)time(NULL));
            save_progress(L);
        }
        sh_printf(sh, _("hint %d of %d:\n"), L->hints, total);
        fflush(sh->out);
        prose_print(sh, next->text, PROSE_QUOTE);
    }
    return CMD_OK;
}

static int show_solution(Learner *L)
{
    if (need_exercise(L) != 0)
        return CMD_ERR;
    Shell *sh = L->sh;
    sh_printf(sh, _("the reference solution (type it, or `skip` to have it run):\n"));
    for (size_t i = L->ex_start + 1; i < L->ex_end; i++) {
        const LessonItem *it = item(L, i);
        if (it->kind == LESSON_COMMAND && !is_check(it->text))
            sh_printf(sh, "    %s\n", it->text);
    }
    return CMD_OK;
}

static int skip_exercise(Learner *L)
{
    if (need_exercise(L) != 0)
        return CMD_ERR;
    Shell *sh = L->sh;
    if (run_lines(L, L->ex_start, L->ex_end, 0) != CMD_OK) {
        sh->error_shown = 1; /* the failing command said why */
        return sh_error(sh, _("the reference solution failed; the exercise stays open"));
    }
    L->outcome = EX_SKIPPED;
    note_exercise(L, L->st.exercise, EXERCISE_SKIPPED);
    sh_printf(sh, _("exercise skipped: its reference solution ran, so the lesson can go on\n\n"));
    return CMD_OK;
}

static int exercises_in(const Learner *L)
{
    int n = 0;
    for (size_t i = 0; i < L->lesson.n; i++)
        if (item(L, i)->kind == LESSON_BLOCK_START && item(L, i)->exercise > n)
            n = item(L, i)->exercise;
    return n;
}

static int say_where(Learner *L)
{
    Shell *sh = L->sh;
    sh_printf(sh, _("lesson %s (%s)\n"), L->name, L->path);
    if (L->st.exercise > 0 && L->outcome == EX_OPEN) {
        sh_printf(sh, _("%s (exercise %d of %d)\n"), item(L, L->ex_start)->text, L->st.exercise,
                  L->n_exercises);
        if (checks_hold(L, 1))
            sh_printf(sh, _("  every check holds already: the next command ends the exercise\n"));
    } else if (L->at_question) {
        sh_printf(sh, _("question %d: `answer` it, `reveal` the answer, or Enter to go on\n"),
                  L->st.question);
    }
    return CMD_OK;
}

static int go_back(Learner *L)
{
    Shell *sh = L->sh;
    size_t from = L->back != SIZE_MAX ? L->back : L->st.pos;
    size_t b = lesson_block_before(&L->lesson, from);
    if (b == SIZE_MAX) {
        sh_printf(sh, _("this is the start of the lesson\n"));
        return CMD_OK;
    }
    L->back = b;
    lesson_show_block(sh, &L->lesson, b, 1);
    return CMD_OK;
}

static int go_next(Learner *L)
{
    if (!L->at_question)
        return sh_error(L->sh, _("`next` goes on past a question; an exercise ends when its "
                                 "checks hold (`skip` moves on without them)"));
    L->next = 1;
    return CMD_OK;
}

static int learn_act(Shell *sh, LearnAction what)
{
    Learner *L = (Learner *)sh->learn;
    if (what != LEARN_BACK)
        L->back = SIZE_MAX;
    switch (what) {
    case LEARN_HINT: return show_hint(L);
    case LEARN_SOLUTION: return show_solution(L);
    case LEARN_SKIP: return skip_exercise(L);
    case LEARN_WHERE: return say_where(L);
    case LEARN_BACK: return go_back(L);
    case LEARN_NEXT: return go_next(L);
    }
    return CMD_OK;
}

/* ---- the walk ---- */

/* A line made only of commands that look or move in the lesson (hint, where...):
 * the checks have nothing new to say after it. */
static int only_looks(const char *line)
{
    static const char *const looks[] = {"hint", "solution", "where", "back", "next", "help",
                                        "figures", NULL};
    TokLine t;
    Err e;
    if (tok_split(line, &t, &e) != 0)
        return 0;
    int only = t.ncmds > 0;
    for (size_t c = 0; c < t.ncmds && only; c++) {
        int found = 0;
        for (size_t k = 0; looks[k]; k++)
            found |= strcmp(t.cmds[c].argv[0], looks[k]) == 0;
        only = found;
    }
    tok_free(&t);
    return only;
}

/* Reads and runs what the student types until `done` says stop. Returns CMD_OK,
 * CMD_EXIT (quit, end of input) or CMD_ERR (interrupted without a terminal). */
static int prompt_loop(Learner *L, int (*done)(Learner *L, const char *line))
{
    Shell *sh = L->sh;
    for (;;) {
        sh->where_file = NULL; /* typed: errors carry no lesson place (piped: stdin:N) */
        sh->where_line = 0;
        fflush(sh->out);
        char *line = shell_read_line(sh, PROMPT);
        if (!line)
            return interrupt_signal() ? CMD_ERR : CMD_EXIT;
        int blank = line[strspn(line, " \t")] == '\0';
        if (blank && L->at_question) {
            free(line);
            return CMD_OK;
        }
        if (blank) {
            free(line);
            continue;
        }
        if (!only_looks(line))
            L->back = SIZE_MAX;
        int rc = shell_run_line(sh, line);
        if (rc == CMD_EXIT) {
            free(line);
            return CMD_EXIT;
        }
        if (!sh->interactive && interrupt_pending()) {
            free(line);
            sh->error_shown = 1;
            return CMD_ERR;
        }
        int stop = done(L, line);
        free(line);
        if (stop)
            return CMD_OK;
    }
}

static int exercise_over(Learner *L, const char *line)
{
    Shell *sh = L->sh;
    if (L->outcome == EX_SKIPPED)
        return 1;
    if (only_looks(line))
        return 0;
    if (!checks_hold(L, 1))
        return 0;
    L->outcome = EX_DONE;
    note_exercise(L, L->st.exercise, EXERCISE_DONE);
    sh_printf(sh, _("%sexercise done%s: %s\n\n"), styled(sh, STYLE_DONE), styled(sh, STYLE_OFF),
              item(L, L->ex_start)->text);
    return 1;
}

static int exercise(Learner *L, size_t start, size_t end)
{
    Shell *sh = L->sh;
    const LessonItem *it = item(L, start);
    L->ex_start = start;
    L->ex_end = end;
    L->hints = 0;
    L->outcome = EX_OPEN;
    L->back = SIZE_MAX;
    L->st.exercise = it->exercise;
    say(sh, _("**Your turn** (exercise %d of %d): type the commands you like; the checks run "
              "after each one. `hint`, `solution`, `skip`, `where`, `back`; `quit` leaves."),
        it->exercise, L->n_exercises);
    if (sh->report)
        report_add_exercise(sh->report, it->text, "open");
    int rc = prompt_loop(L, exercise_over);
    if (sh->report && L->outcome != EX_OPEN)
        report_add_exercise(sh->report, it->text, L->outcome == EX_DONE ? "done" : "skipped");
    L->st.exercise = 0;
    return rc;
}

static int question_over(Learner *L, const char *line)
{
    (void)line;
    return L->next;
}

static int question(Learner *L, size_t i, int number)
{
    Shell *sh = L->sh;
    const LessonItem *it = item(L, i);
    L->st.question = number;
    L->st.question_text = it->text;
    L->st.answer_text = i + 1 < L->lesson.n && item(L, i + 1)->kind == LESSON_ANSWER
                            ? item(L, i + 1)->text : NULL;
    show_prose(sh, it);
    say(sh, _("Your answer: `answer TEXT`, or `answer` then lines until an empty one; `reveal` "
              "shows the reference answer; Enter goes on."));
    L->at_question = 1;
    L->next = 0;
    L->back = SIZE_MAX;
    int rc = prompt_loop(L, question_over);
    L->at_question = 0;
    return rc;
}

/* Whether the record holds a reference answer after its last question already
 * (`answer` and `reveal` record the one they show). */
static int answer_recorded(const Shell *sh)
{
    const Report *r = sh->report;
    if (!r)
        return 1;
    size_t q = r->n;
    while (q > 0 && r->items[q - 1].kind != REPORT_QUESTION)
        q--;
    for (size_t i = q; q > 0 && i < r->n; i++)
        if (r->items[i].kind == REPORT_ANSWER)
            return 1;
    return 0;
}

static int walk(Learner *L, size_t from)
{
    Shell *sh = L->sh;
    int questions = 0;
    for (size_t i = 0; i < from; i++)
        questions += item(L, i)->kind == LESSON_QUESTION;
    for (size_t i = from; i < L->lesson.n;) {
        const LessonItem *it = item(L, i);
        L->st.pos = i;
        sh->where_file = L->path;
        sh->where_line = it->line;
        int rc = CMD_OK;
        switch (it->kind) {
        case LESSON_PROSE:
        case LESSON_STUDENT:
            lesson_record(sh, it);
            show_prose(sh, it);
            i++;
            break;
        case LESSON_QUESTION:
            ++questions;
            if (i < L->resumed_to && L->st.plesson && progress_answer(L->st.plesson, questions)) {
                i++; /* answered before the student left */
                break;
            }
            lesson_record(sh, it);
            rc = question(L, i, questions);
            i++;
            break;
        case LESSON_ANSWER:  /* kept for the hand-in (once); `reveal` shows it */
            if (!answer_recorded(sh))
                lesson_record(sh, it);
            i++;
            break;
        case LESSON_HINT:    /* shown one by one, on demand */
            i++;
            break;
        case LESSON_BLOCK_START: {
            size_t end = block_end(L, i);
            if (it->exercise) {
                rc = exercise(L, i, end);
            } else {
                rc = run_lines(L, i, end, 1);
                fputc('\n', sh->out);
                if (rc == CMD_ERR && !sh->interactive && interrupt_pending())
                    return CMD_ERR;
                rc = CMD_OK; /* the student may put right what the lesson needed */
            }
            i = end + 1;
            break;
        }
        default:
            i++;
            break;
        }
        fflush(sh->out);
        if (rc != CMD_OK)
            return rc;
    }
    return CMD_OK;
}

/* ---- resuming ---- */

static size_t exercise_start(const Learner *L, int number)
{
    for (size_t i = 0; i < L->lesson.n; i++)
        if (item(L, i)->kind == LESSON_BLOCK_START && item(L, i)->exercise == number)
            return i;
    return L->lesson.n;
}

/* The first exercise the progress does not say done or skipped, n_exercises + 1
 * when none is left; 1 when the lesson was finished (it starts again). */
static int first_open_exercise(const Learner *L)
{
    const ProgressLesson *pl = L->st.plesson;
    if (!pl || pl->finished)
        return 1;
    for (int k = 1; k <= L->n_exercises; k++) {
        const ProgressExercise *pe = progress_exercise(pl, k);
        if (!pe || pe->status == EXERCISE_TODO)
            return k;
    }
    return L->n_exercises + 1;
}

/* Runs the blocks of items [0, upto) as a quick replay (`--quick`: subsets),
 * without their output: the plain blocks with their checks, the exercises'
 * reference solutions without theirs. Errors are still shown. */
static int replay_quietly(Learner *L, size_t upto)
{
    Shell *sh = L->sh;
    FILE *quiet = fopen("/dev/null", "w");
    if (!quiet)
        return sh_error(sh, _("cannot open /dev/null")), CMD_ERR;
    FILE *out = sh->out;
    int tty_out = sh->tty_out;
    sh->out = quiet;
    sh->tty_out = 0; /* no picture drawn, no bar redrawn */
    sh->quick = 1;
    int rc = CMD_OK;
    for (size_t i = 0; i < upto && rc == CMD_OK; i++) {
        const LessonItem *it = item(L, i);
        if (it->kind != LESSON_BLOCK_START)
            continue;
        size_t end = block_end(L, i);
        rc = run_lines(L, i, end, !it->exercise);
        i = end;
    }
    sh->out = out;
    sh->tty_out = tty_out;
    fclose(quiet);
    return rc;
}

/* Where the lesson goes on: the start of the text before the first exercise
 * left open, after replaying the blocks before it; 0 from the beginning. */
static size_t resume(Learner *L)
{
    Shell *sh = L->sh;
    int k = first_open_exercise(L);
    if (k <= 1)
        return 0;
    size_t at = k <= L->n_exercises ? exercise_start(L, k) : L->lesson.n;
    size_t from = at;
    while (from > 0 && item(L, from - 1)->kind != LESSON_BLOCK_END)
        from--;
    char which[64];
    if (k == 2)
        snprintf(which, sizeof which, _("exercise 1"));
    else
        snprintf(which, sizeof which, _("exercises 1-%d"), k - 1);
    if (k <= L->n_exercises)
        say(sh, _("Resuming lesson %s at exercise %d: replaying %s in quick form (on subsets: %d "
                  "training and %d test images, %d epochs at most); the lesson goes on in quick "
                  "form."),
            L->name, k, which, SH_QUICK_TRAIN, SH_QUICK_TEST, SH_QUICK_EPOCHS);
    else
        say(sh, _("Resuming lesson %s after its last exercise: replaying %s in quick form (on "
                  "subsets: %d training and %d test images, %d epochs at most)."),
            L->name, which, SH_QUICK_TRAIN, SH_QUICK_TEST, SH_QUICK_EPOCHS);
    fflush(sh->out);
    if (replay_quietly(L, from) != CMD_OK) {
        say(sh, _("The replay failed (the line above says where); the lesson starts from its "
                  "beginning."));
        return 0;
    }
    fputc('\n', sh->out);
    L->resumed_to = at;
    return from;
}

int lesson_learn(Shell *sh, const char *lesson)
{
    if (sh->n_lessons >= SH_LESSON_NESTING)
        return sh_error(sh, _("lessons nest too deeply to learn one here"));
    Learner *L = xcalloc(1, sizeof *L);
    L->sh = sh;
    load_progress(L);
    if (find_lesson(sh, lesson, L->st.progress, L->path, sizeof L->path) != 0) {
        progress_free(&L->progress);
        free(L);
        return CMD_ERR;
    }
    Err e;
    err_clear(&e);
    int loaded = lesson_load(L->path, &L->lesson, &e);
    if (loaded != 0) {
        sh_error(sh, loaded == -2 ? "%s: %s" : "%.0s%s", L->path, e.msg);
        progress_free(&L->progress);
        free(L);
        return CMD_ERR;
    }
    const char *base = strrchr(L->path, '/');
    snprintf(L->name, sizeof L->name, "%s", base ? base + 1 : L->path);
    size_t nl = strlen(L->name);
    if (nl > 3 && strcmp(L->name + nl - 3, ".md") == 0)
        L->name[nl - 3] = '\0';
    L->n_exercises = exercises_in(L);
    L->back = SIZE_MAX;
    L->quick_before = sh->quick;
    L->st.lesson_path = L->path;
    L->st.lesson = &L->lesson;
    L->st.act = learn_act;
    if (L->st.progress) {
        char key[256];
        progress_lesson_key(L->path, key, sizeof key);
        L->st.plesson = progress_lesson(&L->progress, key);
    }
    lesson_language(sh, L->path);

    const char *saved_file = sh->where_file;
    long saved_line = sh->where_line;
    sh->learn = &L->st;
    sh->lesson_chain[sh->n_lessons++] = L->path;
    if (sh->report)
        report_add(sh->report, REPORT_TITLE, L->path);
    say(sh, ngettext("**Learning %s** (%d exercise). The text comes block by block; at the "
                     "exercise, you type.",
                     "**Learning %s** (%d exercises). The text comes block by block; at each "
                     "exercise, you type.",
                     (unsigned long)L->n_exercises),
        L->name, L->n_exercises);
    fputc('\n', sh->out);
    size_t from = resume(L);
    /* From its beginning (a finished lesson learnt again, a replay that failed),
     * the lesson is a new attempt: the marks of the one before would send a later
     * resume past the exercise the student is on, and the list and the hand-in
     * would count exercises this attempt never reached. The file says so at the
     * next change (a lesson only looked at stays as it was). */
    if (L->st.plesson && from == 0)
        progress_restart(L->st.plesson, (int64_t)time(NULL));
    int rc = walk(L, from);
    if (rc == CMD_OK) {
        if (L->st.plesson) {
            L->st.plesson->finished = 1;
            L->st.plesson->when = (int64_t)time(NULL);
            save_progress(L);
        }
        say(sh, _("**End of lesson %s.** You stay at the prompt with the session it built; "
                  "`learn` goes on with the next lesson."),
            L->name);
    } else if (rc == CMD_EXIT && L->st.progress_path[0]) {
        say(sh, _("You left lesson %s; your progress is kept in %s, and `untangle learn` goes on "
                  "from there."),
            L->name, L->st.progress_path);
    } else if (rc == CMD_EXIT) {
        say(sh, _("You left lesson %s; `untangle learn %s` starts it again."), L->name, L->name);
    }
    fflush(sh->out);
    sh->quick = L->quick_before;
    sh->n_lessons--;
    sh->learn = NULL;
    sh->where_file = saved_file;
    sh->where_line = saved_line;
    lesson_free(&L->lesson);
    progress_free(&L->progress);
    free(L);
    return rc;
}
