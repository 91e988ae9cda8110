/* canvas.h: an RGBA picture in memory, the one image type of untangle.
 *
 * Pixels are 8-bit RGBA, non-premultiplied, rows top to bottom, stride w*4 bytes:
 * px[(y*w + x)*4 + {0,1,2,3}] = R, G, B, A. PNG files, the terminal and Cairo
 * plots all go through a Canvas. */
#ifndef UNTANGLE_CANVAS_H
#define UNTANGLE_CANVAS_H

#include <stddef.h>
#include <stdint.h>
#include "untangle/core/err.h"

#define CANVAS_MAX_SIDE 16384 /* refuse larger pictures: 16384^2*4 = 1 GiB */

typedef struct Canvas {
    int w, h;
    uint8_t *px; /* (h, w, 4) RGBA row-major; owned by the canvas */
} Canvas;

/* New canvas filled with one colour 0xRRGGBBAA; NULL with e set when w or h is not
 * in 1..CANVAS_MAX_SIDE. Free with canvas_free (accepts NULL). */
Canvas *canvas_new(int w, int h, uint32_t rgba, Err *e);
void canvas_free(Canvas *c);

void canvas_fill(Canvas *c, uint32_t rgba);
/* Sets one pixel; coordinates outside the canvas are ignored. */
void canvas_set(Canvas *c, int x, int y, uint32_t rgba);
uint32_t canvas_get(const Canvas *c, int x, int y); /* 0 outside */
/* Copies src onto dst with its top-left corner at (x, y), clipped. */
void canvas_blit(Canvas *dst, const Canvas *src, int x, int y);

#endif
