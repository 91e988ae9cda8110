/* seedgen.c: writes the binary seed corpora of the fuzz targets (IDX, PNG and
 * model files) into tests/fuzz/seeds/. The text seeds (commands, lessons) are
 * written by hand; these are generated so that anyone can see what they hold.
 *
 *     make seedgen && build/tests/fuzz/seedgen tests/fuzz/seeds      (run.sh does it)
 */
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "untangle/nn/nn.h"
#include "untangle/render/png.h"
#include "untangle/core/xalloc.h"

static const char *root;

static void put_file(const char *sub, const char *name, const void *buf, size_t len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s/%s", root, sub, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "seedgen: cannot write %s\n", path);
        exit(1);
    }
}

/* ---- IDX ---- */

static size_t idx_bytes(uint8_t *out, int ndim, uint32_t count, uint32_t rows, uint32_t cols)
{
    uint8_t *p = out;
    *p++ = 0, *p++ = 0, *p++ = 0x08, *p++ = (uint8_t)ndim;
    uint32_t dims[3] = {count, rows, cols};
    for (int i = 0; i < ndim; i++)
        for (int k = 3; k >= 0; k--)
            *p++ = (uint8_t)(dims[i] >> (8 * k));
    size_t n = ndim == 1 ? count : (size_t)count * rows * cols;
    for (size_t i = 0; i < n; i++)
        *p++ = ndim == 1 ? (uint8_t)(i % 10) : (uint8_t)(i * 37 + 11);
    return (size_t)(p - out);
}

static void gzip_file(const char *name, const uint8_t *buf, size_t len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/idx/%s", root, name);
    gzFile g = gzopen(path, "wb9");
    if (!g || gzwrite(g, buf, (unsigned)len) != (int)len || gzclose(g) != Z_OK) {
        fprintf(stderr, "seedgen: cannot write %s\n", path);
        exit(1);
    }
}

static void idx_seeds(void)
{
    uint8_t b[4096];
    size_t n = idx_bytes(b, 1, 7, 1, 1);
    put_file("idx", "labels7", b, n);
    gzip_file("labels7.gz", b, n);
    n = idx_bytes(b, 3, 3, 5, 7);
    put_file("idx", "images3x5x7", b, n);
    gzip_file("images3x5x7.gz", b, n);
    put_file("idx", "images-truncated", b, n - 9);
    put_file("idx", "header-only", b, 16);
    n = idx_bytes(b, 3, 2, 28, 28);
    put_file("idx", "images2x28x28", b, n);
}

/* ---- PNG ---- */

typedef struct Mem {
    uint8_t *p;
    size_t n;
} Mem;

static void mem_write(png_structp png, png_bytep data, size_t n)
{
    Mem *m = png_get_io_ptr(png);
    m->p = xrealloc(m->p, m->n + n);
    memcpy(m->p + m->n, data, n);
    m->n += n;
}

static void mem_flush(png_structp png) { (void)png; }

/* A w x h picture of the given libpng colour type and depth, pixels from a
 * fixed pattern; palette pictures get 5 colours and a tRNS entry. */
static void png_seed(const char *name, int w, int h, int color, int depth, int interlace,
                     int trns)
{
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    Mem m = {0};
    if (setjmp(png_jmpbuf(png))) {
        fprintf(stderr, "seedgen: libpng failed on %s\n", name);
        exit(1);
    }
    png_set_write_fn(png, &m, mem_write, mem_flush);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, depth, color,
                 interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (color == PNG_COLOR_TYPE_PALETTE) {
        png_color pal[5] = {{0, 0, 0}, {255, 0, 0}, {0, 0, 255}, {30, 200, 40}, {255, 255, 255}};
        png_set_PLTE(png, info, pal, depth == 1 ? 2 : depth == 2 ? 4 : 5); /* what fits the depth */
        if (trns) {
            png_byte alpha[2] = {0, 128};
            png_set_tRNS(png, info, alpha, 2, NULL);
        }
    } else if (trns && (color == PNG_COLOR_TYPE_GRAY || color == PNG_COLOR_TYPE_RGB)) {
        png_color_16 t = {0, 1, 1, 1, 1};
        png_set_tRNS(png, info, NULL, 0, &t);
    }
    png_write_info(png, info);
    int channels = color == PNG_COLOR_TYPE_RGB_ALPHA ? 4 : color == PNG_COLOR_TYPE_RGB ? 3
                 : color == PNG_COLOR_TYPE_GRAY_ALPHA ? 2 : 1;
    size_t rowbytes = ((size_t)w * (size_t)channels * (size_t)depth + 7) / 8;
    uint8_t *row = xcalloc(rowbytes, 1);
    int passes = png_set_interlace_handling(png);
    for (int p = 0; p < passes; p++)
        for (int y = 0; y < h; y++) {
            for (size_t i = 0; i < rowbytes; i++)
                row[i] = (uint8_t)(color == PNG_COLOR_TYPE_PALETTE && depth == 8
                                       ? (i + (size_t)y) % 5
                                       : (i * 29 + (size_t)y * 71 + 5));
            if (color == PNG_COLOR_TYPE_PALETTE && depth < 8)
                for (size_t i = 0; i < rowbytes; i++)
                    row[i] &= depth <= 2 ? 0xff : 0x33; /* indices within the palette */
            png_write_row(png, row);
        }
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    put_file("png", name, m.p, m.n);
    free(row);
    free(m.p);
}

static void png_seeds(void)
{
    /* An asymmetric RGBA "F", written by untangle's own encoder. */
    Err e;
    Canvas *c = canvas_new(7, 5, 0x2040c0ff, &e);
    for (int y = 0; y < 5; y++)
        canvas_set(c, 1, y, 0xff2020ff);
    for (int x = 1; x < 6; x++)
        canvas_set(c, x, 0, 0xff2020ff);
    for (int x = 1; x < 4; x++)
        canvas_set(c, x, 2, 0xff202080);
    uint8_t *buf;
    size_t len;
    if (png_encode(c, &buf, &len, &e) != 0) {
        fprintf(stderr, "seedgen: %s\n", e.msg);
        exit(1);
    }
    put_file("png", "rgba-7x5-untangle.png", buf, len);
    put_file("png", "rgba-truncated.png", buf, len / 2);
    free(buf);
    canvas_free(c);

    png_seed("grey8-9x4.png", 9, 4, PNG_COLOR_TYPE_GRAY, 8, 0, 0);
    png_seed("grey1-13x3.png", 13, 3, PNG_COLOR_TYPE_GRAY, 1, 0, 0);
    png_seed("grey16-trns-3x5.png", 3, 5, PNG_COLOR_TYPE_GRAY, 16, 0, 1);
    png_seed("greyalpha-6x2.png", 6, 2, PNG_COLOR_TYPE_GRAY_ALPHA, 8, 0, 0);
    png_seed("rgb16-interlaced-11x9.png", 11, 9, PNG_COLOR_TYPE_RGB, 16, 1, 0);
    png_seed("rgb8-trns-4x4.png", 4, 4, PNG_COLOR_TYPE_RGB, 8, 0, 1);
    png_seed("palette8-trns-5x3.png", 5, 3, PNG_COLOR_TYPE_PALETTE, 8, 0, 1);
    png_seed("palette2-interlaced-10x7.png", 10, 7, PNG_COLOR_TYPE_PALETTE, 2, 1, 0);
}

/* ---- model files ---- */

static void add(Model *m, NnLayerSpec s, const NnShape *in, Rng *r)
{
    Err e;
    if (model_add(m, &s, in, r, &e) != 0) {
        fprintf(stderr, "seedgen: model_add: %s\n", e.msg);
        exit(1);
    }
}

static void save_model(const char *name, const Model *m)
{
    uint8_t *buf;
    size_t len;
    model_serialize(m, &buf, &len);
    put_file("model", name, buf, len);
    free(buf);
}

static void model_seeds(void)
{
    Rng r;
    rng_seed(&r, 7);
    Err e;

    /* An MLP as the lab's, scaled down: dense 3 on 5 inputs, softmax, compiled. */
    Model *m = model_new();
    NnShape in1 = {1, {5, 0, 0}};
    add(m, (NnLayerSpec){.kind = "dense", .units = 4}, &in1, &r);
    add(m, (NnLayerSpec){.kind = "activation", .act = NN_ACT_SIGMOID}, NULL, &r);
    add(m, (NnLayerSpec){.kind = "dense", .units = 3, .name = "out"}, NULL, &r);
    add(m, (NnLayerSpec){.kind = "activation", .act = NN_ACT_SOFTMAX}, NULL, &r);
    save_model("mlp-uncompiled.model", m);
    if (model_compile(m, NN_LOSS_CCE, 0.5, 1, &e) != 0) {
        fprintf(stderr, "seedgen: model_compile: %s\n", e.msg);
        exit(1);
    }
    save_model("mlp-compiled.model", m);
    model_free(m);

    /* A small CNN: conv2d, maxpool, flatten, dense, softmax. */
    m = model_new();
    NnShape in3 = {3, {6, 5, 1}};
    add(m, (NnLayerSpec){.kind = "conv2d", .filters = 2, .kh = 3, .kw = 3,
                         .act = NN_ACT_RELU, .padding = NN_PAD_SAME}, &in3, &r);
    add(m, (NnLayerSpec){.kind = "maxpool", .ph = 2, .pw = 2}, NULL, &r);
    add(m, (NnLayerSpec){.kind = "flatten"}, NULL, &r);
    add(m, (NnLayerSpec){.kind = "dense", .units = 3}, NULL, &r);
    add(m, (NnLayerSpec){.kind = "activation", .act = NN_ACT_SOFTMAX}, NULL, &r);
    if (model_compile(m, NN_LOSS_CCE, 0.1, 1, &e) != 0) {
        fprintf(stderr, "seedgen: model_compile: %s\n", e.msg);
        exit(1);
    }
    save_model("cnn.model", m);
    model_free(m);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: seedgen SEEDS_DIR\n");
        return 2;
    }
    root = argv[1];
    idx_seeds();
    png_seeds();
    model_seeds();
    return 0;
}
