/* strbuf.c: a growing string (see strbuf.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "untangle/core/strbuf.h"
#include "untangle/core/xalloc.h"

static void reserve(StrBuf *b, size_t extra)
{
    size_t need;
    if (size_add(b->len, extra, &need) != 0 || size_add(need, 1, &need) != 0)
        need = (size_t)-1; /* xrealloc reports the exhausted memory */
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap = cap > ((size_t)-1) / 2 ? need : cap * 2;
    b->s = xrealloc(b->s, cap);
    b->cap = cap;
}

void sb_put(StrBuf *b, const char *s, size_t n)
{
    reserve(b, n);
    if (n)
        memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void sb_str(StrBuf *b, const char *s) { sb_put(b, s, strlen(s)); }

void sb_char(StrBuf *b, char c) { sb_put(b, &c, 1); }

void sb_printf(StrBuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n > 0) {
        reserve(b, (size_t)n);
        vsnprintf(b->s + b->len, (size_t)n + 1, fmt, again);
        b->len += (size_t)n;
    }
    va_end(again);
}

const char *sb_cstr(const StrBuf *b) { return b->s ? b->s : ""; }

char *sb_take(StrBuf *b)
{
    char *s = b->s ? b->s : xstrdup("");
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

void sb_free(StrBuf *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

void sb_base64(StrBuf *b, const unsigned char *d, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char out[4];
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)d[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)d[i + 1] << 8;
        if (i + 2 < n)
            v |= d[i + 2];
        out[0] = tab[(v >> 18) & 63];
        out[1] = tab[(v >> 12) & 63];
        out[2] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        out[3] = i + 2 < n ? tab[v & 63] : '=';
        sb_put(b, out, 4);
    }
}
