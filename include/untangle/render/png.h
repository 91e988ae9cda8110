/* png.h: PNG files and buffers on libpng, to and from a Canvas.
 *
 * Writing always produces 8-bit RGBA; files are written atomically (atomic_file.h).
 * Reading accepts any PNG libpng reads (grey, palette, 16-bit, with or without
 * alpha) and converts it to RGBA; sizes above CANVAS_MAX_SIDE are refused, and a
 * truncated or corrupt file is an error, never a crash.
 *
 * For tests and the fuzzer, the environment variable UNTANGLE_PNG_LEVEL=0..9 sets
 * zlib's compression level of the pictures written (read at each picture; unset:
 * zlib's default, 6). Level 0 stores the rows unfiltered: the file is as large as
 * the pixels and costs a copy instead of most of the time of the command that drew
 * it, with the same code paths on our side. */
#ifndef UNTANGLE_PNG_H
#define UNTANGLE_PNG_H

#include <stddef.h>
#include <stdint.h>
#include "untangle/core/canvas.h"
#include "untangle/core/err.h"

int png_write_file(const Canvas *c, const char *path, Err *e);
/* Encodes to a malloc'd buffer; caller frees *out. */
int png_encode(const Canvas *c, uint8_t **out, size_t *len, Err *e);
/* New canvas (caller frees with canvas_free), or NULL with e set. */
Canvas *png_read_file(const char *path, Err *e);
Canvas *png_decode(const uint8_t *buf, size_t len, Err *e);

#endif
