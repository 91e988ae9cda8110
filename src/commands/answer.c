/* answer.c: `answer` and `reveal`, the questions of a lesson in learn mode
 * (session/learn_state.h). The student's answer is kept in the progress file
 * at once and in the session's record beside the reference answer, which is
 * shown after the student answered or asked for it. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "untangle/commands/commands.h"
#include "untangle/core/i18n.h"
#include "untangle/core/interrupt.h"
#include "untangle/core/strbuf.h"
#include "untangle/session/learn_state.h"
#include "untangle/session/lessons.h"
#include "untangle/session/progress.h"
#include "untangle/session/report.h"

/* The open question, or -1 after sh_error saying why there is none. */
static int open_question(Shell *sh, const char *cmd)
{
    if (!sh->learn)
        return sh_error(sh, _("no question is open: %s works in `untangle learn`"), cmd), -1;
    if (sh->learn->question <= 0)
        return sh_error(sh, _("no question is open yet: %s works once the lesson asks one"), cmd),
               -1;
    return sh->learn->question;
}

/* The reference answer of question q of the lesson learnt (caller frees), "" when
 * it has none; NULL after sh_error when the lesson cannot be read again. */
static char *reference_answer(Shell *sh, int q)
{
    LessonOutline o;
    Err e;
    err_clear(&e);
    if (!sh->lesson_outline || !sh->learn->lesson_path)
        return sh_error(sh, _("the lesson cannot be read from here")), NULL;
    if (sh->lesson_outline(sh->learn->lesson_path, &o, &e) != 0)
        return sh_error_err(sh, &e), NULL;
    char *text = strdup((size_t)q <= o.questions ? o.answers[q - 1] : "");
    lesson_outline_free(&o);
    return text;
}

/* Keeps question q's answer (text, or NULL for none) and whether its reference
 * was shown in the progress file at once: in the learn loop's Progress when it
 * holds one, else in the file read, changed and written back here. Returns 1
 * when kept, 0 when progress is not kept (no place for it), -1 after sh_error. */
static int keep(Shell *sh, int q, const char *text, int revealed)
{
    LearnState *l = sh->learn;
    Err e;
    err_clear(&e);
    Progress own = {0};
    Progress *p = l->progress;
    char path[SH_PATH_MAX];
    if (p) {
        if (!l->progress_path[0])
            return 0;
        snprintf(path, sizeof path, "%s", l->progress_path);
    } else {
        if (progress_default_path(path, sizeof path, &e) != 0)
            return 0;
        int rc = progress_load(path, &own, &e);
        if (rc < 0)
            return sh_error_err(sh, &e), -1;
        if (rc == 1)
            sh_printf(sh, "%s\n", e.msg); /* kept aside: a new file starts */
        p = &own;
    }
    ProgressLesson *pl = p == l->progress ? l->plesson : NULL;
    if (!pl) {
        char key[256];
        progress_lesson_key(l->lesson_path ? l->lesson_path : "", key, sizeof key);
        pl = progress_lesson(p, key);
        if (p == l->progress)
            l->plesson = pl;
    }
    int64_t now = (int64_t)time(NULL);
    if (text)
        progress_set_answer(pl, q, text, now);
    if (revealed)
        progress_set_revealed(pl, q, now);
    int rc = progress_save_lesson(pl, path, &e);
    progress_free(&own);
    if (rc != 0)
        return sh_error_err(sh, &e), -1;
    return 1;
}

/* The reference answer on the terminal (the learn loop records it in the
 * session's record after the question, as a replay does). */
static void show_reference(Shell *sh, const char *ref)
{
    if (!ref[0]) {
        sh_printf(sh, _("this question has no reference answer in the lesson\n"));
        return;
    }
    sh_printf(sh, _("The reference answer:\n"));
    if (sh->print_quote)
        sh->print_quote(sh, ref);
    else
        sh_printf(sh, "%s\n", ref);
}

static int answer_run(Shell *sh, const CmdArgs *a)
{
    int q = open_question(sh, "answer");
    if (q < 0)
        return CMD_ERR;
    int nw;
    char **words = cmd_rest(a, "text", &nw);
    StrBuf text = {0};
    if (nw > 0) {
        for (int i = 0; i < nw; i++) {
            if (i)
                sb_char(&text, ' ');
            sb_str(&text, words[i]);
        }
    } else {
        /* `answer` alone: the lines that follow, up to an empty one. */
        if (!sh->read_line)
            return sh_error(sh, _("answer: no more lines can be read here; write `answer TEXT`"));
        sh_printf(sh, _("Your answer to question %d, ended by an empty line:\n"), q);
        for (;;) {
            char *line = sh->read_line(sh, "... ");
            if (!line && interrupt_pending()) {
                /* Ctrl-C: the answer being typed is abandoned, the one kept stays */
                sb_free(&text);
                return sh_error(sh, _("answer abandoned (Ctrl-C); an answer given before stays "
                                      "as it was"));
            }
            if (!line)
                break; /* the end of the input ends the answer too */
            int empty = line[strspn(line, " \t\r")] == '\0';
            if (!empty) {
                if (text.len)
                    sb_char(&text, '\n');
                sb_str(&text, line);
            }
            free(line);
            if (empty || text.len > PROGRESS_ANSWER_MAX)
                break;
        }
    }
    if (!text.len) {
        sb_free(&text);
        return sh_error(sh, _("answer: the answer is empty; write it after `answer`, or on the "
                            "lines after it"));
    }
    if (text.len > PROGRESS_ANSWER_MAX) {
        sb_free(&text);
        return sh_error(sh, _("answer: the answer is longer than %zu KiB; shorten it"),
                        PROGRESS_ANSWER_MAX >> 10);
    }
    char *ref = reference_answer(sh, q);
    if (!ref) {
        sb_free(&text);
        return CMD_ERR;
    }
    int kept = keep(sh, q, sb_cstr(&text), ref[0] != '\0');
    int rc = kept < 0 ? CMD_ERR : CMD_OK;
    report_quiet_command(sh->report, sh->recording);
    report_add(sh->report, REPORT_STUDENT, sb_cstr(&text));
    if (rc == CMD_OK) {
        sh_printf(sh, kept ? _("answer to question %d kept\n")
                           : _("answer to question %d noted (progress is not kept)\n"),
                  q);
        show_reference(sh, ref);
    }
    free(ref);
    sb_free(&text);
    return rc;
}

static int reveal_run(Shell *sh, const CmdArgs *a)
{
    (void)a;
    int q = open_question(sh, "reveal");
    if (q < 0)
        return CMD_ERR;
    char *ref = reference_answer(sh, q);
    if (!ref)
        return CMD_ERR;
    int rc = keep(sh, q, NULL, 1) < 0 ? CMD_ERR : CMD_OK;
    report_quiet_command(sh->report, sh->recording);
    if (rc == CMD_OK)
        show_reference(sh, ref);
    free(ref);
    return rc;
}

static const Param answer_params[] = {
    {.name = "text", .type = PARAM_WORD, .place = PARAM_REST, .meta = N_("TEXT"),
     .help = N_("the answer; without it, the lines that follow up to an empty line")},
    {0},
};

const CmdSpec cmd_answer_spec = {
    .name = "answer",
    .summary = N_("answer the lesson's question (in learn mode)"),
    .help = N_("In `untangle learn`, `answer TEXT` answers the question the lesson asked last; "
            "`answer` alone takes the lines that follow, up to an empty line. Either way the "
            "text is kept as typed: a `;`, a `#` or quotes in it are part of the answer, not "
            "of the command line. The answer is kept in your progress file at once and goes into "
            "your hand-in page beside the reference answer, which is shown next."),
    .params = answer_params,
    .handler = answer_run,
    .line_as_typed = 1,
};

const CmdSpec cmd_reveal_spec = {
    .name = "reveal",
    .summary = N_("show the reference answer of the question (in learn mode)"),
    .help = N_("In `untangle learn`, shows the reference answer of the question the lesson "
            "asked last, and notes in your progress that it was shown."),
    .handler = reveal_run,
};
