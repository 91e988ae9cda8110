/* report_page.c: the HTML page of a session's record (see report.h): header,
 * the record in order, footer with the SHA-256 (report_check.c). */
#include <stdio.h>
#include <string.h>

#include "untangle/core/i18n.h"
#include "untangle/core/atomic_file.h"
#include "untangle/core/strbuf.h"
#include "untangle/render/markdown.h"
#include "untangle/session/report.h"
#include "untangle/core/xalloc.h"

static void html_escape(StrBuf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': sb_str(b, "&lt;"); break;
        case '>': sb_str(b, "&gt;"); break;
        case '&': sb_str(b, "&amp;"); break;
        case '"': sb_str(b, "&quot;"); break;
        default: sb_char(b, *s);
        }
    }
}

static void put_markdown(StrBuf *b, const char *md)
{
    char *html = md_to_html(md, strlen(md), 1); /* h1 is the lesson's file name */
    sb_str(b, html);
    free(html);
}

/* Length of the terminal escape sequence at s (s[0] is ESC, n bytes left): CSI
 * (ESC [ ... final byte), OSC (ESC ] ... BEL or ESC \), or ESC and one byte. */
static size_t escape_length(const char *s, size_t n)
{
    size_t i = 2;
    if (n >= 2 && s[1] == '[') {
        while (i < n && !((unsigned char)s[i] >= 0x40 && (unsigned char)s[i] <= 0x7e))
            i++;
        return i < n ? i + 1 : n;
    }
    if (n >= 2 && s[1] == ']') {
        while (i < n && s[i] != '\007' && !(s[i] == '\033' && i + 1 < n && s[i + 1] == '\\'))
            i++;
        return i >= n ? n : s[i] == '\007' ? i + 1 : i + 2;
    }
    return n >= 2 ? 2 : 1;
}

/* Terminal output as text: a carriage return (progress bars redrawn in place)
 * keeps only what follows it on the line; escape sequences (colours, pictures
 * drawn in the terminal) and other control characters are dropped. */
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
        const char *end = line + n;
        for (const char *c = start; c < end; c++) {
            if (*c == '\033') {
                c += escape_length(c, (size_t)(end - c)) - 1;
                continue;
            }
            if ((unsigned char)*c < 0x20 && *c != '\t')
                continue;
            char one[2] = {*c, '\0'};
            html_escape(b, one);
        }
        sb_char(b, '\n');
        line = nl ? nl + 1 : end;
    }
}

static const char page_style[] =
    "body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em;line-height:1.45;"
    "color:#222}\n"
    "header.handin{border:1px solid #ccc;background:#fafafa;padding:.4em 1em;margin-bottom:1.5em}\n"
    "header.handin table{border-collapse:collapse;margin:.5em 0}\n"
    "header.handin td,header.handin th{border:1px solid #ddd;padding:.15em .6em;text-align:left}\n"
    "td.done{color:#176317}td.skipped{color:#a05a00}td.open{color:#a00}\n"
    "h1{border-bottom:2px solid #1f77b4;font-size:1.1em;color:#555}\n"
    ".cmd{margin:.8em 0;border-left:4px solid #2ca02c;background:#f6f8f6;padding:.3em .6em}\n"
    ".cmd.failed{border-color:#d62728;background:#fbf3f3}\n"
    ".cmd code.in{font-weight:bold;color:#176317}\n"
    ".cmd pre{margin:.3em 0;white-space:pre-wrap;font-size:.85em}\n"
    ".cmd.lesson{border-color:#999;background:#f4f4f4}.cmd.lesson code.in{color:#555}\n"
    ".cmd .by{font-size:.8em;color:#777;font-style:italic}\n"
    "figure{margin:.6em 0}figure img{max-width:100%;border:1px solid #ddd}\n"
    "figcaption{font-size:.8em;color:#666}\n"
    ".question{border-left:4px solid #ff7f0e;padding:.2em .8em;background:#fff8f0}\n"
    ".answers{display:grid;grid-template-columns:1fr 1fr;gap:1em;margin:.5em 0 1em}\n"
    ".student{border-left:4px solid #9467bd;padding:.2em .8em;background:#f7f3fb}\n"
    ".student.none{color:#888;font-style:italic}\n"
    "details{margin:.5em 0 1em}summary{cursor:pointer;color:#1f77b4}\n"
    "footer{margin-top:2em;border-top:1px solid #ccc;font-size:.85em;color:#555}\n"
    "footer code{word-break:break-all}\n";

/* Marks the body with how many pictures decoded, for checks in a browser. */
static const char page_script[] =
    "<script>\n"
    "window.addEventListener('load', function () {\n"
    "  var imgs = document.querySelectorAll('img'), ok = 0;\n"
    "  for (var i = 0; i < imgs.length; i++)\n"
    "    if (imgs[i].complete && imgs[i].naturalWidth > 0) ok++;\n"
    "  document.body.setAttribute('data-figures', ok + '/' + imgs.length);\n"
    "});\n"
    "</script>\n";

static void put_head(StrBuf *b, const ReportMeta *m)
{
    sb_printf(b, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
                 "<meta name=\"author\" content=\"", i18n_lang());
    html_escape(b, m->name);
    sb_str(b, "\">\n<meta name=\"date\" content=\"");
    html_escape(b, m->date);
    sb_str(b, "\">\n<meta name=\"generator\" content=\"");
    html_escape(b, m->program);
    sb_str(b, "\">\n<title>untangle: ");
    html_escape(b, m->name);
    sb_str(b, ", ");
    html_escape(b, m->date);
    sb_str(b, "</title>\n<style>\n");
    sb_str(b, page_style);
    sb_str(b, "</style>\n</head>\n<body>\n");
}

/* The exercises, each once with its last outcome. */
static void put_exercise_table(StrBuf *b, const Report *r)
{
    ReportExercise *ex;
    size_t n = report_exercises(r, &ex);
    if (n)
        sb_str(b, _("<table class=\"exercises\">\n<tr><th>Lesson</th><th>Exercise</th>"
                    "<th>Outcome</th></tr>\n"));
    for (size_t k = 0; k < n; k++) {
        sb_str(b, "<tr><td>");
        html_escape(b, ex[k].lesson);
        sb_str(b, "</td><td>");
        html_escape(b, ex[k].title);
        sb_str(b, "</td><td class=\"");
        html_escape(b, ex[k].outcome);
        sb_str(b, "\">");
        html_escape(b, ex[k].outcome);
        sb_str(b, "</td></tr>\n");
    }
    if (n)
        sb_str(b, "</table>\n");
    free(ex);
}

/* An exercise's status word (done, skipped, open) as the page shows it. */
static const char *status_shown(const char *status)
{
    return strcmp(status, "done") == 0      ? _("done")
           : strcmp(status, "skipped") == 0 ? _("skipped")
                                            : _("not done");
}

/* What the progress file says: each lesson's exercises with their status, and
 * the answers of earlier sessions beside the reference (folded). */
static void put_progress(StrBuf *b, const ReportMeta *m)
{
    for (size_t i = 0; i < m->n_progress; i++) {
        const ReportLessonProgress *lp = &m->progress[i];
        sb_str(b, "<div class=\"progress\"><p class=\"lesson\"><code>");
        html_escape(b, lp->lesson);
        sb_str(b, "</code></p>\n");
        if (lp->n_exercises)
            sb_str(b, _("<table class=\"exercises\">\n<tr><th>Exercise</th><th>Status</th></tr>\n"));
        for (size_t k = 0; k < lp->n_exercises; k++) {
            const char *st = lp->status[k];
            const char *shown = status_shown(st);
            sb_printf(b, "<tr><td>%zu. ", k + 1);
            html_escape(b, lp->titles[k]);
            sb_str(b, "</td><td class=\"");
            html_escape(b, st);
            sb_str(b, "\">");
            html_escape(b, shown);
            sb_str(b, "</td></tr>\n");
        }
        if (lp->n_exercises)
            sb_str(b, "</table>\n");
        if (lp->n_answers)
            sb_str(b, _("<p>Answers given in earlier sessions:</p>\n"));
        for (size_t k = 0; k < lp->n_answers; k++) {
            sb_str(b, "<div class=\"question\">");
            put_markdown(b, lp->questions[k]);
            sb_str(b, "</div>\n<div class=\"answers\">\n<div class=\"student\">");
            put_markdown(b, lp->answers[k]);
            sb_str(b, "</div>\n");
            if (lp->references[k][0]) {
                sb_str(b, _("<details class=\"reference\"><summary>Reference answer</summary>\n"));
                put_markdown(b, lp->references[k]);
                sb_str(b, "</details>\n");
            }
            sb_str(b, "</div>\n");
        }
        sb_str(b, "</div>\n");
    }
}

static void put_header(StrBuf *b, const Report *r, const ReportMeta *m)
{
    ReportSummary s;
    report_summarize(r, &s);
    sb_str(b, "<header class=\"handin\">\n<p class=\"who\">");
    StrBuf who = {0}, name = {0}, date = {0}, program = {0};
    html_escape(&name, m->name);
    html_escape(&date, m->date);
    html_escape(&program, m->program);
    sb_printf(&who, _("The work of <strong>%s</strong>, written on %s by %s."), sb_cstr(&name),
              sb_cstr(&date), sb_cstr(&program));
    sb_str(b, sb_cstr(&who));
    sb_str(b, "</p>\n");
    if (m->n_progress)
        put_progress(b, m);
    else
        put_exercise_table(b, r);
    if (s.exercises_done + s.exercises_skipped + s.exercises_open + s.answered > 0)
        sb_printf(b, _("<p class=\"summary\">Exercises: %zu done, %zu skipped, %zu open. Questions "
                       "answered: %zu of %zu. Commands: %zu, of which %zu failed. Pictures: %zu.</p>\n"),
                  s.exercises_done, s.exercises_skipped, s.exercises_open, s.answered, s.questions,
                  s.commands, s.failed, s.figures);
    else /* a replay, or a session at the prompt: nothing done or answered by hand */
        sb_printf(b, _("<p class=\"summary\">Commands: %zu, of which %zu failed. Pictures: %zu.</p>\n"),
                  s.commands, s.failed, s.figures);
    if (r->figures_dropped || r->outputs_cut)
        sb_printf(b, _("<p class=\"cut\">The record was full (it keeps at most %zu MiB): %zu "
                       "pictures are not embedded and %zu outputs are cut.</p>\n"),
                  r->max_bytes >> 20, r->figures_dropped, r->outputs_cut);
    sb_str(b, "</header>\n<main>\n");
    sb_free(&who);
    sb_free(&name);
    sb_free(&date);
    sb_free(&program);
}

/* A command with its output. In a page that holds commands the person typed
 * (`mixed`), those the lesson ran itself (its blocks, the solutions replayed to
 * resume or shown by `skip`) are marked as the lesson's, so that the page never
 * passes them off as the student's. */
static void put_command(StrBuf *b, const ReportItem *it, int mixed)
{
    int lessons = mixed && !it->typed;
    sb_str(b, "<div class=\"cmd");
    sb_str(b, it->ok ? "" : " failed");
    sb_str(b, lessons ? " lesson\">" : "\">");
    sb_str(b, "<code class=\"in\">untangle&gt; ");
    html_escape(b, it->text);
    sb_str(b, "</code>");
    if (lessons) {
        sb_str(b, " <span class=\"by\">");
        html_escape(b, _("run by the lesson"));
        sb_str(b, "</span>");
    }
    if (it->output && it->output[0]) {
        sb_str(b, "<pre>");
        put_output(b, it->output);
        sb_str(b, "</pre>");
    }
    sb_str(b, "</div>\n");
}

static void put_figure(StrBuf *b, const ReportItem *it)
{
    if (!it->data) {
        sb_str(b, _("<p class=\"figure-missing\">The picture "));
        html_escape(b, it->text);
        sb_str(b, _(" is not embedded: the record was full.</p>\n"));
        return;
    }
    sb_str(b, "<figure><img alt=\"");
    html_escape(b, it->text);
    sb_str(b, "\" src=\"data:");
    sb_str(b, it->mime ? it->mime : "image/png");
    sb_str(b, ";base64,");
    sb_base64(b, it->data, it->data_len);
    sb_str(b, "\"><figcaption>");
    html_escape(b, it->text);
    sb_str(b, "</figcaption></figure>\n");
}

static void put_item(StrBuf *b, const ReportItem *it, int mixed);

/* A question, then the student's answer beside the reference answer (folded).
 * Returns the index of the last item used. */
static size_t put_question(StrBuf *b, const Report *r, size_t i, int mixed)
{
    sb_str(b, "<div class=\"question\">");
    put_markdown(b, r->items[i].text);
    sb_str(b, "</div>\n");
    size_t j = report_question_end(r, i);
    /* What the student did before answering, in order, then the answers. */
    for (size_t k = i + 1; k < j; k++)
        if (r->items[k].kind == REPORT_COMMAND || r->items[k].kind == REPORT_FIGURE)
            put_item(b, &r->items[k], mixed);
    sb_str(b, "<div class=\"answers\">\n");
    int answered = 0;
    for (size_t k = i + 1; k < j; k++)
        if (r->items[k].kind == REPORT_STUDENT) {
            sb_str(b, "<div class=\"student\">");
            put_markdown(b, r->items[k].text);
            sb_str(b, "</div>\n");
            answered = 1;
        }
    if (!answered)
        sb_str(b, _("<div class=\"student none\"><p>No answer.</p></div>\n"));
    int reference = 0;
    for (size_t k = i + 1; k < j; k++)
        if (r->items[k].kind == REPORT_ANSWER) {
            if (!reference)
                sb_str(b, _("<details class=\"reference\"><summary>Reference answer</summary>\n"));
            reference = 1;
            put_markdown(b, r->items[k].text);
        }
    if (reference)
        sb_str(b, "</details>\n");
    sb_str(b, "</div>\n");
    return j - 1;
}

static void put_item(StrBuf *b, const ReportItem *it, int mixed)
{
    switch (it->kind) {
    case REPORT_TITLE:
        sb_str(b, "<h1>");
        html_escape(b, it->text);
        sb_str(b, "</h1>\n");
        break;
    case REPORT_PROSE: put_markdown(b, it->text); break;
    case REPORT_COMMAND:
        if (!it->quiet)
            put_command(b, it, mixed);
        break;
    case REPORT_FIGURE: put_figure(b, it); break;
    case REPORT_QUESTION: break; /* put_question */
    case REPORT_STUDENT:         /* an answer away from its question */
        sb_str(b, "<div class=\"student\">");
        put_markdown(b, it->text);
        sb_str(b, "</div>\n");
        break;
    case REPORT_ANSWER:
        sb_str(b, _("<details class=\"reference\"><summary>Reference answer</summary>\n"));
        put_markdown(b, it->text);
        sb_str(b, "</details>\n");
        break;
    case REPORT_EXERCISE:
        sb_str(b, it->ok ? "<p class=\"exercise done\">" : "<p class=\"exercise\">");
        html_escape(b, it->text); /* "Exercise 1: the model": the heading names it */
        sb_str(b, " &mdash; ");
        /* where it begins, then how it ended */
        html_escape(b, it->output && strcmp(it->output, "open") == 0 ? _("begun")
                                                                      : status_shown(it->output ? it->output : ""));
        sb_str(b, "</p>\n");
        break;
    }
}

int report_write(const Report *r, const ReportMeta *m, const char *path,
                 char sha256[REPORT_SHA256_HEX], Err *e)
{
    StrBuf b = {0};
    put_head(&b, m);
    put_header(&b, r, m);
    int mixed = 0; /* commands typed by the person beside those of lessons */
    for (size_t i = 0; i < r->n; i++)
        mixed |= r->items[i].kind == REPORT_COMMAND && r->items[i].typed && !r->items[i].quiet;
    for (size_t i = 0; i < r->n; i++) {
        if (r->items[i].kind == REPORT_QUESTION)
            i = put_question(&b, r, i, mixed);
        else
            put_item(&b, &r->items[i], mixed);
    }
    sb_str(&b, "</main>\n<footer>\n<p>");
    sb_str(&b, _("SHA-256 of this page, counted with the 64 digits that follow as zeros: "));
    sb_str(&b, REPORT_CHECKSUM_MARK);
    size_t digits_at = b.len;
    sb_str(&b, "0000000000000000000000000000000000000000000000000000000000000000</code>.</p>\n<p>");
    sb_str(&b, _("<code>untangle check-handin FILE</code> tells whether this page was edited "
                 "after it was written; it does not tell who did the work."));
    sb_str(&b, "</p>\n</footer>\n");
    sb_str(&b, page_script);
    sb_str(&b, "</body>\n</html>\n");
    char digest[REPORT_SHA256_HEX];
    report_page_sha256(b.s, b.len, digits_at, digest);
    memcpy(b.s + digits_at, digest, 64);
    int rc = atomic_write_all(path, sb_cstr(&b), b.len, e);
    sb_free(&b);
    if (rc == 0 && sha256)
        memcpy(sha256, digest, REPORT_SHA256_HEX);
    return rc;
}
