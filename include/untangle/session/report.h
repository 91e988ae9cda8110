/* report.h: a self-contained HTML page of a replay, to hand in.
 *
 * The replay adds, in order: prose (Markdown), each command with what it printed
 * and the pictures it drew (embedded as PNG data URIs), questions, the student's
 * own answers and the reference answers. report_write renders one HTML file with
 * no external resource; a small script in the page marks whether every figure
 * loaded (body attribute data-figures="loaded/total"), for automatic checks. */
#ifndef UNTANGLE_REPORT_H
#define UNTANGLE_REPORT_H

#include <stddef.h>
#include "untangle/core/canvas.h"
#include "untangle/core/err.h"

typedef enum ReportKind {
    REPORT_TITLE,     /* a lesson starts: text is its file name */
    REPORT_PROSE,     /* Markdown */
    REPORT_COMMAND,   /* text: the command; output: what it printed; ok: 0 when it failed */
    REPORT_FIGURE,    /* data: PNG bytes; text: the file it was written to */
    REPORT_QUESTION,  /* Markdown */
    REPORT_STUDENT,   /* the student's answer (Markdown) */
    REPORT_ANSWER,    /* the reference answer (Markdown) */
    REPORT_EXERCISE   /* learn mode: text is the exercise's title, output its outcome:
                         "done", "skipped" or "open" */
} ReportKind;

typedef struct ReportItem {
    ReportKind kind;
    char *text;       /* owned */
    char *output;     /* owned, commands only */
    unsigned char *data; /* owned, figures only */
    size_t data_len;
    int ok;
} ReportItem;

typedef struct Report {
    ReportItem *items; /* owned */
    size_t n, cap;
    size_t figures;
} Report;

Report *report_new(void);
void report_free(Report *r); /* accepts NULL */
void report_add(Report *r, ReportKind kind, const char *text);
void report_add_command(Report *r, const char *command, const char *output, size_t len, int ok);
/* An exercise of learn mode and how it ended ("done", "skipped", "open"). */
void report_add_exercise(Report *r, const char *title, const char *status);
/* Encodes c as PNG and adds it; returns -1 with e set when encoding fails. */
int report_add_figure(Report *r, const Canvas *c, const char *path, Err *e);
/* Renders the page to path (atomically). */
int report_write(const Report *r, const char *path, Err *e);

#endif
