/* weights.h: pictures of a layer's weights in a diverging colour map.
 *
 * Colours: blue for negative weights, white for 0, red for positive ones, over a
 * scale symmetric around 0 (so white is always exactly 0): weights_colour(-1) is dark
 * blue, -0.5 blue, 0 white, 0.5 red, 1 dark red, linear between (matplotlib's
 * "RdBu" reversed). Every picture is white with a
 * title, and a colour bar at the bottom labelled with the scale.
 *
 * Three pictures:
 *  - weights_units_picture: a dense layer whose inputs are an image (784 = 28x28):
 *    each unit's weights as a rows x cols image (the "templates" of logistic
 *    regression look like digits), in a grid, each labelled with its unit index from
 *    0 (Keras' numbering: unit j of the softmax layer is digit j). The scale is
 *    shared by all units (WEIGHTS_SCALE_SHARED: units compare with each other) or
 *    each unit's own largest |w| (WEIGHTS_SCALE_UNIT: each pattern at full contrast).
 *  - weights_matrix_picture: any dense layer as a heat map, one row per unit, one
 *    column per input.
 *  - weights_filters_picture: a conv2d layer's filters. With one input channel,
 *    one kh x kw image per filter in a grid; with cin channels, one row per filter
 *    and one column per input channel (every (filter, channel) kernel is shown:
 *    a mean over channels would let kernels of opposite sign cancel out).
 *    The scale is shared by the whole layer. */
#ifndef UNTANGLE_WEIGHTS_H
#define UNTANGLE_WEIGHTS_H

#include <stddef.h>
#include <stdint.h>
#include "untangle/core/canvas.h"
#include "untangle/core/err.h"

#define WEIGHTS_MAX_UNITS 2500    /* units drawn as images; more are cut (the title says) */
#define WEIGHTS_MAX_CELLS 8192    /* conv (filter, channel) kernels drawn */

typedef enum { WEIGHTS_SCALE_SHARED, WEIGHTS_SCALE_UNIT } WeightsScale;
extern const char *const weights_scale_names[]; /* "shared", "unit", NULL */

/* t in [-1, 1] (clamped; NaN is grey): blue, white at 0, red. Opaque 0xRRGGBBAA. */
uint32_t weights_colour(double t);

/* Layout of the units picture, for tests: the pixel rectangle (x, y, w, h) of unit
 * j's rows x cols image. */
void weights_units_cell(size_t units, int rows, int cols, size_t j, int *x, int *y, int *w,
                        int *h);

/* w: (in, units) row-major, as a dense layer stores it, with in == rows * cols;
 * borrowed. title may be NULL. A new Canvas (caller frees), or NULL with e set. */
Canvas *weights_units_picture(const float *w, size_t in, size_t units, int rows, int cols,
                              WeightsScale scale, const char *title, Err *e);
/* w: (in, units) row-major; drawn with units as rows. */
Canvas *weights_matrix_picture(const float *w, size_t in, size_t units, const char *title,
                               Err *e);
/* w: (kh, kw, cin, filters) row-major, as conv2d stores it. */
Canvas *weights_filters_picture(const float *w, int kh, int kw, int cin, int filters,
                                const char *title, Err *e);

#endif
