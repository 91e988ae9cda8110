/* fuzz_util.h: helpers the fuzz targets share (static, header only: every target
 * is also compiled into tests/check_fuzz_replay.c). */
#ifndef UNTANGLE_FUZZ_UTIL_H
#define UNTANGLE_FUZZ_UTIL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A broken contract: say which and abort, so libFuzzer keeps the input. */
static void fz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn, unused));
static void fz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "fuzz: contract broken: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

/* A message must be one line that says something: no newline, not empty. */
static void fz_check_msg(const char *where, const char *msg) __attribute__((unused));
static void fz_check_msg(const char *where, const char *msg)
{
    if (!msg[0])
        fz_fail("%s failed with an empty message", where);
    if (strchr(msg, '\n'))
        fz_fail("%s message spans lines: %s", where, msg);
}

/* Sums bytes so that every one is read (ASan then sees any overrun). */
static unsigned fz_touch(const uint8_t *p, size_t n) __attribute__((unused));
static unsigned fz_touch(const uint8_t *p, size_t n)
{
    unsigned s = 0;
    for (size_t i = 0; i < n; i++)
        s += p[i];
    return s;
}

static int fz_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    if (ftw->level > 0)
        remove(path);
    return 0;
}

/* Empties a folder (keeps the folder itself). */
static void fz_empty_dir(const char *dir) __attribute__((unused));
static void fz_empty_dir(const char *dir)
{
    nftw(dir, fz_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Entries in a folder, "." and ".." aside. Read with getdents64 into a buffer on
 * the stack: opendir's 32 KiB buffer went through the sanitizer's allocator and
 * its quarantine twice for every input of the command target. */
static int fz_dir_entries(const char *dir) __attribute__((unused));
static int fz_dir_entries(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int n = 0;
    char buf[4096] __attribute__((aligned(8)));
    ssize_t got;
    while ((got = getdents64(fd, buf, sizeof buf)) > 0) {
        for (ssize_t at = 0; at < got;) {
            const struct dirent64 *de = (const struct dirent64 *)(buf + at);
            if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
                n++;
            at += de->d_reclen;
        }
    }
    close(fd);
    return got < 0 ? -1 : n;
}

/* Writes an IDX file of unsigned bytes: ndim 1 (labels) or 3 (images). Pixels and
 * labels follow a fixed pattern so that runs are reproducible. */
static int fz_write_idx(const char *path, int ndim, uint32_t count, uint32_t rows, uint32_t cols,
                        int labels)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    uint8_t hdr[16] = {0, 0, 0x08, (uint8_t)ndim};
    uint32_t dims[3] = {count, rows, cols};
    for (int i = 0; i < ndim; i++) {
        hdr[4 + 4 * i] = (uint8_t)(dims[i] >> 24);
        hdr[5 + 4 * i] = (uint8_t)(dims[i] >> 16);
        hdr[6 + 4 * i] = (uint8_t)(dims[i] >> 8);
        hdr[7 + 4 * i] = (uint8_t)dims[i];
    }
    fwrite(hdr, 1, 4 + 4 * (size_t)ndim, f);
    size_t n = ndim == 1 ? count : (size_t)count * rows * cols;
    uint32_t s = 12345;
    for (size_t i = 0; i < n; i++) {
        s = s * 1103515245u + 12345u;
        uint8_t b = labels ? (uint8_t)((i * 7 + 3) % 10) : (uint8_t)((s >> 16) & 0xff);
        fputc(b, f);
    }
    return fclose(f);
}

/* A tiny MNIST look-alike (train ntrain, test ntest images of 28x28) in dir. */
static int fz_make_mnist(const char *dir, uint32_t ntrain, uint32_t ntest) __attribute__((unused));
static int fz_make_mnist(const char *dir, uint32_t ntrain, uint32_t ntest)
{
    char p[1024];
    int rc = 0;
    snprintf(p, sizeof p, "%s/train-images-idx3-ubyte", dir);
    rc |= fz_write_idx(p, 3, ntrain, 28, 28, 0);
    snprintf(p, sizeof p, "%s/train-labels-idx1-ubyte", dir);
    rc |= fz_write_idx(p, 1, ntrain, 1, 1, 1);
    snprintf(p, sizeof p, "%s/t10k-images-idx3-ubyte", dir);
    rc |= fz_write_idx(p, 3, ntest, 28, 28, 0);
    snprintf(p, sizeof p, "%s/t10k-labels-idx1-ubyte", dir);
    rc |= fz_write_idx(p, 1, ntest, 1, 1, 1);
    return rc;
}

#endif
