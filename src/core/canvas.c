/* canvas.c: the RGBA picture every image and plot is drawn on. */
#include <stdlib.h>
#include <string.h>

#include "untangle/core/i18n.h"
#include "untangle/core/canvas.h"
#include "untangle/core/interrupt.h"
#include "untangle/core/xalloc.h"

Canvas *canvas_new(int w, int h, uint32_t rgba, Err *e)
{
    if (w < 1 || h < 1 || w > CANVAS_MAX_SIDE || h > CANVAS_MAX_SIDE) {
        err_set(e, _("picture size %dx%d is out of range; each side must be 1..%d"), w, h,
                CANVAS_MAX_SIDE);
        return NULL;
    }
    Canvas *c = xmalloc(sizeof *c);
    c->w = w;
    c->h = h;
    c->px = xmalloc((size_t)w * (size_t)h * 4);
    canvas_fill(c, rgba);
    return c;
}

void canvas_free(Canvas *c)
{
    if (!c)
        return;
    free(c->px);
    free(c);
}

void canvas_fill(Canvas *c, uint32_t rgba)
{
    uint8_t p[4] = {(uint8_t)(rgba >> 24), (uint8_t)(rgba >> 16), (uint8_t)(rgba >> 8),
                    (uint8_t)rgba};
    size_t n = (size_t)c->w * (size_t)c->h;
    for (size_t i = 0; i < n; i++) {
        /* A 16384x16384 picture is a gigabyte: Ctrl-C is looked at, and whoever
         * asked for the picture stops at its next look (the PNG writer does). */
        if ((i & 0xfffff) == 0 && interrupt_pending())
            return;
        memcpy(c->px + i * 4, p, 4);
    }
}

void canvas_set(Canvas *c, int x, int y, uint32_t rgba)
{
    if (x < 0 || y < 0 || x >= c->w || y >= c->h)
        return;
    uint8_t *p = c->px + ((size_t)y * (size_t)c->w + (size_t)x) * 4;
    p[0] = (uint8_t)(rgba >> 24);
    p[1] = (uint8_t)(rgba >> 16);
    p[2] = (uint8_t)(rgba >> 8);
    p[3] = (uint8_t)rgba;
}

uint32_t canvas_get(const Canvas *c, int x, int y)
{
    if (x < 0 || y < 0 || x >= c->w || y >= c->h)
        return 0;
    const uint8_t *p = c->px + ((size_t)y * (size_t)c->w + (size_t)x) * 4;
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void canvas_blit(Canvas *dst, const Canvas *src, int x, int y)
{
    for (int sy = 0; sy < src->h; sy++) {
        int dy = y + sy;
        if (dy < 0 || dy >= dst->h)
            continue;
        int sx0 = x < 0 ? -x : 0;
        int sx1 = src->w;
        if (x + sx1 > dst->w)
            sx1 = dst->w - x;
        if (sx1 <= sx0)
            continue;
        memcpy(dst->px + ((size_t)dy * (size_t)dst->w + (size_t)(x + sx0)) * 4,
               src->px + ((size_t)sy * (size_t)src->w + (size_t)sx0) * 4,
               (size_t)(sx1 - sx0) * 4);
    }
}
