/* tokenizer.h: one input line into commands and words.
 *
 * `;` separates commands, `#` at the start of a word begins a comment, words are
 * separated by blanks, "double" and 'single' quotes group words (a backslash
 * escapes the next character inside double quotes). A command whose spec says
 * line_as_typed (`answer`) takes the rest of the line as one word, as typed, so
 * that text with a `;` or a `#` stays whole. The result owns its strings. */
#ifndef UNTANGLE_TOKENIZER_H
#define UNTANGLE_TOKENIZER_H

#include <stddef.h>
#include "untangle/core/err.h"

#define TOK_MAX_WORDS 256
/* The longest line any input may hold (lessons, command files, stdin, -c, the
 * prompt): a longer one is refused with its place, before it fills memory. */
#define TOK_LINE_MAX ((size_t)64 << 10)

typedef struct TokCommand {
    int argc;
    char **argv; /* argc words then NULL; point into the TokLine's storage */
} TokCommand;

typedef struct TokLine {
    TokCommand *cmds; /* owned */
    size_t ncmds;     /* empty commands (";;", blank lines, comments) are dropped */
    char *storage;    /* owned: all words, NUL-separated */
    char **words;     /* owned: every argv array, end to end */
} TokLine;

/* Splits line; returns 0, or -1 with e set (unterminated quote, too many words,
 * longer than TOK_LINE_MAX). */
int tok_split(const char *line, TokLine *out, Err *e);
void tok_free(TokLine *t); /* accepts a zeroed TokLine */
/* The words joined back into one command line that tok_split reads as the same
 * words (quoted where a blank, `;`, `#` or a quote would split or end them; the
 * text of a line_as_typed command as it is), for the record and the lessons
 * `save lesson` writes. Caller frees. */
char *tok_join(int argc, char *const *argv);

#endif
