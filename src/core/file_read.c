/* file_read.c: a whole file into memory (see file_read.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "untangle/core/i18n.h"
#include "untangle/core/file_read.h"
#include "untangle/core/files.h"
#include "untangle/core/xalloc.h"

int file_read_all(const char *path, const char *what, size_t max_bytes, char **out, size_t *len,
                  Err *e)
{
    *out = NULL;
    *len = 0;
    size_t size;
    FILE *f = file_open_read(path, what, _("check the name"), &size, e);
    if (!f)
        return -1; /* not there, or no regular file (a FIFO is refused, never waited on) */
    char *buf = NULL;
    size_t n = 0, cap = 0;
    int rc = -1;
    for (;;) {
        if (n == cap) {
            if (cap >= max_bytes) {
                char limit[32];
                err_set(e, _("%s '%s' is larger than %s; is it really a %s?"), what, path,
                        mem_human(max_bytes, limit, sizeof limit), what);
                goto out;
            }
            cap = cap ? cap * 2 : 65536;
            if (cap > max_bytes)
                cap = max_bytes;
            buf = xrealloc(buf, cap + 1);
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        err_set(e, _("cannot read %s '%s': %s"), what, path, strerror(errno));
        goto out;
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    buf = NULL;
    rc = 0;
out:
    free(buf);
    fclose(f);
    return rc;
}
