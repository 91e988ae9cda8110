/* gif.c: animated GIFs through giflib 5 (see gif.h). */
#include <gif_lib.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "untangle/core/i18n.h"
#include "untangle/core/strbuf.h"
#include "untangle/core/xalloc.h"
#include "untangle/render/gif.h"

static int gif_write(GifFileType *g, const GifByteType *data, int n)
{
    sb_put(g->UserData, (const char *)data, (size_t)n);
    return n;
}

/* The application extension that makes browsers loop for ever. */
static int gif_put_loop(GifFileType *g)
{
    static const GifByteType app[11] = {'N', 'E', 'T', 'S', 'C', 'A', 'P', 'E', '2', '.', '0'};
    static const GifByteType loop[3] = {1, 0, 0}; /* sub-block 1, 0: loop for ever */
    if (EGifPutExtensionLeader(g, APPLICATION_EXT_FUNC_CODE) == GIF_ERROR ||
        EGifPutExtensionBlock(g, sizeof app, app) == GIF_ERROR ||
        EGifPutExtensionBlock(g, sizeof loop, loop) == GIF_ERROR ||
        EGifPutExtensionTrailer(g) == GIF_ERROR)
        return -1;
    return 0;
}

/* The frame's colours exactly when it has at most 256 of them (a plot drawn
 * without antialiasing, text aside, usually has): idx gets each pixel's entry.
 * Returns how many, or 0 when there are more. */
static int gif_exact_colours(const Canvas *c, GifColorType *colours, GifByteType *idx)
{
    enum { SLOTS = 1024 }; /* open addressing, a quarter full at most */
    uint32_t key[SLOTS];
    int16_t at[SLOTS];
    for (int i = 0; i < SLOTS; i++)
        at[i] = -1;
    int n = 0;
    size_t px = (size_t)c->w * (size_t)c->h;
    for (size_t i = 0; i < px; i++) {
        const uint8_t *p = c->px + 4 * i;
        uint32_t k = ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | p[2];
        uint32_t h = (k * 2654435761u) >> 22; /* 10 bits */
        while (at[h] >= 0 && key[h] != k)
            h = (h + 1) & (SLOTS - 1);
        if (at[h] < 0) {
            if (n == 256)
                return 0;
            key[h] = k;
            at[h] = (int16_t)n;
            colours[n].Red = p[0];
            colours[n].Green = p[1];
            colours[n].Blue = p[2];
            n++;
        }
        idx[i] = (GifByteType)at[h];
    }
    return n;
}

/* One frame: its delay, its own colour table, its rows. r, g, b, idx: scratch of
 * w*h bytes each. */
static int gif_put_frame(GifFileType *gf, const Canvas *c, int delay_cs, GifByteType *r,
                         GifByteType *g, GifByteType *b, GifByteType *idx)
{
    size_t n = (size_t)c->w * (size_t)c->h;
    GifColorType colours[256];
    memset(colours, 0, sizeof colours);
    int ncolours = gif_exact_colours(c, colours, idx);
    if (ncolours == 0) {
        for (size_t i = 0; i < n; i++) {
            r[i] = c->px[4 * i];
            g[i] = c->px[4 * i + 1];
            b[i] = c->px[4 * i + 2];
        }
        ncolours = 256;
        if (GifQuantizeBuffer((unsigned)c->w, (unsigned)c->h, &ncolours, r, g, b, idx,
                              colours) == GIF_ERROR)
            return -1;
    }
    int size = 2; /* a colour table has a power of two entries */
    while (size < ncolours)
        size *= 2;
    ColorMapObject *map = GifMakeMapObject(size, colours);
    if (!map)
        return -1;
    GraphicsControlBlock gcb = {.DisposalMode = DISPOSE_DO_NOT, .UserInputFlag = false,
                                .DelayTime = delay_cs, .TransparentColor = NO_TRANSPARENT_COLOR};
    GifByteType ext[4];
    size_t elen = EGifGCBToExtension(&gcb, ext);
    int rc = EGifPutExtension(gf, GRAPHICS_EXT_FUNC_CODE, (int)elen, ext) == GIF_ERROR ||
             EGifPutImageDesc(gf, 0, 0, c->w, c->h, false, map) == GIF_ERROR;
    for (int y = 0; !rc && y < c->h; y++)
        rc = EGifPutLine(gf, idx + (size_t)y * (size_t)c->w, c->w) == GIF_ERROR;
    GifFreeMapObject(map);
    return rc ? -1 : 0;
}

int gif_encode(Canvas *const *frames, size_t n, int delay_cs, int last_delay_cs, uint8_t **out,
               size_t *len, Err *e)
{
    *out = NULL;
    *len = 0;
    if (n == 0 || n > GIF_MAX_FRAMES || !frames[0])
        return err_set(e, _("an animation needs 1 to %d frames, not %zu"), GIF_MAX_FRAMES, n);
    int w = frames[0]->w, h = frames[0]->h;
    for (size_t i = 1; i < n; i++)
        if (!frames[i] || frames[i]->w != w || frames[i]->h != h)
            return err_set(e, _("frame %zu of the animation is not %dx%d like the first"), i, w, h);
    StrBuf buf = {0};
    int err = 0;
    GifFileType *gf = EGifOpen(&buf, gif_write, &err);
    if (!gf)
        return err_set(e, _("cannot start a GIF: %s"), GifErrorString(err));
    size_t px = (size_t)w * (size_t)h;
    GifByteType *scratch = xmalloc(4 * px); /* r, g, b, indices */
    EGifSetGifVersion(gf, true);            /* GIF89a: delays and the loop */
    int bad = EGifPutScreenDesc(gf, w, h, 8, 0, NULL) == GIF_ERROR || gif_put_loop(gf) != 0;
    for (size_t i = 0; !bad && i < n; i++)
        bad = gif_put_frame(gf, frames[i], i + 1 == n ? last_delay_cs : delay_cs, scratch,
                            scratch + px, scratch + 2 * px, scratch + 3 * px) != 0;
    int code = gf->Error;
    if (EGifCloseFile(gf, &err) == GIF_ERROR && !bad) {
        bad = 1;
        code = err;
    }
    free(scratch);
    if (bad) {
        sb_free(&buf);
        return err_set(e, _("cannot write the GIF: %s"), GifErrorString(code));
    }
    *len = buf.len;
    *out = (uint8_t *)sb_take(&buf);
    return 0;
}
