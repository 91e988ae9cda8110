/* files.h: opening a file to read it, the same way for every reader.
 *
 * Every reader of a file a person names (lessons, command files, models, PNG
 * pictures, IDX data, the history) opens it through file_open_read: the open
 * never blocks (O_NONBLOCK, so a FIFO without a writer or a device does not
 * hang the session), anything but a regular file is refused with one line, and
 * the size is known before a byte is read, for the memory budget
 * (mem_check_budget in xalloc.h). Writing goes through atomic_file.h. */
#ifndef UNTANGLE_FILES_H
#define UNTANGLE_FILES_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include "untangle/core/err.h"

/* "a folder", "a character device", "a named pipe (FIFO)"...: what st_mode is,
 * for messages. */
const char *file_kind(mode_t mode);

/* Opens the regular file path to read (blocking reads once accepted); *size
 * gets its length. NULL after err_set on failure:
 *   "cannot open WHAT 'PATH': No such file or directory; ADVICE"
 *   "cannot read WHAT 'PATH': it is a named pipe (FIFO), not a regular file; ADVICE"
 * what ("model file", "lesson") may be "" and advice names the fix. The caller
 * fcloses the stream. */
FILE *file_open_read(const char *path, const char *what, const char *advice, size_t *size,
                     Err *e);

/* Where path leads once its symbolic links are followed (the file there may
 * not exist yet): path itself when it is no link. Saves write there, and the
 * lesson write rules judge that place. Owned by the caller. */
char *file_follow_links(const char *path);

#endif
