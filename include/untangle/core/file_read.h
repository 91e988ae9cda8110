/* file_read.h: a whole text file into memory, with a size limit, for the files a
 * person hands untangle (lessons, hand-in pages). */
#ifndef UNTANGLE_FILE_READ_H
#define UNTANGLE_FILE_READ_H

#include <stddef.h>
#include "untangle/core/err.h"

/* Reads path into *out (NUL-terminated, caller frees; *len excludes the NUL).
 * `what` names the file in messages: "cannot open lesson 'x.md': No such file or
 * directory", "lesson 'x.md' is larger than 16.0 MiB; is it really a lesson?".
 * Returns 0, or -1 with e set and *out NULL. */
int file_read_all(const char *path, const char *what, size_t max_bytes, char **out, size_t *len,
                  Err *e);

#endif
