/* learn.h: learn mode: the student does a lesson's exercises.
 *
 * The lesson's text is shown block by block, wrapped to the terminal. Its plain
 * `untangle` blocks run for the student, as in a replay. At each exercise the
 * student gets the prompt (readline on a terminal, lines of stdin otherwise, so
 * that a pipe can drive it) and types what they like; after every command the
 * exercise's checks (its `expect` lines) run on the session's state and the
 * shell says in words what is still missing, never what to type. When all hold
 * the lesson goes on. `hint`, `solution`, `skip`, `where`, `back` and `next`
 * (src/commands/learn.c) act on the lesson through Shell.learn; `quit` or the
 * end of input leaves. After the lesson's end the student stays at the prompt
 * with the session it built. */
#ifndef UNTANGLE_LEARN_H
#define UNTANGLE_LEARN_H

#include "untangle/session/shell.h"

/* Learns `lesson`: a file, or a lesson of lessons/LANG named by its number or
 * name ("01", "01-logistic", "logistic"); NULL: lesson 00. LANG is `set lang`'s,
 * else the messages' language. Returns CMD_OK at the lesson's end, CMD_EXIT
 * when the student quit (or input ended), CMD_ERR after sh_error when the
 * lesson cannot be found or read, or after a line when a run without a
 * terminal was interrupted. */
int lesson_learn(Shell *sh, const char *lesson);

#endif
