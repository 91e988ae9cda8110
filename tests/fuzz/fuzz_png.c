/* fuzz_png.c: the PNG reader (png_decode) on hostile bytes.
 *
 * Contract checked: an error has a one-line message; a picture read has a size
 * within CANVAS_MAX_SIDE, every pixel readable, and survives an encode/decode
 * round trip unchanged (the writer and the reader agree). */
#include "fuzz.h"
#include "fuzz_util.h"
#include "untangle/render/png.h"

int fuzz_png_one(const uint8_t *data, size_t size)
{
    Err e;
    err_clear(&e);
    Canvas *c = png_decode(data, size, &e);
    if (!c) {
        fz_check_msg("png_decode", e.msg);
        return 0;
    }
    if (c->w < 1 || c->h < 1 || c->w > CANVAS_MAX_SIDE || c->h > CANVAS_MAX_SIDE)
        fz_fail("png_decode gave a %dx%d canvas", c->w, c->h);
    size_t bytes = (size_t)c->w * (size_t)c->h * 4;
    volatile unsigned s = fz_touch(c->px, bytes);
    (void)s;
    /* Round trip only for small pictures: big ones would slow the fuzzer down. */
    if (bytes <= ((size_t)1 << 20)) {
        uint8_t *buf = NULL;
        size_t len = 0;
        if (png_encode(c, &buf, &len, &e) != 0)
            fz_fail("png_encode refused a canvas png_decode gave: %s", e.msg);
        Canvas *d = png_decode(buf, len, &e);
        if (!d)
            fz_fail("png_decode refused what png_encode wrote: %s", e.msg);
        if (d->w != c->w || d->h != c->h || memcmp(d->px, c->px, bytes) != 0)
            fz_fail("encode/decode round trip changed the picture");
        canvas_free(d);
        free(buf);
    }
    canvas_free(c);
    return 0;
}

#ifdef FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_png_one(data, size);
}
#endif
