/* err.h: the error message a library function fills when it fails.
 *
 * Convention across untangle: a function that can fail returns 0 on success and
 * -1 on failure, after writing one sentence into an Err the caller owns:
 * "what happened; what to do". Library modules never print and never exit; the
 * shell adds the place (FILE:LINE) and prints. Out of memory is the only fatal
 * error (see xalloc.h). */
#ifndef UNTANGLE_ERR_H
#define UNTANGLE_ERR_H

#include <stdarg.h>
#include <stddef.h>

#define ERR_MSG_MAX 512

typedef struct Err {
    char msg[ERR_MSG_MAX];
    int interrupted; /* set when the failure is a Ctrl-C, so callers can tell it apart */
} Err;

/* Writes the formatted message into e (when e is not NULL) and returns -1, so that
 * a failing path reads `return err_set(e, "...")`. */
int err_set(Err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Formats into dst (cap bytes). A message too long for it keeps its advice:
 * the longest quoted part is shortened instead ("'xqqq…' (5000 characters)"),
 * never the end. err_set and the shell's sh_error format through it. */
void err_vformat(char *dst, size_t cap, const char *fmt, va_list ap);

/* Marks e as an interruption (Ctrl-C) with a standard message; returns -1. */
int err_interrupted(Err *e, const char *what);

/* Clears e to the empty message. */
void err_clear(Err *e);

#endif
