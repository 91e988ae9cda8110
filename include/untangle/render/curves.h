/* curves.h: training curves, loss and accuracy per epoch, as two panels side by side.
 *
 * The picture is CURVES_WIDTH x CURVES_HEIGHT pixels, white: the left panel is the
 * loss, the right one the accuracy. Epochs are on x, starting at 1, with integer
 * ticks; each panel has y ticks, light grid lines and a legend giving each series'
 * last value. The training series is drawn in tab10 blue (plot_palette(0)), the
 * validation series, where it has finite values, in tab10 orange (plot_palette(1));
 * a NaN is a gap in the line. Each epoch is a dot as well when there are at most
 * CURVES_MAX_DOTS epochs. The loss legend sits top right (a falling loss leaves that
 * corner empty), the accuracy legend bottom right. */
#ifndef UNTANGLE_CURVES_H
#define UNTANGLE_CURVES_H

#include <stddef.h>
#include "untangle/core/canvas.h"
#include "untangle/core/err.h"

#define CURVES_WIDTH 880
#define CURVES_HEIGHT 340
#define CURVES_MAX_DOTS 40
#define CURVES_MAX_EPOCHS 1000000

typedef struct CurvesData {
    size_t n;                             /* epochs, 1..CURVES_MAX_EPOCHS */
    const float *loss, *accuracy;         /* (n) training figures; borrowed */
    const float *val_loss, *val_accuracy; /* (n) NaN where absent, or NULL; borrowed */
} CurvesData;

/* Pixel rectangle of panel 0 (loss) or 1 (accuracy): left, top, width, height. */
void curves_area(int panel, double *x, double *y, double *w, double *h);

/* A new Canvas (caller frees), or NULL with e set (no epochs, too many). */
Canvas *curves_picture(const CurvesData *d, Err *e);

/* The same two panels while a fit runs (its live view), CURVES_LIVE_WIDTH x
 * CURVES_LIVE_HEIGHT: the x axis spans the whole run, 0 to `epochs`, so the lines
 * grow from the left; the training figures are sampled along the epochs (no
 * dots), the validation ones are a dot at the end of each epoch; a caption line
 * runs under the panels. With no sample yet the panels are empty frames. */
#define CURVES_LIVE_WIDTH 720
#define CURVES_LIVE_HEIGHT 300
#define CURVES_LIVE_CAPTION 24
#define CURVES_LIVE_MAX_SAMPLES 100000

typedef struct CurvesLive {
    size_t n;                         /* samples of the training figures */
    const float *x;                   /* (n) epochs done at each, fractional: 1.5 is the
                                         middle of the second */
    const float *loss, *accuracy;     /* (n) running means over the epoch so far */
    size_t nv;                        /* epochs with validation figures */
    const float *vx, *val_loss, *val_accuracy; /* (nv) at the end of those epochs */
    int epochs;                       /* the length of the run, >= 1 */
    const char *caption;              /* the line under the panels, or NULL */
} CurvesLive;

/* Pixel rectangle of panel 0 (loss) or 1 (accuracy) of the live picture. */
void curves_live_area(int panel, double *x, double *y, double *w, double *h);
Canvas *curves_live_picture(const CurvesLive *d, Err *e);

#endif
