/* check_png.c: PNG encode/decode round trips, every pixel format the decoder
 * converts, hostile input (truncated, corrupt, oversized, not a PNG) and atomic
 * writes that fail without touching the previous file. The PNGs of other formats
 * are written here with libpng directly, so the decoder is checked against an
 * independent encoder. */
#include <dirent.h>
#include <png.h>
#include <stdint.h>
#include <sys/stat.h>
#include <zlib.h>

#include "testutil.h"
#include "untangle/render/png.h"

/* ------------------------------------------------------------ fixtures */

/* The 7x5 asymmetric "F", red on blue; the blue gets partial alpha that varies
 * with the column so that any mirroring or channel swap shows. */
static Canvas *make_f(void)
{
    static const char *rows[5] = {"#####..", "#......", "####...", "#......", "#......"};
    Err e;
    Canvas *c = canvas_new(7, 5, 0, &e);
    ck_assert_ptr_nonnull(c);
    for (int y = 0; y < 5; y++)
        for (int x = 0; x < 7; x++) {
            uint32_t px = rows[y][x] == '#' ? 0xff0000ffu
                                            : 0x0000ff00u | (uint32_t)(40 + 30 * x + 3 * y);
            canvas_set(c, x, y, px);
        }
    canvas_set(c, 6, 4, 0x11223380u); /* one odd pixel in a corner */
    return c;
}

typedef struct MemPng {
    uint8_t *buf;
    size_t len, cap;
} MemPng;

static void mem_write(png_structp png, png_bytep data, size_t n)
{
    MemPng *m = png_get_io_ptr(png);
    if (m->len + n > m->cap) {
        m->cap = (m->len + n) * 2;
        m->buf = realloc(m->buf, m->cap);
        ck_assert_ptr_nonnull(m->buf);
    }
    memcpy(m->buf + m->len, data, n);
    m->len += n;
}

static void mem_flush(png_structp png) { (void)png; }

/* Writes a PNG of any format with libpng: rows are already packed as the format
 * wants (16-bit samples big-endian). */
static MemPng write_raw_png(int w, int h, int color, int depth, int interlace,
                            const uint8_t *data, size_t stride, const png_color *palette,
                            int n_palette, const uint8_t *trns, int n_trns)
{
    MemPng m = {0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    ck_assert_ptr_nonnull(png);
    png_infop info = png_create_info_struct(png);
    ck_assert_ptr_nonnull(info);
    ck_assert_int_eq(setjmp(png_jmpbuf(png)), 0);
    png_set_write_fn(png, &m, mem_write, mem_flush);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, depth, color, interlace,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (palette)
        png_set_PLTE(png, info, palette, n_palette);
    if (trns)
        png_set_tRNS(png, info, trns, n_trns, NULL);
    png_bytep *rowp = malloc((size_t)h * sizeof *rowp);
    for (int y = 0; y < h; y++)
        rowp[y] = (png_bytep)(data + (size_t)y * stride);
    png_set_rows(png, info, rowp);
    png_write_png(png, info, PNG_TRANSFORM_IDENTITY, NULL);
    png_destroy_write_struct(&png, &info);
    free(rowp);
    return m;
}

static void expect_pixel(const Canvas *c, int x, int y, int r, int g, int b, int a, int tol)
{
    const uint8_t *p = c->px + ((size_t)y * (size_t)c->w + (size_t)x) * 4;
    int want[4] = {r, g, b, a};
    for (int k = 0; k < 4; k++)
        ck_assert_msg(abs(p[k] - want[k]) <= tol, "pixel (%d,%d) channel %d: got %d want %d", x,
                      y, k, p[k], want[k]);
}

/* Big-endian CRC of a chunk's type + data, as PNG stores it. */
static void fix_crc(uint8_t *chunk_len_at, uint32_t data_len)
{
    uint32_t crc = (uint32_t)crc32(0, chunk_len_at + 4, data_len + 4);
    uint8_t *p = chunk_len_at + 8 + data_len;
    p[0] = (uint8_t)(crc >> 24);
    p[1] = (uint8_t)(crc >> 16);
    p[2] = (uint8_t)(crc >> 8);
    p[3] = (uint8_t)crc;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Offset of the first chunk of the given type, or 0. */
static size_t find_chunk(const uint8_t *buf, size_t len, const char *type)
{
    size_t at = 8;
    while (at + 12 <= len) {
        uint32_t n = be32(buf + at);
        if (memcmp(buf + at + 4, type, 4) == 0)
            return at;
        at += 12 + (size_t)n;
    }
    return 0;
}

static uint8_t *encode_f(size_t *len)
{
    Canvas *c = make_f();
    uint8_t *buf;
    Err e;
    ck_assert_int_eq(png_encode(c, &buf, len, &e), 0);
    canvas_free(c);
    return buf;
}

static size_t count_files(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (de->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n + 1);
    ck_assert_uint_eq(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* ------------------------------------------------------------ round trips */

START_TEST(roundtrip_memory)
{
    Canvas *c = make_f();
    uint8_t *buf;
    size_t len;
    Err e;
    ck_assert_int_eq(png_encode(c, &buf, &len, &e), 0);
    ck_assert_uint_gt(len, 8);
    ck_assert_int_eq(png_sig_cmp(buf, 0, 8), 0);
    Canvas *back = png_decode(buf, len, &e);
    ck_assert_msg(back != NULL, "%s", e.msg);
    ck_assert_int_eq(back->w, 7);
    ck_assert_int_eq(back->h, 5);
    ck_assert_mem_eq(back->px, c->px, 7 * 5 * 4);
    expect_pixel(back, 0, 0, 255, 0, 0, 255, 0);
    expect_pixel(back, 6, 0, 0, 0, 255, 40 + 30 * 6, 0);
    canvas_free(back);
    canvas_free(c);
    free(buf);
}
END_TEST

START_TEST(roundtrip_file)
{
    char *dir = tu_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/f.png", dir);
    Canvas *c = make_f();
    Err e;
    ck_assert_msg(png_write_file(c, path, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(count_files(dir), 1); /* no temporary file left */
    Canvas *back = png_read_file(path, &e);
    ck_assert_msg(back != NULL, "%s", e.msg);
    ck_assert_int_eq(back->w, c->w);
    ck_assert_int_eq(back->h, c->h);
    ck_assert_mem_eq(back->px, c->px, (size_t)c->w * c->h * 4);
    /* the file and the memory encoding are the same bytes */
    size_t flen, mlen;
    uint8_t *fbytes = slurp(path, &flen), *mbytes;
    ck_assert_int_eq(png_encode(c, &mbytes, &mlen, &e), 0);
    ck_assert_uint_eq(flen, mlen);
    ck_assert_mem_eq(fbytes, mbytes, flen);
    free(fbytes);
    free(mbytes);
    canvas_free(back);
    canvas_free(c);
    tu_rmtree(dir);
}
END_TEST

START_TEST(roundtrip_large_odd)
{
    /* wider than one deflate window and odd in both sides */
    Err e;
    Canvas *c = canvas_new(301, 77, 0, &e);
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++)
            canvas_set(c, x, y, (uint32_t)(x * 7 + y) << 24 | (uint32_t)(x ^ y) << 16 |
                                    (uint32_t)(y * 3) << 8 | (uint32_t)(255 - x % 256));
    uint8_t *buf;
    size_t len;
    ck_assert_int_eq(png_encode(c, &buf, &len, &e), 0);
    Canvas *back = png_decode(buf, len, &e);
    ck_assert_ptr_nonnull(back);
    ck_assert_mem_eq(back->px, c->px, (size_t)c->w * c->h * 4);
    canvas_free(back);
    canvas_free(c);
    free(buf);
}
END_TEST

/* UNTANGLE_PNG_LEVEL=0 (what the fuzzer sets) stores the rows: every pixel and
 * one filter byte a row are in the file, and the picture reads back the same;
 * an unset or bad value gives zlib's default, much smaller on a flat picture. */
START_TEST(level_zero_stores)
{
    Err e;
    Canvas *c = canvas_new(301, 77, 0x336699ffu, &e);
    ck_assert_ptr_nonnull(c);
    canvas_set(c, 300, 76, 0x11223380u);
    size_t raw = ((size_t)c->w * 4 + 1) * (size_t)c->h;
    uint8_t *def, *bad, *zero;
    size_t def_len, bad_len, zero_len;
    unsetenv("UNTANGLE_PNG_LEVEL");
    ck_assert_int_eq(png_encode(c, &def, &def_len, &e), 0);
    setenv("UNTANGLE_PNG_LEVEL", "10", 1); /* not a level: ignored */
    ck_assert_int_eq(png_encode(c, &bad, &bad_len, &e), 0);
    setenv("UNTANGLE_PNG_LEVEL", "0", 1);
    ck_assert_int_eq(png_encode(c, &zero, &zero_len, &e), 0);
    unsetenv("UNTANGLE_PNG_LEVEL");
    ck_assert_uint_lt(def_len, raw / 10);
    ck_assert_uint_eq(bad_len, def_len);
    ck_assert_mem_eq(bad, def, def_len);
    ck_assert_uint_gt(zero_len, raw);
    Canvas *back = png_decode(zero, zero_len, &e);
    ck_assert_msg(back != NULL, "%s", e.msg);
    ck_assert_mem_eq(back->px, c->px, (size_t)c->w * c->h * 4);
    canvas_free(back);
    canvas_free(c);
    free(def);
    free(bad);
    free(zero);
}
END_TEST

START_TEST(encode_refuses_bad_canvas)
{
    uint8_t *buf = (uint8_t *)1;
    size_t len = 5;
    Err e;
    err_clear(&e);
    ck_assert_int_eq(png_encode(NULL, &buf, &len, &e), -1);
    ck_assert_ptr_null(buf);
    ck_assert_uint_eq(len, 0);
    ck_assert_str_ne(e.msg, "");
}
END_TEST

/* ------------------------------------------------------------ formats */

START_TEST(decode_grey)
{
    enum { W = 5, H = 3 };
    uint8_t data[W * H];
    for (int i = 0; i < W * H; i++)
        data[i] = (uint8_t)(i * 17 + 3);
    MemPng m = write_raw_png(W, H, PNG_COLOR_TYPE_GRAY, 8, PNG_INTERLACE_NONE, data, W, NULL, 0,
                             NULL, 0);
    Err e;
    Canvas *c = png_decode(m.buf, m.len, &e);
    ck_assert_msg(c != NULL, "%s", e.msg);
    ck_assert_int_eq(c->w, W);
    ck_assert_int_eq(c->h, H);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int g = data[y * W + x];
            expect_pixel(c, x, y, g, g, g, 255, 0);
        }
    canvas_free(c);
    free(m.buf);
}
END_TEST

START_TEST(decode_grey_1bit)
{
    enum { W = 11, H = 2 };
    /* row 0: 10110011 101....., row 1: inverse */
    uint8_t data[2 * 2] = {0xb3, 0xa0, 0x4c, 0x5f};
    MemPng m = write_raw_png(W, H, PNG_COLOR_TYPE_GRAY, 1, PNG_INTERLACE_NONE, data, 2, NULL, 0,
                             NULL, 0);
    Err e;
    Canvas *c = png_decode(m.buf, m.len, &e);
    ck_assert_msg(c != NULL, "%s", e.msg);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int bit = data[y * 2 + x / 8] >> (7 - x % 8) & 1;
            expect_pixel(c, x, y, bit * 255, bit * 255, bit * 255, 255, 0);
        }
    canvas_free(c);
    free(m.buf);
}
END_TEST

START_TEST(decode_grey_alpha)
{
    enum { W = 4, H = 3 };
    uint8_t data[W * H * 2];
    for (int i = 0; i < W * H; i++) {
        data[2 * i] = (uint8_t)(250 - i * 13);
        data[2 * i + 1] = (uint8_t)(i * 21);
    }
    MemPng m = write_raw_png(W, H, PNG_COLOR_TYPE_GRAY_ALPHA, 8, PNG_INTERLACE_NONE, data, W * 2,
                             NULL, 0, NULL, 0);
    Err e;
    Canvas *c = png_decode(m.buf, m.len, &e);
    ck_assert_msg(c != NULL, "%s", e.msg);
    for (int i = 0; i < W * H; i++)
        expect_pixel(c, i % W, i / W, data[2 * i], data[2 * i], data[2 * i], data[2 * i + 1], 0);
    canvas_free(c);
    free(m.buf);
}
END_TEST

START_TEST(decode_palette_trns)
{
    enum { W = 6, H = 3 };
    png_color pal[4] = {{10, 20, 30}, {200, 0, 100}, {0, 255, 0}, {90, 80, 70}};
    uint8_t trns[2] = {0, 128}; /* entries 2 and 3 stay opaque */
    uint8_t data[W * H];
    for (int i = 0; i < W * H; i++)
        data[i] = (uint8_t)((i * 7 + i / W) % 4);
    MemPng m = write_raw_png(W, H, PNG_COLOR_TYPE_PALETTE, 8, PNG_INTERLACE_NONE, data, W, pal, 4,
                             trns, 2);
    Err e;
    Canvas *c = png_decode(m.buf, m.len, &e);
    ck_assert_msg(c != NULL, "%s", e.msg);
    for (int i = 0; i < W * H; i++) {
        int k = data[i];
        expect_pixel(c, i % W, i / W, pal[k].red, pal[k].green, pal[k].blue,
                     k < 2 ? trns[k] : 255, 0);
    }
    canvas_free(c);
    free(m.buf);
}
END_TEST

START_TEST(decode_rgb16)
{
    enum { W = 3, H = 5 };
    uint8_t data[W * H * 6];
    for (int i = 0; i < W * H * 3; i++) {
        unsigned v = (unsigned)(i * 4099 + 77) & 0xffff;
        data[2 * i] = (uint8_t)(v >> 8);
        data[2 * i + 1] = (uint8_t)v;
    }
    MemPng m = write_raw_png(W, H, PNG_COLOR_TYPE_RGB, 16, PNG_INTERLACE_NONE, data, W * 6, NULL,
                             0, NULL, 0);
    Err e;
    Canvas *c = png_decode(m.buf, m.len, &e);
    ck_assert_msg(c != NULL, "%s", e.msg);
    for (int p = 0; p < W * H; p++)
        /* 16 -> 8 bits may truncate or round: within one step */
        expect_pixel(c, p % W, p / W, data[6 * p], data[6 * p + 2], data[6 * p + 4], 255, 1);
    canvas_free(c);
    free(m.buf);
}
END_TEST

START_TEST(decode_grey_alpha16)
{
    enum { W = 2, H = 3 };
    uint8_t data[W * H * 4];
    for (int i = 0; i < W * H; i++) {
        data[4 * i] = (uint8_t)(i * 40);
        data[4 * i + 1] = 0x3c;
        data[4 * i + 2] = (uint8_t)(255 - i * 30);
        data[4 * i + 3] = 0x81;
    }
    MemPng m = write_raw_png(W, H, PNG_COLOR_TYPE_GRAY_ALPHA, 16, PNG_INTERLACE_NONE, data, W * 4,
                             NULL, 0, NULL, 0);
    Err e;
    Canvas *c = png_decode(m.buf, m.len, &e);
    ck_assert_msg(c != NULL, "%s", e.msg);
    for (int i = 0; i < W * H; i++)
        expect_pixel(c, i % W, i / W, data[4 * i], data[4 * i], data[4 * i], data[4 * i + 2], 1);
    canvas_free(c);
    free(m.buf);
}
END_TEST

START_TEST(decode_interlaced)
{
    enum { W = 13, H = 11 };
    uint8_t data[W * H * 3];
    for (int i = 0; i < W * H * 3; i++)
        data[i] = (uint8_t)(i * 31 + i / 3);
    MemPng m = write_raw_png(W, H, PNG_COLOR_TYPE_RGB, 8, PNG_INTERLACE_ADAM7, data, W * 3, NULL,
                             0, NULL, 0);
    Err e;
    Canvas *c = png_decode(m.buf, m.len, &e);
    ck_assert_msg(c != NULL, "%s", e.msg);
    for (int p = 0; p < W * H; p++)
        expect_pixel(c, p % W, p / W, data[3 * p], data[3 * p + 1], data[3 * p + 2], 255, 0);
    canvas_free(c);
    free(m.buf);
}
END_TEST

/* ------------------------------------------------------------ hostile input */

START_TEST(truncated_every_length)
{
    size_t len;
    uint8_t *buf = encode_f(&len);
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1); /* exact size: valgrind sees overreads */
        memcpy(copy, buf, cut);
        Err e;
        err_clear(&e);
        Canvas *c = png_decode(copy, cut, &e);
        ck_assert_msg(c == NULL, "a PNG cut at %zu of %zu bytes was accepted", cut, len);
        if (cut < 8)
            ck_assert_msg(strstr(e.msg, "not a PNG"), "cut %zu: %s", cut, e.msg);
        else
            ck_assert_msg(strstr(e.msg, "truncated or corrupt PNG"), "cut %zu: %s", cut, e.msg);
        free(copy);
    }
    free(buf);
}
END_TEST

START_TEST(truncated_file)
{
    char *dir = tu_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/cut.png", dir);
    size_t len;
    uint8_t *buf = encode_f(&len);
    size_t cuts[3] = {8, 40, len - 5};
    for (int i = 0; i < 3; i++) {
        tu_write_file(path, buf, cuts[i]);
        Err e;
        Canvas *c = png_read_file(path, &e);
        ck_assert_ptr_null(c);
        ck_assert_msg(strstr(e.msg, "truncated or corrupt PNG") && strstr(e.msg, path), "%s",
                      e.msg);
    }
    free(buf);
    tu_rmtree(dir);
}
END_TEST

START_TEST(corrupt_crc)
{
    size_t len;
    uint8_t *buf = encode_f(&len);
    size_t idat = find_chunk(buf, len, "IDAT");
    ck_assert_uint_gt(idat, 0);
    uint32_t n = be32(buf + idat);
    buf[idat + 8 + n + 2] ^= 0x5a; /* the CRC of the IDAT chunk */
    Err e;
    Canvas *c = png_decode(buf, len, &e);
    ck_assert_ptr_null(c);
    ck_assert_msg(strstr(e.msg, "truncated or corrupt PNG") && strstr(e.msg, "CRC"), "%s", e.msg);
    free(buf);
}
END_TEST

START_TEST(corrupt_deflate_data)
{
    size_t len;
    uint8_t *buf = encode_f(&len);
    size_t idat = find_chunk(buf, len, "IDAT");
    uint32_t n = be32(buf + idat);
    /* damage the compressed stream but keep the chunk CRC right, so that zlib has
     * to notice */
    for (uint32_t k = 2; k < n; k += 3)
        buf[idat + 8 + k] ^= 0xa5;
    fix_crc(buf + idat, n);
    Err e;
    Canvas *c = png_decode(buf, len, &e);
    ck_assert_ptr_null(c);
    ck_assert_msg(strstr(e.msg, "truncated or corrupt PNG"), "%s", e.msg);
    free(buf);
}
END_TEST

START_TEST(corrupt_each_byte)
{
    /* every single-byte change either decodes or fails with a message */
    size_t len;
    uint8_t *buf = encode_f(&len);
    int failed = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t *copy = malloc(len);
        memcpy(copy, buf, len);
        copy[i] ^= (uint8_t)(0x01 << (i % 8)) | 0x80;
        Err e;
        err_clear(&e);
        Canvas *c = png_decode(copy, len, &e);
        if (!c) {
            ck_assert_str_ne(e.msg, "");
            failed++;
        } else {
            ck_assert(c->w >= 1 && c->h >= 1);
        }
        canvas_free(c);
        free(copy);
    }
    ck_assert_int_gt(failed, (int)len / 2);
    free(buf);
}
END_TEST

START_TEST(not_a_png)
{
    const char *text = "P6\n7 5\n255\nnot a png at all, just some text";
    Err e;
    Canvas *c = png_decode((const uint8_t *)text, strlen(text), &e);
    ck_assert_ptr_null(c);
    ck_assert_msg(strstr(e.msg, "not a PNG"), "%s", e.msg);
    ck_assert_ptr_null(png_decode(NULL, 0, &e));

    char *dir = tu_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/x.png", dir);
    tu_write_file(path, text, strlen(text));
    c = png_read_file(path, &e);
    ck_assert_ptr_null(c);
    char want[600];
    snprintf(want, sizeof want, "'%s' is not a PNG file", path);
    ck_assert_msg(strstr(e.msg, want), "%s", e.msg);
    snprintf(path, sizeof path, "%s/missing.png", dir);
    ck_assert_ptr_null(png_read_file(path, &e));
    ck_assert_msg(strstr(e.msg, "missing.png"), "%s", e.msg);
    tu_rmtree(dir);
}
END_TEST

/* Rewrites the IHDR size of a valid PNG, with a correct CRC. */
static uint8_t *with_size(uint32_t w, uint32_t h, size_t *len)
{
    uint8_t *buf = encode_f(len);
    size_t ihdr = find_chunk(buf, *len, "IHDR");
    ck_assert_uint_eq(ihdr, 8);
    put_be32(buf + ihdr + 8, w);
    put_be32(buf + ihdr + 12, h);
    fix_crc(buf + ihdr, 13);
    return buf;
}

START_TEST(oversized_header)
{
    uint32_t sizes[3][2] = {{100000, 100000}, {CANVAS_MAX_SIDE + 1, 1}, {1, 4000000000u}};
    for (int i = 0; i < 3; i++) {
        size_t len;
        uint8_t *buf = with_size(sizes[i][0], sizes[i][1], &len);
        Err e;
        err_clear(&e);
        Canvas *c = png_decode(buf, len, &e);
        ck_assert_ptr_null(c);
        ck_assert_msg(strstr(e.msg, "too large") || strstr(e.msg, "corrupt"), "%s", e.msg);
        if (i < 2)
            ck_assert_msg(strstr(e.msg, "too large"), "%ux%u: %s", sizes[i][0], sizes[i][1],
                          e.msg);
        free(buf);
    }
}
END_TEST

START_TEST(largest_size_with_little_data)
{
    /* a header claiming the largest allowed picture over a few bytes of data is
     * refused before the 1 GiB canvas is allocated */
    size_t len;
    uint8_t *buf = with_size(CANVAS_MAX_SIDE, CANVAS_MAX_SIDE, &len);
    Err e;
    Canvas *c = png_decode(buf, len, &e);
    ck_assert_ptr_null(c);
    ck_assert_msg(strstr(e.msg, "truncated or corrupt PNG"), "%s", e.msg);
    free(buf);
}
END_TEST

/* ------------------------------------------------------------ atomic writes */

START_TEST(write_unwritable_folder)
{
    char *dir = tu_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/no/such/folder/x.png", dir);
    Canvas *c = make_f();
    Err e;
    err_clear(&e);
    ck_assert_int_eq(png_write_file(c, path, &e), -1);
    ck_assert_msg(strstr(e.msg, "cannot write") && strstr(e.msg, "x.png"), "%s", e.msg);
    if (geteuid() != 0) { /* root writes anywhere */
        char ro[400];
        snprintf(ro, sizeof ro, "%s/ro", dir);
        ck_assert_int_eq(mkdir(ro, 0555), 0);
        snprintf(path, sizeof path, "%s/x.png", ro);
        ck_assert_int_eq(png_write_file(c, path, &e), -1);
        ck_assert_uint_eq(count_files(ro), 0);
        chmod(ro, 0755);
    }
    canvas_free(c);
    tu_rmtree(dir);
}
END_TEST

START_TEST(failed_write_keeps_old_file)
{
    char *dir = tu_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/keep.png", dir);
    Err e;
    Canvas *small = canvas_new(3, 2, 0x336699ffu, &e);
    ck_assert_int_eq(png_write_file(small, path, &e), 0);
    size_t before_len;
    uint8_t *before = slurp(path, &before_len);

    setenv("UNTANGLE_FAIL_WRITE", "10", 1);
    Canvas *c = make_f();
    err_clear(&e);
    ck_assert_int_eq(png_write_file(c, path, &e), -1);
    unsetenv("UNTANGLE_FAIL_WRITE");
    ck_assert_msg(strstr(e.msg, "keep.png"), "%s", e.msg);

    size_t after_len;
    uint8_t *after = slurp(path, &after_len);
    ck_assert_uint_eq(after_len, before_len);
    ck_assert_mem_eq(after, before, before_len);
    ck_assert_uint_eq(count_files(dir), 1); /* the temporary file is gone */
    Canvas *back = png_read_file(path, &e);
    ck_assert_ptr_nonnull(back);
    ck_assert_int_eq(back->w, 3);
    canvas_free(back);
    free(before);
    free(after);
    canvas_free(c);
    canvas_free(small);
    tu_rmtree(dir);
}
END_TEST

static Suite *png_suite(void)
{
    Suite *s = suite_create("png");
    TCase *t = tcase_create("roundtrip");
    tcase_add_test(t, roundtrip_memory);
    tcase_add_test(t, roundtrip_file);
    tcase_add_test(t, roundtrip_large_odd);
    tcase_add_test(t, encode_refuses_bad_canvas);
    tcase_add_test(t, level_zero_stores);
    suite_add_tcase(s, t);
    t = tcase_create("formats");
    tcase_add_test(t, decode_grey);
    tcase_add_test(t, decode_grey_1bit);
    tcase_add_test(t, decode_grey_alpha);
    tcase_add_test(t, decode_palette_trns);
    tcase_add_test(t, decode_rgb16);
    tcase_add_test(t, decode_grey_alpha16);
    tcase_add_test(t, decode_interlaced);
    suite_add_tcase(s, t);
    t = tcase_create("hostile");
    tcase_add_test(t, truncated_every_length);
    tcase_add_test(t, truncated_file);
    tcase_add_test(t, corrupt_crc);
    tcase_add_test(t, corrupt_deflate_data);
    tcase_add_test(t, corrupt_each_byte);
    tcase_add_test(t, not_a_png);
    tcase_add_test(t, oversized_header);
    tcase_add_test(t, largest_size_with_little_data);
    suite_add_tcase(s, t);
    t = tcase_create("atomic");
    tcase_add_test(t, write_unwritable_folder);
    tcase_add_test(t, failed_write_keeps_old_file);
    suite_add_tcase(s, t);
    return s;
}

int main(void) { return tu_run_suite(png_suite()); }
