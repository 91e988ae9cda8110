/* handin.c: what a session leaves behind: `handin FILE.html`, the student's
 * page (session/handin.h), and `save lesson FILE.md`, the commands typed in
 * this session written as a lesson with the figures they reported as `expect`
 * lines, so that a teacher writes a lesson by doing it once. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "untangle/core/i18n.h"
#include "untangle/commands/commands.h"
#include "untangle/core/atomic_file.h"
#include "untangle/core/strbuf.h"
#include "untangle/session/handin.h"

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* ---- handin ---- */

static int handin_run(Shell *sh, const CmdArgs *a)
{
    const char *path = cmd_text(a, "file");
    if (!ends_with(path, ".html") && !ends_with(path, ".htm"))
        return sh_error(sh, _("handin: '%s' does not end in .html; name the page FILE.html so that a "
                            "browser opens it"),
                        path);
    ReportSummary s;
    char sha[REPORT_SHA256_HEX];
    if (sh_handin(sh, path, &s, sha) != 0)
        return CMD_ERR;
    /* Each count with its own plural (French agrees "1 fait", "2 faits"). */
    char cmds[48], pics[48], answered[96], done[48], skipped[48], open[48];
    snprintf(cmds, sizeof cmds, ngettext("%zu command", "%zu commands", s.commands), s.commands);
    snprintf(pics, sizeof pics, ngettext("%zu picture", "%zu pictures", s.figures), s.figures);
    /* TRANSLATORS: chosen by the number of questions answered, the first number */
    snprintf(answered, sizeof answered,
             ngettext("%zu of %zu questions answered", "%zu of %zu questions answered", s.answered),
             s.answered, s.questions);
    snprintf(done, sizeof done, ngettext("%zu done", "%zu done", s.exercises_done),
             s.exercises_done);
    snprintf(skipped, sizeof skipped, ngettext("%zu skipped", "%zu skipped", s.exercises_skipped),
             s.exercises_skipped);
    snprintf(open, sizeof open, ngettext("%zu open", "%zu open", s.exercises_open),
             s.exercises_open);
    sh_printf(sh, _("wrote %s: %s, %s, %s, exercises %s, %s and %s; SHA-256 %s\n"), path, cmds,
              pics, answered, done, skipped, open, sha);
    return CMD_OK;
}

static const Param handin_params[] = {
    {.name = "file", .type = PARAM_WORD, .place = PARAM_POS, .meta = N_("FILE.html"),
     .complete = PARAM_COMPLETE_FILE, .help = N_("the page to write")},
    {0},
};

const CmdSpec cmd_handin_spec = {
    .name = "handin",
    .summary = N_("write your work as one HTML page to hand in"),
    .help = N_("Writes everything this session did as one self-contained HTML page: your name "
            "(`set name`, or $USER) and the date, the exercises done, skipped or left open, "
            "every command with its output and pictures, the questions with your answers "
            "beside the reference answers (folded), and a SHA-256 of the page. `untangle "
            "check-handin FILE.html` tells whether the page was edited after it was written; "
            "it does not tell who did the work."),
    .params = handin_params,
    .handler = handin_run,
};

/* ---- save lesson ---- */

/* Commands that do not belong in a lesson: they look, leave, or are about this
 * person and this terminal. First word, and second word or NULL for any. */
static const struct {
    const char *cmd, *sub;
} not_in_lessons[] = {
    {"help", NULL},  {"figures", NULL}, {"handin", NULL}, {"save", NULL},
    {"quit", NULL},  {"exit", NULL},    {"set", "name"},  {"set", "term"},
    {"set", "output"}, {"lessons", NULL}, {"answer", NULL}, {"reveal", NULL},
    /* learn mode's own: a saved lesson is replayed, not learnt */
    {"learn", NULL}, {"hint", NULL}, {"solution", NULL}, {"skip", NULL}, {"where", NULL},
    {"back", NULL}, {"next", NULL},
};

static int word_is(const char *text, const char *word, const char **rest)
{
    size_t k = strlen(word);
    if (strncmp(text, word, k) != 0 || (text[k] != ' ' && text[k] != '\0'))
        return 0;
    *rest = text[k] ? text + k + 1 : text + k;
    return 1;
}

static int belongs_in_lesson(const char *text)
{
    for (size_t i = 0; i < sizeof not_in_lessons / sizeof not_in_lessons[0]; i++) {
        const char *rest, *ignored;
        if (word_is(text, not_in_lessons[i].cmd, &rest) &&
            (!not_in_lessons[i].sub || word_is(rest, not_in_lessons[i].sub, &ignored)))
            return 0;
    }
    return 1;
}

/* A figure an `expect` line can name: lower-case words, digits, _ and dots. */
static int plain_name(const char *name)
{
    return name[0] && name[strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                        "0123456789_.-")] == '\0';
}

/* The expect lines of one command's figures. Timings change from run to run and
 * per-class figures (dotted names: confusion.3.5) would bury the others: those
 * are counted in a comment instead. Returns the number of expect lines. */
static size_t put_expects(StrBuf *b, const ReportItem *it)
{
    size_t n = 0, per_class = 0;
    const char *example = NULL;
    for (size_t i = 0; i < it->n_figs; i++) {
        const ReportFigure *f = &it->figs[i];
        if (ends_with(f->name, "_seconds") || !plain_name(f->name) || !isfinite(f->value))
            continue;
        if (strchr(f->name, '.')) {
            if (!example)
                example = f->name;
            per_class++;
            continue;
        }
        if (f->value == floor(f->value) && fabs(f->value) < 1e15)
            sb_printf(b, "expect %s == %.0f\n", f->name, f->value);
        else
            sb_printf(b, "expect %s ~ %.6g\n", f->name, f->value);
        n++;
    }
    if (per_class)
        sb_printf(b, "# it also reported %zu per-class figures such as %s (`figures` lists them)\n",
                  per_class, example);
    return n;
}

static int save_lesson_run(Shell *sh, const CmdArgs *a)
{
    const char *path = cmd_text(a, "file");
    if (!ends_with(path, ".md"))
        return sh_error(sh, _("save lesson: '%s' does not end in .md; a lesson is a Markdown file "
                            "(save lesson FILE.md)"),
                        path);
    const Report *r = sh->report;
    size_t first = r->n;
    for (size_t i = 0; i < r->n && first == r->n; i++)
        if (r->items[i].kind == REPORT_COMMAND && r->items[i].typed && r->items[i].ok &&
            belongs_in_lesson(r->items[i].text))
            first = i;
    if (first == r->n)
        return sh_error(sh, _("save lesson: no command was typed in this session yet; do the lesson "
                            "once, then save it"));
    if (sh_check_write(sh, path) != 0)
        return CMD_ERR;

    char name[sizeof sh->student_name], date[32];
    sh_student_name(sh, name, sizeof name);
    time_t now = time(NULL);
    struct tm tm;
    if (!localtime_r(&now, &tm) || strftime(date, sizeof date, "%Y-%m-%d", &tm) == 0)
        snprintf(date, sizeof date, "today");
    StrBuf b = {0};
    sb_printf(&b, _("# A lesson recorded by %s\n\n"), name);
    /* The prose is wrapped as the lessons are, for the author who edits it; in the
     * author's language, as the lesson will be. */
    sb_printf(&b, _("Written by `save lesson` on %s from the commands typed in one session.\n"
                    "After each command come the figures it reported, as `expect` lines: keep\n"
                    "those a replay must reach, loosen them (`>=`, `quick VALUE` for quick\n"
                    "replays) or drop them, and write the prose around the commands.\n\n"),
              date);
    if (sh->quick)
        sb_str(&b, _("The figures were measured with --quick: replay this lesson with --quick\n"
                     "to reach them.\n\n"));
    sb_str(&b, "```untangle\n");
    /* The replay starts from the seed the first command saw. */
    const char *rest, *ignored;
    int sets_seed = word_is(r->items[first].text, "set", &rest) && word_is(rest, "seed", &ignored);
    if (r->items[first].seed != 0 && !sets_seed)
        sb_printf(&b, "set seed %llu\n", r->items[first].seed);
    size_t commands = 0, expects = 0;
    for (size_t i = first; i < r->n; i++) {
        const ReportItem *it = &r->items[i];
        if (it->kind != REPORT_COMMAND || it->quiet || !it->typed || !it->ok || !belongs_in_lesson(it->text))
            continue;
        sb_printf(&b, "%s\n", it->text);
        commands++;
        expects += put_expects(&b, it);
    }
    sb_str(&b, "```\n");

    /* The lesson it replaces is kept beside it: a teacher's edits are never lost. */
    char backup[SH_PATH_MAX + 8];
    int backed_up = 0;
    if (snprintf(backup, sizeof backup, "%s.bak", path) >= (int)sizeof backup) {
        sb_free(&b);
        return sh_error(sh, _("save lesson: the path '%s' is too long"), path);
    }
    if (rename(path, backup) == 0)
        backed_up = 1;
    else if (errno != ENOENT) {
        sb_free(&b);
        return sh_error(sh, _("save lesson: cannot keep the old %s as %s: %s; nothing was written"),
                        path, backup, strerror(errno));
    }
    Err e;
    err_clear(&e);
    int rc = atomic_write_all(path, sb_cstr(&b), b.len, &e);
    sb_free(&b);
    if (rc != 0) {
        if (backed_up && rename(backup, path) != 0)
            return sh_error(sh, _("save lesson: %s; the old lesson is in %s"), e.msg, backup);
        return sh_error_err(sh, &e);
    }
    if (backed_up)
        sh_printf(sh, _("wrote %s: %zu commands and %zu expect lines (the old lesson is kept as "
                      "%s); replay it with `untangle %s`\n"),
                  path, commands, expects, backup, path);
    else
        sh_printf(sh, _("wrote %s: %zu commands and %zu expect lines; replay it with `untangle "
                      "%s`\n"),
                  path, commands, expects, path);
    return CMD_OK;
}

static const Param save_lesson_params[] = {
    {.name = "file", .type = PARAM_WORD, .place = PARAM_POS, .meta = N_("FILE.md"),
     .complete = PARAM_COMPLETE_FILE, .help = N_("the lesson to write")},
    {0},
};

static const CmdSpec save_lesson_spec = {
    .name = "lesson",
    .summary = N_("write the commands typed so far as a lesson"),
    .params = save_lesson_params,
    .handler = save_lesson_run,
};
static const CmdSpec *const save_subs[] = {&save_lesson_spec, NULL};

const CmdSpec cmd_save_spec = {
    .name = "save",
    .summary = N_("write what this session did as a lesson"),
    .help = N_("`save lesson FILE.md` writes the commands typed in this session that succeeded "
            "as a lesson, each followed by the figures it reported as `expect` lines to edit, "
            "so that a teacher writes a lesson by doing it once. Looking and leaving (help, "
            "figures, handin, quit) and personal settings (set name, term, output) are left "
            "out. An existing FILE.md is kept as FILE.md.bak."),
    .subs = save_subs,
};
