/* xalloc.h: allocation that aborts only when memory is exhausted, and size
 * arithmetic that refuses to overflow.
 *
 * Running out of memory is the one fatal condition in untangle: every other
 * failure is returned. Sizes that come from files or from the user must go
 * through size_mul/size_add before any allocation, and large requests through
 * mem_check_budget so that absurd sizes are refused with the memory they need. */
#ifndef UNTANGLE_XALLOC_H
#define UNTANGLE_XALLOC_H

#include <stddef.h>
#include <stdlib.h> /* free() pairs with every allocation here */
#include <stdint.h>
#include "untangle/core/err.h"

void *xmalloc(size_t n);              /* caller frees; n == 0 gives a valid pointer */
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

/* Aligned allocation (64 bytes) for float buffers fed to BLAS; free with free(). */
float *xmalloc_floats(size_t count);
float *xcalloc_floats(size_t count);

/* *out = a * b (or a + b); returns 0, or -1 when the result would overflow size_t. */
int size_mul(size_t a, size_t b, size_t *out);
int size_add(size_t a, size_t b, size_t *out);

/* The memory budget: the most one request may ask for. UNTANGLE_MAX_BYTES when
 * set (tests); otherwise three quarters of the memory available now
 * (MemAvailable in /proc/meminfo, or less when a cgroup limits the process), so
 * that a request the machine cannot serve is refused instead of swapping or
 * being killed; 16 GiB when neither can be read. *source (may be NULL) says
 * which applied. */
typedef enum MemBudgetSource { MEM_FROM_ENV, MEM_FROM_MACHINE, MEM_FROM_DEFAULT } MemBudgetSource;
#define MEM_BUDGET_DEFAULT ((size_t)16 << 30)
size_t mem_budget(MemBudgetSource *source);

/* Refuses (returns -1 with a message naming `what`, the bytes needed and the
 * budget) a request of `bytes` above mem_budget(), before anything is allocated. */
int mem_check_budget(size_t bytes, const char *what, Err *e);

/* Human size: "1.5 GiB", "320 MiB", "12 KiB" into buf. Returns buf. */
const char *mem_human(size_t bytes, char *buf, size_t cap);

#endif
