/* learn.c: the commands of learn mode: `learn` starts it, and inside a lesson
 * `hint`, `solution`, `skip`, `where`, `back` and `next` ask the learn loop
 * (src/frontend, above this layer) to act, through Shell.learn. */
#include <stddef.h>

#include "untangle/commands/commands.h"
#include "untangle/session/learn_state.h"
#include "untangle/session/report.h"

static int learn_run(Shell *sh, const CmdArgs *a)
{
    if (sh->learn)
        return sh_error(sh, _("a lesson is being learnt already (%s); finish it, or `quit` and "
                              "`learn` again"),
                        sh->learn->lesson_path);
    if (!sh->learn_lesson)
        return sh_error(sh, _("learn mode needs the prompt or `untangle learn`"));
    /* In the record, the lesson's text, commands and answers stand for themselves,
     * the student's commands as typed: `learn` is no command holding them all. */
    report_quiet_command(sh->report, sh->recording);
    long outer = sh->recording;
    sh->recording = -1;
    int rc = sh->learn_lesson(sh, cmd_text(a, "lesson"));
    sh->recording = outer;
    /* `quit` inside the lesson leaves the lesson, not the prompt it was started from. */
    return rc == CMD_EXIT ? CMD_OK : rc;
}

/* The action each command of learn mode asks for, by its spec. */
static int act(Shell *sh, const CmdArgs *a, LearnAction what)
{
    if (!sh->learn || !sh->learn->act)
        return sh_error(sh, _("`%s` works in learn mode: `learn` (or `untangle learn`) starts a "
                              "lesson"),
                        a->top->name);
    return sh->learn->act(sh, what);
}

static int hint_run(Shell *sh, const CmdArgs *a) { return act(sh, a, LEARN_HINT); }
static int solution_run(Shell *sh, const CmdArgs *a) { return act(sh, a, LEARN_SOLUTION); }
static int skip_run(Shell *sh, const CmdArgs *a) { return act(sh, a, LEARN_SKIP); }
static int where_run(Shell *sh, const CmdArgs *a) { return act(sh, a, LEARN_WHERE); }
static int back_run(Shell *sh, const CmdArgs *a) { return act(sh, a, LEARN_BACK); }
static int next_run(Shell *sh, const CmdArgs *a) { return act(sh, a, LEARN_NEXT); }

static const Param learn_params[] = {
    {.name = "lesson", .type = PARAM_WORD, .place = PARAM_POS_OPT, .meta = N_("LESSON"),
     .complete = PARAM_COMPLETE_LESSON,
     .help = N_("a lesson file, or its number or name in lessons/LANG (01, 01-logistic); "
                "none: where you stopped")},
    {0},
};

const CmdSpec cmd_learn_spec = {
    .name = "learn",
    .summary = N_("do a lesson's exercises yourself, checked as you go"),
    .help = N_("Shows the lesson's text block by block; at each exercise you type the commands "
               "you like, and after each one the exercise's checks say what is still missing, "
               "until all hold. In an exercise: `hint`, `solution`, `skip`, `where`, `back`; "
               "at a question: `answer`, `reveal`, or Enter to go on; `quit` keeps your "
               "progress. Without LESSON, goes on where you stopped (lesson 00 the first "
               "time). After the lesson you stay at the prompt with what it built."),
    .params = learn_params,
    .handler = learn_run,
};
const CmdSpec cmd_hint_spec = {
    .name = "hint", .summary = N_("in an exercise: one more hint"),
    .help = N_("Shows the exercise's next hint; each `hint` shows one more."),
    .handler = hint_run};
const CmdSpec cmd_solution_spec = {
    .name = "solution", .summary = N_("in an exercise: print the reference commands"),
    .help = N_("Prints the commands of the exercise's reference solution without running them; "
               "type them, or `skip` to have them run."),
    .handler = solution_run};
const CmdSpec cmd_skip_spec = {
    .name = "skip", .summary = N_("in an exercise: run the reference commands and go on"),
    .help = N_("Runs the exercise's reference solution, so that the next exercises can build on "
               "it, marks the exercise skipped and goes on with the lesson."),
    .handler = skip_run};
const CmdSpec cmd_where_spec = {
    .name = "where", .summary = N_("in learn mode: the lesson, the exercise, what is left"),
    .help = N_("Says which lesson and exercise you are in and what the exercise's checks still "
               "miss."),
    .handler = where_run};
const CmdSpec cmd_back_spec = {
    .name = "back", .summary = N_("in learn mode: show the block before again"),
    .help = N_("Shows the lesson's previous block again (one further back each time); you stay "
               "where you are."),
    .handler = back_run};
const CmdSpec cmd_next_spec = {
    .name = "next", .summary = N_("in learn mode: go on past a question"),
    .help = N_("At a question, goes on with the lesson (an empty line does too)."),
    .handler = next_run};
