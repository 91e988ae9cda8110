/* digit_view.h: the picture `predict image` shows: the person's picture, the 28x28
 * digit the network sees, and its class probabilities; and one image of the data
 * set enlarged (`show image`).
 *
 * Three panels side by side on white: the original (fitted in DIGIT_VIEW_PANEL
 * pixels, aspect kept), the normalised digit at DIGIT_VIEW_ZOOM times its size (grey
 * on black, square pixels, the scaled 20x20 box outlined), and, when probabilities
 * are given, a bar per class with the most probable in red. */
#ifndef UNTANGLE_DIGIT_VIEW_H
#define UNTANGLE_DIGIT_VIEW_H

#include <stddef.h>
#include "untangle/core/canvas.h"
#include "untangle/core/err.h"

#define DIGIT_VIEW_PANEL 224
#define DIGIT_VIEW_ZOOM 8

/* Top-left corner of the normalised digit's panel (its pixel (x, y) covers
 * DIGIT_VIEW_ZOOM^2 pixels from there), for tests. */
void digit_view_origin(int *x, int *y);

/* original: the picture as read (borrowed); digit: (side, side) floats in [0, 1];
 * box: {x, y, w, h} of the scaled ink box in the digit, or NULL; probs: (k) class
 * probabilities or NULL (k <= 32). A new Canvas (caller frees), or NULL with e set. */
Canvas *digit_view(const Canvas *original, const float *digit, int side, const int box[4],
                   const float *probs, size_t k, Err *e);

/* One image alone (`show image N`): img (rows, cols) in [0, 1] at DIGIT_VIEW_ZOOM
 * times its size, grey on black, square pixels, with `title` above and `caption`
 * under it (either may be NULL), and the class probabilities beside it when
 * probs (k <= 32) is given. A new Canvas (caller frees), or NULL with e set. */
Canvas *image_view(const float *img, int rows, int cols, const char *title,
                   const char *caption, const float *probs, size_t k, Err *e);

#endif
