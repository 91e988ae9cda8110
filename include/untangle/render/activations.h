/* activations.h: what one image becomes through each layer of a network.
 *
 * The picture stacks one band per map, top to bottom, each headed by its label
 * (e.g. "conv2d_1 (Conv2D) (28, 28, 32)") and the range of its values:
 *  - a map of rank 3 (h, w, c) shows its c channels as small grey images in rows
 *    (wrapping at the picture's width), each numbered from 0;
 *  - a map of rank 1 (d) with d <= ACT_BARS_MAX values is a bar chart with the index
 *    under each bar (the class probabilities of a softmax on top);
 *  - a longer rank-1 map is a strip of grey cells wrapping at the width.
 * Grey levels are shared by a whole band: its smallest value is black and its
 * largest white, so channels of one layer compare with each other (a per-band
 * range, because sigmoid maps live in about 0.4..0.6 and would be one grey on
 * 0..1); the header prints the range. Bars grow from 0, up or down. */
#ifndef UNTANGLE_ACTIVATIONS_H
#define UNTANGLE_ACTIVATIONS_H

#include <stddef.h>
#include "untangle/core/canvas.h"
#include "untangle/core/err.h"

#define ACT_WIDTH 760
#define ACT_BARS_MAX 32
#define ACT_MAX_MAPS 128

typedef struct ActMap {
    const char *label;  /* header of the band; borrowed */
    const float *v;     /* rank 3: (h, w, c) channels-last; rank 1: (d); borrowed */
    int rank;           /* 1 or 3 */
    int h, w, c;        /* rank 3 sizes; rank 1 uses c as d (h = w = 1) */
} ActMap;

/* The stacked picture of n maps (1..ACT_MAX_MAPS) under `title` (may be NULL).
 * A new Canvas (caller frees), or NULL with e set. */
Canvas *activations_picture(const ActMap *maps, size_t n, const char *title, Err *e);

#endif
