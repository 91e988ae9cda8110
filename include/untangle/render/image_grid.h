/* image_grid.h: many small grey images laid out in one picture (exercise 0).
 *
 * Layout. n images, `cols` per row (the last row may be partial), each image
 * scaled (bilinear) to a square of `cell` x `cell` pixels and centred in a slot
 * of (cell + hpad) x (cell + vpad) pixels; slots touch, so neighbouring images are
 * hpad pixels apart across and vpad pixels apart down, with half of that around
 * the edge. The picture is
 *
 *     width  = min(cols, n) * (cell + hpad)
 *     height = ceil(n / cols) * (cell + vpad)
 *
 * Grey on black: a value 0 is black, 1 is white (values are clamped to [0, 1],
 * NaN draws black); the padding is black; alpha is opaque.
 *
 * The defaults mimic the lab's matplotlib figure of 200 digits in 10 rows of 20,
 * about 720x384 pixels: 28x28 digits scaled to 34 px, slots of 36 x 38 px, so
 * 200 images in 20 columns give 720 x 380 pixels. */
#ifndef UNTANGLE_IMAGE_GRID_H
#define UNTANGLE_IMAGE_GRID_H

#include <stddef.h>
#include "untangle/core/canvas.h"
#include "untangle/core/err.h"

#define IMAGE_GRID_CELL 34
#define IMAGE_GRID_HPAD 2
#define IMAGE_GRID_VPAD 4
#define IMAGE_GRID_COLS 20

typedef struct ImageGridLayout {
    int cols;       /* images per row, >= 1 */
    int cell;       /* side of each scaled image in pixels, >= 1 */
    int hpad, vpad; /* pixels between images across and down, >= 0 */
} ImageGridLayout;

/* The default layout above. */
ImageGridLayout image_grid_default(void);

/* Picture size for n images; returns 0, or -1 with e set when the layout is
 * invalid or the picture would exceed CANVAS_MAX_SIDE. */
int image_grid_size(size_t n, const ImageGridLayout *lay, int *w, int *h, Err *e);

/* Top-left corner of image i's cell (the scaled image, not its slot). */
void image_grid_cell_origin(size_t i, const ImageGridLayout *lay, int *x, int *y);

/* x: (n, rows_px, cols_px) row-major floats in [0, 1], borrowed. Returns a new
 * canvas (caller frees with canvas_free), or NULL with e set. */
Canvas *image_grid(const float *x, size_t n, int rows_px, int cols_px,
                   const ImageGridLayout *lay, Err *e);

#endif
