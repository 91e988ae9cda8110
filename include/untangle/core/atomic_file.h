/* atomic_file.h: write a file so that a failure never destroys what was there.
 *
 * atomic_open creates "TARGET.tmp.PID.XXXXXX" beside the target; atomic_commit
 * flushes it, fsyncs it, renames it over the target and fsyncs the folder. Any
 * failure before the rename (a full disk, the file-size limit, Ctrl-C or
 * SIGTERM: see interrupt.h) leaves the target exactly as it was and removes the
 * temporary file; the temporary files a killed process left are removed at the
 * next save of the same name.
 *
 * What a save replaces: a regular file, or nothing. A symbolic link is
 * followed (the file it leads to is replaced, the link stays), as the lesson
 * write rules judge a link by where it leads; a link to nothing is refused. A
 * target that exists and is not a regular file (a device, even /dev/null, a
 * FIFO, a socket, a folder) is refused with one line, never replaced.
 *
 * For tests, the environment variable UNTANGLE_FAIL_WRITE=N makes the commit fail
 * as a full disk would once N bytes were written (read when the file is opened). */
#ifndef UNTANGLE_ATOMIC_FILE_H
#define UNTANGLE_ATOMIC_FILE_H

#include <stdio.h>
#include "untangle/core/err.h"

typedef struct AtomicFile {
    FILE *f;                /* write through this between open and commit */
    char *tmp_path;         /* owned */
    char *final_path;       /* owned: the file replaced (links followed) */
    const char *shown_path; /* borrowed: the path as given, for messages */
    long fail_after;        /* injected failure threshold in bytes, -1 when none */
} AtomicFile;

/* path must outlive af (messages name it as given). */
int atomic_open(AtomicFile *af, const char *path, Err *e);
/* Finishes the write; on failure (or when the stop flag is set) the temporary
 * file is removed and the target untouched. Always releases af's resources. */
int atomic_commit(AtomicFile *af, Err *e);
/* Abandons the write: removes the temporary file, releases resources. */
void atomic_abort(AtomicFile *af);

/* Convenience: writes len bytes of buf to path atomically, looking at the stop
 * flag between chunks. */
int atomic_write_all(const char *path, const void *buf, size_t len, Err *e);

#endif
