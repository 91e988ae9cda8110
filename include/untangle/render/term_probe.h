/* term_probe.h: asking the terminal what it can draw, instead of guessing from
 * the environment.
 *
 * term_probe writes three queries and reads the answers with a short timeout:
 *   - kitty's graphics query (an APC "a=q" for a 1x1 image with id 31): a terminal
 *     that speaks kitty graphics answers "\033_Gi=31;OK\033\\"; others ignore it;
 *   - XTWINOPS 16 (the pixel size of a character cell): "\033[6;H;Wt";
 *   - DA1, the primary device attributes, last: "\033[?62;4;...c". Every VT100-like
 *     terminal answers DA1, so its answer ends the wait early; attribute 4 means
 *     sixel graphics. Terminals answer in order, so a kitty reply, if any, has
 *     arrived by then.
 * A multiplexer (tmux, screen) answers DA1 itself and drops kitty's query, so the
 * probe sees what really reaches the screen. The terminal is put in raw mode
 * without echo for the wait and restored after; nothing is sent to a terminal
 * whose foreground process group is not ours (a job in the background would be
 * stopped by SIGTTOU). A late answer is flushed from the input, not left for the
 * prompt to read. */
#ifndef UNTANGLE_TERM_PROBE_H
#define UNTANGLE_TERM_PROBE_H

#include "untangle/render/term.h"

#define TERM_PROBE_TIMEOUT_MS 300

typedef struct TermCaps {
    int probed;          /* the queries were sent */
    int answered;        /* the terminal answered DA1 */
    int kitty;           /* it answered kitty's graphics query */
    int sixel;           /* its DA1 lists sixel graphics (attribute 4) */
    int cell_w, cell_h;  /* pixel size of a cell from XTWINOPS 16, 0 when not said */
    double seconds;      /* how long the exchange took */
} TermCaps;

/* Queries the terminal read on in_fd and written on out_fd, waiting at most
 * timeout_ms for DA1's answer. Fills *caps (all zero but `probed` when nothing
 * answers); returns 0, or -1 when nothing could be sent (not a terminal, not in
 * the foreground): then caps->probed is 0. Ctrl-C ends the wait early. */
int term_probe(int in_fd, int out_fd, int timeout_ms, TermCaps *caps);

/* Reads the answers in buf (len bytes) into caps; returns 1 once DA1's answer is
 * among them. For tests and term_probe. */
int term_probe_parse(const char *buf, size_t len, TermCaps *caps);

/* The graphics the answers allow: kitty, else sixel, else blocks. */
TermMode term_caps_mode(const TermCaps *caps);

#endif
