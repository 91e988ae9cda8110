/* data.c: `load` (MNIST or Fashion-MNIST into the session) and `info` (what the
 * session holds). */
#include <errno.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "untangle/core/i18n.h"
#include "untangle/commands/commands.h"
#include "untangle/data/idx.h"
#include "untangle/data/mnist.h"
#include "untangle/nn/kernels.h"
#include "untangle/nn/nn.h"
#include "untangle/core/blas.h"
#include "untangle/core/xalloc.h"


static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* In --quick replays the data is capped so that lessons run in seconds; an explicit
 * smaller N is kept. Returns 1 when the cap changed what was asked. */
static int quick_cap(long *asked, long cap)
{
    if (*asked == 0 || *asked > cap) {
        *asked = cap;
        return 1;
    }
    return 0;
}

/* After loading: an explicit N larger than the part is refused, naming the range. */
static int check_count(Shell *sh, const char *opt, long asked, int quick_capped,
                       const Dataset *d, const char *set)
{
    if (asked == 0 || quick_capped || (size_t)asked <= d->n)
        return 0;
    return sh_error(sh, _("bad %s %ld: %s holds only %zu %s images (should be 1..%zu)"), opt,
                    asked, set, d->n, strcmp(opt, "train") == 0 ? _("training") : _("test"), d->n);
}

/* A count beyond any IDX file is refused with the memory it would take as 28x28
 * float images, so a typo such as `train 1000000000000` reads as what it is. */
static int refuse_absurd(Shell *sh, const CmdArgs *a, const char *opt)
{
    if (!cmd_given(a, opt))
        return 0;
    long n = cmd_long(a, opt); /* read by the one number grammar, within LOAD_COUNT_MAX */
    if (n <= (long)IDX_MAX_COUNT)
        return 0;
    double bytes = (double)n * 28.0 * 28.0 * sizeof(float);
    char need[32];
    mem_human(bytes >= 1.8e19 ? SIZE_MAX : (size_t)bytes, need, sizeof need);
    return sh_error(sh, _("%s %s images would need %s%s of memory; MNIST holds 60000 train and "
                        "10000 test images: ask for at most that many"),
                    opt, cmd_text(a, opt), bytes >= 1.8e19 ? _("more than ") : "", need);
}

/* The declared range of `train N` and `test N` goes far beyond any IDX file, so
 * that a count too large for memory reaches refuse_absurd and is answered with the
 * memory it needs. */
#define LOAD_COUNT_MAX 9e15

static int load_run(Shell *sh, const CmdArgs *a)
{
    const char *set = cmd_text(a, "set");
    if (refuse_absurd(sh, a, "train") != 0 || refuse_absurd(sh, a, "test") != 0)
        return CMD_ERR;
    long ntrain = cmd_long(a, "train"), ntest = cmd_long(a, "test"); /* 0: all */

    int capped_train = 0, capped_test = 0;
    if (sh->quick) {
        capped_train = quick_cap(&ntrain, SH_QUICK_TRAIN);
        capped_test = quick_cap(&ntest, SH_QUICK_TEST);
    }

    /* Build the new data aside; the session changes only on success. */
    Dataset train = {0}, test = {0};
    char where[SH_PATH_MAX];
    Err e;
    err_clear(&e);
    double t0 = now_seconds();
    if (mnist_load(set, (size_t)ntrain, (size_t)ntest, &train, &test, where, sizeof where,
                   &e) != 0)
        return sh_error_err(sh, &e);
    double elapsed = now_seconds() - t0;
    if (check_count(sh, "train", ntrain, capped_train, &train, set) != 0 ||
        check_count(sh, "test", ntest, capped_test, &test, set) != 0) {
        dataset_free(&train);
        dataset_free(&test);
        return CMD_ERR;
    }

    dataset_free(&sh->train);
    dataset_free(&sh->test);
    sh->train = train;
    sh->test = test;
    snprintf(sh->data_name, sizeof sh->data_name, "%s", set);

    if (capped_train || capped_test)
        sh_printf(sh, _("quick mode: at most %d train and %d test images\n"), SH_QUICK_TRAIN,
                  SH_QUICK_TEST);
    sh_printf(sh, _("%s: %zu train, %zu test images of %dx%d (from %s, %.2f s)\n"), set,
              sh->train.n, sh->test.n, sh->train.rows, sh->train.cols, where, elapsed);
    sh_report(sh, "train", (double)sh->train.n);
    sh_report(sh, "test", (double)sh->test.n);
    return CMD_OK;
}

/* One table row: the number of images of each class in d. */
/* The blanks after a row's name in the label table: its first column is 6
 * characters wide, whatever the language (UTF-8 counted in characters). */
static int label_pad(const char *name)
{
    int cols = 0;
    for (const char *p = name; *p; p++)
        cols += ((unsigned char)*p & 0xC0) != 0x80;
    return cols < 6 ? 6 - cols : 0;
}

static void print_label_counts(Shell *sh, const char *part, const Dataset *d)
{
    size_t counts[MNIST_CLASSES] = {0}, other = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (d->y[i] < MNIST_CLASSES)
            counts[d->y[i]]++;
        else
            other++; /* cannot happen after mnist_load; counted rather than trusted */
    }
    sh_printf(sh, "  %s%*s", part, label_pad(part), "");
    for (int c = 0; c < MNIST_CLASSES; c++)
        sh_printf(sh, "%7zu", counts[c]);
    if (other)
        sh_printf(sh, _("   (%zu other)"), other);
    sh_printf(sh, "\n");
}

static void print_matrix(Shell *sh, const char *what, const LabelledMatrix *m)
{
    if (!m->x || m->n == 0) {
        sh_printf(sh, _("%s: none\n"), what);
        return;
    }
    sh_printf(sh, "%s: %zu x %zu", what, m->n, m->d);
    if (m->name[0])
        sh_printf(sh, " (%s)", m->name);
    sh_printf(sh, "%s\n", m->y ? "" : _(", no labels"));
}

static void print_model(Shell *sh, const Model *m)
{
    if (!m) {
        sh_printf(sh, _("model: none (`model new` starts one)\n"));
        return;
    }
    char in[48], out[48];
    sh_printf(sh, _("model: %zu layers, %zu params, input %s, output %s, "), m->n_layers, m->n_params,
              nn_shape_str(m->input, in, sizeof in),
              nn_shape_str(model_output_shape(m), out, sizeof out));
    if (m->compile.compiled)
        sh_printf(sh, _("compiled (%s lr %g), "), m->compile.opt.name, m->compile.opt.lr);
    else
        sh_printf(sh, _("not compiled, "));
    sh_printf(sh, _("trained %ld epoch%s (see `model summary`)\n"), m->epochs_trained,
              m->epochs_trained == 1 ? "" : "s");
}

/* The model's last evaluation on the test images, or why it holds no more. */
static void print_evaluation(Shell *sh)
{
    double acc;
    int found = sh_figure(sh, "test_accuracy", &acc);
    if (found == SH_FIGURE_STALE)
        sh_printf(sh, _("evaluation: the model was changed since its last evaluation: evaluate "
                        "it\n"));
    else if (found == 0)
        sh_printf(sh, _("evaluation: test accuracy %.4f\n"), acc);
    else if (sh->model && sh->model->n_layers > 0)
        sh_printf(sh, _("evaluation: none yet (`evaluate`)\n"));
}

static int info_run(Shell *sh, const CmdArgs *a)
{
    (void)a;
    if (sh->train.n == 0 && sh->test.n == 0) {
        sh_printf(sh, _("data: none (`load mnist` loads MNIST)\n"));
    } else {
        sh_printf(sh, _("data: %s, %zu train and %zu test images of %dx%d\n"),
                  sh->data_name[0] ? sh->data_name : "?", sh->train.n, sh->test.n,
                  sh->train.rows, sh->train.cols);
        const char *head = C_("info table", "label");
        sh_printf(sh, "  %s%*s", head, label_pad(head), "");
        for (int c = 0; c < MNIST_CLASSES; c++)
            sh_printf(sh, "%7d", c);
        sh_printf(sh, "\n");
        print_label_counts(sh, C_("info table", "train"), &sh->train);
        print_label_counts(sh, C_("info table", "test"), &sh->test);
    }
    print_model(sh, sh->model);
    print_evaluation(sh);
    print_matrix(sh, _("features"), &sh->features);
    if (sh->features.n > 0 && sh->features.model != sh->model_serial)
        sh_printf(sh, _("  (predicted by the model before its last change)\n"));
    print_matrix(sh, _("embedding"), &sh->embedding);
    sh_printf(sh, _("settings: seed %llu, threads %d, term %s, output %s\n"),
              (unsigned long long)sh->seed, sh->threads, term_mode_names[sh->term],
              sh->output_dir[0] ? sh->output_dir : ".");
    MemBudgetSource src;
    char budget[32];
    mem_human(mem_budget(&src), budget, sizeof budget);
    sh_printf(sh, _("memory budget: %s for one request (%s)\n"), budget,
              src == MEM_FROM_ENV       ? "UNTANGLE_MAX_BYTES"
              : src == MEM_FROM_MACHINE ? _("three quarters of the memory available now")
                                        : _("the machine's memory is unknown: a fixed default"));
    BlasCoreInfo bi;
    char buf[320];
    blas_core_info(&bi);
    sh_printf(sh, _("matrix products: %s\n"), blas_core_describe(&bi, buf, sizeof buf));
    sh_printf(sh, _("convolutions, activations, pooling: %s\n"), nn_kernels_describe(buf, sizeof buf));
    return CMD_OK;
}

static const Param load_params[] = {
    {.name = "set", .type = PARAM_CHOICE, .place = PARAM_POS, .choices = mnist_set_names,
     .what = N_("data set"), .help = N_("the data set")},
    {.name = "train", .type = PARAM_INT, .lo = 1, .hi = LOAD_COUNT_MAX,
     .help = N_("keep the first N training images (all by default)")},
    {.name = "test", .type = PARAM_INT, .lo = 1, .hi = LOAD_COUNT_MAX,
     .help = N_("keep the first N test images (all by default)")},
    {0},
};

const CmdSpec cmd_load_spec = {
    .name = "load",
    .summary = N_("load a data set (pixels scaled to [0,1])"),
    .help = N_("Loads MNIST (60000 training and 10000 test images of 28x28 grey pixels) or "
            "Fashion-MNIST, scaling pixels by 1/255. `train N` and `test N` keep the first N "
            "images of each part, for quick tries. MNIST is searched in $UNTANGLE_DATA, "
            "./data/mnist and the installed share folder; `make data` fetches it."),
    .params = load_params,
    .handler = load_run,
};

const CmdSpec cmd_info_spec = {
    .name = "info",
    .summary = N_("what the session holds: data, model, features, embedding"),
    .help = N_("Prints the loaded data (shapes and label counts), the model and whether it is "
            "compiled and trained, the last predicted features and the last embedding, and "
            "the settings, and the memory budget: the most one command may ask for (three quarters "
            "of the memory available, or UNTANGLE_MAX_BYTES), beyond which it is refused."),
    .handler = info_run,
};
