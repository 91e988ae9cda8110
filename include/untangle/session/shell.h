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
#include "untangle/render/term_probe.h"

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
    unsigned long model;  /* the Shell's model_serial when a figure about the model (an
                             evaluation, a fit, a prediction) was reported; 0: about
                             something else (the data, an embedding, a figure kept) */
} Figure;

/* A float matrix with its labels: predicted features or a 2-D embedding. */
typedef struct LabelledMatrix {
    float *x;       /* (n, d) row-major; owned */
    uint8_t *y;     /* (n) class labels; owned, may be NULL */
    size_t n, d;
    unsigned long model; /* features: the model_serial of the model that predicted them */
    char name[64];  /* where it came from: "raw test[0:1000]", "features of dense_2"... */
} LabelledMatrix;

struct Model;       /* nn.h */
struct Report;      /* report.h */
struct LessonOutline; /* lessons.h */
struct LearnState;  /* learn_state.h */

typedef struct Shell {
    FILE *out;                 /* command output (stdout) */
    FILE *err;                 /* error lines (stderr) */

    /* where the current command comes from */
    const char *where_file;    /* lesson path, "-c", "stdin", or NULL when typed at the prompt */
    long where_line;
    long stdin_line;           /* lines taken from stdin so far, by whichever reader, so that
                                  stdin:N is the Nth line of the input */
    int interactive;           /* commands are typed at a terminal */
    int tty_out;               /* out is a terminal: redraw progress bars in place */
    FILE *tty;                 /* the terminal pictures and live views are drawn on while
                                  tty_out (stdout; not the copy a report records) */
    int tty_in;                /* where the terminal's answers come from (stdin), -1: none */
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
    TermCaps term_caps;        /* what the terminal answered, asked once (term_probe.h) */
    int live;                  /* `set live on`: every fit shows its live view */
    char lang[8];              /* `set lang`: the language chosen, "" while the locale's
                                  (a French lesson then switches to French) */
    char output_dir[SH_PATH_MAX];
    char **allow_write;        /* --allow-write paths; owned */
    size_t n_allow_write;
    unsigned picture_count;    /* the last number given to a picture without `to FILE` */

    /* data (`load`) */
    Dataset train, test;
    char data_name[32];        /* "mnist", "fashion", "" when none */

    /* model (`model`, `compile`, `fit`...); the nn module owns these types */
    struct Model *model;       /* owned, NULL when none */
    unsigned long model_serial; /* counts the changes of the model (sh_model_changed): what
                                  was measured on an earlier one no longer holds */

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
    /* ... and how `learn` runs one in learn mode (lesson NULL: where the student
     * stopped). */
    int (*learn_lesson)(struct Shell *sh, const char *lesson);
    /* ... and how a lesson file is read for what it holds (lessons.h): 0, or -1
     * with e set. */
    int (*lesson_outline)(const char *path, struct LessonOutline *o, Err *e);
    /* ... the next line of the input commands come from (`answer` alone reads its
     * lines so), without its line break, caller frees; NULL at the end ... */
    char *(*read_line)(struct Shell *sh, const char *prompt);
    /* ... and how Markdown is shown as a quote, as lessons show answers. */
    void (*print_quote)(struct Shell *sh, const char *md);
    /* Where the student is in `untangle learn` (learn_state.h); borrowed from the
     * learn loop, NULL outside learn mode. */
    struct LearnState *learn;

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
/* The same for a figure about the model as it is now (its evaluation, its fit, a
 * prediction): once the model changes, the figure is stale. */
void sh_report_model(Shell *sh, const char *name, double value);
/* 0 when found (with *value); SH_FIGURE_STALE when it was measured on the model
 * before its last change (*value still set: `figures` shows it so); -1 when no
 * command reported it. */
#define SH_FIGURE_STALE 1
int sh_figure(const Shell *sh, const char *name, double *value);
/* Every command that changes the model (new, add, pop, load, compile, fit) calls
 * this: the figures and features of the model before no longer hold. */
void sh_model_changed(Shell *sh);
/* Whether the figure was measured on the model before one of its changes. */
int sh_figure_stale(const Shell *sh, const Figure *f);

/* Reading one word a handler checks itself (a range known only at run time):
 * each returns 0, or -1 after sh_error naming `what`, the bad text and the
 * valid range or choices. Declared words are read by the command specs
 * (untangle/commands/commands.h), not here. */
int arg_long(Shell *sh, const char *what, const char *text, long lo, long hi, long *out);
int arg_double(Shell *sh, const char *what, const char *text, double lo, double hi, double *out);

/* Files. sh_output_path picks where a picture or file goes: `to_path` when given
 * (refused outside the output folder during a lesson unless --allow-write covers
 * it), else OUTPUT_DIR/NNNN-stem.ext with the number after the highest in the
 * folder, so that names sort in the order they were written, across runs; the
 * name is reserved (created empty) so that two runs never take the same one.
 * Creates the output folder. Returns 0 or -1 after sh_error. */
int sh_output_path(Shell *sh, const char *to_path, const char *stem, const char *ext,
                   char *out, size_t cap);
/* Creates the output folder and its parents (mkdir -p); 0, or -1 after sh_error. */
int sh_make_output_dir(Shell *sh);
/* Checks that a lesson may write `path` (always true outside lessons). */
int sh_check_write(Shell *sh, const char *path);

/* A lesson about to write `path` (depth > 0) that the student made themselves (not
 * written by a lesson, or changed since) keeps it as PATH.bak (or PATH.bak.N when
 * that is taken) and says so. Outside lessons, nothing. Returns 0 or -1 after
 * sh_error. */
int sh_keep_student_file(Shell *sh, const char *path);
/* Records that a lesson (depth > 0) wrote `path`, in OUTPUT_DIR/.lesson-files. */
void sh_note_lesson_file(Shell *sh, const char *path);

/* Writes c as PNG (see sh_output_path), prints "wrote PATH (WxH)" and adds it to
 * the report; the path written goes to `written` (cap bytes) when not NULL. */
int sh_write_picture(Shell *sh, const Canvas *c, const char *stem, const char *to_path,
                     char *written, size_t cap);
/* Writes an animated GIF (len bytes, w x h, `frames` frames) as
 * OUTPUT/NNNN-stem.gif, prints "wrote PATH (WxH, N frames)" and adds it to the
 * report. */
int sh_write_animation(Shell *sh, const uint8_t *gif, size_t len, int w, int h, size_t frames,
                       const char *stem);
/* sh_write_picture, then draws c in the terminal according to sh->term. */
int sh_show_picture(Shell *sh, const Canvas *c, const char *stem, const char *to_path);

/* What the terminal shows instead of a grid too wide to stay legible there: the
 * first `shown` of the `total` images, in fewer columns. */
typedef struct TermView {
    Canvas *c;       /* borrowed */
    size_t shown, total;
} TermView;
/* sh_show_picture, drawing tv->c (when tv and tv->c are given) in the terminal
 * and saying how many images the PNG holds. */
int sh_show_picture_as(Shell *sh, const Canvas *c, const TermView *tv, const char *stem,
                       const char *to_path);

/* Pictures in the terminal. sh_term_stream: where they go (the terminal while
 * tty_out; out itself when a mode was set explicitly; NULL: not drawn).
 * sh_term_caps: what the terminal answered, asked once when there is one.
 * sh_term_target: the mode pictures are drawn in now (auto resolved from the
 * answers: kitty, sixel, else blocks; ASCII on a dumb terminal), into *t for
 * term_draw_to; TERM_NONE when they are not drawn. */
FILE *sh_term_stream(Shell *sh);
const TermCaps *sh_term_caps(Shell *sh);
TermMode sh_term_target(Shell *sh, TermTarget *t);
/* How many images fit side by side in the terminal at a legible size, for a
 * grid whose slots are `slot_source_px` pixels of the source images across (a
 * 28-pixel digit with its margin: about 30): each source pixel gets at least
 * 1/TERM_LEGIBLE_PX_PER_CELL of a cell. 0 when pictures are not drawn as
 * symbols (pixel modes show the grid whole, files only). */
int sh_term_grid_columns(Shell *sh, double slot_source_px);

#define LIVE_STATUS_MAX 240

/* A live view (`fit ... live`, `tsne ... live`): a picture redrawn in place with a
 * status line under it on a terminal, a line of text now and then elsewhere; the
 * last frame goes to the output folder. The work asks sh_live_due whether to show
 * a frame now (on a terminal: when enough time has passed since the last one,
 * more when frames were slow to make, so that drawing costs a few percent of the
 * time at most; elsewhere: at each tenth of the work), then builds its picture
 * only when sh_live_wants_picture says so, and hands it to sh_live_show. */
typedef struct LiveView {
    Shell *sh;
    TermLive term;      /* the in-place region, when on_term */
    int on_term;        /* frames are drawn in the terminal */
    double start;       /* when the view began */
    double last;        /* when the last frame was shown */
    double due_at;      /* when sh_live_due last said yes: frames cost from there */
    double cost;        /* seconds the slowest recent frame took to make and draw */
    double drawing;     /* seconds spent on frames in all */
    int next_tenth;     /* off a terminal: the next tenth of the work to report */
    size_t frames;
    char said[LIVE_STATUS_MAX]; /* off a terminal: the last line printed */
} LiveView;

#define LIVE_MIN_INTERVAL 0.25 /* seconds between frames at most 4 a second */
#define LIVE_COST_SHARE 0.025  /* frames take at most this share of the time */
#define LIVE_FIRST_COST 0.04   /* seconds the first frame is taken to cost (fonts load) */
#define LIVE_SPARE_ROWS 3      /* terminal rows left free: the status line and a margin */

void sh_live_begin(Shell *sh, LiveView *v);
/* done: the share of the work done, 0..1. */
int sh_live_due(LiveView *v, double done);
int sh_live_wants_picture(const LiveView *v);
/* Shows the frame (c may be NULL off a terminal; freed here) or prints status. */
void sh_live_show(LiveView *v, Canvas *c, const char *status);
/* Ends the view: draws `last` (freed here) as the final frame, writes it as
 * OUTPUT/NNNN-stem.png, and returns CMD_OK or CMD_ERR after sh_error. */
int sh_live_end(LiveView *v, Canvas *last, const char *status, const char *stem);

/* Progress for long work: a bar redrawn in place on a TTY, nothing otherwise. */
void sh_progress(Shell *sh, const char *label, size_t done, size_t total);
void sh_progress_end(Shell *sh);

#endif
