/* run.h: running commands from every source: a line, a stream, a lesson, the REPL.
 *
 * Every source goes through shell_run_line, which tokenizes, checks each command
 * against the table (name, arity) and calls its handler. A failing command prints
 * one line "WHERE: error: message" on sh->err, where WHERE is FILE:LINE in a
 * lesson, "-c:1" for -c, "stdin:N" for a pipe, nothing at the prompt. */
#ifndef UNTANGLE_RUN_H
#define UNTANGLE_RUN_H

#include <stdio.h>
#include "untangle/session/shell.h"

#define LESSON_MAX_NESTING 8

/* Runs one line; returns CMD_OK, CMD_ERR (after printing the error) or CMD_EXIT. */
int shell_run_line(Shell *sh, const char *line);
/* Runs lines from f until EOF, the first error, or quit; `name` is the place. */
int shell_run_stream(Shell *sh, FILE *f, const char *name);
/* Replays a lesson: prose printed, blocks run, --step pauses (see lesson.h). */
int lesson_replay(Shell *sh, const char *path);
/* The interactive loop on a terminal (readline, history, completion). */
int shell_repl(Shell *sh);

/* Prints "WHERE: error: MSG" (the place from sh->where_file/where_line). */
void shell_print_error(Shell *sh, const char *msg);

#endif
