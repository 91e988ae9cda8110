/* shell.h: the session every command works on, and the helpers handlers use.
 *
 * Everything a session holds lives in one Shell: data, model, features,
 * embedding, settings, the figures `expect` checks, and where the current
 * command came from (for FILE:LINE messages). Command handlers have the form
 *
 *     int cmd_x(Shell *sh, int argc, char **argv);   argv[0] is the command name
 *
 * and return CMD_OK, CMD_ERR (after sh_error, which records the message) or
 * CMD_EXIT. Handlers print through sh_printf, never straight to stdout, so that
 * a replay can be captured. */
#ifndef UNTANGLE_SHELL_H
#define UNTANGLE_SHELL_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "untangle/core/canvas.h"
#include "untangle/core/dataset.h"
#include "untangle/core/err.h"
#include "untangle/core/rng.h"
#include "untangle/render/term.h"

enum { CMD_OK = 0, CMD_ERR = 1, CMD_EXIT = 2 };

#define FIGURE_NAME_MAX 48
#define FIGURES_MAX 512
#define SH_PATH_MAX 1024
#define SH_LESSON_NESTING 8  /* lessons replaying lessons (`need`), at most */

/* --quick (the lesson replays of `make check`): data and work are capped so that
 * every lesson replays in seconds; `expect NAME OP V quick Q` gives the threshold
 * for that size. */
#define SH_QUICK_TRAIN 6000   /* `load`: at most this many training images */
#define SH_QUICK_TEST 1000    /* `load`: at most this many test images */
#define SH_QUICK_EPOCHS 3     /* `fit`: at most this many epochs */

/* A number a command reported, which `expect NAME OP VALUE` can check. */
typedef struct Figure {
    char name[FIGURE_NAME_MAX];
    double value;
} Figure;

/* A float matrix with its labels: predicted features or a 2-D embedding. */
typedef struct LabelledMatrix {
    float *x;       /* (n, d) row-major; owned */
    uint8_t *y;     /* (n) class labels; owned, may be NULL */
    size_t n, d;
    char name[64];  /* where it came from: "raw test[0:1000]", "features of dense_2"... */
} LabelledMatrix;

struct Model;       /* nn.h */
struct Report;      /* report.h */

typedef struct Shell {
    FILE *out;                 /* command output (stdout) */
    FILE *err;                 /* error lines (stderr) */

    /* where the current command comes from */
    const char *where_file;    /* lesson path, "-c", "stdin", or NULL when typed at the prompt */
    long where_line;
    int interactive;           /* commands are typed at a terminal */
    int tty_out;               /* out is a terminal: redraw progress bars in place */
    int quick;                 /* --quick: lessons run on subsets (see lesson.h) */
    int step;                  /* --step: pause before blocks and answers */
    int depth;                 /* nesting of lesson files */
    const char *lesson_chain[SH_LESSON_NESTING]; /* borrowed: the lessons being replayed,
                                  outermost first, so that `need` sees a cycle */
    size_t n_lessons;
    int error_shown;           /* the failing command's error line is already printed
                                  (a nested lesson's): the dispatcher adds none */
    int output_lost;           /* errno of the first failed write to out (ENOSPC, EPIPE), or 0 */
    int output_reported;       /* ... and its error line is printed */

    /* settings (`set`) */
    uint64_t seed;
    Rng rng;
    int threads;
    TermMode term;
    char output_dir[SH_PATH_MAX];
    char **allow_write;        /* --allow-write paths; owned */
    size_t n_allow_write;
    unsigned picture_count;    /* numbers pictures written without `to FILE` */

    /* data (`load`) */
    Dataset train, test;
    char data_name[32];        /* "mnist", "fashion", "" when none */

    /* model (`model`, `compile`, `fit`...); the nn module owns these types */
    struct Model *model;       /* owned, NULL when none */

    /* `predict` output and `tsne` output */
    LabelledMatrix features;
    LabelledMatrix embedding;

    /* figures for `expect` */
    Figure figures[FIGURES_MAX];
    size_t n_figures;

    /* The record of the session (report.h): every command with its output, figures
     * and pictures, the lessons' prose, questions and answers; what `handin` and
     * --html write, what `save lesson` reads. Owned; made by shell_init. */
    struct Report *report;
    long recording;            /* index in report of the command running, -1 when none */
    char student_name[128];    /* `set name`; empty: $USER (see handin.h) */

    /* Set by the front end (src/frontend), which sits above the commands: how
     * `need` replays a lesson. NULL when no front end is attached. */
    int (*replay_lesson)(struct Shell *sh, const char *path);

    char errmsg[ERR_MSG_MAX];  /* the last error, set by sh_error */
} Shell;

/* Session life. shell_init sets defaults (seed 0, threads = cores up to 2, output
 * ./out, term auto); shell_free releases everything the session owns. */
void shell_init(Shell *sh);
void shell_free(Shell *sh);

/* Output. */
void sh_printf(Shell *sh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Records the error for the dispatcher to print with the place; returns CMD_ERR. */
int sh_error(Shell *sh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int sh_error_err(Shell *sh, const Err *e); /* same with a library Err */

/* Figures for expect: sets (or replaces) NAME = value. Names are lower case,
 * dotted for sub-figures: "accuracy", "loss", "params", "nh", "nh.3", "kl". */
void sh_report(Shell *sh, const char *name, double value);
int sh_figure(const Shell *sh, const char *name, double *value); /* 0 when found */

/* Reading one word a handler checks itself (a range known only at run time):
 * each returns 0, or -1 after sh_error naming `what`, the bad text and the
 * valid range or choices. Declared words are read by the command specs
 * (untangle/commands/commands.h), not here. */
int arg_long(Shell *sh, const char *what, const char *text, long lo, long hi, long *out);
int arg_double(Shell *sh, const char *what, const char *text, double lo, double hi, double *out);

/* Files. sh_output_path picks where a picture or file goes: `to_path` when given
 * (refused outside the output folder during a lesson unless --allow-write covers
 * it), else OUTPUT_DIR/NNN-stem.ext with the next picture number. Creates the
 * output folder. Returns 0 or -1 after sh_error. */
int sh_output_path(Shell *sh, const char *to_path, const char *stem, const char *ext,
                   char *out, size_t cap);
/* Creates the output folder and its parents (mkdir -p); 0, or -1 after sh_error. */
int sh_make_output_dir(Shell *sh);
/* Checks that a lesson may write `path` (always true outside lessons). */
int sh_check_write(Shell *sh, const char *path);

/* Writes c as PNG (see sh_output_path), prints "wrote PATH (WxH)", and draws it
 * in the terminal according to sh->term. */
int sh_show_picture(Shell *sh, const Canvas *c, const char *stem, const char *to_path);

/* Progress for long work: a bar redrawn in place on a TTY, nothing otherwise. */
void sh_progress(Shell *sh, const char *label, size_t done, size_t total);
void sh_progress_end(Shell *sh);

#endif
