/* files.c: one way to open a file for reading (files.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "untangle/core/i18n.h"
#include "untangle/core/files.h"
#include "untangle/core/xalloc.h"

const char *file_kind(mode_t mode)
{
    if (S_ISREG(mode))
        return _("a regular file");
    if (S_ISDIR(mode))
        return _("a folder");
    if (S_ISCHR(mode))
        return _("a character device");
    if (S_ISBLK(mode))
        return _("a block device");
    if (S_ISFIFO(mode))
        return _("a named pipe (FIFO)");
    if (S_ISSOCK(mode))
        return _("a socket");
    if (S_ISLNK(mode))
        return _("a symbolic link");
    return _("a special file");
}

FILE *file_open_read(const char *path, const char *what, const char *advice, size_t *size,
                     Err *e)
{
    const char *sp = what[0] ? " " : "";
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        err_set(e, _("cannot open %s%s'%s': %s; %s"), what, sp, path, strerror(errno), advice);
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        err_set(e, _("cannot read %s%s'%s': %s; %s"), what, sp, path, strerror(errno), advice);
        close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        err_set(e, _("cannot read %s%s'%s': it is %s, not a regular file; %s"), what, sp, path,
                file_kind(st.st_mode), advice);
        close(fd);
        return NULL;
    }
    if (st.st_size < 0 || (uintmax_t)st.st_size > SIZE_MAX) {
        err_set(e, _("cannot read %s%s'%s': it is too large for this machine; %s"), what, sp, path,
                advice);
        close(fd);
        return NULL;
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0)
        fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        err_set(e, _("cannot read %s%s'%s': %s; %s"), what, sp, path, strerror(errno), advice);
        close(fd);
        return NULL;
    }
    *size = (size_t)st.st_size;
    return f;
}

char *file_follow_links(const char *path)
{
    char *cur = xstrdup(path);
    for (int hops = 0; hops < 40; hops++) {
        struct stat st;
        char link[PATH_MAX];
        if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode))
            return cur;
        ssize_t n = readlink(cur, link, sizeof link - 1);
        if (n < 0)
            return cur;
        link[n] = '\0';
        const char *slash = strrchr(cur, '/');
        size_t dir = link[0] == '/' || !slash ? 0 : (size_t)(slash - cur) + 1;
        char *next = xmalloc(dir + (size_t)n + 1);
        memcpy(next, cur, dir);
        memcpy(next + dir, link, (size_t)n + 1);
        free(cur);
        cur = next;
    }
    return cur; /* a loop of links: what opens it fails with ELOOP */
}
