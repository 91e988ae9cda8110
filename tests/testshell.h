/* testshell.h: a Shell for tests, with its output and errors captured in memory,
 * pictures off, and a temporary output folder removed at the end. */
#ifndef UNTANGLE_TESTSHELL_H
#define UNTANGLE_TESTSHELL_H

#include "testutil.h"
#include "untangle/shell.h"

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

#endif
