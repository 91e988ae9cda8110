/* err.c: filling the Err a failing function returns. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "untangle/core/err.h"
#include "untangle/core/interrupt.h"

/* In a message too long to hold, a quoted part longer than ERR_QUOTE_LONG
 * bytes shows only its first ERR_QUOTE_SHOWN. */
#define ERR_QUOTE_LONG 64
#define ERR_QUOTE_SHOWN 40

/* Code points in s[0..n) (UTF-8 continuation bytes not counted). */
static size_t code_points(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += ((unsigned char)s[i] & 0xc0) != 0x80;
    return k;
}

/* The longest span of msg between two consecutive quotes ('...'), or failing
 * that between blanks; its start and length in *at, *len. 0 when none is worth
 * shortening. */
static int longest_span(const char *msg, size_t *at, size_t *len)
{
    size_t best = 0, best_at = 0;
    for (int pass = 0; pass < 2 && best == 0; pass++) {
        const char *open = NULL;
        for (const char *p = msg;; p++) {
            int mark = pass == 0 ? *p == '\'' : (*p == ' ' || *p == '\0');
            if (!mark && *p)
                continue;
            if (open && mark) {
                size_t n = (size_t)(p - open - 1);
                if (n > best && n > ERR_QUOTE_LONG) {
                    best = n;
                    best_at = (size_t)(open + 1 - msg);
                }
            }
            if (!*p)
                break;
            open = p;
        }
    }
    *at = best_at;
    *len = best;
    return best > 0;
}

/* Shortens the longest quoted part of msg (an owned, malloc'ed string) until
 * it fits in cap bytes: "'xqqq…' (5000 characters)". The advice after it is
 * what matters and is kept whole. */
static char *shorten(char *msg, size_t cap)
{
    size_t n = strlen(msg);
    while (n + 1 > cap) {
        size_t at, len;
        if (!longest_span(msg, &at, &len))
            break;
        char note[48];
        snprintf(note, sizeof note, "\xe2\x80\xa6%s (%zu characters)",
                 msg[at + len] == '\'' ? "'" : "", code_points(msg + at, len));
        size_t note_len = strlen(note), keep = ERR_QUOTE_SHOWN;
        while (keep > 0 && ((unsigned char)msg[at + keep] & 0xc0) == 0x80)
            keep--; /* never cut a character in two */
        size_t tail = at + len + (msg[at + len] == '\'' ? 1 : 0);
        char *out = malloc(at + keep + note_len + (n - tail) + 1);
        if (!out)
            break;
        memcpy(out, msg, at + keep);
        memcpy(out + at + keep, note, note_len);
        memcpy(out + at + keep + note_len, msg + tail, n - tail + 1);
        free(msg);
        msg = out;
        size_t m = strlen(msg);
        if (m >= n)
            break; /* nothing more to gain */
        n = m;
    }
    return msg;
}

void err_vformat(char *dst, size_t cap, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    char *full = NULL;
    int n = vasprintf(&full, fmt, copy);
    va_end(copy);
    if (n < 0 || !full) {
        vsnprintf(dst, cap, fmt, ap); /* no memory for the long form: cut */
        return;
    }
    if ((size_t)n + 1 > cap)
        full = shorten(full, cap);
    snprintf(dst, cap, "%s", full);
    free(full);
}

int err_set(Err *e, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        err_vformat(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
        e->interrupted = 0;
    }
    return -1;
}

int err_interrupted(Err *e, const char *what)
{
    if (e) {
        if (interrupt_signal() == SIGTERM)
            snprintf(e->msg, sizeof e->msg, "stopped by SIGTERM during %s", what);
        else
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
