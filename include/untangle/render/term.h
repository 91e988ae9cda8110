/* term.h: pictures in the terminal through libchafa.
 *
 * TERM_AUTO lets chafa detect what the terminal speaks (kitty graphics, sixel,
 * colour symbol blocks), falling back to ASCII on a dumb or non-colour terminal.
 * TERM_NONE draws nothing. */
#ifndef UNTANGLE_TERM_H
#define UNTANGLE_TERM_H

#include <stdio.h>
#include "untangle/core/canvas.h"
#include "untangle/core/err.h"

typedef enum TermMode {
    TERM_AUTO = 0,
    TERM_KITTY,
    TERM_SIXEL,
    TERM_BLOCKS,
    TERM_ASCII,
    TERM_NONE
} TermMode;

extern const char *const term_mode_names[]; /* indexed by TermMode, NULL-terminated */

/* Draws c on out, at most max_cols character cells wide (0: the terminal's width,
 * or 80 when unknown). Returns 0, or -1 with e set. */
int term_draw(FILE *out, const Canvas *c, TermMode mode, int max_cols, Err *e);

/* Columns of the terminal on fd: its window size when fd is a terminal that says,
 * else $COLUMNS when it holds a number, else 80. */
int term_columns(int fd);

#endif
