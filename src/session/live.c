/* live.c: live views, a picture redrawn in place while work runs (see shell.h). */
#include <string.h>
#include <time.h>

#include "untangle/core/i18n.h"
#include "untangle/session/shell.h"

static double live_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void sh_live_begin(Shell *sh, LiveView *v)
{
    memset(v, 0, sizeof *v);
    v->sh = sh;
    v->start = v->last = live_now();
    v->next_tenth = 1;
    TermTarget t;
    TermMode m = sh_term_target(sh, &t);
    /* in place only on a terminal: a picture mode asked for on a pipe stays a file */
    v->on_term = m != TERM_NONE && sh->tty_out && sh_term_stream(sh) == sh->tty;
    if (v->on_term) {
        /* the whole view on screen, or the rows saved would scroll away */
        int rows = term_lines(fileno(sh->tty)) - LIVE_SPARE_ROWS;
        t.max_rows = rows > 4 ? rows : 4;
        fflush(sh->out);
        term_live_init(&v->term, sh->tty, &t);
    }
}

int sh_live_due(LiveView *v, double done)
{
    double now = live_now();
    if (!v->on_term) {
        if (done * 10 + 1e-9 < v->next_tenth)
            return 0;
        while (v->next_tenth <= done * 10 + 1e-9)
            v->next_tenth++;
        return 1;
    }
    /* Two rules keep frames within LIVE_COST_SHARE of the time: since the view
     * began, frames so far and the next one (as slow as the recent ones, or as
     * LIVE_FIRST_COST before any) fit in the share; and between two frames,
     * time enough that the next one fits too (no burst after a slow spell). */
    double next = v->frames > 0 ? v->cost : LIVE_FIRST_COST;
    if (v->drawing + next > LIVE_COST_SHARE * (now - v->start))
        return 0;
    double wait = v->cost / LIVE_COST_SHARE;
    if (wait < LIVE_MIN_INTERVAL)
        wait = LIVE_MIN_INTERVAL;
    if (v->frames > 0 && now - v->last < wait)
        return 0;
    v->due_at = now;
    return 1;
}

int sh_live_wants_picture(const LiveView *v)
{
    return v->on_term;
}

void sh_live_show(LiveView *v, Canvas *c, const char *status)
{
    Shell *sh = v->sh;
    if (v->on_term && c) {
        Err e;
        err_clear(&e);
        term_live_frame(&v->term, c, status, &e);
        double now = live_now(), took = now - v->due_at;
        /* the slowest of late: one slow frame (a busy machine) slows the next ones */
        v->cost = took > v->cost ? took : 0.8 * v->cost + 0.2 * took;
        v->drawing += took;
        v->last = now;
    } else if (!v->on_term) {
        sh_printf(sh, "%s\n", status);
        snprintf(v->said, sizeof v->said, "%s", status);
        fflush(sh->out);
        v->last = live_now();
    }
    v->frames++;
    canvas_free(c);
}

int sh_live_end(LiveView *v, Canvas *last, const char *status, const char *stem)
{
    Shell *sh = v->sh;
    int rc = CMD_OK;
    double ran = live_now() - v->start;
    if (v->on_term) {
        if (last) {
            Err e;
            err_clear(&e);
            term_live_frame(&v->term, last, status, &e);
        }
        term_live_end(&v->term);
        /* what the frames cost while the work ran, so that anyone can check the
         * budget on their own machine (the last frame and its file are after it) */
        if (v->frames == 0) /* a quick run: the last picture is all there is */
            sh_printf(sh, _("live view: the run took %.2f s, too short for a frame before the "
                            "last\n"),
                      ran);
        else
            sh_printf(sh, ngettext("live view: %zu frame drawn in %.2f s, %.1f%% of %.1f s\n",
                                   "live view: %zu frames drawn in %.2f s, %.1f%% of %.1f s\n",
                                   v->frames),
                      v->frames, v->drawing, ran > 0 ? 100 * v->drawing / ran : 0.0, ran);
    } else if (status && status[0] && strcmp(status, v->said) != 0) {
        sh_printf(sh, "%s\n", status); /* the end, unless the last tenth said it */
    }
    if (last)
        rc = sh_write_picture(sh, last, stem, NULL, NULL, 0);
    canvas_free(last);
    return rc;
}
