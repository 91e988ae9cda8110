/* strbuf.h: a growing NUL-terminated string, for text built piece by piece
 * (HTML pages, rendered Markdown, lesson files).
 *
 * A zeroed StrBuf is empty and valid; sb->s is NULL until the first append, so
 * read it through sb_cstr. The buffer owns its bytes: sb_free releases them,
 * sb_take hands them to the caller (who frees them) and leaves the buffer empty. */
#ifndef UNTANGLE_STRBUF_H
#define UNTANGLE_STRBUF_H

#include <stddef.h>

typedef struct StrBuf {
    char *s;          /* owned; NULL while nothing was appended */
    size_t len, cap;  /* len excludes the terminating NUL */
} StrBuf;

void sb_put(StrBuf *b, const char *s, size_t n);   /* appends n bytes (may hold NULs) */
void sb_str(StrBuf *b, const char *s);             /* appends a C string */
void sb_char(StrBuf *b, char c);
void sb_printf(StrBuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends the n bytes of d in base64 (RFC 4648, with '=' padding). */
void sb_base64(StrBuf *b, const unsigned char *d, size_t n);
/* The text so far ("" when empty); borrowed, valid until the next append. */
const char *sb_cstr(const StrBuf *b);
/* The text, owned by the caller (never NULL); b is left empty. */
char *sb_take(StrBuf *b);
void sb_free(StrBuf *b);

#endif
