/* run.h: running commands from every source: a line, a stream, a lesson, the REPL.
 *
 * Every source goes through shell_run_line, which tokenizes, checks each command
 * against the table (name, arity) and calls its handler. A failing command prints
 * one line "WHERE: error: message" on sh->err, where WHERE is FILE:LINE in a
 * lesson, "-c:1" for -c, "stdin:N" for a pipe, nothing at the prompt.
 *
 * Every input obeys the same rules: a line holds at most TOK_LINE_MAX bytes and
 * no NUL byte; a UTF-8 byte order mark at the start of a file is skipped; a
 * Ctrl-C or SIGTERM stops a non-interactive run at once (shell_run_line checks
 * the flag before and after every command), with one line naming the place. */
#ifndef UNTANGLE_RUN_H
#define UNTANGLE_RUN_H

#include <stdio.h>
#include "untangle/session/shell.h"

#define LESSON_MAX_NESTING SH_LESSON_NESTING

/* Runs one line; returns CMD_OK, CMD_ERR (after printing the error) or CMD_EXIT. */
int shell_run_line(Shell *sh, const char *line);
/* Runs lines from f until EOF, the first error, or quit; `name` is the place. */
int shell_run_stream(Shell *sh, FILE *f, const char *name);
/* Replays a lesson: prose printed, blocks run, --step pauses (see lesson.h). */
int lesson_replay(Shell *sh, const char *path);
/* The interactive loop on a terminal (readline, history, completion). */
int shell_repl(Shell *sh);
/* One line typed at the prompt (caller frees): readline with the history and
 * completion while sh->interactive, else a line of stdin, shown after the
 * prompt as a terminal would. NULL at the end of input, or at a SIGTERM. */
char *shell_read_line(Shell *sh, const char *prompt);
/* A continuation line at the terminal (`answer` alone reads its lines so):
 * readline without the history; Ctrl-C abandons it and returns NULL with the
 * interrupt still pending, so that the caller tells it from the end of input. */
char *shell_read_continuation(Shell *sh, const char *prompt);

/* What shell_stream_line met. */
typedef enum LineRead { LINE_OK, LINE_EOF, LINE_TOO_LONG, LINE_NUL, LINE_FAILED } LineRead;
/* Reads one line of at most TOK_LINE_MAX bytes into *out (caller frees); a
 * longer line is not read further, so an endless one never fills memory. */
LineRead shell_stream_line(FILE *f, char **out);

/* What a replay and learn mode share: the language of a lesson's folder
 * (lessons/fr/ is French unless `set lang` chose), a command shown after the
 * prompt, an item of the lesson kept in the report. */
struct LessonItem;
struct Lesson;
void lesson_language(Shell *sh, const char *path);
void lesson_echo_command(Shell *sh, const char *text);
void lesson_record(Shell *sh, const struct LessonItem *it);
/* Shows the block at item i again (`back`): prose as prose, a block of commands
 * as its commands (not run); an exercise by its title alone when hide_solution. */
void lesson_show_block(Shell *sh, const struct Lesson *l, size_t i, int hide_solution);

/* Prints "WHERE: error: MSG" (the place from sh->where_file/where_line). */
void shell_print_error(Shell *sh, const char *msg);
/* Prints the error line of a Ctrl-C or SIGTERM that stopped the run. */
void shell_print_interrupted(Shell *sh);
/* 0 while sh->out takes what is written; after a failed write (a full disk, a
 * closed pipe) prints one error line the first time and returns -1. */
int shell_check_output(Shell *sh);
/* A stream writing to fd (the standard output) that records in sh->output_lost
 * the errno of the first failed write; NULL when none can be made. */
FILE *shell_open_output(Shell *sh, int fd);

#endif
