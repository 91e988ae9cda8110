/* train.c: `compile`, `fit`, `evaluate`, `predict`: training the session's model
 * on the loaded data, with Keras-like progress lines. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

const char *const cmd_compile_words[] = {"loss", "categorical_crossentropy", "optimizer", "sgd",
                                         "lr", "metrics", "accuracy", NULL};
const char *const cmd_fit_words[] = {"batch", "epochs", "validation", "verbose", NULL};
const char *const cmd_evaluate_words[] = {"test", "train", NULL};
const char *const cmd_predict_words[] = {"test", "train", "image", "to", NULL};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int need_model(Shell *sh)
{
    if (!sh->model || sh->model->n_layers == 0)
        return sh_error(sh, "there is no model; build one with `model new` and `model add`"), -1;
    return 0;
}

int cmd_compile(Shell *sh, int argc, char **argv)
{
    static const OptSpec specs[] = {{"loss", 1}, {"optimizer", 1}, {"lr", 1}, {"metrics", 1},
                                    {NULL, 0}};
    static const char *const losses[] = {"categorical_crossentropy", NULL};
    static const char *const optimizers[] = {"sgd", NULL};
    static const char *const metrics[] = {"accuracy", NULL};
    Opts o;
    double lr = LAB_LR;
    if (opts_parse(sh, argv[0], argc, argv, 1, specs, &o) != 0)
        return CMD_ERR;
    if ((opts_get(&o, "loss") && arg_choice(sh, "loss", opts_get(&o, "loss"), losses) < 0) ||
        (opts_get(&o, "optimizer") &&
         arg_choice(sh, "optimizer", opts_get(&o, "optimizer"), optimizers) < 0) ||
        (opts_get(&o, "metrics") &&
         arg_choice(sh, "metric", opts_get(&o, "metrics"), metrics) < 0))
        return CMD_ERR;
    if (opts_double(sh, &o, "lr", 0, 1e6, &lr) != 0)
        return CMD_ERR;
    if (!(lr > 0))
        return sh_error(sh, "bad lr %s (should be a positive number, e.g. 0.5)",
                        opts_get(&o, "lr"));
    if (need_model(sh) != 0)
        return CMD_ERR;
    Err e;
    err_clear(&e);
    if (model_compile(sh->model, NN_LOSS_CCE, lr, 1, &e) != 0)
        return sh_error_err(sh, &e);
    sh_printf(sh, "compiled: loss categorical_crossentropy, optimizer sgd (lr %g), metrics "
                  "accuracy\n", lr);
    return CMD_OK;
}

/* What the progress callback needs. */
typedef struct FitView {
    Shell *sh;
    int verbose;
    double last_draw;
    int bar_open; /* a bar line is on screen without its newline */
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
    if (!v->verbose)
        return;
    char line[256];
    if (sh->tty_out) {
        double t = now_seconds();
        if (p->batch == 1 && !p->epoch_done) {
            sh_printf(sh, "Epoch %d/%d\n", p->epoch, p->epochs);
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
        sh_printf(sh, "Epoch %d/%d\n%s\n", p->epoch, p->epochs, line);
        fflush(sh->out); /* a log or a pipe sees each epoch as it ends */
    }
}

int cmd_fit(Shell *sh, int argc, char **argv)
{
    static const OptSpec specs[] = {{"batch", 1}, {"epochs", 1}, {"validation", 1},
                                    {"verbose", 1}, {NULL, 0}};
    Opts o;
    long batch = LAB_BATCH, epochs = LAB_EPOCHS, verbose = 1;
    double validation = 0;
    if (opts_parse(sh, argv[0], argc, argv, 1, specs, &o) != 0 ||
        opts_long(sh, &o, "batch", 1, 10000000, &batch) != 0 ||
        opts_long(sh, &o, "epochs", 1, 100000, &epochs) != 0 ||
        opts_double(sh, &o, "validation", 0, 0.99, &validation) != 0 ||
        opts_long(sh, &o, "verbose", 0, 1, &verbose) != 0)
        return CMD_ERR;
    if (need_model(sh) != 0)
        return CMD_ERR;
    if (!sh->model->compile.compiled)
        return sh_error(sh, "the model is not compiled; run `compile loss "
                            "categorical_crossentropy optimizer sgd lr 0.5` first");
    if (sh->train.n == 0)
        return sh_error(sh, "no training data; load it first with `load mnist`");
    if (sh->quick && epochs > SH_QUICK_EPOCHS) {
        sh_printf(sh, "(quick replay: %d epochs instead of %ld)\n", SH_QUICK_EPOCHS, epochs);
        epochs = SH_QUICK_EPOCHS;
    }
    blas_set_threads(sh->threads);
    model_set_threads(sh->model, sh->threads);
    NnFitOptions fo = {(size_t)batch, (int)epochs, validation};
    Rng r = rng_fork(&sh->rng, TAG_FIT + (uint64_t)sh->model->epochs_trained);
    FitView view = {sh, (int)verbose, 0, 0};
    NnFitResult res;
    Err e;
    err_clear(&e);
    int rc = model_fit(sh->model, &sh->train, &fo, &r, on_progress, &view, &res, &e);
    if (view.bar_open)
        sh_printf(sh, "\n");
    if (res.epochs_done > 0) {
        sh_report(sh, "loss", res.loss);
        sh_report(sh, "accuracy", res.accuracy);
        if (!isnan(res.val_loss)) {
            sh_report(sh, "val_loss", res.val_loss);
            sh_report(sh, "val_accuracy", res.val_accuracy);
        }
        sh_report(sh, "fit_seconds", res.seconds);
        sh_report(sh, "epoch_seconds", res.seconds / res.epochs_done);
    }
    if (rc != 0) {
        if (e.interrupted)
            return sh_error(sh, "fit interrupted (Ctrl-C) after %d complete epochs; the model "
                                "keeps the weights of the last completed batch",
                            res.epochs_done);
        return sh_error_err(sh, &e);
    }
    return CMD_OK;
}

/* `test` (default) or `train`. */
static int pick_set(Shell *sh, int argc, char **argv, const Dataset **d, const char **which)
{
    static const char *const sets[] = {"test", "train", NULL};
    int s = argc > 1 ? arg_choice(sh, "data set", argv[1], sets) : 0;
    if (s < 0)
        return -1;
    *which = sets[s];
    *d = s == 0 ? &sh->test : &sh->train;
    if ((*d)->n == 0)
        return sh_error(sh, "no %s data; load it first with `load mnist`", *which), -1;
    return 0;
}

int cmd_evaluate(Shell *sh, int argc, char **argv)
{
    const Dataset *d;
    const char *which;
    if (argc > 1 && strcmp(argv[1], "image") == 0) /* a person's own digit */
        return cmd_predict_image(sh, argc, argv);
    if (need_model(sh) != 0 || pick_set(sh, argc, argv, &d, &which) != 0)
        return CMD_ERR;
    blas_set_threads(sh->threads);
    model_set_threads(sh->model, sh->threads);
    double loss, acc;
    Err e;
    err_clear(&e);
    if (model_evaluate(sh->model, d, &loss, &acc, &e) != 0)
        return sh_error_err(sh, &e);
    sh_printf(sh, "%s loss: %.4f - %s accuracy: %.4f (%.2f%% of %zu images)\n", which, loss,
              which, acc, acc * 100, d->n);
    char name[32];
    snprintf(name, sizeof name, "%s_loss", which);
    sh_report(sh, name, loss);
    snprintf(name, sizeof name, "%s_accuracy", which);
    sh_report(sh, name, acc);
    /* The plain names follow the last measurement, so `expect accuracy` after
     * evaluate checks what was just printed. */
    sh_report(sh, "loss", loss);
    sh_report(sh, "accuracy", acc);
    return CMD_OK;
}

int cmd_predict(Shell *sh, int argc, char **argv)
{
    const Dataset *d;
    const char *which;
    if (need_model(sh) != 0 || pick_set(sh, argc, argv, &d, &which) != 0)
        return CMD_ERR;
    if (nn_shape_size(sh->model->input) != dataset_dim(d)) {
        char shp[64];
        return sh_error(sh, "the model takes inputs of shape %s but the images have %zu pixels; "
                            "rebuild the model for %dx%d images",
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
    snprintf(sh->features.name, sizeof sh->features.name, "%s output on %s", top, which);
    sh_printf(sh, "features: the output of %s (%zu values) for %zu %s images\n", top, dim, d->n,
              which);
    sh_report(sh, "features_dim", (double)dim);
    return CMD_OK;
}
