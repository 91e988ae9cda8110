/* atomic_file.c: temp file, fsync, rename: a failed write never destroys the old
 * file, and a save never replaces what is not a regular file. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "untangle/core/i18n.h"
#include "untangle/core/atomic_file.h"
#include "untangle/core/files.h"
#include "untangle/core/interrupt.h"
#include "untangle/core/xalloc.h"

/* Bytes written between two looks at the stop flag: a 1 GiB model stops within
 * a fraction of a second. */
#define ATOMIC_CHUNK ((size_t)1 << 20)

static void release(AtomicFile *af)
{
    free(af->tmp_path);
    free(af->final_path);
    af->tmp_path = af->final_path = NULL;
    af->f = NULL;
}

/* Where a save of `path` really goes: path itself, or the file its symbolic
 * links lead to (as the lesson write rules judge it), which may not exist
 * yet. Refuses, with one line, a target that exists and is not a regular file.
 * The result is owned by the caller. */
static char *write_target(const char *path, Err *e)
{
    char *target = file_follow_links(path);
    struct stat st;
    if (lstat(target, &st) != 0)
        return target; /* a new file (a missing folder fails at mkstemp) */
    if (!S_ISREG(st.st_mode)) {
        err_set(e, _("cannot write '%s': it %s %s, not a regular file; name a file (a save "
                   "never replaces a device, a pipe or a folder)"),
                path, strcmp(target, path) == 0 ? _("is") : _("leads to"), file_kind(st.st_mode));
        free(target);
        return NULL;
    }
    return target;
}

/* "NAME.tmp.PID.XXXXXX": removes the ones of `target` that a dead untangle left
 * (killed before it could clean up), and older "NAME.tmp.XXXXXX" ones. A temp
 * file of a living process is its save in progress and is left alone. */
static void remove_stale_temps(const char *target)
{
    const char *slash = strrchr(target, '/');
    const char *base = slash ? slash + 1 : target;
    char dir[PATH_MAX];
    if (slash)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash == target ? 1 : slash - target), target);
    else
        snprintf(dir, sizeof dir, ".");
    DIR *d = opendir(dir);
    if (!d)
        return;
    size_t blen = strlen(base);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        const char *n = de->d_name;
        if (strncmp(n, base, blen) != 0 || strncmp(n + blen, ".tmp.", 5) != 0)
            continue;
        const char *rest = n + blen + 5;
        int stale;
        if (strlen(rest) == 6) {
            stale = 1; /* no process id: written before ids were recorded */
        } else {
            char *end;
            long pid = strtol(rest, &end, 10);
            if (end == rest || *end != '.' || strlen(end + 1) != 6 || pid <= 0)
                continue; /* not our pattern */
            stale = pid != (long)getpid() && kill((pid_t)pid, 0) != 0 && errno == ESRCH;
        }
        struct stat st;
        if (stale && fstatat(dirfd(d), n, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
            unlinkat(dirfd(d), n, 0);
    }
    closedir(d);
}

int atomic_open(AtomicFile *af, const char *path, Err *e)
{
    memset(af, 0, sizeof *af);
    af->fail_after = -1;
    const char *inject = getenv("UNTANGLE_FAIL_WRITE");
    if (inject && *inject)
        af->fail_after = strtol(inject, NULL, 10);

    char *target = write_target(path, e);
    if (!target)
        return -1;
    remove_stale_temps(target);
    size_t n = strlen(target) + 48;
    af->tmp_path = xmalloc(n);
    snprintf(af->tmp_path, n, "%s.tmp.%ld.XXXXXX", target, (long)getpid());
    int fd = mkstemp(af->tmp_path);
    if (fd < 0) {
        int saved = errno;
        free(af->tmp_path);
        free(target);
        af->tmp_path = NULL;
        return err_set(e, _("cannot write '%s': %s; check that the folder exists and is writable"),
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
        free(target);
        af->tmp_path = NULL;
        return err_set(e, _("cannot write '%s': %s"), path, strerror(saved));
    }
    af->final_path = target;
    af->shown_path = path;
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
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (slash)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash == path ? 1 : slash - path), path);
    else
        snprintf(dir, sizeof dir, ".");
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

int atomic_commit(AtomicFile *af, Err *e)
{
    const char *path = af->shown_path;
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
    /* What was checked at the open may have changed since: never rename over
     * something that is not a regular file. */
    struct stat st;
    if (!failed_errno && lstat(af->final_path, &st) == 0 && !S_ISREG(st.st_mode)) {
        unlink(af->tmp_path);
        err_set(e, _("cannot write '%s': it became %s while being written; name a file"), path,
                file_kind(st.st_mode));
        release(af);
        return -1;
    }
    if (!failed_errno && interrupt_pending()) {
        unlink(af->tmp_path);
        err_interrupted(e, _("the save; the previous file, if any, is unchanged"));
        release(af);
        return -1;
    }
    if (!failed_errno && rename(af->tmp_path, af->final_path) != 0)
        failed_errno = errno;
    if (failed_errno) {
        unlink(af->tmp_path);
        err_set(e, _("cannot write '%s': %s; the previous file, if any, is unchanged"), path,
                strerror(failed_errno));
        release(af);
        return -1;
    }
    fsync_parent(af->final_path); /* best effort: the rename is already visible */
    release(af);
    return 0;
}

int atomic_write_all(const char *path, const void *buf, size_t len, Err *e)
{
    AtomicFile af;
    if (atomic_open(&af, path, e) != 0)
        return -1;
    const char *p = buf;
    for (size_t at = 0; at < len;) {
        if (interrupt_pending()) {
            atomic_abort(&af);
            return err_interrupted(e, _("the save; the previous file, if any, is unchanged"));
        }
        size_t n = len - at < ATOMIC_CHUNK ? len - at : ATOMIC_CHUNK;
        if (fwrite(p + at, 1, n, af.f) != n) {
            int saved = errno;
            atomic_abort(&af);
            return err_set(e, _("cannot write '%s': %s; the previous file, if any, is unchanged"),
                           path, strerror(saved));
        }
        at += n;
    }
    return atomic_commit(&af, e);
}
