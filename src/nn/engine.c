/* engine.c: forward and backward over a batch, and the fit / evaluate /
 * predict loops built on them.
 *
 * The workspace holds every layer's output for a batch (backward needs them),
 * two gradient buffers used in turn, the gathered input batch, and the conv2d
 * scratch. It is sized for the largest batch seen and rebuilt when the layers
 * change. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "untangle/interrupt.h"
#include "untangle/nn_layer.h"
#include "untangle/xalloc.h"

#define EVAL_BATCH 250  /* samples per forward pass in evaluate and predict */

struct NnWork {
    size_t cap;                     /* samples the buffers hold */
    float *acts[NN_MAX_LAYERS];     /* layer i's output (cap, out size of i) */
    float *grad[2];                 /* (cap, largest layer size) each */
    float *xb;                      /* (cap, input size): the gathered batch */
    uint8_t *yb;                    /* (cap) its labels */
    float *backup;                  /* (n_params) weights before the last step */
    NnScratch scratch;
};

void nn_work_free(NnWork *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < NN_MAX_LAYERS; i++)
        free(w->acts[i]);
    free(w->grad[0]);
    free(w->grad[1]);
    free(w->xb);
    free(w->yb);
    free(w->backup);
    free(w->scratch.col);
    free(w->scratch.dcol);
    free(w);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Makes m->work hold n samples; refuses sizes beyond the memory budget. */
static int work_ensure(Model *m, size_t n, int training, Err *e)
{
    NnWork *w = m->work;
    if (w && w->cap >= n && (!training || w->grad[0]))
        return 0;
    size_t per_sample = nn_shape_size(m->input), widest = per_sample, scratch = 0;
    for (size_t i = 0; i < m->n_layers; i++) {
        const NnLayer *l = m->layers[i];
        size_t o = nn_shape_size(l->out);
        per_sample += o;
        if (o > widest)
            widest = o;
        size_t s = l->ops->scratch_floats(l, n);
        if (s > scratch)
            scratch = s;
    }
    size_t floats, bytes;
    if (size_mul(per_sample + (training ? 2 * widest : 0), n, &floats) != 0 ||
        size_add(floats, 2 * scratch + m->n_params, &floats) != 0 ||
        size_mul(floats, sizeof(float), &bytes) != 0)
        return err_set(e, "a batch of %zu samples would need more memory than exists; use a "
                          "smaller batch", n);
    if (mem_check_budget(bytes, "the batch buffers", e) != 0)
        return -1;
    nn_work_free(w);
    w = xcalloc(1, sizeof *w);
    w->cap = n;
    for (size_t i = 0; i < m->n_layers; i++)
        w->acts[i] = xmalloc_floats(n * nn_shape_size(m->layers[i]->out));
    if (training) {
        w->grad[0] = xmalloc_floats(n * widest);
        w->grad[1] = xmalloc_floats(n * widest);
        w->xb = xmalloc_floats(n * nn_shape_size(m->input));
        w->yb = xmalloc(n);
        w->backup = xmalloc_floats(m->n_params);
    }
    w->scratch.cap = scratch;
    w->scratch.col = xmalloc_floats(scratch);
    w->scratch.dcol = xmalloc_floats(scratch);
    m->work = w;
    return 0;
}

/* Runs the n samples of x (n, input size) through every layer; returns the top
 * layer's output (n, out size), inside the workspace. */
static const float *forward(Model *m, const float *x, size_t n, int train)
{
    const float *in = x;
    for (size_t i = 0; i < m->n_layers; i++) {
        NnLayer *l = m->layers[i];
        l->ops->forward(l, &m->work->scratch, in, m->work->acts[i], n, train);
        in = m->work->acts[i];
    }
    return in;
}

static int all_finite(const float *p, size_t n)
{
    /* a sum of x*0 is NaN exactly when some x is NaN or infinite */
    float acc = 0.0f;
    for (size_t i = 0; i < n; i++)
        acc += p[i] * 0.0f;
    return acc == 0.0f;
}

enum { STEP_OK = 0, STEP_BAD_LOSS = 1, STEP_BAD_WEIGHTS = 2 };

#define DIVERGE_FACTOR 3.0   /* x ln(classes): 6.9 for 10 classes; a sane start is ~2.3 */
#define DIVERGE_MIN_BATCHES 10 /* let the first noisy batches pass */

/* One SGD step on the gathered batch (xb, yb) of n samples. */
static int train_step(Model *m, size_t n, float lr, double *loss_sum, size_t *correct)
{
    NnWork *w = m->work;
    size_t L = m->n_layers, k = nn_shape_size(m->layers[L - 1]->out);
    const float *p = forward(m, w->xb, n, 1);
    float *g = w->grad[0], *other = w->grad[1];
    /* dL/dlogits of the mean loss, straight through softmax (see loss.c) */
    *loss_sum = nn_softmax_ce(p, w->yb, n, k, g, 1.0f / (float)n, correct);
    if (!isfinite(*loss_sum))
        return STEP_BAD_LOSS;
    memset(m->grads, 0, m->n_params * sizeof(float));
    for (size_t i = L - 1; i-- > 0;) {
        NnLayer *l = m->layers[i];
        const float *x = i ? w->acts[i - 1] : w->xb;
        float *dx = i ? other : NULL; /* nobody needs dL/d(input data) */
        l->ops->backward(l, &w->scratch, x, w->acts[i], g, dx, n);
        float *t = g;
        g = other;
        other = t;
    }
    memcpy(w->backup, m->params, m->n_params * sizeof(float));
    nn_sgd_step(m->params, m->grads, m->n_params, lr);
    if (!all_finite(m->params, m->n_params)) {
        memcpy(m->params, w->backup, m->n_params * sizeof(float));
        return STEP_BAD_WEIGHTS;
    }
    return STEP_OK;
}

/* The checks fit and evaluate share: a softmax on top over enough classes,
 * inputs of the model's size. */
static int check_data(const Model *m, const Dataset *d, const char *what, Err *e)
{
    char shp[64];
    if (m->n_layers == 0)
        return err_set(e, "the model has no layer; build it with `model add` first");
    if (!d || d->n == 0 || !d->x)
        return err_set(e, "no data to %s; load it first with `load mnist`", what);
    const NnLayer *top = m->layers[m->n_layers - 1];
    if (top->spec.kind != NN_ACTIVATION || top->spec.act != NN_ACT_SOFTMAX)
        return err_set(e, "%s needs class probabilities, but the top layer '%s' is not a "
                          "softmax; add `model add activation softmax`", what, top->name);
    if (nn_shape_size(m->input) != dataset_dim(d))
        return err_set(e, "the model takes inputs of shape %s (%zu values) but the images "
                          "have %zu pixels; rebuild the model with `input %dx%dx1`", 
                       nn_shape_str(m->input, shp, sizeof shp), nn_shape_size(m->input),
                       dataset_dim(d), d->rows, d->cols);
    size_t k = nn_shape_size(top->out);
    for (size_t i = 0; i < d->n; i++)
        if (d->y[i] >= k)
            return err_set(e, "the model gives %zu class probabilities but the data has label "
                              "%d; end the model with `model add dense 10 softmax`", k, d->y[i]);
    return 0;
}

static int history_push(NnHistory *h, double loss, double acc, double vloss, double vacc)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 16;
        h->loss = xrealloc(h->loss, cap * sizeof(float));
        h->accuracy = xrealloc(h->accuracy, cap * sizeof(float));
        h->val_loss = xrealloc(h->val_loss, cap * sizeof(float));
        h->val_accuracy = xrealloc(h->val_accuracy, cap * sizeof(float));
        h->cap = cap;
    }
    h->loss[h->n] = (float)loss;
    h->accuracy[h->n] = (float)acc;
    h->val_loss[h->n] = (float)vloss;
    h->val_accuracy[h->n] = (float)vacc;
    h->n++;
    return 0;
}

/* Loss and accuracy over rows [from, to) of d, in EVAL_BATCH passes. */
static int eval_rows(Model *m, const Dataset *d, size_t from, size_t to, double *loss,
                     double *acc, Err *e)
{
    size_t dim = dataset_dim(d), k = nn_shape_size(model_output_shape(m));
    double total = 0;
    size_t right = 0;
    for (size_t i = from; i < to; i += EVAL_BATCH) {
        if (interrupt_pending())
            return err_interrupted(e, "evaluation");
        size_t n = to - i < EVAL_BATCH ? to - i : EVAL_BATCH;
        const float *p = forward(m, d->x + i * dim, n, 0);
        size_t c = 0;
        total += nn_softmax_ce(p, d->y + i, n, k, NULL, 0.0f, &c);
        right += c;
    }
    size_t count = to - from;
    *loss = count ? total / (double)count : NAN;
    *acc = count ? (double)right / (double)count : NAN;
    return 0;
}

int model_evaluate(Model *m, const Dataset *d, double *loss, double *accuracy, Err *e)
{
    if (check_data(m, d, "evaluate", e) != 0)
        return -1;
    if (work_ensure(m, d->n < EVAL_BATCH ? d->n : EVAL_BATCH, 0, e) != 0)
        return -1;
    return eval_rows(m, d, 0, d->n, loss, accuracy, e);
}

int model_predict(Model *m, const float *x, size_t n, float **out, size_t *dim, Err *e)
{
    if (m->n_layers == 0)
        return err_set(e, "the model has no layer; build it with `model add` first");
    if (n == 0 || !x)
        return err_set(e, "no data to predict; load it first with `load mnist`");
    size_t in = nn_shape_size(m->input), od = nn_shape_size(model_output_shape(m)), bytes;
    if (size_mul(n, od * sizeof(float), &bytes) != 0 ||
        mem_check_budget(bytes, "the predictions", e) != 0)
        return -1;
    if (work_ensure(m, n < EVAL_BATCH ? n : EVAL_BATCH, 0, e) != 0)
        return -1;
    float *res = xmalloc_floats(n * od);
    for (size_t i = 0; i < n; i += EVAL_BATCH) {
        if (interrupt_pending()) {
            free(res);
            return err_interrupted(e, "predict");
        }
        size_t b = n - i < EVAL_BATCH ? n - i : EVAL_BATCH;
        const float *y = forward(m, x + i * in, b, 0);
        memcpy(res + i * od, y, b * od * sizeof(float));
    }
    *out = res;
    *dim = od;
    return 0;
}

int model_fit(Model *m, const Dataset *d, const NnFitOptions *o, Rng *rng, NnProgressFn cb,
              void *ctx, NnFitResult *res, Err *e)
{
    double t_fit = now_seconds();
    res->epochs_done = 0;
    res->loss = res->accuracy = res->val_loss = res->val_accuracy = NAN;
    if (!m->compile.compiled)
        return err_set(e, "the model is not compiled; run `compile loss categorical_crossentropy "
                          "optimizer sgd lr 0.5` first");
    if (check_data(m, d, "fit", e) != 0)
        return -1;
    if (o->batch < 1 || o->epochs < 1 || !(o->validation >= 0 && o->validation < 1))
        return err_set(e, "bad fit settings (batch >= 1, epochs >= 1, validation in [0, 1))");
    size_t n_val = (size_t)floor((double)d->n * o->validation);
    size_t n_train = d->n - n_val;
    if (n_train == 0)
        return err_set(e, "validation %g leaves no training image; use a smaller fraction",
                       o->validation);
    size_t batch = o->batch < n_train ? o->batch : n_train;
    if (work_ensure(m, batch, 1, e) != 0)
        return -1;
    if (n_val && work_ensure(m, batch > EVAL_BATCH ? batch : EVAL_BATCH, 1, e) != 0)
        return -1;

    NnWork *w = m->work;
    size_t dim = dataset_dim(d), batches = (n_train + batch - 1) / batch;
    uint32_t *idx = xmalloc(n_train * sizeof *idx);
    for (size_t i = 0; i < n_train; i++)
        idx[i] = (uint32_t)i;
    float lr = (float)m->compile.lr;
    /* Clipped probabilities keep the loss finite even when SGD has blown up (lr 100
     * gives a loss near 13.6, never NaN): a running loss far above that of a blind
     * guess, ln(classes), is divergence too. The weights then go back to those of
     * the start of the epoch, kept here. */
    size_t classes = nn_shape_size(model_output_shape(m));
    double diverged_above = DIVERGE_FACTOR * log((double)(classes > 1 ? classes : 2));
    float *epoch_start = xmalloc_floats(m->n_params);
    int rc = 0;
    for (int ep = 1; ep <= o->epochs && rc == 0; ep++) {
        double t0 = now_seconds(), loss_sum = 0;
        size_t seen = 0, right = 0;
        memcpy(epoch_start, m->params, m->n_params * sizeof(float));
        rng_shuffle_indices(rng, idx, n_train);
        NnProgress pr = {ep, o->epochs, 0, batches, NAN, NAN, NAN, NAN, 0, 0};
        for (size_t b = 0; b < batches; b++) {
            size_t from = b * batch, n = n_train - from < batch ? n_train - from : batch;
            for (size_t i = 0; i < n; i++) {
                memcpy(w->xb + i * dim, d->x + (size_t)idx[from + i] * dim, dim * sizeof(float));
                w->yb[i] = d->y[idx[from + i]];
            }
            double ls;
            size_t c;
            int st = train_step(m, n, lr, &ls, &c);
            if (st != STEP_OK) {
                rc = err_set(e, "%s became NaN at epoch %d, batch %zu; the weights are those "
                                "before this step; try a smaller learning rate (lr %g)",
                             st == STEP_BAD_LOSS ? "loss" : "a weight", ep, b + 1,
                             m->compile.lr / 5 > 0.1 ? 0.1 : m->compile.lr / 5);
                break;
            }
            loss_sum += ls;
            right += c;
            seen += n;
            pr.batch = b + 1;
            pr.loss = loss_sum / (double)seen;
            pr.accuracy = (double)right / (double)seen;
            pr.elapsed = now_seconds() - t0;
            if ((b + 1 >= DIVERGE_MIN_BATCHES || b + 1 == batches) && pr.loss > diverged_above) {
                memcpy(m->params, epoch_start, m->n_params * sizeof(float));
                rc = err_set(e, "the loss diverged (%.4g at epoch %d, batch %zu, far above the "
                                "%.2f of a blind guess); the weights are back to those of the "
                                "start of epoch %d; try a smaller learning rate (lr %g)",
                             pr.loss, ep, b + 1, log((double)classes), ep,
                             m->compile.lr / 5 > 0.1 ? 0.1 : m->compile.lr / 5);
                break;
            }
            if (cb)
                cb(ctx, &pr);
            if (interrupt_pending() && b + 1 < batches) {
                rc = err_interrupted(e, "fit");
                break;
            }
        }
        if (rc != 0)
            break;
        if (n_val && eval_rows(m, d, n_train, d->n, &pr.val_loss, &pr.val_accuracy, e) != 0) {
            rc = -1;
            break;
        }
        pr.elapsed = now_seconds() - t0;
        pr.epoch_done = 1;
        history_push(&m->history, pr.loss, pr.accuracy, pr.val_loss, pr.val_accuracy);
        m->epochs_trained++;
        res->epochs_done = ep;
        res->loss = pr.loss;
        res->accuracy = pr.accuracy;
        res->val_loss = pr.val_loss;
        res->val_accuracy = pr.val_accuracy;
        if (cb)
            cb(ctx, &pr);
        if (interrupt_pending() && ep < o->epochs)
            rc = err_interrupted(e, "fit");
    }
    free(epoch_start);
    free(idx);
    res->seconds = now_seconds() - t_fit;
    return rc;
}
