/* report.c: the HTML page of a replay (see report.h). */
#include <stdio.h>
#include <string.h>

#include "untangle/core/atomic_file.h"
#include "untangle/core/strbuf.h"
#include "untangle/render/markdown.h"
#include "untangle/render/png.h"
#include "untangle/session/report.h"
#include "untangle/core/xalloc.h"

static void html_escape(StrBuf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '<': sb_str(b, "&lt;"); break;
        case '>': sb_str(b, "&gt;"); break;
        case '&': sb_str(b, "&amp;"); break;
        case '"': sb_str(b, "&quot;"); break;
        default: sb_char(b, s[i]);
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

static void put_markdown(StrBuf *b, const char *md)
{
    char *html = md_to_html(md, strlen(md), 1); /* h1 is the lesson's file name */
    sb_str(b, html);
    free(html);
}

static void put_base64(StrBuf *b, const unsigned char *d, size_t n)
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

/* Terminal output as text: a carriage return (progress bars redrawn in place)
 * keeps only what follows it on the line; escape sequences are dropped. */
static void put_output(StrBuf *b, const char *s)
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
                html_escape(b, c, 1);
        }
        sb_str(b, "\n");
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
    StrBuf b = {0};
    sb_str(&b, page_head);
    int in_answer_block = 0;
    for (size_t i = 0; i < r->n; i++) {
        const ReportItem *it = &r->items[i];
        if (in_answer_block && it->kind != REPORT_ANSWER) {
            sb_str(&b, "</details>\n");
            in_answer_block = 0;
        }
        switch (it->kind) {
        case REPORT_TITLE:
            sb_str(&b, "<h1>");
            html_escape(&b, it->text, strlen(it->text));
            sb_str(&b, "</h1>\n");
            break;
        case REPORT_PROSE:
            put_markdown(&b, it->text);
            break;
        case REPORT_COMMAND:
            sb_str(&b, it->ok ? "<div class=\"cmd\">" : "<div class=\"cmd failed\">");
            sb_str(&b, "<code class=\"in\">untangle&gt; ");
            html_escape(&b, it->text, strlen(it->text));
            sb_str(&b, "</code>");
            if (it->output && it->output[0]) {
                sb_str(&b, "<pre>");
                put_output(&b, it->output);
                sb_str(&b, "</pre>");
            }
            sb_str(&b, "</div>\n");
            break;
        case REPORT_FIGURE:
            sb_str(&b, "<figure><img alt=\"");
            html_escape(&b, it->text, strlen(it->text));
            sb_str(&b, "\" src=\"data:image/png;base64,");
            put_base64(&b, it->data, it->data_len);
            sb_str(&b, "\"><figcaption>");
            html_escape(&b, it->text, strlen(it->text));
            sb_str(&b, "</figcaption></figure>\n");
            break;
        case REPORT_QUESTION:
            sb_str(&b, "<div class=\"question\">");
            put_markdown(&b, it->text);
            sb_str(&b, "</div>\n");
            break;
        case REPORT_STUDENT:
            sb_str(&b, "<div class=\"student\">");
            put_markdown(&b, it->text);
            sb_str(&b, "</div>\n");
            break;
        case REPORT_ANSWER:
            if (!in_answer_block) {
                sb_str(&b, "<details><summary>Reference answer</summary>\n");
                in_answer_block = 1;
            }
            put_markdown(&b, it->text);
            break;
        case REPORT_EXERCISE:
            sb_str(&b, it->ok ? "<p class=\"exercise done\">" : "<p class=\"exercise\">");
            sb_str(&b, "Exercise: ");
            html_escape(&b, it->text, strlen(it->text));
            sb_str(&b, " &mdash; ");
            html_escape(&b, it->output, strlen(it->output));
            sb_str(&b, "</p>\n");
            break;
        }
    }
    if (in_answer_block)
        sb_str(&b, "</details>\n");
    sb_str(&b, page_tail);
    int rc = atomic_write_all(path, sb_cstr(&b), b.len, e);
    sb_free(&b);
    return rc;
}
