/* commands_extra.h: the pictures of a trained network (`show curves`, `show
 * confusion`, `show weights`, `show activations`, `show errors`, in
 * src/commands/show_nn.c) and a person's own digit (`predict image`, in
 * src/commands/digit.c).
 *
 * Each builds a Canvas and hands it to sh_show_picture (PNG file, terminal), and
 * reports figures for `expect`. */
#ifndef UNTANGLE_COMMANDS_EXTRA_H
#define UNTANGLE_COMMANDS_EXTRA_H

#include "untangle/commands/commands.h"
#include "untangle/embed/tsne.h"
#include "untangle/nn/nn.h"

/* The sub-commands of `show`, listed in show.c's table; their words and what
 * they report are in their specs (`help show curves`). */
extern const CmdSpec show_curves_spec, show_confusion_spec, show_weights_spec,
    show_activations_spec, show_errors_spec;                   /* show_nn.c */
extern const CmdSpec show_hulls_spec, show_ellipses_spec;     /* show_embed.c */

/* Rows of images a grid narrowed to stay legible in the terminal keeps there. */
#define SHOW_TERM_ROWS 3

/* `predict image FILE.png [to OUT.png]`, a sub-command of `predict`. */
extern const CmdSpec predict_image_spec;

/* fit's live view (fit_live.c): the curves growing while the model trains.
 * fit_live_progress takes every progress call of model_fit; fit_live_end draws
 * the last frame and writes it to the output folder (CMD_OK or CMD_ERR);
 * fit_live_epochs gives the last progress of each epoch, for the epoch lines
 * printed after the view on a terminal. */
typedef struct FitLive FitLive;
FitLive *fit_live_begin(Shell *sh, int epochs, size_t batch, size_t n_train);
void fit_live_progress(FitLive *l, const NnProgress *p);
int fit_live_on_terminal(const FitLive *l);
const NnProgress *fit_live_epochs(const FitLive *l, size_t *n);
int fit_live_end(FitLive *l);
void fit_live_free(FitLive *l); /* accepts NULL */

/* tsne's live view (tsne_live.c): the map forming. tsne_live_progress is a
 * TsneProgress (ctx: the TsneLive); labels (n) are borrowed for the view's life.
 * tsne_live_end draws the last frame, writes it and the animation of the run
 * (GIF) to the output folder and the report (CMD_OK or CMD_ERR). */
typedef struct TsneLive TsneLive;
TsneLive *tsne_live_begin(Shell *sh, const uint8_t *labels, size_t n, int n_iter);
void tsne_live_progress(void *ctx, const TsneProgressInfo *p);
int tsne_live_end(TsneLive *l);
void tsne_live_free(TsneLive *l); /* accepts NULL */

#endif
