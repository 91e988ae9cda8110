/* report_check.c: the SHA-256 in a page's footer (nettle's sha2.h), written
 * and checked. The digest is of the whole file with its own 64 digits counted
 * as zeros, so one number covers every byte, the header and the footer too. A
 * match tells that the page is as it was written; anyone with untangle can
 * write a page, so it tells nothing of who did the work. */
#include <nettle/sha2.h>
#include <stdio.h>
#include <string.h>

#include "untangle/core/i18n.h"
#include "untangle/core/file_read.h"
#include "untangle/session/report.h"
#include "untangle/core/xalloc.h"

#define PAGE_MAX_BYTES ((size_t)1 << 30) /* a page holds at most 64 MiB of record */

static const char zeros[64] = "0000000000000000000000000000000000000000000000000000000000000000";

void report_page_sha256(const char *page, size_t len, size_t digits_at, char hex[REPORT_SHA256_HEX])
{
    struct sha256_ctx ctx;
    uint8_t digest[SHA256_DIGEST_SIZE];
    sha256_init(&ctx);
    sha256_update(&ctx, digits_at, (const uint8_t *)page);
    sha256_update(&ctx, sizeof zeros, (const uint8_t *)zeros);
    sha256_update(&ctx, len - digits_at - sizeof zeros, (const uint8_t *)page + digits_at + 64);
    sha256_digest(&ctx, SHA256_DIGEST_SIZE, digest);
    for (size_t i = 0; i < SHA256_DIGEST_SIZE; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
}

/* The last occurrence of needle in the n bytes of s, or NULL. */
static const char *last_of(const char *s, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = n >= k ? n - k + 1 : 0; i-- > 0;)
        if (memcmp(s + i, needle, k) == 0)
            return s + i;
    return NULL;
}

/* The content="..." of <meta name="NAME">, unescaped, into out. */
static void meta_content(const char *page, size_t n, const char *name, char *out, size_t cap)
{
    char key[64];
    snprintf(key, sizeof key, "<meta name=\"%s\" content=\"", name);
    out[0] = '\0';
    const char *p = memmem(page, n, key, strlen(key));
    if (!p)
        return;
    p += strlen(key);
    static const struct {
        const char *entity;
        char c;
    } entities[] = {{"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&amp;", '&'}};
    size_t len = 0;
    while (p < page + n && *p != '"' && *p != '\n' && len + 1 < cap) {
        size_t k = 0;
        while (k < 4 && strncmp(p, entities[k].entity, strlen(entities[k].entity)) != 0)
            k++;
        if (k < 4) {
            out[len++] = entities[k].c;
            p += strlen(entities[k].entity);
        } else {
            out[len++] = *p++;
        }
    }
    out[len] = '\0';
}

int report_check(const char *path, ReportCheck *c, Err *e)
{
    memset(c, 0, sizeof *c);
    char *page;
    size_t len;
    if (file_read_all(path, "page", PAGE_MAX_BYTES, &page, &len, e) != 0)
        return -1;
    int rc = -1;
    const char *mark = last_of(page, len, REPORT_CHECKSUM_MARK);
    size_t at = mark ? (size_t)(mark - page) + strlen(REPORT_CHECKSUM_MARK) : 0;
    if (!mark || len - at < 64 || strspn(page + at, "0123456789abcdef") < 64) {
        err_set(e, _("page '%s' holds no untangle checksum; is it a page written by `handin`?"), path);
        goto out;
    }
    memcpy(c->stated, page + at, 64);
    c->stated[64] = '\0';
    report_page_sha256(page, len, at, c->actual);
    c->intact = strcmp(c->stated, c->actual) == 0;
    meta_content(page, len, "author", c->name, sizeof c->name);
    meta_content(page, len, "date", c->date, sizeof c->date);
    rc = 0;
out:
    free(page);
    return rc;
}
