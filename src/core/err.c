/* err.c: filling the Err a failing function returns. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "untangle/core/err.h"

int err_set(Err *e, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
        e->interrupted = 0;
    }
    return -1;
}

int err_interrupted(Err *e, const char *what)
{
    if (e) {
        snprintf(e->msg, sizeof e->msg, "interrupted (Ctrl-C) during %s", what);
        e->interrupted = 1;
    }
    return -1;
}

void err_clear(Err *e)
{
    if (e) {
        e->msg[0] = '\0';
        e->interrupted = 0;
    }
}
