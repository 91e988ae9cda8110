/* fuzz_idx.c: the IDX reader (idx_parse) on hostile bytes, raw or gzip.
 *
 * Contract checked: an error has a one-line message and leaves the array empty;
 * a success gives a shape within the limits idx.h states and data whose every
 * byte can be read. */
#include "fuzz.h"
#include "fuzz_util.h"
#include "untangle/data/idx.h"
#include "untangle/core/xalloc.h"

int fuzz_idx_one(const uint8_t *data, size_t size)
{
    IdxArray a;
    Err e;
    err_clear(&e);
    if (idx_parse(data, size, &a, &e) != 0) {
        fz_check_msg("idx_parse", e.msg);
        if (a.data || a.storage || a.n)
            fz_fail("idx_parse failed but left data in the array");
        idx_free(&a);
        return 0;
    }
    if (a.ndim != 1 && a.ndim != 3)
        fz_fail("idx_parse accepted %d dimensions", a.ndim);
    if (a.count == 0 || a.count > IDX_MAX_COUNT || a.n > a.count)
        fz_fail("idx_parse accepted count %zu, n %zu", a.count, a.n);
    if (a.rows == 0 || a.cols == 0 || a.rows > IDX_MAX_SIDE || a.cols > IDX_MAX_SIDE)
        fz_fail("idx_parse accepted images of %zux%zu", a.rows, a.cols);
    size_t bytes;
    if (size_mul(a.n, idx_item_size(&a), &bytes) != 0)
        fz_fail("idx_parse accepted a size that overflows");
    volatile unsigned s = fz_touch(a.data, bytes);
    (void)s;
    /* The float view of the first and the last item. */
    size_t item = idx_item_size(&a);
    float *f = xmalloc_floats(item);
    idx_to_float(&a, 0, 1, f);
    idx_to_float(&a, a.n - 1, 1, f);
    for (size_t i = 0; i < item; i++)
        if (!(f[i] >= 0.0f && f[i] <= 1.0f))
            fz_fail("idx_to_float gave %g outside [0, 1]", (double)f[i]);
    free(f);
    idx_free(&a);
    if (a.data || a.storage)
        fz_fail("idx_free left pointers behind");
    return 0;
}

#ifdef FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_idx_one(data, size);
}
#endif
