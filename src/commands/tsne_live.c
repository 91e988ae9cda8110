/* tsne_live.c: t-SNE's live view, the map forming while the points move (see
 * commands_extra.h). The progress callback of tsne_run sees the embedding after
 * every iteration; when sh_live_due says so, the points are drawn coloured by
 * class with the iteration, the phase and the KL divergence. Every
 * TL_GIF_FRAMES-th of the run the positions are kept aside, and at the end they
 * become a short animated GIF (small frames) in the output folder and the report. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "untangle/core/i18n.h"
#include "untangle/commands/commands_extra.h"
#include "untangle/core/interrupt.h"
#include "untangle/core/xalloc.h"
#include "untangle/render/figure.h"
#include "untangle/render/gif.h"

#define TL_WIDTH 560          /* a frame in the terminal and the last one on disk */
#define TL_HEIGHT 500
#define TL_GIF_FRAMES 30      /* positions kept for the animation, and its frame size */
#define TL_GIF_WIDTH 260
#define TL_GIF_HEIGHT 240
#define TL_GIF_DELAY 10       /* hundredths of a second a frame */
#define TL_GIF_HOLD 200       /* the last frame */
#define TL_GIF_BUDGET ((size_t)256 << 20) /* bytes of kept positions at most */
#define TL_STATUS_MAX 200

struct TsneLive {
    Shell *sh;
    LiveView view;
    const uint8_t *labels;    /* (n) borrowed */
    size_t n;
    int n_iter;
    double kl;                /* the last KL computed (every 50 iterations) */
    int every;                /* keep positions every `every` iterations */
    float *kept;              /* (cap, n, 2) positions for the animation */
    int *kept_iter, *kept_phase; /* (cap) */
    double *kept_kl;          /* (cap) the last KL known then */
    size_t n_kept, cap;
    TsneProgressInfo last;
    float *last_y;            /* (n, 2) the latest positions */
};

TsneLive *tsne_live_begin(Shell *sh, const uint8_t *labels, size_t n, int n_iter)
{
    TsneLive *l = xcalloc(1, sizeof *l);
    l->sh = sh;
    l->labels = labels;
    l->n = n;
    l->n_iter = n_iter;
    l->kl = NAN;
    l->every = n_iter / TL_GIF_FRAMES > 0 ? n_iter / TL_GIF_FRAMES : 1;
    size_t frame = n * 2 * sizeof(float);
    l->cap = TL_GIF_FRAMES + 1;
    if (frame * l->cap > TL_GIF_BUDGET)
        l->cap = TL_GIF_BUDGET / frame;
    if (l->cap > 1) {
        l->kept = xmalloc(l->cap * frame);
        l->kept_iter = xmalloc(l->cap * sizeof *l->kept_iter);
        l->kept_phase = xmalloc(l->cap * sizeof *l->kept_phase);
        l->kept_kl = xmalloc(l->cap * sizeof *l->kept_kl);
    } else {
        l->cap = 0;
    }
    l->last_y = xmalloc(frame);
    sh_live_begin(sh, &l->view);
    return l;
}

/* "t-SNE iteration 340/1000, early exaggeration, KL 2.3456; 12 s left" */
static void tl_status(const TsneLive *l, const TsneProgressInfo *p, char *buf, size_t cap)
{
    char kl[32] = "KL not yet computed";
    if (!isnan(l->kl))
        snprintf(kl, sizeof kl, _("KL %.4f"), l->kl);
    if (p->phase == 1)
        snprintf(buf, cap, _("t-SNE iteration %d/%d, early exaggeration, %s; %.0f s left"),
                 p->iteration, p->n_iter, kl, p->remaining);
    else if (p->iteration < p->n_iter)
        snprintf(buf, cap, _("t-SNE iteration %d/%d, %s; %.0f s left"), p->iteration, p->n_iter,
                 kl, p->remaining);
    else
        snprintf(buf, cap, _("t-SNE iteration %d/%d done, %s, %.0f s in all"), p->iteration,
                 p->n_iter, kl, p->elapsed);
}

/* The title inside the picture: the iteration, the phase and the KL when known. */
static void tl_title(const TsneProgressInfo *p, double kl, char *buf, size_t cap)
{
    if (isnan(kl))
        snprintf(buf, cap, p->phase == 1 ? _("iteration %d, early exaggeration") : _("iteration %d"),
                 p->iteration);
    else if (p->phase == 1)
        snprintf(buf, cap, _("iteration %d, early exaggeration, KL %.3f"), p->iteration, kl);
    else
        snprintf(buf, cap, _("iteration %d, KL %.3f"), p->iteration, kl);
}

static Canvas *tl_picture(const TsneLive *l, const float *y, const TsneProgressInfo *p,
                          double kl, int w, int h)
{
    char title[96];
    tl_title(p, kl, title, sizeof title);
    Err e;
    err_clear(&e);
    return figure_panel(y, l->labels, l->n, title, NAN, FIGURE_POINTS, w, h, &e);
}

void tsne_live_progress(void *ctx, const TsneProgressInfo *p)
{
    TsneLive *l = ctx;
    if (!isnan(p->kl))
        l->kl = p->kl;
    l->last = *p;
    memcpy(l->last_y, p->y, l->n * 2 * sizeof(float));
    if (l->cap > 0 && (p->iteration % l->every == 0 || p->iteration == 1) &&
        l->n_kept < l->cap - 1) {
        memcpy(l->kept + l->n_kept * l->n * 2, p->y, l->n * 2 * sizeof(float));
        l->kept_phase[l->n_kept] = p->phase;
        l->kept_kl[l->n_kept] = l->kl;
        l->kept_iter[l->n_kept++] = p->iteration;
    }
    if (!sh_live_due(&l->view, (double)p->iteration / (p->n_iter > 0 ? p->n_iter : 1)))
        return;
    char status[TL_STATUS_MAX];
    tl_status(l, p, status, sizeof status);
    sh_live_show(&l->view,
                 sh_live_wants_picture(&l->view) ? tl_picture(l, p->y, p, l->kl, TL_WIDTH, TL_HEIGHT)
                                                 : NULL,
                 status);
}

/* The kept positions and the last ones as a GIF in the output folder. */
static int tl_animation(TsneLive *l)
{
    if (l->cap == 0 || l->last.iteration == 0)
        return CMD_OK;
    if (l->n_kept == 0 || l->kept_iter[l->n_kept - 1] != l->last.iteration) {
        memcpy(l->kept + l->n_kept * l->n * 2, l->last_y, l->n * 2 * sizeof(float));
        l->kept_phase[l->n_kept] = l->last.phase;
        l->kept_kl[l->n_kept] = l->kl;
        l->kept_iter[l->n_kept++] = l->last.iteration;
    }
    Canvas **frames = xcalloc(l->n_kept, sizeof *frames);
    int rc = CMD_OK;
    for (size_t i = 0; i < l->n_kept; i++) {
        TsneProgressInfo at = l->last;
        at.iteration = l->kept_iter[i];
        at.phase = l->kept_phase[i];
        frames[i] = tl_picture(l, l->kept + i * l->n * 2, &at, l->kept_kl[i], TL_GIF_WIDTH,
                               TL_GIF_HEIGHT);
        if (!frames[i])
            rc = sh_error(l->sh, _("cannot draw frame %zu of the animation"), i);
    }
    uint8_t *gif = NULL;
    size_t len = 0;
    Err e;
    err_clear(&e);
    if (rc == CMD_OK && gif_encode(frames, l->n_kept, TL_GIF_DELAY, TL_GIF_HOLD, &gif, &len, &e) != 0)
        rc = sh_error_err(l->sh, &e);
    if (rc == CMD_OK)
        rc = sh_write_animation(l->sh, gif, len, TL_GIF_WIDTH, TL_GIF_HEIGHT, l->n_kept,
                                "tsne-live");
    free(gif);
    for (size_t i = 0; i < l->n_kept; i++)
        canvas_free(frames[i]);
    free(frames);
    return rc;
}

int tsne_live_end(TsneLive *l)
{
    /* the last frame and the animation are owed even after Ctrl-C: they show the
     * run up to where it stopped */
    int held = interrupt_hold();
    char status[TL_STATUS_MAX] = "";
    Canvas *last = NULL;
    if (l->last.iteration > 0) {
        tl_status(l, &l->last, status, sizeof status);
        last = tl_picture(l, l->last_y, &l->last, l->kl, TL_WIDTH, TL_HEIGHT);
    }
    int rc = sh_live_end(&l->view, last, status, "tsne-live");
    if (rc == CMD_OK)
        rc = tl_animation(l);
    interrupt_resume(held);
    return rc;
}

void tsne_live_free(TsneLive *l)
{
    if (!l)
        return;
    free(l->kept);
    free(l->kept_iter);
    free(l->kept_phase);
    free(l->kept_kl);
    free(l->last_y);
    free(l);
}
