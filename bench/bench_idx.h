/* bench_idx.h: the benchmark drivers' reading of an MNIST IDX file, whole, into memory
 * (the drivers parse the header themselves). Returns a malloc'd buffer and its length, or
 * NULL when the file cannot be read. */
#ifndef UNTANGLE_BENCH_IDX_H
#define UNTANGLE_BENCH_IDX_H

#include <stdio.h>
#include <stdlib.h>

static unsigned char *read_idx(const char *dir, const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)sz);
    if (!buf || fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
        fclose(f);
        free(buf);
        return NULL;
    }
    fclose(f);
    *len = (size_t)sz;
    return buf;
}

#endif
