/* xalloc.c: allocation wrappers (fatal only on exhausted memory) and checked sizes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "untangle/core/i18n.h"
#include "untangle/core/xalloc.h"

#define HUGE_PAGE ((size_t)2 << 20)

static void out_of_memory(size_t n)
{
    /* The one fatal error: nothing sensible can continue without memory. */
    fprintf(stderr, _("untangle: out of memory (asked for %zu bytes)\n"), n);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory(n);
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        out_of_memory(count * size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        out_of_memory(n);
    return q;
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = xmalloc(n);
    memcpy(p, s, n);
    return p;
}

float *xmalloc_floats(size_t count)
{
    size_t bytes;
    if (size_mul(count ? count : 1, sizeof(float), &bytes) != 0)
        out_of_memory(SIZE_MAX);
    /* Large buffers (data sets, activations, t-SNE arrays) are 2 MiB aligned and
     * asked to live on transparent huge pages: writing fresh memory is otherwise
     * dominated by page faults (loading MNIST took ten times longer). The advice is
     * a hint; its failure changes nothing. aligned_alloc wants a multiple of the
     * alignment. */
    size_t align = bytes >= HUGE_PAGE ? HUGE_PAGE : 64;
    bytes = (bytes + align - 1) & ~(align - 1);
    void *p = aligned_alloc(align, bytes);
    if (!p)
        out_of_memory(bytes);
#ifdef MADV_HUGEPAGE
    if (align == HUGE_PAGE)
        (void)madvise(p, bytes, MADV_HUGEPAGE);
#endif
    return p;
}

float *xcalloc_floats(size_t count)
{
    float *p = xmalloc_floats(count);
    memset(p, 0, (count ? count : 1) * sizeof(float));
    return p;
}

int size_mul(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a)
        return -1;
    *out = a * b;
    return 0;
}

int size_add(size_t a, size_t b, size_t *out)
{
    if (b > SIZE_MAX - a)
        return -1;
    *out = a + b;
    return 0;
}

const char *mem_human(size_t bytes, char *buf, size_t cap)
{
    static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = (double)bytes;
    int u = 0;
    while (v >= 1024.0 && u < 6) {
        v /= 1024.0;
        u++;
    }
    if (u == 0)
        snprintf(buf, cap, "%zu bytes", bytes);
    else
        snprintf(buf, cap, "%.1f %s", v, units[u]);
    return buf;
}

/* A number of bytes in /proc/meminfo ("MemAvailable:  123456 kB") or a cgroup
 * file ("123456" or "max"); 0 when absent or unreadable. */
static size_t read_bytes(const char *path, const char *key)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return 0;
    char line[256];
    size_t v = 0, klen = key ? strlen(key) : 0;
    while (fgets(line, sizeof line, f)) {
        if (key && strncmp(line, key, klen) != 0)
            continue;
        char *end;
        errno = 0;
        unsigned long long x = strtoull(line + klen, &end, 10);
        if (errno == 0 && end != line + klen)
            v = key ? (size_t)x * 1024 : (size_t)x;
        break;
    }
    fclose(f);
    return v;
}

size_t mem_budget(MemBudgetSource *source)
{
    const char *env = getenv("UNTANGLE_MAX_BYTES");
    if (env && *env) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(env, &end, 10);
        if (errno == 0 && *end == '\0' && v > 0) {
            if (source)
                *source = MEM_FROM_ENV;
            return (size_t)v;
        }
    }
    size_t avail = read_bytes("/proc/meminfo", "MemAvailable:");
    /* In a container the cgroup's limit may be lower than the machine's memory. */
    size_t max = read_bytes("/sys/fs/cgroup/memory.max", NULL);
    size_t cur = read_bytes("/sys/fs/cgroup/memory.current", NULL);
    if (max && cur < max && (!avail || max - cur < avail))
        avail = max - cur;
    if (!avail) {
        if (source)
            *source = MEM_FROM_DEFAULT;
        return MEM_BUDGET_DEFAULT;
    }
    if (source)
        *source = MEM_FROM_MACHINE;
    /* Room for the buffers a command needs beside the one it asks about. */
    return avail / 4 * 3;
}

int mem_check_budget(size_t bytes, const char *what, Err *e)
{
    MemBudgetSource src;
    size_t limit = mem_budget(&src);
    if (bytes <= limit)
        return 0;
    char need[32], have[32];
    return err_set(e, _("%s would need %s of memory, more than the %s %s; use a smaller size"),
                   what, mem_human(bytes, need, sizeof need), mem_human(limit, have, sizeof have),
                   src == MEM_FROM_MACHINE ? _("this machine can spare") : _("allowed"));
}
