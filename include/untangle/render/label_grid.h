/* label_grid.h: small grey images in a grid, each with a line of text under it
 * (the misclassified digits of `show errors`, "7→2" under each).
 *
 * The picture is white with a title band on top; each image is drawn grey on black
 * (0 black, 1 white, clamped, bilinear) in a LABEL_GRID_CELL square, its label
 * centred below in dark text, `cols` images per row. */
#ifndef UNTANGLE_LABEL_GRID_H
#define UNTANGLE_LABEL_GRID_H

#include <stddef.h>
#include "untangle/core/canvas.h"
#include "untangle/core/err.h"

#define LABEL_GRID_CELL 56   /* a 28x28 digit at twice its size */
#define LABEL_GRID_MAX 4096  /* images in one picture */

/* Pixel rectangle of image i's square (side LABEL_GRID_CELL), for tests. */
void label_grid_cell(size_t i, int cols, int *x, int *y);

/* x: (n, rows_px, cols_px) row-major floats, borrowed; labels: n strings (UTF-8) or
 * NULL; title may be NULL. A new Canvas (caller frees), or NULL with e set. */
Canvas *label_grid(const float *x, size_t n, int rows_px, int cols_px,
                   const char *const *labels, int cols, const char *title, Err *e);

#endif
