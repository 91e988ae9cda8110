/* idx.c: the IDX reader (raw or gzip), validating everything it reads.
 *
 * Two entry points share one header parser: idx_parse for a buffer in memory (the
 * fuzzing target) and idx_load for a file, which reads a raw file with one fread
 * of the bytes it keeps, after checking the file's length against its header. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <zlib.h>

#include "untangle/core/i18n.h"
#include "untangle/core/files.h"
#include "untangle/data/idx.h"
#include "untangle/core/xalloc.h"

#define IDX_TYPE_UBYTE 0x08

/* What a header announces, and where the values start. */
typedef struct IdxHeader {
    int ndim;
    size_t count, rows, cols;
    size_t header_len; /* 4 + 4 * ndim */
    size_t data_len;   /* count * rows * cols */
} IdxHeader;

enum { HDR_OK = 0, HDR_BAD = -1, HDR_SHORT = 1 };

/* Fills e with "NAME: message" (or the message alone when name is NULL). */
static int idx_fail(Err *e, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int idx_fail(Err *e, const char *name, const char *fmt, ...)
{
    char msg[ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (name)
        return err_set(e, "%s: %s", name, msg);
    return err_set(e, "%s", msg);
}

static uint32_t read_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static const char *type_name(int code)
{
    switch (code) {
    case 0x09: return "signed byte";
    case 0x0B: return "16-bit integer";
    case 0x0C: return "32-bit integer";
    case 0x0D: return "float";
    case 0x0E: return "double";
    default: return NULL;
    }
}

/* Explains a file that does not start with the IDX magic: naming what it looks
 * like helps more than a hex dump when someone points `load` at the wrong file. */
static int not_idx(Err *e, const char *name, const uint8_t *buf, size_t len)
{
    static const uint8_t png_sig[4] = {0x89, 'P', 'N', 'G'};
    if (len >= 4 && memcmp(buf, png_sig, 4) == 0)
        return idx_fail(e, name, "not an IDX file: it is a PNG picture; give the IDX file "
                                 "(for MNIST: train-images-idx3-ubyte and the like)");
    if (len >= 2 && buf[0] == 'P' && buf[1] == 'K')
        return idx_fail(e, name, "not an IDX file: it is a zip archive; unzip it first");
    return idx_fail(e, name, "not an IDX file (it starts with %02x %02x, an IDX file with 00 00); "
                             "give an IDX file such as train-images-idx3-ubyte",
                    buf[0], len >= 2 ? buf[1] : 0);
}

/* Reads the header from the first len bytes. HDR_SHORT (e untouched) when len is
 * too short to decide, HDR_BAD with e set when the header is invalid. */
static int parse_header(const uint8_t *buf, size_t len, IdxHeader *h, Err *e, const char *name)
{
    memset(h, 0, sizeof *h);
    if (len >= 1 && buf[0] != 0)
        return not_idx(e, name, buf, len), HDR_BAD;
    if (len >= 2 && buf[1] != 0)
        return not_idx(e, name, buf, len), HDR_BAD;
    if (len < 4)
        return HDR_SHORT;
    int type = buf[2];
    if (type != IDX_TYPE_UBYTE) {
        const char *tn = type_name(type);
        if (tn)
            return idx_fail(e, name, "holds %s values (IDX type 0x%02x); untangle reads only "
                                     "unsigned bytes (type 0x08), as MNIST ships", tn, type),
                   HDR_BAD;
        return idx_fail(e, name, "not an IDX file (unknown type code 0x%02x); give an IDX file "
                                 "such as train-images-idx3-ubyte", type),
               HDR_BAD;
    }
    h->ndim = buf[3];
    if (h->ndim != 1 && h->ndim != 3)
        return idx_fail(e, name, "IDX data with %d dimensions; untangle reads labels "
                                 "(1 dimension) or images (3 dimensions)", h->ndim),
               HDR_BAD;
    h->header_len = 4 + 4 * (size_t)h->ndim;
    if (len < h->header_len)
        return HDR_SHORT;

    uint32_t count = read_be32(buf + 4);
    uint32_t rows = h->ndim == 3 ? read_be32(buf + 8) : 1;
    uint32_t cols = h->ndim == 3 ? read_be32(buf + 12) : 1;
    if (count == 0)
        return idx_fail(e, name, "the header announces 0 items; the file is damaged, fetch it "
                                 "again"), HDR_BAD;
    if (count > IDX_MAX_COUNT)
        return idx_fail(e, name, "the header announces %lu items, more than the %u untangle "
                                 "accepts; the file is damaged or not a data set",
                        (unsigned long)count, IDX_MAX_COUNT), HDR_BAD;
    if (rows == 0 || cols == 0 || rows > IDX_MAX_SIDE || cols > IDX_MAX_SIDE)
        return idx_fail(e, name, "the header announces images of %lux%lu pixels (each side "
                                 "should be 1..%u); the file is damaged",
                        (unsigned long)rows, (unsigned long)cols, IDX_MAX_SIDE), HDR_BAD;
    h->count = count;
    h->rows = rows;
    h->cols = cols;
    size_t item = h->rows * h->cols; /* <= 2^20: cannot overflow */
    if (size_mul(h->count, item, &h->data_len) != 0 ||
        size_add(h->data_len, h->header_len, &(size_t){0}) != 0)
        return idx_fail(e, name, "the header announces %zu items of %zu bytes, too large for "
                                 "this machine", h->count, item), HDR_BAD;
    return HDR_OK;
}

/* Compares the length of the whole file with what the header announces. */
static int check_length(const IdxHeader *h, size_t total, int exact_total, Err *e,
                        const char *name)
{
    const char *what = h->ndim == 3 ? "pixels" : "labels";
    size_t found = total - h->header_len;
    if (found < h->data_len)
        return idx_fail(e, name, "truncated: expected %zu bytes of %s, found %zu; the file is "
                                 "damaged, fetch it again",
                        h->data_len, what, found);
    if (found > h->data_len && exact_total)
        return idx_fail(e, name, "%zu unexpected bytes after the %zu bytes of %s; the file is "
                                 "damaged or not a plain IDX file, fetch it again",
                        found - h->data_len, h->data_len, what);
    if (found > h->data_len) /* inflation stopped just past the data: the excess is unknown */
        return idx_fail(e, name, "unexpected data after the %zu bytes of %s; the file is "
                                 "damaged or not a plain IDX file, fetch it again",
                        h->data_len, what);
    return 0;
}

static void fill_array(const IdxHeader *h, const uint8_t *data, size_t n, IdxArray *out)
{
    out->ndim = h->ndim;
    out->count = h->count;
    out->rows = h->rows;
    out->cols = h->cols;
    out->n = n;
    out->data = data;
}

static int is_gzip(const uint8_t *buf, size_t len)
{
    return len >= 2 && buf[0] == 0x1f && buf[1] == 0x8b;
}

/* Inflates gzip data (one or more members) into a buffer grown as needed. Once the
 * IDX header is out, growth stops one byte past the announced length, so that a
 * small hostile file cannot make us allocate what its header claims, and trailing
 * data is still seen. *out (owned by the caller) gets the bytes, *out_len their
 * number; the IDX checks are left to the caller. */
static int gunzip_mem(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len,
                      Err *e, const char *name)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) /* 16: expect a gzip wrapper */
        return idx_fail(e, name, "cannot start gzip decompression (zlib: %s)",
                        zs.msg ? zs.msg : _("no memory"));

    size_t cap = len < ((size_t)1 << 16) ? ((size_t)1 << 16) : len, used = 0;
    size_t limit = SIZE_MAX; /* unknown until the header is out */
    uint8_t *buf = xmalloc(cap);
    size_t in_pos = 0;
    int rc = -1, header_seen = 0;

    for (;;) {
        if (used == cap) {
            if (cap >= limit)
                break; /* one byte past the announced data: check_length reports it */
            size_t grown = cap > limit / 2 ? limit : cap * 2;
            if (mem_check_budget(grown, _("decompressing this IDX file"), e) != 0)
                goto out;
            buf = xrealloc(buf, grown);
            cap = grown;
        }
        /* zlib counts in uInt: feed at most UINT_MAX bytes at a time */
        size_t in_left = len - in_pos, out_left = cap - used;
        zs.next_in = (Bytef *)(in + in_pos); /* zlib does not write through next_in */
        zs.avail_in = (uInt)(in_left > UINT_MAX ? UINT_MAX : in_left);
        zs.next_out = buf + used;
        zs.avail_out = (uInt)(out_left > UINT_MAX ? UINT_MAX : out_left);
        uInt in_before = zs.avail_in, out_before = zs.avail_out;
        int z = inflate(&zs, Z_NO_FLUSH);
        in_pos += in_before - zs.avail_in;
        used += out_before - zs.avail_out;

        if (!header_seen && used >= 4) {
            IdxHeader h;
            int hr = parse_header(buf, used, &h, e, name);
            if (hr == HDR_BAD)
                break; /* the caller's parse reports it */
            if (hr == HDR_OK) {
                header_seen = 1;
                limit = h.header_len + h.data_len + 1;
                if (used >= limit) {
                    used = limit;
                    break;
                }
                if (cap > limit)
                    cap = limit; /* inflate no further than that into the buffer */
            }
        }
        if (z == Z_STREAM_END) {
            if (in_pos == len)
                break;
            if (!is_gzip(in + in_pos, len - in_pos)) {
                idx_fail(e, name, "%zu bytes of garbage after the gzip data; the file is damaged, "
                                  "fetch it again", len - in_pos);
                goto out;
            }
            if (inflateReset(&zs) != Z_OK) { /* gzip allows several members one after the other */
                idx_fail(e, name, "cannot restart gzip decompression");
                goto out;
            }
            continue;
        }
        if (z == Z_BUF_ERROR && out_before == zs.avail_out && in_before == zs.avail_in &&
            zs.avail_out != 0 && in_pos < len) {
            idx_fail(e, name, "corrupt gzip data (no progress); the file is damaged, fetch it again");
            goto out;
        }
        if (z == Z_BUF_ERROR && in_pos == len) {
            idx_fail(e, name, "truncated gzip data (%zu bytes inflated before the end); the file "
                              "is damaged or incomplete, fetch it again", used);
            goto out;
        }
        if (z != Z_OK && z != Z_BUF_ERROR) {
            idx_fail(e, name, "corrupt gzip data (zlib: %s); the file is damaged, fetch it again",
                     zs.msg ? zs.msg : _("error"));
            goto out;
        }
        if (z == Z_OK && in_pos == len && zs.avail_out != 0) {
            idx_fail(e, name, "truncated gzip data (%zu bytes inflated before the end); the file "
                              "is damaged or incomplete, fetch it again", used);
            goto out;
        }
    }
    rc = 0;
out:
    inflateEnd(&zs);
    if (rc != 0) {
        free(buf);
        return -1;
    }
    *out = buf;
    *out_len = used;
    return 0;
}

/* Validates a whole IDX image in memory (already inflated). */
static int parse_plain(const uint8_t *buf, size_t len, int exact_total, IdxHeader *h, Err *e,
                       const char *name)
{
    int hr = parse_header(buf, len, h, e, name);
    if (hr == HDR_BAD)
        return -1;
    if (hr == HDR_SHORT) {
        if (len == 0)
            return idx_fail(e, name, "empty; the file is damaged, fetch it again");
        return idx_fail(e, name, "truncated header (%zu bytes); the file is damaged, fetch it "
                                 "again", len);
    }
    return check_length(h, len, exact_total, e, name);
}

/* Parses a gzip buffer into storage owned by out, keeping at most keep items. */
static int parse_gzip(const uint8_t *buf, size_t len, size_t keep, IdxArray *out, Err *e,
                      const char *name)
{
    uint8_t *plain = NULL;
    size_t plain_len = 0;
    IdxHeader h;
    if (gunzip_mem(buf, len, &plain, &plain_len, e, name) != 0)
        return -1;
    if (parse_plain(plain, plain_len, 0, &h, e, name) != 0) {
        free(plain);
        return -1;
    }
    size_t n = keep && keep < h.count ? keep : h.count;
    if (n < h.count) /* give back what is not kept */
        plain = xrealloc(plain, h.header_len + n * h.rows * h.cols);
    fill_array(&h, plain + h.header_len, n, out);
    out->storage = plain;
    return 0;
}

int idx_parse(const uint8_t *buf, size_t len, IdxArray *out, Err *e)
{
    memset(out, 0, sizeof *out);
    if (is_gzip(buf, len))
        return parse_gzip(buf, len, 0, out, e, NULL);
    IdxHeader h;
    if (parse_plain(buf, len, 1, &h, e, NULL) != 0)
        return -1;
    fill_array(&h, buf + h.header_len, h.count, out);
    return 0;
}

/* fread that tells a short read from an error. */
static int read_exact(FILE *f, void *buf, size_t len, Err *e, const char *path)
{
    size_t got = fread(buf, 1, len, f);
    if (got == len)
        return 0;
    if (ferror(f))
        return idx_fail(e, path, "read error (%s)", strerror(errno));
    return idx_fail(e, path, "the file shrank while being read (%zu of %zu bytes); try again",
                    got, len);
}

/* Maps the first len bytes of f read-only into out->map; -1 (nothing set) when
 * the system cannot, and the caller reads the file instead. MAP_POPULATE maps the
 * cached pages in one call instead of one fault per page. */
static int map_file(FILE *f, size_t len, IdxArray *out)
{
    int flags = MAP_PRIVATE;
#ifdef MAP_POPULATE
    flags |= MAP_POPULATE;
#endif
    void *p = mmap(NULL, len, PROT_READ, flags, fileno(f), 0);
    if (p == MAP_FAILED)
        return -1;
    out->map = p;
    out->map_len = len;
    return 0;
}

int idx_load(const char *path, size_t max_items, IdxArray *out, Err *e)
{
    memset(out, 0, sizeof *out);
    uint8_t *buf = NULL;
    int rc = -1;
    size_t size;
    FILE *f = file_open_read(path, _("IDX file"), _("run `make data` to fetch good files"), &size, e);
    if (!f)
        return -1;

    /* The first 16 bytes hold the gzip magic or the whole IDX header. */
    uint8_t head[16];
    size_t head_len = size < sizeof head ? size : sizeof head;
    if (read_exact(f, head, head_len, e, path) != 0)
        goto out;

    if (is_gzip(head, head_len)) {
        if (mem_check_budget(size, _("reading this IDX file"), e) != 0)
            goto out;
        buf = xmalloc(size);
        memcpy(buf, head, head_len);
        if (read_exact(f, buf + head_len, size - head_len, e, path) != 0)
            goto out;
        rc = parse_gzip(buf, size, max_items, out, e, path);
        goto out;
    }

    IdxHeader h;
    int hr = parse_header(head, head_len, &h, e, path);
    if (hr == HDR_BAD)
        goto out;
    if (hr == HDR_SHORT) {
        parse_plain(head, head_len, 1, &h, e, path); /* reports the short header */
        goto out;
    }
    if (check_length(&h, size, 1, e, path) != 0)
        goto out;

    /* Only the kept items are read: the length check above covers the rest. */
    size_t n = max_items && max_items < h.count ? max_items : h.count;
    size_t keep_bytes = n * h.rows * h.cols; /* <= data_len: no overflow */
    if (map_file(f, h.header_len + keep_bytes, out) == 0) {
        fill_array(&h, (const uint8_t *)out->map + h.header_len, n, out);
        rc = 0;
        goto out;
    }
    if (mem_check_budget(keep_bytes, _("reading this IDX file"), e) != 0)
        goto out;
    buf = xmalloc(keep_bytes);
    size_t from_head = head_len - h.header_len; /* bytes of data already in head */
    if (from_head > keep_bytes)
        from_head = keep_bytes;
    memcpy(buf, head + h.header_len, from_head);
    if (read_exact(f, buf + from_head, keep_bytes - from_head, e, path) != 0)
        goto out;
    fill_array(&h, buf, n, out);
    out->storage = buf;
    buf = NULL;
    rc = 0;
out:
    if (rc != 0)
        idx_free(out); /* nothing is held on failure; this also zeroes *out */
    free(buf); /* the gzip path keeps its own inflated copy */
    fclose(f);
    return rc;
}

void idx_to_float(const IdxArray *a, size_t first, size_t n, float *out)
{
    /* A table of the 256 quotients: exact division once, then a plain gather. */
    float scale[256];
    for (int v = 0; v < 256; v++)
        scale[v] = (float)v / 255.0f;
    size_t item = idx_item_size(a);
    const uint8_t *src = a->data + first * item;
    size_t total = n * item;
    for (size_t i = 0; i < total; i++)
        out[i] = scale[src[i]];
}

void idx_free(IdxArray *a)
{
    if (!a)
        return;
    free(a->storage);
    if (a->map)
        munmap(a->map, a->map_len);
    memset(a, 0, sizeof *a);
}
