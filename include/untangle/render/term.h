/* term.h: pictures in the terminal through libchafa.
 *
 * Kitty graphics and sixel are drawn only when asked for: whether the terminal
 * speaks them is the terminal's own answer (term_probe.h), which the session
 * asks for once. TERM_AUTO here draws colour symbol blocks (as many colours as
 * the environment says), or ASCII off a terminal or on a dumb one. TERM_NONE
 * draws nothing. */
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

/* A symbol cell (blocks, ASCII) shows about this many pixels of a small source
 * image across and keeps it legible: a 28-pixel digit wants 10 cells. */
#define TERM_LEGIBLE_PX_PER_CELL 2.8

/* Where and how a picture is drawn, for term_draw_to. */
typedef struct TermTarget {
    TermMode mode;          /* as term_draw's */
    int max_cols;           /* width limit in cells; 0: the terminal's width, or 80 */
    int max_rows;           /* height limit in cells; 0: no limit but a very tall one */
    int cell_w, cell_h;     /* pixel size of a cell when known (probe), else 0 */
    unsigned kitty_id;      /* kitty: 0, or an image id: the picture is sent as PNG
                               and replaces the one drawn with that id before, and the
                               cursor stays where it was (live views redraw in place) */
    int quick;              /* a frame among many: chafa searches its symbols less */
} TermTarget;

/* Draws c as t says. *cols and *rows (each may be NULL) receive the character
 * cells the picture covers. The picture ends with a newline, but for kitty_id,
 * which leaves the cursor where it was. */
int term_draw_to(FILE *out, const Canvas *c, const TermTarget *t, int *cols, int *rows, Err *e);

/* The character cells term_draw_to would cover, without drawing. */
void term_cells(FILE *out, const Canvas *c, const TermTarget *t, int *cols, int *rows);

/* A live view: a picture and a status line redrawn in place, frame after frame.
 * The first frame reserves its rows (printing newlines, so that the screen
 * scrolls once, before) and saves the cursor at their top-left corner (DECSC);
 * each frame restores it (DECRC), draws the picture over the last one (kitty:
 * the same image id, replaced in place) and rewrites the status line under it.
 * The cursor is hidden meanwhile. term_live_end leaves the cursor on the line
 * after the status, shown. Frames are expected to keep their size. While the
 * view lasts, chafa draws on one thread: the others are busy with the work
 * being watched. */
typedef struct TermLive {
    FILE *out;
    TermTarget target;
    int rows;        /* rows reserved: the picture's and the status line */
    int started;
    int chafa_threads; /* chafa's thread count before the view, given back at the end */
} TermLive;

#define TERM_LIVE_KITTY_ID 4242

void term_live_init(TermLive *l, FILE *out, const TermTarget *t);
int term_live_frame(TermLive *l, const Canvas *c, const char *status, Err *e);
void term_live_end(TermLive *l);

/* Columns of the terminal on fd: its window size when fd is a terminal that says,
 * else $COLUMNS when it holds a number, else 80. */
int term_columns(int fd);
/* Rows of the terminal on fd, the same way ($LINES, else 24). */
int term_lines(int fd);

#endif
