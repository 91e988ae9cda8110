/* idx.h: reading IDX files (the format MNIST and Fashion-MNIST ship in).
 *
 * An IDX file is a big-endian header followed by the values, row-major:
 *
 *     bytes 0-1   zero
 *     byte  2     type code (0x08 = unsigned byte; untangle reads only that)
 *     byte  3     number of dimensions: 1 for labels, 3 for images
 *     then        one u32 per dimension (count, then rows and cols for images)
 *     then        count * rows * cols bytes, nothing after them
 *
 * The file may also be gzip-compressed (detected by its content, magic 1f 8b, not
 * by its name). Everything read is validated: the magic, the type code, the
 * dimension limits (IDX_MAX_COUNT items of at most IDX_MAX_SIDE x IDX_MAX_SIDE) and
 * that the data length is exactly what the header announces. Hostile input gives
 * an error, never a crash nor a huge allocation: idx_parse is the fuzzing entry. */
#ifndef UNTANGLE_IDX_H
#define UNTANGLE_IDX_H

#include <stddef.h>
#include <stdint.h>
#include "untangle/core/err.h"

#define IDX_MAX_COUNT 10000000u /* items per file (MNIST holds 60000) */
#define IDX_MAX_SIDE 1024u      /* image rows and cols */

typedef struct IdxArray {
    int ndim;             /* 1: labels, 3: images */
    size_t count;         /* items the file holds (its first dimension) */
    size_t rows, cols;    /* shape of one image; 1 x 1 for labels */
    size_t n;             /* items held in data: count, or fewer when a loader was
                             asked for the first max_items only */
    const uint8_t *data;  /* (n, rows, cols) row-major bytes; points into storage or
                             map, or, for raw input to idx_parse, into the caller's buffer */
    uint8_t *storage;     /* owned (free with idx_free); NULL when data borrows */
    void *map;            /* idx_load of a raw file: a read-only mapping of it, owned */
    size_t map_len;
} IdxArray;

/* Bytes per item: rows * cols (1 for labels). */
static inline size_t idx_item_size(const IdxArray *a) { return a->rows * a->cols; }

/* Parses len bytes of an IDX file in memory, raw or gzip. For raw input the
 * result borrows buf (keep buf alive while using out); gzip input is inflated into
 * out->storage. Returns 0, or -1 with e set ("not an IDX file", "truncated: ...",
 * ...) and *out emptied. */
int idx_parse(const uint8_t *buf, size_t len, IdxArray *out, Err *e);

/* Reads the IDX file at path (raw or gzip, whatever its name). max_items > 0 keeps
 * only the first max_items items (fewer when the file holds fewer: check out->n);
 * for a raw file only those bytes are read, after the file's length was checked
 * against its header. 0 keeps all. Messages start with the path. Returns 0, or -1
 * with e set and *out emptied. out owns what it holds: free it with idx_free.
 *
 * A raw file is mapped rather than copied (its pages are usually in the page cache
 * already, so no fresh memory is touched): replace such a file by renaming a new
 * one over it, never by truncating it in place while it is loaded. */
int idx_load(const char *path, size_t max_items, IdxArray *out, Err *e);

/* out[i] = data[first * item + i] / 255 for the n items from `first` (which must
 * lie within a->n): out is (n, rows*cols) row-major, the caller's buffer. The
 * division is exact (the float nearest to byte/255, as numpy's x / 255). */
void idx_to_float(const IdxArray *a, size_t first, size_t n, float *out);

/* Releases the storage and zeroes *a; accepts an empty or zeroed array and NULL. */
void idx_free(IdxArray *a);

#endif
