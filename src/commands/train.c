/* train.c: `compile`, `fit`, `evaluate`, `predict`: training the session's model
 * on the loaded data, with Keras-like progress lines. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "untangle/core/i18n.h"
#include "untangle/core/blas.h"
#include "untangle/commands/commands.h"
#include "untangle/commands/commands_extra.h"
#include "untangle/nn/nn.h"
#include "untangle/core/xalloc.h"

/* fit's shuffling stream: forked from the session seed and the epochs already
 * trained, so a replay gives the same batches and a second fit new ones. */
#define TAG_FIT 0x6e6e666974000000ULL
/* The lab's settings are the defaults. */
#define LAB_LR 0.5
#define LAB_BATCH 300
#define LAB_EPOCHS 10
#define BAR_WIDTH 30
#define REDRAW_SECONDS 0.1

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int need_model(Shell *sh)
{
    if (!sh->model || sh->model->n_layers == 0)
        return sh_error(sh, _("there is no model; build one with `model new` and `model add`")), -1;
    return 0;
}

static const char *const losses[] = {"categorical_crossentropy", NULL};
static const char *const metrics[] = {"accuracy", NULL};

/* The optimisers compile knows: the registry, each with its hyperparameters. */
static const char *optimizer_name(size_t i)
{
    const NnOptimizerAbout *o = nn_optimizer_type(i);
    return o ? o->name : NULL;
}

static int optimizer_variant(size_t i, CmdVariant *out)
{
    const NnOptimizerAbout *o = nn_optimizer_type(i);
    if (!o)
        return 0;
    *out = (CmdVariant){o->name, o->summary, o->help, o->hyper};
    return 1;
}

static int compile_run(Shell *sh, const CmdArgs *a)
{
    if (need_model(sh) != 0)
        return CMD_ERR;
    NnOptimizer opt;
    Err e;
    err_clear(&e);
    if (nn_optimizer_defaults(a->variant.name, &opt, &e) != 0)
        return sh_error_err(sh, &e);
    params_store(&a->pv, &opt); /* the hyperparameters typed, over Keras' defaults */
    if (model_compile_with(sh->model, NN_LOSS_CCE, &opt, 1, &e) != 0)
        return sh_error_err(sh, &e);
    sh_model_changed(sh);
    char words[200];
    nn_optimizer_words(&opt, words, sizeof words);
    sh_printf(sh, _("compiled: loss categorical_crossentropy, optimizer %s, metrics accuracy\n"),
              words);
    return CMD_OK;
}

/* What the progress callback needs. */
typedef struct FitView {
    Shell *sh;
    int verbose;
    double last_draw;
    int bar_open; /* a bar line is on screen without its newline */
    FitLive *live; /* the live view, or NULL */
} FitView;

static void format_bar(const NnProgress *p, char *buf, size_t cap)
{
    char bar[BAR_WIDTH + 1];
    size_t done = p->batches ? p->batch * BAR_WIDTH / p->batches : BAR_WIDTH;
    for (size_t i = 0; i < BAR_WIDTH; i++)
        bar[i] = i < done ? '=' : '.';
    if (done > 0 && done < BAR_WIDTH)
        bar[done - 1] = '>';
    bar[BAR_WIDTH] = '\0';
    double per_step = p->batch ? p->elapsed / (double)p->batch : 0;
    char step[32];
    if (per_step >= 1.0)
        snprintf(step, sizeof step, "%.0fs/step", per_step);
    else if (per_step >= 1e-3)
        snprintf(step, sizeof step, "%.0fms/step", per_step * 1e3);
    else
        snprintf(step, sizeof step, "%.0fus/step", per_step * 1e6);
    int w = snprintf(buf, cap, "%zu/%zu [%s] - %.0fs %s - loss: %.4f - accuracy: %.4f",
                     p->batch, p->batches, bar, p->elapsed, step, p->loss, p->accuracy);
    if (p->epoch_done && !isnan(p->val_loss) && w > 0 && (size_t)w < cap)
        snprintf(buf + w, cap - (size_t)w, " - val_loss: %.4f - val_accuracy: %.4f",
                 p->val_loss, p->val_accuracy);
}

static void on_progress(void *ctx, const NnProgress *p)
{
    FitView *v = ctx;
    Shell *sh = v->sh;
    if (v->live) {
        fit_live_progress(v->live, p);
        if (fit_live_on_terminal(v->live))
            return; /* the panel is the view; the epoch lines follow it */
    }
    if (!v->verbose)
        return;
    char line[256];
    if (sh->tty_out) {
        double t = now_seconds();
        if (p->batch == 1 && !p->epoch_done) {
            sh_printf(sh, _("Epoch %d/%d\n"), p->epoch, p->epochs);
            v->last_draw = 0;
        }
        if (!p->epoch_done && t - v->last_draw < REDRAW_SECONDS)
            return;
        v->last_draw = t;
        format_bar(p, line, sizeof line);
        sh_printf(sh, "\r%s\033[K%s", line, p->epoch_done ? "\n" : "");
        v->bar_open = !p->epoch_done;
        fflush(sh->out);
    } else if (p->epoch_done) {
        format_bar(p, line, sizeof line);
        sh_printf(sh, _("Epoch %d/%d\n%s\n"), p->epoch, p->epochs, line);
        fflush(sh->out); /* a log or a pipe sees each epoch as it ends */
    }
}

static int fit_run(Shell *sh, const CmdArgs *a)
{
    long batch = cmd_long(a, "batch"), epochs = cmd_long(a, "epochs");
    long verbose = cmd_long(a, "verbose");
    double validation = cmd_real(a, "validation");
    if (need_model(sh) != 0)
        return CMD_ERR;
    if (!sh->model->compile.compiled)
        return sh_error(sh, _("the model is not compiled; run `compile loss "
                            "categorical_crossentropy optimizer sgd lr 0.5` first"));
    if (sh->train.n == 0)
        return sh_error(sh, _("no training data; load it first with `load mnist`"));
    if (sh->quick && epochs > SH_QUICK_EPOCHS) {
        sh_printf(sh, _("(quick replay: %d epochs instead of %ld)\n"), SH_QUICK_EPOCHS, epochs);
        epochs = SH_QUICK_EPOCHS;
    }
    blas_set_threads(sh->threads);
    model_set_threads(sh->model, sh->threads);
    NnFitOptions fo = {(size_t)batch, (int)epochs, validation};
    Rng r = rng_fork(&sh->rng, TAG_FIT + (uint64_t)sh->model->epochs_trained);
    FitView view = {sh, (int)verbose, 0, 0, NULL};
    if (sh->live || cmd_given(a, "live")) {
        size_t n_val = (size_t)floor((double)sh->train.n * validation);
        view.live = fit_live_begin(sh, (int)epochs, (size_t)batch, sh->train.n - n_val);
    }
    NnFitResult res;
    Err e;
    err_clear(&e);
    sh_model_changed(sh); /* from the first batch on, the weights are new ones */
    int rc = model_fit(sh->model, &sh->train, &fo, &r, on_progress, &view, &res, &e);
    if (view.bar_open)
        sh_printf(sh, "\n");
    if (view.live) {
        int live_rc = fit_live_end(view.live);
        size_t n_lines = 0;
        const NnProgress *ends = fit_live_epochs(view.live, &n_lines);
        char line[256];
        for (size_t i = 0; verbose && fit_live_on_terminal(view.live) && i < n_lines; i++) {
            format_bar(&ends[i], line, sizeof line);
            sh_printf(sh, _("Epoch %d/%d\n%s\n"), ends[i].epoch, ends[i].epochs, line);
        }
        fit_live_free(view.live);
        if (live_rc != CMD_OK && rc == 0)
            rc = -1; /* sh_error has said why */
    }
    if (res.epochs_done > 0) {
        sh_report_model(sh, "loss", res.loss);
        sh_report_model(sh, "accuracy", res.accuracy);
        if (!isnan(res.val_loss)) {
            sh_report_model(sh, "val_loss", res.val_loss);
            sh_report_model(sh, "val_accuracy", res.val_accuracy);
        }
        sh_report_model(sh, "fit_seconds", res.seconds);
        sh_report_model(sh, "epoch_seconds", res.seconds / res.epochs_done);
    }
    if (rc != 0 && !e.msg[0] && !e.interrupted)
        return CMD_ERR;
    if (rc != 0) {
        if (e.interrupted)
            return sh_error(sh,
                            ngettext("fit interrupted (Ctrl-C) after %d complete epoch; the model "
                                     "keeps the weights of the last completed batch",
                                     "fit interrupted (Ctrl-C) after %d complete epochs; the model "
                                     "keeps the weights of the last completed batch",
                                     (unsigned long)res.epochs_done),
                            res.epochs_done);
        return sh_error_err(sh, &e);
    }
    return CMD_OK;
}

static const char *const sets[] = {"test", "train", NULL};

/* `test` (default) or `train`. */
static int pick_set(Shell *sh, const CmdArgs *a, const Dataset **d, const char **which)
{
    int s = cmd_index(a, "set");
    *which = sets[s];
    *d = s == 0 ? &sh->test : &sh->train;
    if ((*d)->n == 0)
        return sh_error(sh, _("no %s data; load it first with `load mnist`"), *which), -1;
    return 0;
}

static int evaluate_run(Shell *sh, const CmdArgs *a)
{
    const Dataset *d;
    const char *which;
    if (need_model(sh) != 0 || pick_set(sh, a, &d, &which) != 0)
        return CMD_ERR;
    blas_set_threads(sh->threads);
    model_set_threads(sh->model, sh->threads);
    double loss, acc;
    Err e;
    err_clear(&e);
    if (model_evaluate(sh->model, d, &loss, &acc, &e) != 0)
        return sh_error_err(sh, &e);
    sh_printf(sh, _("%s loss: %.4f - %s accuracy: %.4f (%.2f%% of %zu images)\n"), which, loss,
              which, acc, acc * 100, d->n);
    char name[32];
    snprintf(name, sizeof name, "%s_loss", which);
    sh_report_model(sh, name, loss);
    snprintf(name, sizeof name, "%s_accuracy", which);
    sh_report_model(sh, name, acc);
    /* The plain names follow the last measurement, so `expect accuracy` after
     * evaluate checks what was just printed. */
    sh_report_model(sh, "loss", loss);
    sh_report_model(sh, "accuracy", acc);
    return CMD_OK;
}

static int predict_run(Shell *sh, const CmdArgs *a)
{
    const Dataset *d;
    const char *which;
    if (need_model(sh) != 0 || pick_set(sh, a, &d, &which) != 0)
        return CMD_ERR;
    if (nn_shape_size(sh->model->input) != dataset_dim(d)) {
        char shp[64];
        return sh_error(sh, _("the model takes inputs of shape %s but the images have %zu pixels; "
                            "rebuild the model for %dx%d images"),
                        nn_shape_str(sh->model->input, shp, sizeof shp), dataset_dim(d), d->rows,
                        d->cols);
    }
    blas_set_threads(sh->threads);
    model_set_threads(sh->model, sh->threads);
    float *out;
    size_t dim;
    Err e;
    err_clear(&e);
    if (model_predict(sh->model, d->x, d->n, &out, &dim, &e) != 0)
        return sh_error_err(sh, &e);
    uint8_t *y = xmalloc(d->n);
    memcpy(y, d->y, d->n);
    const Model *m = sh->model;
    const char *top = model_layer_name(m, m->n_layers - 1);
    free(sh->features.x);
    free(sh->features.y);
    sh->features.x = out;
    sh->features.y = y;
    sh->features.n = d->n;
    sh->features.d = dim;
    sh->features.model = sh->model_serial;
    snprintf(sh->features.name, sizeof sh->features.name, "%s output on %s", top, which);
    sh_printf(sh, _("features: the output of %s (%zu values) for %zu %s images\n"), top, dim, d->n,
              which);
    sh_report_model(sh, "features_dim", (double)dim);
    return CMD_OK;
}

static const Param compile_params[] = {
    {.name = "loss", .type = PARAM_CHOICE, .choices = losses,
     .def = "categorical_crossentropy", .help = N_("the loss, on a softmax top layer")},
    {.name = "optimizer", .type = PARAM_CHOICE, .choice_fn = optimizer_name, .def = "sgd",
     .help = N_("how the weights move; each brings its own words (below)")},
    {.name = "metrics", .type = PARAM_CHOICE, .choices = metrics, .def = "accuracy",
     .help = N_("what fit and evaluate report beside the loss")},
    {0},
};

const CmdSpec cmd_compile_spec = {
    .name = "compile",
    .summary = N_("choose the loss, the optimiser and its learning rate"),
    .help = N_("Prepares the model for training: the loss, the optimiser with its "
            "hyperparameters (Keras' names and defaults: `compile optimizer adam`, `compile "
            "optimizer momentum lr 0.1 nesterov`), and the metric. The lab gives sgd its "
            "learning rate: `compile optimizer sgd lr 0.5`. Compiling again starts the "
            "optimiser's state (velocities, moments) afresh."),
    .params = compile_params,
    .handler = compile_run,
    .variant = optimizer_variant,
    .variant_what = N_("optimizer"),
    .variant_option = "optimizer",
    .variant_default = "sgd",
};

static const Param fit_params[] = {
    {.name = "batch", .type = PARAM_INT, .lo = 1, .hi = 10000000, .def = "300",
     .help = N_("images per gradient step (the lab's 300)")},
    {.name = "epochs", .type = PARAM_INT, .lo = 1, .hi = 100000, .def = "10",
     .help = N_("passes over the training set")},
    {.name = "validation", .type = PARAM_REAL, .lo = 0, .hi = 0.99, .def = "0", .meta = N_("F"),
     .help = N_("hold out the last fraction F of the training set to measure val_loss")},
    {.name = "verbose", .type = PARAM_INT, .lo = 0, .hi = 1, .def = "1", .meta = N_("0|1"),
     .help = N_("1 prints a progress bar per epoch")},
    {.name = "live", .type = PARAM_FLAG,
     .help = N_("watch the loss and accuracy curves grow while it trains (`set live on`: always)")},
    {0},
};

const CmdSpec cmd_fit_spec = {
    .name = "fit",
    .summary = N_("train the model on the training set"),
    .help = N_("Runs mini-batch gradient descent over the training set, shuffled every epoch "
            "from the session seed, and prints a progress bar per epoch with the mean loss "
            "and accuracy (figures `loss`, `accuracy`, and `val_loss`, `val_accuracy` with "
            "`validation F`). The epochs are kept for `show curves`. With `live` (or `set live "
            "on`), the curves so far are redrawn in place every few batches, with the epoch, "
            "the batch, samples per second and the time left; the last frame is written to "
            "the output folder. Ctrl-C stops after the current batch and keeps the weights; "
            "a NaN loss stops with the weights from before the bad step."),
    .params = fit_params,
    .handler = fit_run,
};

static const Param set_param[] = {
    {.name = "set", .type = PARAM_CHOICE, .place = PARAM_POS_OPT, .choices = sets,
     .def = "test", .what = N_("data set"), .help = N_("the part of the data")},
    {0},
};

const CmdSpec cmd_evaluate_spec = {
    .name = "evaluate",
    .summary = N_("loss and accuracy of the model on a data set"),
    .help = N_("Computes the mean loss and the accuracy on the test set (or the training set). "
            "Figures: `test_loss` and `test_accuracy` (or `train_...`), and `loss` and "
            "`accuracy` follow the last evaluation."),
    .params = set_param,
    .handler = evaluate_run,
};

static const CmdSpec *const predict_subs[] = {&predict_image_spec, NULL}; /* digit.c */

const CmdSpec cmd_predict_spec = {
    .name = "predict",
    .summary = N_("keep the output of the top layer as features for t-SNE"),
    .help = N_("Runs the model on the test set (or the training set) and keeps the output of "
            "the current top layer, with the labels, as the features `tsne features` embeds "
            "(figure `features_dim`). After `model pop` twice on the lab's MLP, that is the "
            "100 hidden values after their sigmoid. `predict image FILE.png` classifies your "
            "own digit."),
    .params = set_param,
    .handler = predict_run,
    .subs = predict_subs,
};
