/* fuzz.h: the fuzz targets of untangle, and what they share.
 *
 * Each tests/fuzz/fuzz_<x>.c defines `int fuzz_<x>_one(const uint8_t *data, size_t size)`
 * that feeds one input to a reader and checks what it gives back. Built with
 * -DFUZZ_LIBFUZZER it also defines LLVMFuzzerTestOneInput (`make fuzz`); without
 * it, tests/check_fuzz_replay.c includes the targets and replays the seed corpora
 * and every crash ever found (tests/fuzz/regress/<x>/) in `make check`.
 *
 * A target returns 0, or aborts (through fz_fail) when it sees a reader break its
 * contract: a crash, a leak or a sanitizer report is what the fuzzer looks for. */
#ifndef UNTANGLE_FUZZ_H
#define UNTANGLE_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int fuzz_cmd_one(const uint8_t *data, size_t size);
int fuzz_line_one(const uint8_t *data, size_t size);
int fuzz_lesson_one(const uint8_t *data, size_t size);
int fuzz_idx_one(const uint8_t *data, size_t size);
int fuzz_progress_one(const uint8_t *data, size_t size);
int fuzz_png_one(const uint8_t *data, size_t size);
int fuzz_model_one(const uint8_t *data, size_t size);

#endif
