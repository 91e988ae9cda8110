/* fuzz_model.c: the model-file reader (model_parse) on hostile bytes.
 *
 * Each input is parsed twice: as it is, and with its last four bytes replaced by
 * the right CRC-32, so that the fuzzer also explores files whose checksum holds
 * (a random mutation almost never keeps it right).
 *
 * Contract checked: an error has a one-line message; a model read serializes to
 * bytes that parse again to a model serializing to the very same bytes. */
#include <zlib.h>

#include "fuzz.h"
#include "fuzz_util.h"
#include "untangle/nn/nn.h"
#include "untangle/core/xalloc.h"

static void fz_model_parse_one(const uint8_t *data, size_t size)
{
    Err e;
    err_clear(&e);
    Model *m = model_parse(data, size, &e);
    if (!m) {
        fz_check_msg("model_parse", e.msg);
        return;
    }
    uint8_t *s1 = NULL, *s2 = NULL;
    size_t n1 = 0, n2 = 0;
    model_serialize(m, &s1, &n1);
    Model *m2 = model_parse(s1, n1, &e);
    if (!m2)
        fz_fail("model_parse refused what model_serialize wrote: %s", e.msg);
    model_serialize(m2, &s2, &n2);
    if (n1 != n2 || memcmp(s1, s2, n1) != 0)
        fz_fail("serialize(parse(serialize(m))) differs from serialize(m)");
    if (m2->n_params != m->n_params || m2->n_layers != m->n_layers)
        fz_fail("the model changed shape through a save and a load");
    free(s1);
    free(s2);
    model_free(m2);
    model_free(m);
}

int fuzz_model_one(const uint8_t *data, size_t size)
{
    fz_model_parse_one(data, size);
    if (size >= 4) {
        uint8_t *fixed = xmalloc(size);
        memcpy(fixed, data, size);
        uint32_t crc = (uint32_t)crc32_z(0L, fixed, size - 4) & 0xffffffffu;
        for (int i = 0; i < 4; i++)
            fixed[size - 4 + (size_t)i] = (uint8_t)(crc >> (8 * i));
        if (memcmp(fixed, data, size) != 0)
            fz_model_parse_one(fixed, size);
        free(fixed);
    }
    return 0;
}

#ifdef FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_model_one(data, size);
}
#endif
