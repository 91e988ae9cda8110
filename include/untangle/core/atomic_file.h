/* atomic_file.h: write a file so that a failure never destroys what was there.
 *
 * atomic_open creates "PATH.tmp.XXXXXX" beside PATH; atomic_commit flushes it,
 * fsyncs it, renames it over PATH and fsyncs the folder. Any failure before the
 * rename leaves PATH exactly as it was and removes the temporary file.
 *
 * For tests, the environment variable UNTANGLE_FAIL_WRITE=N makes the commit fail
 * as a full disk would once N bytes were written (read when the file is opened). */
#ifndef UNTANGLE_ATOMIC_FILE_H
#define UNTANGLE_ATOMIC_FILE_H

#include <stdio.h>
#include "untangle/core/err.h"

typedef struct AtomicFile {
    FILE *f;          /* write through this between open and commit */
    char *tmp_path;   /* owned */
    char *final_path; /* owned */
    long fail_after;  /* injected failure threshold in bytes, -1 when none */
} AtomicFile;

int atomic_open(AtomicFile *af, const char *path, Err *e);
/* Finishes the write; on failure the temporary file is removed and PATH untouched.
 * Always releases af's resources. */
int atomic_commit(AtomicFile *af, Err *e);
/* Abandons the write: removes the temporary file, releases resources. */
void atomic_abort(AtomicFile *af);

/* Convenience: writes len bytes of buf to path atomically. */
int atomic_write_all(const char *path, const void *buf, size_t len, Err *e);

#endif
