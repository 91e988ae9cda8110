/* check_idx.c: the IDX reader on good, damaged and hostile input, raw and gzip. */
#include <stdint.h>
#include <zlib.h>

#include "testutil.h"
#include "untangle/data/idx.h"
#include "untangle/core/rng.h"

/* The fixture: 3 images of 5 rows x 7 cols (asymmetric, so a rows/cols swap shows),
 * with 0 and 255 present, and 3 labels. */
#define NI 3
#define NR 5
#define NC 7
#define PIX (NI * NR * NC)

static uint8_t pixel(int i, int r, int c)
{
    if (i == 0 && r == 0 && c == 0)
        return 0;
    if (i == NI - 1 && r == NR - 1 && c == NC - 1)
        return 255;
    return (uint8_t)((i * 97 + r * 31 + c * 7 + 3) % 256);
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Writes a header into out; returns its length. */
static size_t header(uint8_t *out, int type, int ndim, uint32_t d0, uint32_t d1, uint32_t d2)
{
    out[0] = 0;
    out[1] = 0;
    out[2] = (uint8_t)type;
    out[3] = (uint8_t)ndim;
    uint32_t dims[3] = {d0, d1, d2};
    for (int k = 0; k < ndim && k < 3; k++)
        put_be32(out + 4 + 4 * k, dims[k]);
    return 4 + 4 * (size_t)(ndim < 3 ? ndim : 3);
}

/* The good images file: 16 + 105 bytes. */
static size_t good_images(uint8_t *out)
{
    size_t h = header(out, 0x08, 3, NI, NR, NC);
    for (int i = 0; i < NI; i++)
        for (int r = 0; r < NR; r++)
            for (int c = 0; c < NC; c++)
                out[h + (size_t)(i * NR + r) * NC + c] = pixel(i, r, c);
    return h + PIX;
}

static const uint8_t good_labels_values[NI] = {7, 0, 9};

static size_t good_labels(uint8_t *out)
{
    size_t h = header(out, 0x08, 1, NI, 0, 0);
    memcpy(out + h, good_labels_values, NI);
    return h + NI;
}

/* gzip of buf into out (capacity cap) through zlib's gz* file interface and a file,
 * as a compressor outside untangle would produce it. Returns the compressed length. */
static size_t gzip_bytes(const char *dir, const uint8_t *buf, size_t len, uint8_t *out, size_t cap)
{
    char path[512];
    snprintf(path, sizeof path, "%s/tmp.gz", dir);
    gzFile g = gzopen(path, "wb9");
    ck_assert_ptr_nonnull(g);
    if (len)
        ck_assert_int_eq(gzwrite(g, buf, (unsigned)len), (int)len);
    ck_assert_int_eq(gzclose(g), Z_OK);
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(out, 1, cap, f);
    ck_assert(feof(f));
    fclose(f);
    remove(path);
    return n;
}

static void check_fixture_images(const IdxArray *a, size_t n)
{
    ck_assert_int_eq(a->ndim, 3);
    ck_assert_uint_eq(a->count, NI);
    ck_assert_uint_eq(a->rows, NR);
    ck_assert_uint_eq(a->cols, NC);
    ck_assert_uint_eq(a->n, n);
    ck_assert_uint_eq(idx_item_size(a), NR * NC);
    for (size_t i = 0; i < n; i++)
        for (int r = 0; r < NR; r++)
            for (int c = 0; c < NC; c++)
                ck_assert_uint_eq(a->data[(i * NR + r) * NC + c], pixel((int)i, r, c));
}

/* Parses buf expecting failure; returns the message for the caller to inspect. */
static const char *parse_fails(const uint8_t *buf, size_t len, Err *e)
{
    IdxArray a;
    memset(&a, 0x5a, sizeof a);
    err_clear(e);
    ck_assert_int_eq(idx_parse(buf, len, &a, e), -1);
    ck_assert_ptr_null(a.storage); /* emptied on failure */
    ck_assert_uint_eq(a.n, 0);
    ck_assert_msg(e->msg[0] != '\0', "failure without a message");
    return e->msg;
}

START_TEST(test_parse_images_raw)
{
    uint8_t buf[256];
    size_t len = good_images(buf);
    IdxArray a;
    Err e;
    ck_assert_int_eq(idx_parse(buf, len, &a, &e), 0);
    check_fixture_images(&a, NI);
    ck_assert_ptr_null(a.storage);             /* raw input is borrowed */
    ck_assert_ptr_eq(a.data, buf + 16);
    idx_free(&a);
}
END_TEST

START_TEST(test_parse_labels_raw)
{
    uint8_t buf[64];
    size_t len = good_labels(buf);
    IdxArray a;
    Err e;
    ck_assert_int_eq(idx_parse(buf, len, &a, &e), 0);
    ck_assert_int_eq(a.ndim, 1);
    ck_assert_uint_eq(a.count, NI);
    ck_assert_uint_eq(idx_item_size(&a), 1);
    ck_assert_mem_eq(a.data, good_labels_values, NI);
    idx_free(&a);
}
END_TEST

START_TEST(test_to_float_exact)
{
    uint8_t buf[256];
    size_t len = good_images(buf);
    IdxArray a;
    Err e;
    ck_assert_int_eq(idx_parse(buf, len, &a, &e), 0);
    float out[PIX];
    idx_to_float(&a, 0, NI, out);
    for (int k = 0; k < PIX; k++) {
        float want = (float)buf[16 + k] / 255.0f;
        ck_assert_msg(out[k] == want, "pixel %d: %.9g, want %.9g", k, out[k], want);
    }
    ck_assert(out[0] == 0.0f);
    ck_assert(out[PIX - 1] == 1.0f);
    /* a part: images 1..2 of the file, the last pixel of image 1 */
    float part[2 * NR * NC];
    idx_to_float(&a, 1, 2, part);
    ck_assert(part[NR * NC - 1] == (float)pixel(1, NR - 1, NC - 1) / 255.0f);
    ck_assert(part[2 * NR * NC - 1] == 1.0f);
    ck_assert(part[3] == (float)pixel(1, 0, 3) / 255.0f);
    idx_free(&a);
}
END_TEST

START_TEST(test_load_file_and_first_n)
{
    char *dir = tu_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/images-idx3-ubyte", dir);
    uint8_t buf[256];
    tu_write_file(path, buf, good_images(buf));
    IdxArray a;
    Err e;
    ck_assert_int_eq(idx_load(path, 0, &a, &e), 0);
    check_fixture_images(&a, NI);
    ck_assert(a.storage != NULL || a.map != NULL); /* owns what it holds */
    idx_free(&a);
    ck_assert_ptr_null(a.storage);
    ck_assert_ptr_null(a.map);

    ck_assert_int_eq(idx_load(path, 2, &a, &e), 0);
    check_fixture_images(&a, 2);
    ck_assert_uint_eq(a.count, NI); /* the file's count stays visible */
    idx_free(&a);

    ck_assert_int_eq(idx_load(path, 1000, &a, &e), 0); /* more than held: all */
    check_fixture_images(&a, NI);
    idx_free(&a);

    snprintf(path, sizeof path, "%s/labels-idx1-ubyte", dir);
    tu_write_file(path, buf, good_labels(buf));
    ck_assert_int_eq(idx_load(path, 2, &a, &e), 0);
    ck_assert_uint_eq(a.n, 2);
    ck_assert_mem_eq(a.data, good_labels_values, 2);
    idx_free(&a);
    tu_rmtree(dir);
}
END_TEST

START_TEST(test_gzip_file_and_memory)
{
    char *dir = tu_tmpdir();
    uint8_t raw[256], gz[1024];
    size_t len = good_images(raw);
    size_t gzlen = gzip_bytes(dir, raw, len, gz, sizeof gz);
    ck_assert_uint_gt(gzlen, 2);
    ck_assert_uint_eq(gz[0], 0x1f);

    IdxArray a;
    Err e;
    ck_assert_int_eq(idx_parse(gz, gzlen, &a, &e), 0);
    check_fixture_images(&a, NI);
    ck_assert_ptr_nonnull(a.storage);
    idx_free(&a);

    /* by content: a .gz name and a plain name both work, and so does raw under .gz */
    const char *names[] = {"images.gz", "images-idx3-ubyte"};
    char path[512];
    for (int k = 0; k < 2; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[k]);
        tu_write_file(path, gz, gzlen);
        ck_assert_int_eq(idx_load(path, 0, &a, &e), 0);
        check_fixture_images(&a, NI);
        idx_free(&a);
        ck_assert_int_eq(idx_load(path, 2, &a, &e), 0);
        check_fixture_images(&a, 2);
        idx_free(&a);
    }
    snprintf(path, sizeof path, "%s/raw.gz", dir);
    tu_write_file(path, raw, len);
    ck_assert_int_eq(idx_load(path, 0, &a, &e), 0);
    check_fixture_images(&a, NI);
    idx_free(&a);
    tu_rmtree(dir);
}
END_TEST

START_TEST(test_gzip_multi_member)
{
    char *dir = tu_tmpdir();
    uint8_t raw[256], gz[2048];
    size_t len = good_images(raw);
    size_t half = 40; /* splits inside the pixels */
    size_t g1 = gzip_bytes(dir, raw, half, gz, sizeof gz);
    size_t g2 = gzip_bytes(dir, raw + half, len - half, gz + g1, sizeof gz - g1);
    IdxArray a;
    Err e;
    ck_assert_int_eq(idx_parse(gz, g1 + g2, &a, &e), 0);
    check_fixture_images(&a, NI);
    idx_free(&a);
    tu_rmtree(dir);
}
END_TEST

START_TEST(test_truncated_raw)
{
    char *dir = tu_tmpdir();
    uint8_t buf[256];
    size_t len = good_images(buf);
    const size_t cuts[] = {0, 1, 2, 3, 4, 7, 8, 12, 15, 16, 17, 50, len - 1};
    Err e;
    char path[512];
    snprintf(path, sizeof path, "%s/cut", dir);
    for (size_t k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
        size_t cut = cuts[k];
        const char *msg = parse_fails(buf, cut, &e);
        if (cut >= 16) {
            char want[128];
            snprintf(want, sizeof want, "truncated: expected %d bytes of pixels, found %zu", PIX,
                     cut - 16);
            ck_assert_msg(strstr(msg, want), "cut %zu: %s", cut, msg);
            ck_assert_msg(strstr(msg, "fetch it again"), "%s", msg);
        } else {
            ck_assert_msg(strstr(msg, "truncated") || strstr(msg, "empty"), "cut %zu: %s", cut,
                          msg);
        }
        /* the same from a file, for each max_items: the length is checked first */
        tu_write_file(path, buf, cut);
        IdxArray a;
        for (size_t max = 0; max <= 1; max++) {
            err_clear(&e);
            ck_assert_int_eq(idx_load(path, max, &a, &e), -1);
            ck_assert_ptr_null(a.storage);
            ck_assert_msg(strncmp(e.msg, path, strlen(path)) == 0, "no path in: %s", e.msg);
            ck_assert_msg(strstr(e.msg, "truncated") || strstr(e.msg, "empty"), "%s", e.msg);
        }
    }
    /* labels say "labels" */
    len = good_labels(buf);
    const char *msg = parse_fails(buf, len - 1, &e);
    ck_assert_msg(strstr(msg, "expected 3 bytes of labels, found 2"), "%s", msg);
    tu_rmtree(dir);
}
END_TEST

START_TEST(test_trailing_bytes)
{
    uint8_t buf[256];
    size_t len = good_images(buf);
    buf[len] = 1;
    buf[len + 1] = 2;
    buf[len + 2] = 3;
    Err e;
    const char *msg = parse_fails(buf, len + 3, &e);
    ck_assert_msg(strstr(msg, "3 unexpected bytes"), "%s", msg);

    char *dir = tu_tmpdir();
    uint8_t gz[1024];
    size_t gzlen = gzip_bytes(dir, buf, len + 3, gz, sizeof gz);
    msg = parse_fails(gz, gzlen, &e);
    ck_assert_msg(strstr(msg, "unexpected data after"), "%s", msg);
    tu_rmtree(dir);
}
END_TEST

START_TEST(test_gzip_damaged)
{
    char *dir = tu_tmpdir();
    uint8_t raw[256], gz[1024];
    size_t len = good_images(raw);
    size_t gzlen = gzip_bytes(dir, raw, len, gz, sizeof gz);
    Err e;
    /* cut anywhere: always an error, never a crash */
    for (size_t cut = 2; cut < gzlen; cut++)
        parse_fails(gz, cut, &e);
    const char *msg = parse_fails(gz, gzlen - 4, &e);
    ck_assert_msg(strstr(msg, "gzip"), "%s", msg);
    /* a flipped byte inside the deflate data: a zlib error or a CRC error */
    uint8_t bad[1024];
    memcpy(bad, gz, gzlen);
    bad[gzlen / 2] ^= 0x55;
    parse_fails(bad, gzlen, &e);
    /* garbage after the stream */
    memcpy(bad, gz, gzlen);
    memcpy(bad + gzlen, "xyz", 3);
    msg = parse_fails(bad, gzlen + 3, &e);
    ck_assert_msg(strstr(msg, "3 bytes of garbage"), "%s", msg);
    /* a gzip of a truncated IDX file reports the IDX truncation */
    gzlen = gzip_bytes(dir, raw, len - 10, gz, sizeof gz);
    msg = parse_fails(gz, gzlen, &e);
    ck_assert_msg(strstr(msg, "truncated: expected 105 bytes of pixels, found 95"), "%s", msg);
    /* a gzip of nothing */
    gzlen = gzip_bytes(dir, raw, 0, gz, sizeof gz);
    msg = parse_fails(gz, gzlen, &e);
    ck_assert_msg(strstr(msg, "empty"), "%s", msg);
    tu_rmtree(dir);
}
END_TEST

START_TEST(test_not_idx)
{
    Err e;
    uint8_t buf[64] = {0x12, 0x34, 0x08, 0x03, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 9};
    const char *msg = parse_fails(buf, 17, &e);
    ck_assert_msg(strstr(msg, "not an IDX file"), "%s", msg);
    static const uint8_t png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
                                  'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0};
    msg = parse_fails(png, sizeof png, &e);
    ck_assert_msg(strstr(msg, "not an IDX file") && strstr(msg, "PNG"), "%s", msg);
    /* one nonzero byte is enough to tell */
    msg = parse_fails(png, 1, &e);
    ck_assert_msg(strstr(msg, "not an IDX file"), "%s", msg);

    char *dir = tu_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/picture.png", dir);
    tu_write_file(path, png, sizeof png);
    IdxArray a;
    ck_assert_int_eq(idx_load(path, 0, &a, &e), -1);
    ck_assert_msg(strstr(e.msg, path) && strstr(e.msg, "PNG"), "%s", e.msg);
    tu_rmtree(dir);
}
END_TEST

START_TEST(test_type_codes)
{
    Err e;
    uint8_t buf[256];
    size_t h = header(buf, 0x0D, 3, 1, 2, 2);
    memset(buf + h, 0, 16);
    const char *msg = parse_fails(buf, h + 16, &e);
    ck_assert_msg(strstr(msg, "float") && strstr(msg, "unsigned bytes"), "%s", msg);
    h = header(buf, 0x09, 1, 4, 0, 0);
    msg = parse_fails(buf, h + 4, &e);
    ck_assert_msg(strstr(msg, "signed byte"), "%s", msg);
    h = header(buf, 0x42, 1, 4, 0, 0);
    msg = parse_fails(buf, h + 4, &e);
    ck_assert_msg(strstr(msg, "not an IDX file") && strstr(msg, "0x42"), "%s", msg);
}
END_TEST

START_TEST(test_dimension_counts)
{
    Err e;
    uint8_t buf[256] = {0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4};
    const char *msg = parse_fails(buf, 16, &e);
    ck_assert_msg(strstr(msg, "2 dimensions"), "%s", msg);
    buf[3] = 0;
    parse_fails(buf, 16, &e);
    buf[3] = 4;
    parse_fails(buf, 16, &e);
    buf[3] = 255;
    parse_fails(buf, 16, &e);
}
END_TEST

START_TEST(test_zero_and_huge_dims)
{
    Err e;
    uint8_t buf[256];
    const uint32_t bad[][3] = {
        {0, 5, 7}, {3, 0, 7}, {3, 5, 0},                      /* zero */
        {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu},              /* overflow attempt */
        {IDX_MAX_COUNT + 1, 28, 28}, {3, IDX_MAX_SIDE + 1, 7}, {3, 5, 0x80000000u},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        size_t h = header(buf, 0x08, 3, bad[k][0], bad[k][1], bad[k][2]);
        memset(buf + h, 7, 105);
        const char *msg = parse_fails(buf, h + 105, &e);
        ck_assert_msg(strstr(msg, "announces"), "case %zu: %s", k, msg);
        ck_assert_msg(!strstr(msg, "truncated"), "case %zu: %s", k, msg);
    }
    size_t h = header(buf, 0x08, 1, 0, 0, 0);
    const char *msg = parse_fails(buf, h, &e);
    ck_assert_msg(strstr(msg, "0 items"), "%s", msg);
    h = header(buf, 0x08, 1, 0xFFFFFFFFu, 0, 0);
    parse_fails(buf, h + 3, &e);
}
END_TEST

START_TEST(test_huge_header_small_gzip)
{
    /* A header announcing gigabytes, over a few bytes: the error is the truncation,
     * found without allocating what the header claims (the budget here is 1 MiB). */
    setenv("UNTANGLE_MAX_BYTES", "1048576", 1);
    char *dir = tu_tmpdir();
    uint8_t raw[256], gz[1024];
    size_t h = header(raw, 0x08, 3, IDX_MAX_COUNT, 28, 28);
    memset(raw + h, 200, 100);
    size_t gzlen = gzip_bytes(dir, raw, h + 100, gz, sizeof gz);
    Err e;
    const char *msg = parse_fails(gz, gzlen, &e);
    ck_assert_msg(strstr(msg, "truncated: expected 7840000000 bytes of pixels, found 100"), "%s",
                  msg);
    /* and a raw file of that kind is refused from its length alone */
    char path[512];
    snprintf(path, sizeof path, "%s/liar", dir);
    tu_write_file(path, raw, h + 100);
    IdxArray a;
    ck_assert_int_eq(idx_load(path, 0, &a, &e), -1);
    ck_assert_msg(strstr(e.msg, "truncated"), "%s", e.msg);

    /* the other way round: 3 labels followed by 4 MiB of zeros, which deflate to a
     * few KiB. Inflation stops just past the 3 labels, far below the budget. */
    size_t big = (size_t)4 << 20;
    uint8_t *bomb = calloc(big, 1);
    ck_assert_ptr_nonnull(bomb);
    good_labels(bomb);
    uint8_t *bomb_gz = malloc(1 << 16);
    ck_assert_ptr_nonnull(bomb_gz);
    gzlen = gzip_bytes(dir, bomb, big, bomb_gz, 1 << 16);
    msg = parse_fails(bomb_gz, gzlen, &e);
    ck_assert_msg(strstr(msg, "unexpected data after the 3 bytes of labels"), "%s", msg);
    free(bomb);
    free(bomb_gz);
    tu_rmtree(dir);
    unsetenv("UNTANGLE_MAX_BYTES");
}
END_TEST

START_TEST(test_files_that_are_not_there)
{
    Err e;
    IdxArray a;
    ck_assert_int_eq(idx_load("/nonexistent/untangle/x-idx3-ubyte", 0, &a, &e), -1);
    ck_assert_msg(strstr(e.msg, "/nonexistent/untangle/x-idx3-ubyte") &&
                  strstr(e.msg, "cannot open"), "%s", e.msg);
    char *dir = tu_tmpdir();
    ck_assert_int_eq(idx_load(dir, 0, &a, &e), -1);
    ck_assert_msg(strstr(e.msg, "folder"), "%s", e.msg);
    tu_rmtree(dir);
    idx_free(NULL);
    IdxArray z = {0};
    idx_free(&z);
}
END_TEST

/* Random damage to good raw and gzip input: every outcome is an error with a
 * message, or a success whose sizes agree with the input. Run under SAN=1 this
 * also checks that nothing reads out of bounds. */
START_TEST(test_random_damage)
{
    char *dir = tu_tmpdir();
    uint8_t raw[256], img_gz[1024];
    size_t rawlen = good_images(raw);
    size_t gzlen = gzip_bytes(dir, raw, rawlen, img_gz, sizeof img_gz);
    Rng r;
    rng_seed(&r, 211);
    int ok = 0, failed = 0;
    for (int round = 0; round < 4000; round++) {
        int use_gz = round & 1;
        const uint8_t *src = use_gz ? img_gz : raw;
        size_t len = use_gz ? gzlen : rawlen;
        uint8_t buf[1024];
        memcpy(buf, src, len);
        int edits = 1 + (int)rng_below(&r, 4);
        for (int k = 0; k < edits; k++) {
            size_t at = (size_t)rng_below(&r, len);
            /* damage the header and gzip framing more often than the pixels */
            if (rng_below(&r, 2) && len > 24)
                at = (size_t)rng_below(&r, 24);
            buf[at] = (uint8_t)rng_below(&r, 256);
        }
        if (rng_below(&r, 4) == 0)
            len = (size_t)rng_below(&r, len + 1);
        Err e;
        err_clear(&e);
        IdxArray a;
        if (idx_parse(buf, len, &a, &e) == 0) {
            ck_assert(a.n == a.count && a.n >= 1);
            ck_assert(a.rows >= 1 && a.cols >= 1);
            if (!use_gz)
                ck_assert_uint_eq(len, (a.ndim == 3 ? 16u : 8u) + a.n * idx_item_size(&a));
            volatile unsigned sum = 0;
            for (size_t i = 0; i < a.n * idx_item_size(&a); i++)
                sum += a.data[i]; /* touches every byte claimed */
            (void)sum;
            idx_free(&a);
            ok++;
        } else {
            ck_assert(e.msg[0] != '\0');
            failed++;
        }
    }
    ck_assert_int_gt(failed, 1000);
    tu_rmtree(dir);
}
END_TEST

static Suite *idx_suite(void)
{
    Suite *s = suite_create("idx");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_parse_images_raw);
    tcase_add_test(tc, test_parse_labels_raw);
    tcase_add_test(tc, test_to_float_exact);
    tcase_add_test(tc, test_load_file_and_first_n);
    tcase_add_test(tc, test_gzip_file_and_memory);
    tcase_add_test(tc, test_gzip_multi_member);
    tcase_add_test(tc, test_truncated_raw);
    tcase_add_test(tc, test_trailing_bytes);
    tcase_add_test(tc, test_gzip_damaged);
    tcase_add_test(tc, test_not_idx);
    tcase_add_test(tc, test_type_codes);
    tcase_add_test(tc, test_dimension_counts);
    tcase_add_test(tc, test_zero_and_huge_dims);
    tcase_add_test(tc, test_huge_header_small_gzip);
    tcase_add_test(tc, test_files_that_are_not_there);
    tcase_add_test(tc, test_random_damage);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(idx_suite());
}
