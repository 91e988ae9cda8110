/* png.c: Canvas <-> PNG through libpng, to files (atomically) and to memory.
 *
 * libpng reports errors by calling an error function that must not return; we
 * record its message in a PngCtx and longjmp back to the setjmp in the calling
 * function, so nothing is ever printed. Every object that is created after the
 * setjmp and must be freed on the error path is held in a volatile pointer:
 * after a longjmp, non-volatile locals modified since setjmp are indeterminate.
 *
 * The decoder is meant to survive hostile input (it is fuzzed): sizes are
 * checked before any allocation, ancillary chunks are capped, and a picture that
 * claims more pixels than its compressed data could possibly hold is refused
 * before the canvas is allocated. */
#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "untangle/core/i18n.h"
#include "untangle/core/atomic_file.h"
#include "untangle/core/files.h"
#include "untangle/core/interrupt.h"
#include "untangle/render/png.h"
#include "untangle/core/xalloc.h"

/* Largest decoded picture: 16384^2 RGBA pixels, which is what CANVAS_MAX_SIDE allows. */
#define PNG_MAX_DECODED_BYTES ((size_t)1 << 30)
/* Cap on the memory one ancillary chunk (text, ICC profile...) may take. */
#define PNG_CHUNK_MALLOC_MAX (8u << 20)
/* deflate cannot expand data more than about 1032:1; with some margin, a file
 * shorter than raw_bytes / PNG_MAX_INFLATE_RATIO cannot hold the whole picture. */
#define PNG_MAX_INFLATE_RATIO 1100u
#define PNG_SIG_BYTES 8

/* What libpng said, and where the data comes from or goes to. */
typedef struct PngCtx {
    char reason[200];   /* libpng's error message */
    char warning[200];  /* its first warning (the details of "Invalid IHDR data") */
    const char *label;  /* file name, or "<memory>" */
    /* reading source: a file, or a buffer with a cursor */
    FILE *in;
    const uint8_t *buf;
    size_t len, pos;
    /* writing sink: a file, or a growing buffer */
    FILE *out;
    uint8_t *obuf;
    size_t olen, ocap;
    int write_errno;
    int interrupted;    /* the stop flag ended the encoding */
    /* our own refusal, set just before png_error; kept here rather than in a local
     * because locals changed between setjmp and longjmp are indeterminate */
    char refusal[ERR_MSG_MAX];
} PngCtx;

static void on_error(png_structp png, png_const_charp msg)
{
    PngCtx *ctx = png_get_error_ptr(png);
    snprintf(ctx->reason, sizeof ctx->reason, "%s", msg ? msg : _("unknown error"));
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg)
{
    PngCtx *ctx = png_get_error_ptr(png);
    if (!ctx->warning[0])
        snprintf(ctx->warning, sizeof ctx->warning, "%s", msg ? msg : "");
}

/* ---------------------------------------------------------------- writing */

static void sink_write(png_structp png, png_bytep data, size_t n)
{
    PngCtx *ctx = png_get_io_ptr(png);
    if (ctx->out) {
        if (fwrite(data, 1, n, ctx->out) != n) {
            ctx->write_errno = errno ? errno : EIO;
            png_error(png, "write failed");
        }
        return;
    }
    size_t need;
    if (size_add(ctx->olen, n, &need) != 0)
        png_error(png, "encoded picture too large");
    if (need > ctx->ocap) {
        size_t cap = ctx->ocap ? ctx->ocap : 4096;
        while (cap < need)
            cap = cap > SIZE_MAX / 2 ? need : cap * 2;
        ctx->obuf = xrealloc(ctx->obuf, cap);
        ctx->ocap = cap;
    }
    memcpy(ctx->obuf + ctx->olen, data, n);
    ctx->olen = need;
}

static void sink_flush(png_structp png) { (void)png; }

static int check_canvas(const Canvas *c, Err *e)
{
    if (!c || !c->px || c->w < 1 || c->h < 1 || c->w > CANVAS_MAX_SIDE || c->h > CANVAS_MAX_SIDE)
        return err_set(e, _("cannot encode an empty or oversized picture as PNG"));
    return 0;
}

/* The compression level UNTANGLE_PNG_LEVEL asks for (png.h); at level 0 the
 * rows are not filtered either, since stored data gains nothing from a filter and
 * libpng would still try all five on every row. */
static void set_level(png_structp png)
{
    const char *v = getenv("UNTANGLE_PNG_LEVEL");
    if (!v || v[0] < '0' || v[0] > '9' || v[1])
        return;
    int level = v[0] - '0';
    png_set_compression_level(png, level);
    if (level == 0)
        png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_NONE);
}

/* Encodes c as 8-bit RGBA PNG into ctx's sink. Returns 0, or -1 with ctx->reason set. */
static int encode(const Canvas *c, PngCtx *ctx)
{
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, ctx, on_error, on_warning);
    if (!png) {
        snprintf(ctx->reason, sizeof ctx->reason, "libpng could not start");
        return -1;
    }
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        snprintf(ctx->reason, sizeof ctx->reason, "libpng could not start");
        return -1;
    }
    /* png and info are not modified after setjmp, so they need not be volatile. */
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return -1;
    }
    png_set_write_fn(png, ctx, sink_write, sink_flush);
    set_level(png);
    png_set_IHDR(png, info, (png_uint_32)c->w, (png_uint_32)c->h, 8, PNG_COLOR_TYPE_RGB_ALPHA,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    size_t stride = (size_t)c->w * 4;
    for (int y = 0; y < c->h; y++) {
        if ((y & 63) == 0 && interrupt_pending()) {
            ctx->interrupted = 1;
            png_error(png, "interrupted");
        }
        png_write_row(png, c->px + (size_t)y * stride);
    }
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    return 0;
}

int png_encode(const Canvas *c, uint8_t **out, size_t *len, Err *e)
{
    *out = NULL;
    *len = 0;
    if (check_canvas(c, e) != 0)
        return -1;
    PngCtx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.label = "<memory>";
    if (encode(c, &ctx) != 0) {
        free(ctx.obuf);
        return err_set(e, _("cannot encode PNG: %s"), ctx.reason);
    }
    *out = ctx.obuf;
    *len = ctx.olen;
    return 0;
}

int png_write_file(const Canvas *c, const char *path, Err *e)
{
    if (check_canvas(c, e) != 0)
        return -1;
    AtomicFile af;
    if (atomic_open(&af, path, e) != 0)
        return -1;
    PngCtx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.label = path;
    ctx.out = af.f;
    if (encode(c, &ctx) != 0) {
        atomic_abort(&af);
        if (ctx.interrupted)
            return err_interrupted(e, _("writing the picture; the previous file, if any, is "
                                      "unchanged"));
        if (ctx.write_errno)
            return err_set(e, _("cannot write '%s': %s; the previous file, if any, is unchanged"),
                           path, strerror(ctx.write_errno));
        return err_set(e, _("cannot write '%s': %s"), path, ctx.reason);
    }
    return atomic_commit(&af, e);
}

/* ---------------------------------------------------------------- reading */

static void source_read(png_structp png, png_bytep data, size_t n)
{
    PngCtx *ctx = png_get_io_ptr(png);
    if (ctx->in) {
        if (fread(data, 1, n, ctx->in) != n)
            png_error(png, ferror(ctx->in) ? _("read error") : _("file ends early"));
        return;
    }
    if (n > ctx->len - ctx->pos)
        png_error(png, "data ends early");
    memcpy(data, ctx->buf + ctx->pos, n);
    ctx->pos += n;
}

/* Turns libpng's message into ours: an oversized header reads better as such. */
static void decode_error(const PngCtx *ctx, Err *e)
{
    if (strstr(ctx->warning, "exceeds user limit") || strstr(ctx->reason, "exceeds user limit"))
        err_set(e, _("PNG '%s' is too large: %s; pictures are limited to %dx%d pixels"), ctx->label,
                ctx->warning[0] ? ctx->warning : ctx->reason, CANVAS_MAX_SIDE, CANVAS_MAX_SIDE);
    else if (ctx->warning[0] && strcmp(ctx->reason, ctx->warning) != 0)
        err_set(e, _("truncated or corrupt PNG '%s': %s (%s)"), ctx->label, ctx->reason,
                ctx->warning);
    else
        err_set(e, _("truncated or corrupt PNG '%s': %s"), ctx->label, ctx->reason);
}

/* Decodes from ctx's source, whose first PNG_SIG_BYTES bytes were already read and
 * checked; total is the size of the whole input (0 when unknown). */
static Canvas *decode(PngCtx *ctx, size_t total, Err *e)
{
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, ctx, on_error, on_warning);
    if (!png) {
        err_set(e, _("cannot read PNG '%s': libpng could not start"), ctx->label);
        return NULL;
    }
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        err_set(e, _("cannot read PNG '%s': libpng could not start"), ctx->label);
        return NULL;
    }
    Canvas *volatile cv = NULL;          /* allocated after setjmp: must survive longjmp */
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        canvas_free(cv);
        if (ctx->refusal[0])
            err_set(e, "%s", ctx->refusal);
        else
            decode_error(ctx, e);
        return NULL;
    }
    png_set_read_fn(png, ctx, source_read);
    png_set_sig_bytes(png, PNG_SIG_BYTES);
    png_set_user_limits(png, CANVAS_MAX_SIDE, CANVAS_MAX_SIDE);
    png_set_chunk_malloc_max(png, PNG_CHUNK_MALLOC_MAX);
    png_read_info(png, info);

    png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    int color = png_get_color_type(png, info);
    size_t raw_bytes, bytes;
    if (size_mul(png_get_rowbytes(png, info), h, &raw_bytes) != 0 ||
        size_mul((size_t)w * 4, h, &bytes) != 0 || bytes > PNG_MAX_DECODED_BYTES) {
        snprintf(ctx->refusal, sizeof ctx->refusal, "PNG '%s' is too large (%ux%u pixels)",
                 ctx->label, (unsigned)w, (unsigned)h);
        png_error(png, "too large");
    }
    if (total && raw_bytes / PNG_MAX_INFLATE_RATIO > total) {
        snprintf(ctx->refusal, sizeof ctx->refusal,
                 "truncated or corrupt PNG '%s': %zu bytes cannot hold a %ux%u picture",
                 ctx->label, total, (unsigned)w, (unsigned)h);
        png_error(png, "too short");
    }
    Err budget;
    if (mem_check_budget(bytes, _("the PNG picture"), &budget) != 0) {
        snprintf(ctx->refusal, sizeof ctx->refusal, "%s", budget.msg);
        png_error(png, "over budget");
    }

    /* Whatever the file holds becomes 8-bit RGBA. */
    png_set_expand(png); /* palette -> RGB, grey < 8 bits -> 8 bits, tRNS -> alpha */
    png_set_strip_16(png);
    if (!(color & PNG_COLOR_MASK_COLOR))
        png_set_gray_to_rgb(png);
    if (!(color & PNG_COLOR_MASK_ALPHA) && !png_get_valid(png, info, PNG_INFO_tRNS))
        png_set_add_alpha(png, 0xff, PNG_FILLER_AFTER);
    int passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_rowbytes(png, info) != (size_t)w * 4) {
        snprintf(ctx->refusal, sizeof ctx->refusal,
                 "cannot read PNG '%s': its pixel format (colour type %d, depth %d) did not "
                 "convert to RGBA", ctx->label, color, png_get_bit_depth(png, info));
        png_error(png, "format");
    }

    cv = canvas_new((int)w, (int)h, 0, NULL);
    if (!cv) {
        snprintf(ctx->refusal, sizeof ctx->refusal, "PNG '%s' has an invalid size %ux%u",
                 ctx->label, (unsigned)w, (unsigned)h);
        png_error(png, "size");
    }
    /* Row by row, pass by pass: libpng fills in each pass's pixels in place, so no
     * array of row pointers is needed. */
    for (int p = 0; p < passes; p++)
        for (png_uint_32 y = 0; y < h; y++)
            png_read_row(png, cv->px + (size_t)y * (size_t)w * 4, NULL);
    png_read_end(png, NULL);

    Canvas *done = cv;
    png_destroy_read_struct(&png, &info, NULL);
    return done;
}

Canvas *png_decode(const uint8_t *buf, size_t len, Err *e)
{
    PngCtx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.label = "<memory>";
    if (!buf || len < PNG_SIG_BYTES || png_sig_cmp(buf, 0, PNG_SIG_BYTES) != 0) {
        err_set(e, _("the data is not a PNG file (no PNG signature)"));
        return NULL;
    }
    ctx.buf = buf;
    ctx.len = len;
    ctx.pos = PNG_SIG_BYTES;
    return decode(&ctx, len, e);
}

Canvas *png_read_file(const char *path, Err *e)
{
    size_t total;
    FILE *f = file_open_read(path, "", _("give a .png picture"), &total, e);
    if (!f)
        return NULL;
    Canvas *c = NULL;
    uint8_t sig[PNG_SIG_BYTES];
    if (fread(sig, 1, sizeof sig, f) != sizeof sig || png_sig_cmp(sig, 0, sizeof sig) != 0) {
        err_set(e, _("'%s' is not a PNG file; give a .png picture"), path);
        goto out;
    }
    PngCtx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.label = path;
    ctx.in = f;
    c = decode(&ctx, total, e);
out:
    fclose(f);
    return c;
}
