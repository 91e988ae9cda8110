/* gif.h: short animations as animated GIF (giflib), for the report of a t-SNE
 * run and the output folder.
 *
 * Every frame has its own colour table: its colours exactly when there are at
 * most 256 of them, else 256 chosen by giflib's median-cut quantizer
 * (GifQuantizeBuffer, 5 bits a channel). The animation loops (the NETSCAPE2.0 extension); each frame shows for
 * delay_cs hundredths of a second, the last one for last_delay_cs, so that the
 * final map stays in view a moment before the loop starts over. Alpha is
 * dropped (frames are opaque plots). */
#ifndef UNTANGLE_GIF_H
#define UNTANGLE_GIF_H

#include <stddef.h>
#include <stdint.h>
#include "untangle/core/canvas.h"
#include "untangle/core/err.h"

#define GIF_MAX_FRAMES 1000

/* Encodes the n frames (all of the same size; borrowed) into *out (caller frees),
 * *len bytes. Returns 0, or -1 with e set (no frame, sizes differ, giflib's
 * error). */
int gif_encode(Canvas *const *frames, size_t n, int delay_cs, int last_delay_cs, uint8_t **out,
               size_t *len, Err *e);

#endif
