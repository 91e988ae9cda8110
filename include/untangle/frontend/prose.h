/* prose.h: lesson text shown to the person: Markdown rendered for the terminal
 * (render/markdown.h), wrapped to the terminal's width (at most 100 columns, 80
 * when unknown), styled on a terminal and plain in a pipe or a file.
 *
 * The width comes from the terminal when standard output is one, else from
 * $COLUMNS, else 80: a pipe into `less` or a log is wrapped like an 80-column
 * terminal, only without escape sequences. */
#ifndef UNTANGLE_PROSE_H
#define UNTANGLE_PROSE_H

#include "untangle/session/shell.h"

typedef enum ProseKind {
    PROSE_TEXT,  /* a paragraph, heading, list, code block... */
    PROSE_QUOTE  /* shown as a quote: questions and answers */
} ProseKind;

/* Prints md on sh->out, rendered, ending with a newline. */
void prose_print(Shell *sh, const char *md, ProseKind kind);
/* 1 when what goes to sh->out may be styled: standard output is a terminal,
 * TERM is not "dumb" and NO_COLOR is not set. */
int prose_styled(const Shell *sh);
/* The width prose is wrapped to now (the terminal may have been resized). */
int prose_width(const Shell *sh);

#endif
