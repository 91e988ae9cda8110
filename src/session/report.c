/* report.c: the record of a session, within its memory cap (see report.h). The
 * page is written by report_page.c, checked by report_check.c. */
#include <stdio.h>
#include <string.h>

#include "untangle/render/png.h"
#include "untangle/session/report.h"
#include "untangle/core/xalloc.h"

Report *report_new(void)
{
    Report *r = xcalloc(1, sizeof(Report));
    r->max_bytes = REPORT_MAX_BYTES;
    return r;
}

void report_free(Report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++) {
        free(r->items[i].text);
        free(r->items[i].output);
        free(r->items[i].data);
        free(r->items[i].figs);
    }
    free(r->items);
    free(r);
}

/* Bytes the record may still take. */
static size_t room(const Report *r) { return r->bytes < r->max_bytes ? r->max_bytes - r->bytes : 0; }

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
    /* Texts (prose, commands, answers) are kept whatever the cap: they are small
     * and the page needs them; the cap bounds outputs and pictures. */
    r->bytes += sizeof *it + strlen(it->text);
    return it;
}

void report_add(Report *r, ReportKind kind, const char *text) { push(r, kind, text); }

size_t report_begin_command(Report *r, const char *command, int typed)
{
    ReportItem *it = push(r, REPORT_COMMAND, command);
    it->output = xstrdup("");
    it->typed = typed;
    return r->n - 1;
}

void report_end_command(Report *r, size_t at, const char *output, size_t len, int ok)
{
    static const char cut_note[] = "\n[the rest of this output is not kept in the report]\n";
    ReportItem *it = &r->items[at];
    size_t keep = len;
    if (keep > REPORT_OUTPUT_MAX)
        keep = REPORT_OUTPUT_MAX;
    if (keep > room(r))
        keep = room(r);
    free(it->output);
    it->output = xmalloc(keep + sizeof cut_note);
    memcpy(it->output, output, keep);
    it->output[keep] = '\0';
    if (keep < len) {
        memcpy(it->output + keep, cut_note, sizeof cut_note);
        r->outputs_cut++;
    }
    r->bytes += keep;
    it->ok = ok;
}

void report_add_command(Report *r, const char *command, const char *output, size_t len, int ok)
{
    report_end_command(r, report_begin_command(r, command, 0), output, len, ok);
}

void report_add_command_figure(Report *r, size_t at, const char *name, double value)
{
    ReportItem *it = &r->items[at];
    for (size_t i = 0; i < it->n_figs; i++)
        if (strcmp(it->figs[i].name, name) == 0) {
            it->figs[i].value = value;
            return;
        }
    it->figs = xrealloc(it->figs, (it->n_figs + 1) * sizeof *it->figs);
    ReportFigure *f = &it->figs[it->n_figs++];
    snprintf(f->name, sizeof f->name, "%s", name);
    f->value = value;
    r->bytes += sizeof *f;
}

void report_quiet_command(Report *r, long at)
{
    if (r && at >= 0 && (size_t)at < r->n && r->items[at].kind == REPORT_COMMAND)
        r->items[at].quiet = 1;
}

size_t report_question_end(const Report *r, size_t q)
{
    /* Commands count only when an answer comes after them: those after the last
     * answer (a lesson's next block) are no longer the question's. */
    size_t end = q + 1;
    for (size_t j = q + 1; j < r->n; j++) {
        ReportKind k = r->items[j].kind;
        if (k == REPORT_STUDENT || k == REPORT_ANSWER)
            end = j + 1;
        else if (k != REPORT_COMMAND && k != REPORT_FIGURE)
            break;
    }
    return end;
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
    if (len > room(r)) {
        free(png); /* the picture stays on disk; the page names it */
        r->figures_dropped++;
        return 0;
    }
    it->data = png;
    it->data_len = len;
    it->mime = "image/png";
    r->bytes += len;
    r->figures++;
    return 0;
}

void report_add_image(Report *r, const unsigned char *data, size_t len, const char *mime,
                      const char *path)
{
    ReportItem *it = push(r, REPORT_FIGURE, path);
    it->mime = mime;
    if (len > room(r)) {
        r->figures_dropped++;
        return;
    }
    it->data = xmalloc(len ? len : 1);
    memcpy(it->data, data, len);
    it->data_len = len;
    r->bytes += len;
    r->figures++;
}

size_t report_exercises(const Report *r, ReportExercise **out)
{
    ReportExercise *ex = NULL;
    size_t n = 0;
    const char *lesson = "";
    for (size_t i = 0; i < r->n; i++) {
        const ReportItem *it = &r->items[i];
        if (it->kind == REPORT_TITLE)
            lesson = it->text;
        if (it->kind != REPORT_EXERCISE)
            continue;
        size_t k = 0;
        while (k < n && !(strcmp(ex[k].title, it->text) == 0 && strcmp(ex[k].lesson, lesson) == 0))
            k++;
        if (k == n) {
            ex = xrealloc(ex, (n + 1) * sizeof *ex);
            ex[n].lesson = lesson;
            ex[n++].title = it->text;
        }
        ex[k].outcome = it->output;
    }
    *out = ex;
    return n;
}

void report_summarize(const Report *r, ReportSummary *s)
{
    memset(s, 0, sizeof *s);
    for (size_t i = 0; i < r->n; i++) {
        const ReportItem *it = &r->items[i];
        if (it->kind == REPORT_COMMAND && !it->quiet) {
            s->commands++;
            s->failed += !it->ok;
        } else if (it->kind == REPORT_FIGURE) {
            s->figures += it->data != NULL;
        } else if (it->kind == REPORT_QUESTION) {
            /* Answered: the student's answer follows, before or after the reference. */
            s->questions++;
            for (size_t j = i + 1, end = report_question_end(r, i); j < end; j++)
                if (r->items[j].kind == REPORT_STUDENT) {
                    s->answered++;
                    break;
                }
        }
    }
    ReportExercise *ex;
    size_t n = report_exercises(r, &ex);
    for (size_t k = 0; k < n; k++) {
        if (strcmp(ex[k].outcome, "done") == 0)
            s->exercises_done++;
        else if (strcmp(ex[k].outcome, "skipped") == 0)
            s->exercises_skipped++;
        else
            s->exercises_open++;
    }
    free(ex);
}
