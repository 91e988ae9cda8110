/* report.c: the HTML page of a replay (see report.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "untangle/core/atomic_file.h"
#include "untangle/render/png.h"
#include "untangle/session/report.h"
#include "untangle/core/xalloc.h"

/* A growing string. */
typedef struct Buf {
    char *s;
    size_t len, cap;
} Buf;

static void buf_put(Buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->s = xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void buf_str(Buf *b, const char *s) { buf_put(b, s, strlen(s)); }

static void buf_printf(Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_printf(Buf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        buf_put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void buf_escape(Buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '<': buf_str(b, "&lt;"); break;
        case '>': buf_str(b, "&gt;"); break;
        case '&': buf_str(b, "&amp;"); break;
        case '"': buf_str(b, "&quot;"); break;
        default: buf_put(b, s + i, 1);
        }
    }
}

Report *report_new(void) { return xcalloc(1, sizeof(Report)); }

void report_free(Report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++) {
        free(r->items[i].text);
        free(r->items[i].output);
        free(r->items[i].data);
    }
    free(r->items);
    free(r);
}

static ReportItem *push(Report *r, ReportKind kind, const char *text)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 64;
        r->items = xrealloc(r->items, r->cap * sizeof *r->items);
    }
    ReportItem *it = &r->items[r->n++];
    memset(it, 0, sizeof *it);
    it->kind = kind;
    it->text = xstrdup(text ? text : "");
    it->ok = 1;
    return it;
}

void report_add(Report *r, ReportKind kind, const char *text) { push(r, kind, text); }

void report_add_command(Report *r, const char *command, const char *output, size_t len, int ok)
{
    ReportItem *it = push(r, REPORT_COMMAND, command);
    it->output = xmalloc(len + 1);
    memcpy(it->output, output, len);
    it->output[len] = '\0';
    it->ok = ok;
}

void report_add_exercise(Report *r, const char *title, const char *status)
{
    ReportItem *it = push(r, REPORT_EXERCISE, title);
    it->output = xstrdup(status);
    it->ok = strcmp(status, "done") == 0;
}

int report_add_figure(Report *r, const Canvas *c, const char *path, Err *e)
{
    unsigned char *png;
    size_t len;
    if (png_encode(c, &png, &len, e) != 0)
        return -1;
    ReportItem *it = push(r, REPORT_FIGURE, path);
    it->data = png;
    it->data_len = len;
    r->figures++;
    return 0;
}

/* ---- Markdown subset ---- */

/* Inline spans: **bold**, *em*, `code`; the rest escaped. */
static void inline_md(Buf *b, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (s[i] == '`') {
            const char *close = memchr(s + i + 1, '`', n - i - 1);
            if (close) {
                buf_str(b, "<code>");
                buf_escape(b, s + i + 1, (size_t)(close - s) - i - 1);
                buf_str(b, "</code>");
                i = (size_t)(close - s) + 1;
                continue;
            }
        }
        if (s[i] == '*' && i + 1 < n && s[i + 1] == '*') {
            const char *close = NULL;
            for (size_t k = i + 2; k + 1 < n; k++)
                if (s[k] == '*' && s[k + 1] == '*') {
                    close = s + k;
                    break;
                }
            if (close) {
                buf_str(b, "<strong>");
                inline_md(b, s + i + 2, (size_t)(close - s) - i - 2);
                buf_str(b, "</strong>");
                i = (size_t)(close - s) + 2;
                continue;
            }
        }
        if (s[i] == '*' && i + 1 < n && s[i + 1] != ' ') {
            const char *close = memchr(s + i + 1, '*', n - i - 1);
            if (close && close > s + i + 1) {
                buf_str(b, "<em>");
                inline_md(b, s + i + 1, (size_t)(close - s) - i - 1);
                buf_str(b, "</em>");
                i = (size_t)(close - s) + 1;
                continue;
            }
        }
        buf_escape(b, s + i, 1);
        i++;
    }
}

char *report_markdown_to_html(const char *md)
{
    Buf b = {0};
    buf_str(&b, "");
    const char *p = md;
    int in_para = 0, in_list = 0, in_code = 0;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        const char *next = nl ? nl + 1 : p + n;
        if (n >= 3 && (strncmp(p, "```", 3) == 0 || strncmp(p, "~~~", 3) == 0)) {
            if (in_para)
                buf_str(&b, "</p>\n"), in_para = 0;
            if (in_list)
                buf_str(&b, "</ul>\n"), in_list = 0;
            buf_str(&b, in_code ? "</pre>\n" : "<pre>");
            in_code = !in_code;
        } else if (in_code) {
            buf_escape(&b, p, n);
            buf_str(&b, "\n");
        } else if (n == 0) {
            if (in_para)
                buf_str(&b, "</p>\n"), in_para = 0;
            if (in_list)
                buf_str(&b, "</ul>\n"), in_list = 0;
        } else if (p[0] == '#') {
            size_t level = 0;
            while (level < n && p[level] == '#')
                level++;
            if (level > 6)
                level = 6;
            size_t k = level;
            while (k < n && p[k] == ' ')
                k++;
            if (in_para)
                buf_str(&b, "</p>\n"), in_para = 0;
            buf_printf(&b, "<h%zu>", level + 1); /* h1 is the lesson's file name */
            inline_md(&b, p + k, n - k);
            buf_printf(&b, "</h%zu>\n", level + 1);
        } else if (n >= 2 && (p[0] == '-' || p[0] == '*') && p[1] == ' ') {
            if (in_para)
                buf_str(&b, "</p>\n"), in_para = 0;
            if (!in_list)
                buf_str(&b, "<ul>\n"), in_list = 1;
            buf_str(&b, "<li>");
            inline_md(&b, p + 2, n - 2);
            buf_str(&b, "</li>\n");
        } else {
            if (!in_para && !in_list)
                buf_str(&b, "<p>"), in_para = 1;
            else
                buf_str(&b, " ");
            inline_md(&b, p, n);
        }
        p = next;
    }
    if (in_code)
        buf_str(&b, "</pre>\n");
    if (in_para)
        buf_str(&b, "</p>\n");
    if (in_list)
        buf_str(&b, "</ul>\n");
    return b.s;
}

static void put_markdown(Buf *b, const char *md)
{
    char *html = report_markdown_to_html(md);
    buf_str(b, html);
    free(html);
}

static void put_base64(Buf *b, const unsigned char *d, size_t n)
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
        buf_put(b, out, 4);
    }
}

/* Terminal output as text: a carriage return (progress bars redrawn in place)
 * keeps only what follows it on the line; escape sequences are dropped. */
static void put_output(Buf *b, const char *s)
{
    const char *line = s;
    while (*line) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        const char *start = line;
        for (size_t i = 0; i < n; i++)
            if (line[i] == '\r' && i + 1 < n)
                start = line + i + 1;
        for (const char *c = start; c < line + n; c++) {
            if (*c == '\033') {
                while (c < line + n && !((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')))
                    c++;
                continue;
            }
            if (*c != '\r')
                buf_escape(b, c, 1);
        }
        buf_str(b, "\n");
        line = nl ? nl + 1 : line + n;
    }
}

static const char page_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<title>untangle report</title>\n<style>\n"
    "body{font-family:sans-serif;max-width:52em;margin:2em auto;padding:0 1em;line-height:1.45;"
    "color:#222}\n"
    "h1{border-bottom:2px solid #1f77b4;font-size:1.1em;color:#555}\n"
    ".cmd{margin:.8em 0;border-left:4px solid #2ca02c;background:#f6f8f6;padding:.3em .6em}\n"
    ".cmd.failed{border-color:#d62728;background:#fbf3f3}\n"
    ".cmd code.in{font-weight:bold;color:#176317}\n"
    ".cmd pre{margin:.3em 0;white-space:pre-wrap;font-size:.85em}\n"
    "figure{margin:.6em 0}figure img{max-width:100%;border:1px solid #ddd}\n"
    "figcaption{font-size:.8em;color:#666}\n"
    ".question{border-left:4px solid #ff7f0e;padding:.2em .8em;background:#fff8f0}\n"
    ".student{border-left:4px solid #9467bd;padding:.2em .8em;background:#f7f3fb}\n"
    "details{margin:.5em 0 1em}summary{cursor:pointer;color:#1f77b4}\n"
    "</style>\n</head>\n<body>\n";

/* Marks the body with how many figures decoded, for checks in a browser. */
static const char page_tail[] =
    "<script>\n"
    "window.addEventListener('load', function () {\n"
    "  var imgs = document.querySelectorAll('img'), ok = 0;\n"
    "  for (var i = 0; i < imgs.length; i++)\n"
    "    if (imgs[i].complete && imgs[i].naturalWidth > 0) ok++;\n"
    "  document.body.setAttribute('data-figures', ok + '/' + imgs.length);\n"
    "});\n"
    "</script>\n</body>\n</html>\n";

int report_write(const Report *r, const char *path, Err *e)
{
    Buf b = {0};
    buf_str(&b, page_head);
    int in_answer_block = 0;
    for (size_t i = 0; i < r->n; i++) {
        const ReportItem *it = &r->items[i];
        if (in_answer_block && it->kind != REPORT_ANSWER) {
            buf_str(&b, "</details>\n");
            in_answer_block = 0;
        }
        switch (it->kind) {
        case REPORT_TITLE:
            buf_str(&b, "<h1>");
            buf_escape(&b, it->text, strlen(it->text));
            buf_str(&b, "</h1>\n");
            break;
        case REPORT_PROSE:
            put_markdown(&b, it->text);
            break;
        case REPORT_COMMAND:
            buf_str(&b, it->ok ? "<div class=\"cmd\">" : "<div class=\"cmd failed\">");
            buf_str(&b, "<code class=\"in\">untangle&gt; ");
            buf_escape(&b, it->text, strlen(it->text));
            buf_str(&b, "</code>");
            if (it->output && it->output[0]) {
                buf_str(&b, "<pre>");
                put_output(&b, it->output);
                buf_str(&b, "</pre>");
            }
            buf_str(&b, "</div>\n");
            break;
        case REPORT_FIGURE:
            buf_str(&b, "<figure><img alt=\"");
            buf_escape(&b, it->text, strlen(it->text));
            buf_str(&b, "\" src=\"data:image/png;base64,");
            put_base64(&b, it->data, it->data_len);
            buf_str(&b, "\"><figcaption>");
            buf_escape(&b, it->text, strlen(it->text));
            buf_str(&b, "</figcaption></figure>\n");
            break;
        case REPORT_QUESTION:
            buf_str(&b, "<div class=\"question\">");
            put_markdown(&b, it->text);
            buf_str(&b, "</div>\n");
            break;
        case REPORT_STUDENT:
            buf_str(&b, "<div class=\"student\">");
            put_markdown(&b, it->text);
            buf_str(&b, "</div>\n");
            break;
        case REPORT_ANSWER:
            if (!in_answer_block) {
                buf_str(&b, "<details><summary>Reference answer</summary>\n");
                in_answer_block = 1;
            }
            put_markdown(&b, it->text);
            break;
        case REPORT_EXERCISE:
            buf_str(&b, it->ok ? "<p class=\"exercise done\">" : "<p class=\"exercise\">");
            buf_str(&b, "Exercise: ");
            buf_escape(&b, it->text, strlen(it->text));
            buf_str(&b, " &mdash; ");
            buf_escape(&b, it->output, strlen(it->output));
            buf_str(&b, "</p>\n");
            break;
        }
    }
    if (in_answer_block)
        buf_str(&b, "</details>\n");
    buf_str(&b, page_tail);
    int rc = atomic_write_all(path, b.s, b.len, e);
    free(b.s);
    return rc;
}
