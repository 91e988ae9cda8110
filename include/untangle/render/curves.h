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

#endif
