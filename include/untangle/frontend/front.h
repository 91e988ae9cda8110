/* front.h: what the front end lends the layers below it, through the hooks of
 * Shell (session/shell.h), since commands may not call up: what a lesson file
 * holds, one more line of input, prose shown as a quote. shell_run_line sets
 * each hook that is still NULL. */
#ifndef UNTANGLE_FRONT_H
#define UNTANGLE_FRONT_H

#include "untangle/core/err.h"
#include "untangle/session/lessons.h"
#include "untangle/session/shell.h"

/* Reads path and counts its exercises and questions: 0, or -1 with e set. */
int lesson_outline_read(const char *path, LessonOutline *o, Err *e);

/* The next line of the input the commands come from, without its line break
 * (caller frees): readline at a terminal, standard input otherwise. NULL at the
 * end of the input, on a Ctrl-C (the interrupt left pending: the caller tells
 * it from the end), or for a line over TOK_LINE_MAX bytes. */
char *front_read_line(Shell *sh, const char *prompt);

/* Markdown on sh->out as a quote, as lessons show questions and answers. */
void front_print_quote(Shell *sh, const char *md);

#endif
