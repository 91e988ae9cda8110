/* session.c: the Shell's life, its output and error channel, and the figures
 * that `expect` checks. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "untangle/core/i18n.h"
#include "untangle/nn/nn.h"
#include "untangle/session/report.h"
#include "untangle/session/shell.h"

void shell_init(Shell *sh)
{
    memset(sh, 0, sizeof *sh);
    sh->out = stdout;
    sh->err = stderr;
    sh->tty_out = isatty(STDOUT_FILENO);
    sh->tty = stdout;
    sh->tty_in = isatty(STDIN_FILENO) ? STDIN_FILENO : -1;
    sh->seed = 0;
    rng_seed(&sh->rng, sh->seed);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    sh->threads = cores >= 2 ? 2 : 1;
    sh->term = TERM_AUTO;
    snprintf(sh->output_dir, sizeof sh->output_dir, "out");
    sh->report = report_new();
    sh->recording = -1;
    sh->model_serial = 1; /* 0 tags the figures that are about no model */
}

static void labelled_free(LabelledMatrix *m)
{
    free(m->x);
    free(m->y);
    memset(m, 0, sizeof *m);
}

void shell_free(Shell *sh)
{
    dataset_free(&sh->train);
    dataset_free(&sh->test);
    model_free(sh->model);
    sh->model = NULL;
    labelled_free(&sh->features);
    labelled_free(&sh->embedding);
    report_free(sh->report);
    sh->report = NULL;
    for (size_t i = 0; i < sh->n_allow_write; i++)
        free(sh->allow_write[i]);
    free(sh->allow_write);
    sh->allow_write = NULL;
    sh->n_allow_write = 0;
}

void sh_printf(Shell *sh, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(sh->out, fmt, ap);
    va_end(ap);
}

int sh_error(Shell *sh, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vformat(sh->errmsg, sizeof sh->errmsg, fmt, ap);
    va_end(ap);
    return CMD_ERR;
}

int sh_error_err(Shell *sh, const Err *e)
{
    return sh_error(sh, "%s", e->msg[0] ? e->msg : _("failed (no reason given)"));
}

static void report_figure(Shell *sh, const char *name, double value, unsigned long model)
{
    /* The record keeps which command reported what: `save lesson` writes it as expect lines. */
    if (sh->report && sh->recording >= 0)
        report_add_command_figure(sh->report, (size_t)sh->recording, name, value);
    for (size_t i = 0; i < sh->n_figures; i++) {
        if (strcmp(sh->figures[i].name, name) == 0) {
            sh->figures[i].value = value;
            sh->figures[i].model = model;
            return;
        }
    }
    if (sh->n_figures == FIGURES_MAX) {
        /* Full: forget the oldest, keep the newest (lessons check recent figures). */
        memmove(sh->figures, sh->figures + 1, (FIGURES_MAX - 1) * sizeof sh->figures[0]);
        sh->n_figures--;
    }
    Figure *f = &sh->figures[sh->n_figures++];
    snprintf(f->name, sizeof f->name, "%s", name);
    f->value = value;
    f->model = model;
}

void sh_report(Shell *sh, const char *name, double value)
{
    report_figure(sh, name, value, 0);
}

void sh_report_model(Shell *sh, const char *name, double value)
{
    report_figure(sh, name, value, sh->model_serial);
}

void sh_model_changed(Shell *sh)
{
    sh->model_serial++;
}

int sh_figure_stale(const Shell *sh, const Figure *f)
{
    return f->model != 0 && f->model != sh->model_serial;
}

int sh_figure(const Shell *sh, const char *name, double *value)
{
    for (size_t i = 0; i < sh->n_figures; i++) {
        if (strcmp(sh->figures[i].name, name) == 0) {
            *value = sh->figures[i].value;
            return sh_figure_stale(sh, &sh->figures[i]) ? SH_FIGURE_STALE : 0;
        }
    }
    return -1;
}
