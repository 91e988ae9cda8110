/* fit_live.c: fit's live view, the loss and accuracy curves growing while the
 * model trains (see commands_extra.h). Every few batches (about
 * FL_SAMPLES_PER_EPOCH times an epoch, fewer when the run is long) the curves get
 * the mean loss and accuracy of the batches since the last point, taken out of
 * the epoch's running means: the lines then follow the training continuously,
 * without the jump a running mean makes when it restarts at each epoch. The
 * validation figures are a dot at each epoch's end. A frame is the two panels of
 * curves_live_picture with the status line, shown when sh_live_due says so. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "untangle/core/i18n.h"
#include "untangle/commands/commands_extra.h"
#include "untangle/core/interrupt.h"
#include "untangle/core/xalloc.h"
#include "untangle/render/curves.h"

#define FL_SAMPLES_PER_EPOCH 50
#define FL_STATUS_MAX 200

struct FitLive {
    Shell *sh;
    LiveView view;
    int epochs;
    size_t batch, n_train;      /* images per batch, training images per epoch */
    size_t stride;              /* a sample every `stride` batches */
    size_t n, cap;              /* samples */
    float *x, *loss, *acc;      /* (cap) */
    size_t nv;                  /* validations */
    float *vx, *vloss, *vacc;   /* (epochs) */
    NnProgress *ends;           /* (epochs) the last progress of each epoch */
    size_t n_ends;
    NnProgress last;
    double start;
    int at_epoch;               /* the epoch of the last point, and its running sums */
    double at_seen, at_loss, at_right;
};

static double fl_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

FitLive *fit_live_begin(Shell *sh, int epochs, size_t batch, size_t n_train)
{
    FitLive *l = xcalloc(1, sizeof *l);
    l->sh = sh;
    l->epochs = epochs > 0 ? epochs : 1;
    l->batch = batch;
    l->n_train = n_train;
    size_t batches = (n_train + batch - 1) / (batch ? batch : 1);
    l->stride = batches > FL_SAMPLES_PER_EPOCH ? (batches + FL_SAMPLES_PER_EPOCH - 1) /
                                                     FL_SAMPLES_PER_EPOCH
                                               : 1;
    l->cap = 1024;
    l->x = xmalloc_floats(l->cap);
    l->loss = xmalloc_floats(l->cap);
    l->acc = xmalloc_floats(l->cap);
    l->vx = xmalloc_floats((size_t)l->epochs);
    l->vloss = xmalloc_floats((size_t)l->epochs);
    l->vacc = xmalloc_floats((size_t)l->epochs);
    l->ends = xcalloc((size_t)l->epochs, sizeof *l->ends);
    l->start = fl_now();
    sh_live_begin(sh, &l->view);
    return l;
}

/* Keeps every other sample: a long run stays under the picture's limit. */
static void fl_thin(FitLive *l)
{
    size_t k = 0;
    for (size_t i = 1; i < l->n; i += 2, k++) {
        l->x[k] = l->x[i];
        l->loss[k] = l->loss[i];
        l->acc[k] = l->acc[i];
    }
    l->n = k;
    l->stride *= 2;
}

/* The point for the batches since the last one (in this epoch). */
static void fl_sample(FitLive *l, const NnProgress *p)
{
    double seen = fmin((double)p->batch * (double)l->batch, (double)l->n_train);
    double loss = p->loss * seen, right = p->accuracy * seen;
    if (p->epoch != l->at_epoch)
        l->at_epoch = p->epoch, l->at_seen = l->at_loss = l->at_right = 0;
    double window = seen - l->at_seen;
    if (window <= 0)
        return;
    if (l->n == l->cap) {
        if (l->cap >= CURVES_LIVE_MAX_SAMPLES) {
            fl_thin(l);
        } else {
            l->cap *= 2;
            l->x = xrealloc(l->x, l->cap * sizeof *l->x);
            l->loss = xrealloc(l->loss, l->cap * sizeof *l->loss);
            l->acc = xrealloc(l->acc, l->cap * sizeof *l->acc);
        }
    }
    l->x[l->n] = (float)(p->epoch - 1) + (float)p->batch / (float)(p->batches ? p->batches : 1);
    l->loss[l->n] = (float)((loss - l->at_loss) / window);
    l->acc[l->n] = (float)((right - l->at_right) / window);
    l->n++;
    l->at_seen = seen, l->at_loss = loss, l->at_right = right;
}

/* "epoch 2/3, batch 120/200: loss 0.4213, accuracy 0.8822; 5120 samples/s, 14 s left" */
static void fl_status(const FitLive *l, const NnProgress *p, char *buf, size_t cap)
{
    double elapsed = fl_now() - l->start;
    double done = (double)(p->epoch - 1) * (double)l->n_train +
                  fmin((double)p->batch * (double)l->batch, (double)l->n_train);
    double total = (double)l->epochs * (double)l->n_train;
    double rate = elapsed > 0 ? done / elapsed : 0;
    double left = rate > 0 ? (total - done) / rate : 0;
    if (p->epoch_done && p->epoch == l->epochs)
        snprintf(buf, cap, _("epoch %d/%d done: loss %.4f, accuracy %.4f; %.0f samples/s, %.0f s "
                           "in all"), p->epoch, l->epochs, p->loss, p->accuracy, rate, elapsed);
    else
        snprintf(buf, cap, _("epoch %d/%d, batch %zu/%zu: loss %.4f, accuracy %.4f; %.0f "
                           "samples/s, %.0f s left"), p->epoch, l->epochs, p->batch, p->batches,
                 p->loss, p->accuracy, rate, left);
}

static Canvas *fl_picture(const FitLive *l, const char *status)
{
    CurvesLive d = {l->n, l->x, l->loss, l->acc, l->nv, l->vx, l->vloss, l->vacc, l->epochs,
                    status};
    Err e;
    err_clear(&e);
    return curves_live_picture(&d, &e);
}

int fit_live_on_terminal(const FitLive *l)
{
    return l->view.on_term;
}

void fit_live_progress(FitLive *l, const NnProgress *p)
{
    l->last = *p;
    if (p->epoch_done) {
        if (!isnan(p->val_loss) && l->nv < (size_t)l->epochs) {
            l->vx[l->nv] = (float)p->epoch;
            l->vloss[l->nv] = (float)p->val_loss;
            l->vacc[l->nv] = (float)p->val_accuracy;
            l->nv++;
        }
        if (l->n_ends < (size_t)l->epochs)
            l->ends[l->n_ends++] = *p;
    } else if (p->batch % l->stride == 0 || p->batch == p->batches) {
        fl_sample(l, p);
    }
    double done = ((double)(p->epoch - 1) +
                   (double)p->batch / (double)(p->batches ? p->batches : 1)) / l->epochs;
    if (!sh_live_due(&l->view, done))
        return;
    char status[FL_STATUS_MAX];
    fl_status(l, p, status, sizeof status);
    sh_live_show(&l->view, sh_live_wants_picture(&l->view) ? fl_picture(l, status) : NULL,
                 status);
}

const NnProgress *fit_live_epochs(const FitLive *l, size_t *n)
{
    *n = l->n_ends;
    return l->ends;
}

int fit_live_end(FitLive *l)
{
    char status[FL_STATUS_MAX] = "";
    if (l->last.epoch > 0)
        fl_status(l, &l->last, status, sizeof status);
    /* the last frame is drawn and written even after Ctrl-C: it shows where it stopped */
    int held = interrupt_hold();
    int rc = sh_live_end(&l->view, fl_picture(l, status), status, "fit-live");
    interrupt_resume(held);
    return rc;
}

void fit_live_free(FitLive *l)
{
    if (!l)
        return;
    free(l->x);
    free(l->loss);
    free(l->acc);
    free(l->vx);
    free(l->vloss);
    free(l->vacc);
    free(l->ends);
    free(l);
}
