/* term_live.c: a picture and a status line redrawn in place (see term.h). */
#include <chafa.h>
#include <string.h>

#include "untangle/render/term.h"

#define ESC_SAVE "\0337"      /* DECSC: save the cursor */
#define ESC_RESTORE "\0338"   /* DECRC: back to it */
#define ESC_HIDE "\033[?25l"
#define ESC_SHOW "\033[?25h"

void term_live_init(TermLive *l, FILE *out, const TermTarget *t)
{
    memset(l, 0, sizeof *l);
    l->out = out;
    l->target = *t;
    if (l->target.mode == TERM_KITTY)
        l->target.kitty_id = TERM_LIVE_KITTY_ID;
    l->target.quick = 1;
    l->chafa_threads = chafa_get_n_threads();
    chafa_set_n_threads(1);
}

/* The status, cut to the width (no wrapping: it would move the rows below). */
static void put_status(FILE *out, const char *status, int width)
{
    int n = 0;
    for (const unsigned char *p = (const unsigned char *)status; *p && n < width; p++) {
        if (*p < 0x20)
            continue;
        fputc(*p, out);
        n += (*p & 0xc0) != 0x80; /* count characters, not UTF-8 continuation bytes */
    }
}

int term_live_frame(TermLive *l, const Canvas *c, const char *status, Err *e)
{
    int cols = term_columns(fileno(l->out));
    if (!l->started) {
        int w, h;
        term_cells(l->out, c, &l->target, &w, &h);
        l->rows = h + 1;
        /* Reserve the rows first: once they are on screen, drawing in them never
         * scrolls, so the saved position stays theirs. */
        fputs(ESC_HIDE "\r", l->out);
        for (int i = 0; i < l->rows; i++)
            fputc('\n', l->out);
        fprintf(l->out, "\033[%dA" ESC_SAVE, l->rows);
        l->started = 1;
    }
    fputs(ESC_RESTORE, l->out);
    int rc = term_draw_to(l->out, c, &l->target, NULL, NULL, e);
    fputs(ESC_RESTORE, l->out);
    if (l->rows > 1)
        fprintf(l->out, "\033[%dB", l->rows - 1);
    fputs("\r\033[K", l->out);
    put_status(l->out, status ? status : "", cols - 1);
    fflush(l->out);
    return rc;
}

void term_live_end(TermLive *l)
{
    chafa_set_n_threads(l->chafa_threads);
    if (!l->started)
        return;
    fputs(ESC_RESTORE, l->out);
    if (l->rows > 1)
        fprintf(l->out, "\033[%dB", l->rows - 1);
    fputs("\r\n" ESC_SHOW, l->out);
    fflush(l->out);
    l->started = 0;
}
