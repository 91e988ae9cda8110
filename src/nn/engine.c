/* engine.c: forward and backward over a batch, and the fit / evaluate /
 * predict loops built on them.
 *
 * The workspace holds every layer's output for a batch (backward needs them),
 * two gradient buffers used in turn, the gathered input batch, one scratch per
 * thread and one gradient block per shard. It is sized for the largest batch
 * seen and rebuilt when the layers or the thread count change.
 *
 * Threads: a batch is cut into NN_SHARDS fixed slices (shards). Each shard goes
 * through forward, loss and backward on one thread of the pool, with OpenBLAS
 * held to one thread meanwhile, and adds its gradient into its own block; the
 * blocks are then summed in shard order. Measured on the lab's CNN (2 cores):
 * two shards at a time, each on its own core, take 0.62x the time of one batch
 * whose every sgemm OpenBLAS splits over both cores. There, the elementwise
 * passes (im2col, activations, pooling) run on one core while the other waits,
 * and im2col writes buffers the other core has just read. Which thread runs a
 * shard changes nothing in the arithmetic, so the weights are the same for
 * every thread count. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "untangle/core/i18n.h"
#include "untangle/core/blas.h"
#include "untangle/core/interrupt.h"
#include "untangle/nn/kernels.h"
#include "untangle/nn/nn_layer.h"
#include "untangle/nn/nn_optim.h"
#include "untangle/core/pool.h"
#include "untangle/core/xalloc.h"

#define EVAL_BATCH 250  /* samples per forward pass in evaluate and predict */
#define TAG_STEP 0x6e6e7374657000ULL /* rng_fork tag of each training step's stream */

struct NnWork {
    size_t cap;                     /* samples the buffers hold */
    size_t widest;                  /* largest layer size: the row pitch of grad[] */
    float *acts[NN_MAX_LAYERS];     /* layer i's output (cap, out size of i) */
    float *grad[2];                 /* (cap, widest) each; shard rows [a, b) own rows a..b */
    float *xb;                      /* (cap, input size): the gathered batch */
    uint8_t *yb;                    /* (cap) its labels */
    float *backup;                  /* (n_params) weights before the last step */
    float *shard_grads;             /* (NN_SHARDS, n_params) when training */
    Pool *pool;                     /* NULL for one thread */
    int threads;                    /* model threads this workspace was built for */
    int workers;                    /* threads the pool actually runs */
    NnScratch *scratch;             /* (workers) */
};

/* The top layer's output shape (model.c's model_output_shape, which the engine
 * does not call: model.c calls the engine, not the other way round). */
static NnShape top_shape(const Model *m)
{
    return m->n_layers ? m->layers[m->n_layers - 1]->out : m->input;
}

void nn_work_free(NnWork *w)
{
    if (!w)
        return;
    pool_free(w->pool);
    for (size_t i = 0; i < NN_MAX_LAYERS; i++)
        free(w->acts[i]);
    free(w->grad[0]);
    free(w->grad[1]);
    free(w->xb);
    free(w->yb);
    free(w->backup);
    free(w->shard_grads);
    for (int i = 0; i < w->workers; i++)
        nn_scratch_free(&w->scratch[i]);
    free(w->scratch);
    free(w);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Rows [*a, *b) of a batch of n that shard s takes. */
static void shard_rows(size_t n, size_t s, size_t *a, size_t *b)
{
    *a = n * s / NN_SHARDS;
    *b = n * (s + 1) / NN_SHARDS;
}

/* Makes m->work hold n samples for m->threads threads; refuses sizes beyond the
 * memory budget. */
static int work_ensure(Model *m, size_t n, int training, Err *e)
{
    NnWork *w = m->work;
    if (w && w->cap >= n && w->threads == m->threads && (!training || w->grad[0]))
        return 0;
    size_t per_sample = nn_shape_size(m->input), widest = per_sample, scratch = 0;
    size_t shard_max = (n + NN_SHARDS - 1) / NN_SHARDS;
    for (size_t i = 0; i < m->n_layers; i++) {
        const NnLayer *l = m->layers[i];
        size_t o = nn_shape_size(l->out);
        per_sample += o;
        if (o > widest)
            widest = o;
        size_t s = nn_layer_scratch(l, shard_max);
        if (s > scratch)
            scratch = s;
    }
    size_t floats, bytes, per_thread;
    if (size_mul(per_sample + (training ? 2 * widest : 0), n, &floats) != 0 ||
        size_mul(2 * scratch, NN_SHARDS, &per_thread) != 0 ||
        size_add(floats, per_thread + (training ? NN_SHARDS + 1 : 0) * m->n_params, &floats) != 0 ||
        size_mul(floats, sizeof(float), &bytes) != 0)
        return err_set(e, _("a batch of %zu samples would need more memory than exists; use a "
                          "smaller batch"), n);
    if (mem_check_budget(bytes, _("the batch buffers"), e) != 0)
        return -1;
    nn_work_free(w);
    w = xcalloc(1, sizeof *w);
    w->cap = n;
    w->widest = widest;
    for (size_t i = 0; i < m->n_layers; i++)
        w->acts[i] = xmalloc_floats(n * nn_shape_size(m->layers[i]->out));
    if (training) {
        w->grad[0] = xmalloc_floats(n * widest);
        w->grad[1] = xmalloc_floats(n * widest);
        w->xb = xmalloc_floats(n * nn_shape_size(m->input));
        w->yb = xmalloc(n);
        w->backup = xmalloc_floats(m->n_params);
        w->shard_grads = xmalloc_floats(NN_SHARDS * m->n_params);
    }
    w->threads = m->threads;
    /* more threads than shards would wait */
    int t = m->threads < NN_SHARDS ? m->threads : NN_SHARDS;
    w->pool = t > 1 ? pool_new(t) : NULL;
    w->workers = pool_threads(w->pool);
    w->scratch = xcalloc((size_t)w->workers, sizeof *w->scratch);
    for (int i = 0; i < w->workers; i++) {
        w->scratch[i].cap = scratch;
        w->scratch[i].col = xmalloc_floats(scratch);
        w->scratch[i].dcol = xmalloc_floats(scratch);
    }
    m->work = w;
    return 0;
}

/* One pass over a batch of n samples of x (n, input size): forward only, or with
 * labels, forward, softmax cross-entropy and backward into the shard blocks.
 * With `rows`, x and labels are the workspace's xb and yb, into which each shard
 * first gathers its samples: sample i is row rows[i] of src (dim values) and of
 * src_labels. So both cores copy. */
typedef struct Pass {
    Model *m;
    const float *x;
    const uint8_t *labels;          /* NULL: forward only */
    size_t n;
    const float *src;               /* with rows: the data set's (N, dim) */
    const uint8_t *src_labels;
    const uint32_t *rows;           /* NULL: x and labels hold the batch already */
    Rng step;                       /* training: this step's stream; shard s draws from
                                       rng_fork(&step, s) */
    double loss[NN_SHARDS];         /* summed over the shard's samples */
    size_t correct[NN_SHARDS];
} Pass;

static void run_shard(Pass *p, size_t s, NnScratch *sc)
{
    Model *m = p->m;
    NnWork *w = m->work;
    size_t L = m->n_layers, a, b;
    shard_rows(p->n, s, &a, &b);
    size_t ns = b - a;
    p->loss[s] = 0;
    p->correct[s] = 0;
    sc->grads = p->labels ? w->shard_grads + s * m->n_params : NULL;
    if (p->labels)
        sc->rng = rng_fork(&p->step, (uint64_t)s);
    if (sc->grads)
        memset(sc->grads, 0, m->n_params * sizeof(float));
    if (ns == 0)
        return;
    size_t dim = nn_shape_size(m->input);
    if (p->rows)
        for (size_t i = a; i < b; i++) {
            memcpy(w->xb + i * dim, p->src + (size_t)p->rows[i] * dim, dim * sizeof(float));
            w->yb[i] = p->src_labels[p->rows[i]];
        }
    const float *in = p->x + a * dim;
    for (size_t i = 0; i < L; i++) {
        NnLayer *l = m->layers[i];
        float *y = w->acts[i] + a * nn_shape_size(l->out);
        l->ops->forward(l, sc, in, y, ns, p->labels != NULL);
        in = y;
    }
    if (!p->labels)
        return;
    /* Each shard's rows of the gradient buffers start at row a of width `widest`,
     * so shards at different layers never write over each other. */
    float *g = w->grad[0] + a * w->widest, *other = w->grad[1] + a * w->widest;
    size_t k = nn_shape_size(m->layers[L - 1]->out);
    /* dL/dlogits of the mean loss over the whole batch, straight through softmax */
    p->loss[s] = nn_softmax_ce(in, p->labels + a, ns, k, g, 1.0f / (float)p->n, &p->correct[s]);
    for (size_t i = L - 1; i-- > 0;) {
        NnLayer *l = m->layers[i];
        const float *x = (i ? w->acts[i - 1] : p->x) + a * nn_shape_size(l->in);
        float *dx = i ? other : NULL; /* nobody needs dL/d(input data) */
        l->ops->backward(l, sc, x, w->acts[i] + a * nn_shape_size(l->out), g, dx, ns);
        float *t = g;
        g = other;
        other = t;
    }
}

static void shard_task(void *ctx, size_t begin, size_t end, int worker)
{
    Pass *p = ctx;
    for (size_t s = begin; s < end; s++)
        run_shard(p, s, &p->m->work->scratch[worker]);
}

/* Runs the pass on every shard; returns the top layer's output (n, out size),
 * inside the workspace. */
static const float *run_pass(Pass *p)
{
    pool_for(p->m->work->pool, NN_SHARDS, 1, shard_task, p);
    return p->m->work->acts[p->m->n_layers - 1];
}

/* OpenBLAS keeps to one thread while the pool's threads run shards (each shard's
 * sgemm on its own core); returns the count to restore. */
static int blas_enter(const Model *m)
{
    int saved = blas_threads();
    if (m->threads > 1)
        blas_set_threads(1);
    return saved;
}

static void blas_leave(const Model *m, int saved)
{
    if (m->threads > 1)
        blas_set_threads(saved);
}

enum { STEP_OK = 0, STEP_BAD_LOSS = 1, STEP_BAD_WEIGHTS = 2 };

#define DIVERGE_FACTOR 3.0   /* x ln(classes): 6.9 for 10 classes; a sane start is ~2.3 */
#define DIVERGE_MIN_BATCHES 10 /* let the first noisy batches pass */

/* One step of the optimiser on the batch of the n samples rows[0..n) of d;
 * `step` is its random stream (dropout). */
static int train_step(Model *m, const Dataset *d, const uint32_t *rows, size_t n,
                      const NnOptimizerOps *opt, const Rng *step, double *loss_sum,
                      size_t *correct)
{
    NnWork *w = m->work;
    const NnKernels *k = nn_kernels();
    Pass p = {.m = m, .x = w->xb, .labels = w->yb, .n = n, .src = d->x, .src_labels = d->y,
              .rows = rows, .step = *step};
    run_pass(&p);
    *loss_sum = 0;
    *correct = 0;
    for (size_t s = 0; s < NN_SHARDS; s++) {
        *loss_sum += p.loss[s];
        *correct += p.correct[s];
    }
    if (!isfinite(*loss_sum))
        return STEP_BAD_LOSS;
    /* the batch gradient: the shard blocks summed in shard order */
    size_t np = m->n_params;
    memcpy(m->grads, w->shard_grads, np * sizeof(float));
    for (size_t s = 1; s < NN_SHARDS; s++)
        k->add(m->grads, w->shard_grads + s * np, np);
    memcpy(w->backup, m->params, np * sizeof(float));
    /* The optimiser's state is not rolled back with the weights: a bad step ends
     * the fit, and the next compile starts the state afresh. */
    opt->step(&m->compile.opt, m->params, m->grads, m->opt_state, np, m->opt_steps);
    m->opt_steps++;
    if (!k->all_finite(m->params, np)) {
        memcpy(m->params, w->backup, np * sizeof(float));
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
        return err_set(e, _("the model has no layer; build it with `model add` first"));
    if (!d || d->n == 0 || !d->x)
        return err_set(e, _("no data to %s; load it first with `load mnist`"), what);
    const NnLayer *top = m->layers[m->n_layers - 1];
    if (!nn_kind_is(&top->spec, "activation") || top->spec.act != NN_ACT_SOFTMAX)
        return err_set(e, _("%s needs class probabilities, but the top layer '%s' is not a "
                          "softmax; add `model add activation softmax`"), what, top->name);
    if (nn_shape_size(m->input) != dataset_dim(d))
        return err_set(e, _("the model takes inputs of shape %s (%zu values) but the images "
                          "have %zu pixels; rebuild the model with `input %dx%dx1`"), 
                       nn_shape_str(m->input, shp, sizeof shp), nn_shape_size(m->input),
                       dataset_dim(d), d->rows, d->cols);
    size_t k = nn_shape_size(top->out);
    for (size_t i = 0; i < d->n; i++)
        if (d->y[i] >= k)
            return err_set(e, _("the model gives %zu class probabilities but the data has label "
                              "%d; end the model with `model add dense 10 softmax`"), k, d->y[i]);
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
    size_t dim = dataset_dim(d), k = nn_shape_size(top_shape(m));
    double total = 0;
    size_t right = 0;
    for (size_t i = from; i < to; i += EVAL_BATCH) {
        if (interrupt_pending())
            return err_interrupted(e, _("evaluation"));
        size_t n = to - i < EVAL_BATCH ? to - i : EVAL_BATCH;
        Pass pass = {.m = m, .x = d->x + i * dim, .n = n};
        const float *p = run_pass(&pass);
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
    int saved = blas_enter(m);
    int rc = eval_rows(m, d, 0, d->n, loss, accuracy, e);
    blas_leave(m, saved);
    return rc;
}

int model_predict(Model *m, const float *x, size_t n, float **out, size_t *dim, Err *e)
{
    if (m->n_layers == 0)
        return err_set(e, _("the model has no layer; build it with `model add` first"));
    if (n == 0 || !x)
        return err_set(e, _("no data to predict; load it first with `load mnist`"));
    size_t in = nn_shape_size(m->input), od = nn_shape_size(top_shape(m)), bytes;
    if (size_mul(n, od * sizeof(float), &bytes) != 0 ||
        mem_check_budget(bytes, _("the predictions"), e) != 0)
        return -1;
    if (work_ensure(m, n < EVAL_BATCH ? n : EVAL_BATCH, 0, e) != 0)
        return -1;
    float *res = xmalloc_floats(n * od);
    int saved = blas_enter(m);
    for (size_t i = 0; i < n; i += EVAL_BATCH) {
        if (interrupt_pending()) {
            blas_leave(m, saved);
            free(res);
            return err_interrupted(e, _("predict"));
        }
        size_t b = n - i < EVAL_BATCH ? n - i : EVAL_BATCH;
        Pass pass = {.m = m, .x = x + i * in, .n = b};
        const float *y = run_pass(&pass);
        memcpy(res + i * od, y, b * od * sizeof(float));
    }
    blas_leave(m, saved);
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
        return err_set(e, _("the model is not compiled; run `compile loss categorical_crossentropy "
                          "optimizer sgd lr 0.5` first"));
    if (check_data(m, d, "fit", e) != 0)
        return -1;
    if (o->batch < 1 || o->epochs < 1 || !(o->validation >= 0 && o->validation < 1))
        return err_set(e, _("bad fit settings (batch >= 1, epochs >= 1, validation in [0, 1))"));
    size_t n_val = (size_t)floor((double)d->n * o->validation);
    size_t n_train = d->n - n_val;
    if (n_train == 0)
        return err_set(e, _("validation %g leaves no training image; use a smaller fraction"),
                       o->validation);
    const NnOptimizerOps *opt = nn_optimizer_ops(m->compile.opt.name);
    if (!opt)
        return err_set(e, _("the model's optimizer '%s' is unknown; compile it again"),
                       m->compile.opt.name ? m->compile.opt.name : "");
    size_t n_state = opt->state_per_param * m->n_params;
    if (m->n_opt_state != n_state) { /* a new compile, or layers changed since */
        free(m->opt_state);
        m->opt_state = n_state ? xcalloc_floats(n_state) : NULL;
        m->n_opt_state = n_state;
        m->opt_steps = 0;
    }
    size_t batch = o->batch < n_train ? o->batch : n_train;
    if (work_ensure(m, batch, 1, e) != 0)
        return -1;
    if (n_val && work_ensure(m, batch > EVAL_BATCH ? batch : EVAL_BATCH, 1, e) != 0)
        return -1;

    size_t batches = (n_train + batch - 1) / batch;
    uint32_t *idx = xmalloc(n_train * sizeof *idx);
    for (size_t i = 0; i < n_train; i++)
        idx[i] = (uint32_t)i;
    /* Clipped probabilities keep the loss finite even when SGD has blown up (lr 100
     * gives a loss near 13.6, never NaN): a running loss far above that of a blind
     * guess, ln(classes), is divergence too. The weights then go back to those of
     * the start of the epoch, kept here. */
    size_t classes = nn_shape_size(top_shape(m));
    double diverged_above = DIVERGE_FACTOR * log((double)(classes > 1 ? classes : 2));
    float *epoch_start = xmalloc_floats(m->n_params);
    int saved_blas = blas_enter(m);
    int rc = 0;
    for (int ep = 1; ep <= o->epochs && rc == 0; ep++) {
        double t0 = now_seconds(), loss_sum = 0;
        size_t seen = 0, right = 0;
        memcpy(epoch_start, m->params, m->n_params * sizeof(float));
        rng_shuffle_indices(rng, idx, n_train);
        NnProgress pr = {ep, o->epochs, 0, batches, NAN, NAN, NAN, NAN, 0, 0};
        for (size_t b = 0; b < batches; b++) {
            size_t from = b * batch, n = n_train - from < batch ? n_train - from : batch;
            double ls;
            size_t c;
            /* a stream per step, forked without drawing from rng: models without
             * random layers shuffle as they always did */
            Rng step = rng_fork(rng, TAG_STEP ^ ((uint64_t)m->epochs_trained << 32) ^ b);
            int st = train_step(m, d, idx + from, n, opt, &step, &ls, &c);
            if (st != STEP_OK) {
                rc = err_set(e, _("%s became NaN at epoch %d, batch %zu; the weights are those "
                                "before this step; try a smaller learning rate (lr %g)"),
                             st == STEP_BAD_LOSS ? _("loss") : _("a weight"), ep, b + 1,
                             m->compile.opt.lr / 5 > 0.1 ? 0.1 : m->compile.opt.lr / 5);
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
                rc = err_set(e, _("the loss diverged (%.4g at epoch %d, batch %zu, far above the "
                                "%.2f of a blind guess); the weights are back to those of the "
                                "start of epoch %d; try a smaller learning rate (lr %g)"),
                             pr.loss, ep, b + 1, log((double)classes), ep,
                             m->compile.opt.lr / 5 > 0.1 ? 0.1 : m->compile.opt.lr / 5);
                break;
            }
            if (cb)
                cb(ctx, &pr);
            if (interrupt_pending() && b + 1 < batches) {
                rc = err_interrupted(e, _("fit"));
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
            rc = err_interrupted(e, _("fit"));
    }
    blas_leave(m, saved_blas);
    free(epoch_start);
    free(idx);
    res->seconds = now_seconds() - t_fit;
    return rc;
}
