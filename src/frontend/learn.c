/* learn.c: learn mode (see learn.h): the lesson walked item by item, the
 * exercises left to the student and judged on the session's state. */
#include <dirent.h>
#include <stdarg.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* lessons/LANG of the current folder, else of the executable's (a build tree
 * run from elsewhere); English when LANG has no lessons. 0, or -1. */
static int lessons_dir(const Shell *sh, char *out, size_t cap)
{
    const char *lang = sh->lang[0] ? sh->lang : i18n_lang();
    char exe[PATH_MAX] = ".";
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = '\0';
    }
    const char *roots[] = {".", exe};
    const char *langs[] = {lang, "en"};
    for (size_t l = 0; l < 2; l++)
        for (size_t r = 0; r < 2; r++) {
            snprintf(out, cap, "%s/lessons/%s", roots[r], langs[l]);
            if (is_dir(out)) {
                if (strcmp(roots[r], ".") == 0)
                    memmove(out, out + 2, strlen(out + 2) + 1); /* "lessons/en" */
                return 0;
            }
        }
    return -1;
}

static int md_entry(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return d->d_name[0] != '.' && n > 3 && strcmp(d->d_name + n - 3, ".md") == 0;
}

/* Does `name` ("01-logistic.md") answer to `arg` ("01", "01-logistic",
 * "01-logistic.md", "logistic")? */
static int lesson_named(const char *name, const char *arg)
{
    size_t n = strlen(name) - 3, k = strlen(arg);
    if (strcmp(name, arg) == 0 || (k == n && strncmp(name, arg, n) == 0))
        return 1;
    if (k < n && strncmp(name, arg, k) == 0 && name[k] == '-')
        return 1;
    const char *dash = strchr(name, '-');
    return dash && (size_t)(name + n - dash - 1) == k && strncmp(dash + 1, arg, k) == 0;
}

/* The lesson `arg` names (a file, or a lesson of lessons/LANG), into out. 0, or
 * -1 after sh_error listing the lessons there. */
static int find_lesson(Shell *sh, const char *arg, char *out, size_t cap)
{
    if (arg && is_file(arg)) {
        snprintf(out, cap, "%s", arg);
        return 0;
    }
    char dir[SH_PATH_MAX];
    if (lessons_dir(sh, dir, sizeof dir) != 0) {
        if (arg)
            return sh_error(sh, _("no lesson '%s': it is no file, and there is no lessons/ folder "
                                  "here to look in; give the lesson's file"),
                            arg), -1;
        return sh_error(sh, _("no lessons/ folder here: run untangle from its folder, or give "
                              "a lesson's file")),
               -1;
    }
    struct dirent **names;
    int n = scandir(dir, &names, md_entry, alphasort);
    if (n < 0)
        return sh_error(sh, _("cannot read the folder %s"), dir), -1;
    int found = -1;
    char list[600] = "";
    size_t len = 0;
    for (int i = 0; i < n; i++) {
        if (found < 0 && (!arg || lesson_named(names[i]->d_name, arg)))
            found = i;
        if (len + 40 < sizeof list)
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%.*s", i ? ", " : "",
                                    (int)strlen(names[i]->d_name) - 3, names[i]->d_name);
    }
    if (found >= 0 && (size_t)snprintf(out, cap, "%s/%s", dir, names[found]->d_name) >= cap)
        found = -2; /* a folder too deep to name */
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (found == -2)
        return sh_error(sh, _("the path of %s is too long"), dir), -1;
    if (found < 0) {
        if (arg)
            sh_error(sh, _("no lesson '%s' in %s: give a lesson's file, or one of %s"), arg, dir,
                     list);
        else
            sh_error(sh, _("no lesson in %s"), dir);
        return -1;
    }
    return 0;
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
        sh_printf(sh, _("no more hints (%d shown); `solution` shows the reference commands\n"),
                  total);
    } else {
        L->hints++;
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

/* The block before item i: a paragraph, a question, a whole block of commands
 * (at its start); hints and answers are not blocks. SIZE_MAX when none. */
static size_t block_before(const Learner *L, size_t i)
{
    while (i > 0) {
        i--;
        LessonKind k = item(L, i)->kind;
        if (k == LESSON_HINT || k == LESSON_ANSWER || k == LESSON_COMMAND)
            continue;
        if (k == LESSON_BLOCK_END) {
            while (i > 0 && item(L, i)->kind != LESSON_BLOCK_START)
                i--;
            return i;
        }
        return i;
    }
    return SIZE_MAX;
}

static int go_back(Learner *L)
{
    Shell *sh = L->sh;
    size_t from = L->back != SIZE_MAX ? L->back : L->st.pos;
    size_t b = block_before(L, from);
    if (b == SIZE_MAX) {
        sh_printf(sh, _("this is the start of the lesson\n"));
        return CMD_OK;
    }
    L->back = b;
    const LessonItem *it = item(L, b);
    fflush(sh->out);
    if (it->kind == LESSON_BLOCK_START && it->exercise) {
        sh_printf(sh, _("(%s: the exercise before)\n"), it->text);
    } else if (it->kind == LESSON_BLOCK_START) {
        sh_printf(sh, _("(commands the lesson ran)\n"));
        for (size_t i = b + 1; i < L->lesson.n && item(L, i)->kind == LESSON_COMMAND; i++)
            sh_printf(sh, "    %s\n", item(L, i)->text);
    } else {
        prose_print(sh, it->text, it->kind == LESSON_PROSE ? PROSE_TEXT : PROSE_QUOTE);
    }
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
        sh->where_file = NULL; /* typed: errors carry no lesson place */
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
            lesson_record(sh, it);
            rc = question(L, i, ++questions);
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

int lesson_learn(Shell *sh, const char *lesson)
{
    if (sh->n_lessons >= SH_LESSON_NESTING)
        return sh_error(sh, _("lessons nest too deeply to learn one here"));
    Learner *L = xcalloc(1, sizeof *L);
    L->sh = sh;
    if (find_lesson(sh, lesson, L->path, sizeof L->path) != 0) {
        free(L);
        return CMD_ERR;
    }
    Err e;
    err_clear(&e);
    int loaded = lesson_load(L->path, &L->lesson, &e);
    if (loaded != 0) {
        sh_error(sh, loaded == -2 ? "%s: %s" : "%.0s%s", L->path, e.msg);
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
    L->st.lesson_path = L->path;
    L->st.lesson = &L->lesson;
    L->st.act = learn_act;
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
    int rc = walk(L, 0);
    if (rc == CMD_OK)
        say(sh, _("**End of lesson %s.** You stay at the prompt with the session it built; "
                  "`learn` goes on with the next lesson."),
            L->name);
    else if (rc == CMD_EXIT)
        sh_printf(sh, _("You left lesson %s; `untangle learn %s` starts it again.\n"), L->name,
                  L->name);
    fflush(sh->out);
    sh->n_lessons--;
    sh->learn = NULL;
    sh->where_file = saved_file;
    sh->where_line = saved_line;
    lesson_free(&L->lesson);
    free(L);
    return rc;
}
