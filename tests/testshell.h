/* testshell.h: a Shell for tests, with its output and errors captured in memory,
 * pictures off, and a temporary output folder removed at the end. */
#ifndef UNTANGLE_TESTSHELL_H
#define UNTANGLE_TESTSHELL_H

#include "testutil.h"
#include "untangle/core/rng.h"
#include "untangle/session/shell.h"
#include "untangle/core/xalloc.h"

typedef struct Captured {
    Shell sh;
    char *out, *err; /* what the commands printed; valid after fflush */
    size_t out_len, err_len;
    char *dir;       /* the output folder */
} Captured;

static inline void cap_open(Captured *c)
{
    shell_init(&c->sh);
    c->out = c->err = NULL;
    c->sh.out = open_memstream(&c->out, &c->out_len);
    c->sh.err = open_memstream(&c->err, &c->err_len);
    c->sh.tty_out = 0;
    c->sh.term = TERM_NONE;
    c->dir = tu_tmpdir();
    snprintf(c->sh.output_dir, sizeof c->sh.output_dir, "%s", c->dir);
}

static inline void cap_close(Captured *c)
{
    fclose(c->sh.out);
    fclose(c->sh.err);
    free(c->out);
    free(c->err);
    shell_free(&c->sh);
    tu_rmtree(c->dir);
}

/* n synthetic 9x7 images of ten classes: noise up to `noise` everywhere plus a 2x2
 * blob of `ink` at a place that depends on the class, so a small model can learn
 * them in a few epochs. Asymmetric and odd-sized on purpose. */
static inline void synthetic(float noise, float ink, Dataset *d, size_t n, uint64_t seed)
{
    Rng r;
    rng_seed(&r, seed);
    d->n = n;
    d->rows = 9;
    d->cols = 7;
    d->x = xmalloc_floats(n * 63);
    d->y = xmalloc(n);
    for (size_t i = 0; i < n; i++) {
        int c = (int)rng_below(&r, 10);
        d->y[i] = (uint8_t)c;
        float *img = d->x + i * 63;
        for (int k = 0; k < 63; k++)
            img[k] = noise * (float)rng_uniform(&r);
        int y0 = (c / 5) * 4 + 1, x0 = (c % 5) + 1;
        for (int dy = 0; dy < 2; dy++)
            for (int dx = 0; dx < 2; dx++)
                img[(y0 + dy) * 7 + x0 + dx - 1] += ink;
    }
}

#endif
