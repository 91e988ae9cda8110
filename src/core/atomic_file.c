/* atomic_file.c: temp file, fsync, rename: a failed write never destroys the old file. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "untangle/core/atomic_file.h"
#include "untangle/core/xalloc.h"

static void release(AtomicFile *af)
{
    free(af->tmp_path);
    free(af->final_path);
    af->tmp_path = af->final_path = NULL;
    af->f = NULL;
}

int atomic_open(AtomicFile *af, const char *path, Err *e)
{
    memset(af, 0, sizeof *af);
    af->fail_after = -1;
    const char *inject = getenv("UNTANGLE_FAIL_WRITE");
    if (inject && *inject)
        af->fail_after = strtol(inject, NULL, 10);

    size_t n = strlen(path);
    af->tmp_path = xmalloc(n + 16);
    snprintf(af->tmp_path, n + 16, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(af->tmp_path);
    if (fd < 0) {
        int saved = errno;
        free(af->tmp_path);
        af->tmp_path = NULL;
        return err_set(e, "cannot write '%s': %s; check that the folder exists and is writable",
                       path, strerror(saved));
    }
    /* mkstemp creates 0600; a saved model or picture is an ordinary file. */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    af->f = fdopen(fd, "wb");
    if (!af->f) {
        int saved = errno;
        close(fd);
        unlink(af->tmp_path);
        free(af->tmp_path);
        af->tmp_path = NULL;
        return err_set(e, "cannot write '%s': %s", path, strerror(saved));
    }
    af->final_path = xstrdup(path);
    return 0;
}

void atomic_abort(AtomicFile *af)
{
    if (af->f)
        fclose(af->f);
    if (af->tmp_path)
        unlink(af->tmp_path);
    release(af);
}

static int fsync_parent(const char *path)
{
    char *copy = xstrdup(path);
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
    free(copy);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int atomic_commit(AtomicFile *af, Err *e)
{
    const char *path = af->final_path;
    int failed_errno = 0;

    if (fflush(af->f) != 0 || ferror(af->f))
        failed_errno = errno ? errno : EIO;
    if (!failed_errno && af->fail_after >= 0 && ftell(af->f) > af->fail_after)
        failed_errno = ENOSPC; /* injected, as a full disk would answer */
    if (!failed_errno && fsync(fileno(af->f)) != 0)
        failed_errno = errno;
    if (fclose(af->f) != 0 && !failed_errno)
        failed_errno = errno;
    af->f = NULL;
    if (!failed_errno && rename(af->tmp_path, path) != 0)
        failed_errno = errno;
    if (failed_errno) {
        unlink(af->tmp_path);
        err_set(e, "cannot write '%s': %s; the previous file, if any, is unchanged", path,
                strerror(failed_errno));
        release(af);
        return -1;
    }
    fsync_parent(path); /* best effort: the rename is already visible */
    release(af);
    return 0;
}

int atomic_write_all(const char *path, const void *buf, size_t len, Err *e)
{
    AtomicFile af;
    if (atomic_open(&af, path, e) != 0)
        return -1;
    if (len && fwrite(buf, 1, len, af.f) != len) {
        int saved = errno;
        atomic_abort(&af);
        return err_set(e, "cannot write '%s': %s; the previous file, if any, is unchanged", path,
                       strerror(saved));
    }
    return atomic_commit(&af, e);
}
