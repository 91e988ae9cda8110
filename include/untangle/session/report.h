/* report.h: the record of a session, and the self-contained HTML page made of
 * it (the report of a replay, the student's hand-in).
 *
 * Every session records (sh->report is always there): the replay adds, in
 * order, each lesson's title and prose (Markdown), each command with what it
 * printed, the figures it reported and the pictures it drew (PNG), questions,
 * the student's own answers, the reference answers and, in learn mode, each
 * exercise and how it ended. The record holds at most max_bytes
 * (REPORT_MAX_BYTES): past it pictures are no longer embedded and outputs are
 * cut, and the page says how many.
 *
 * report_write renders one HTML file with no external resource: a header with
 * the student's name, the date, the exercises done, skipped or open and the
 * questions answered; the record; and a footer with the SHA-256 of the page, so
 * that report_check tells whether the file was edited after it was written (it
 * does not tell who wrote it). A small script marks whether every picture
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
    REPORT_FIGURE,    /* data: the picture's bytes, PNG or `mime` (NULL past the memory
                         cap); text: its file */
    REPORT_QUESTION,  /* Markdown */
    REPORT_STUDENT,   /* the student's answer (Markdown) */
    REPORT_ANSWER,    /* the reference answer (Markdown) */
    REPORT_EXERCISE   /* learn mode: text is the exercise's title, output its outcome:
                         "done", "skipped" or "open" */
} ReportKind;

#define REPORT_FIGURE_NAME_MAX 48

/* A figure a command reported (what `expect` checks). */
typedef struct ReportFigure {
    char name[REPORT_FIGURE_NAME_MAX];
    double value;
} ReportFigure;

typedef struct ReportItem {
    ReportKind kind;
    char *text;       /* owned */
    char *output;     /* owned: commands and exercises */
    unsigned char *data; /* owned, figures only */
    size_t data_len;
    const char *mime;    /* figures: "image/png", or "image/gif" for an animation */
    int ok;
    int typed;        /* commands: typed by the person (at the prompt, -c or a pipe),
                         not replayed from a file nor run by another command */
    ReportFigure *figs; /* commands: the figures it reported, in order; owned */
    size_t n_figs;
    unsigned long long seed; /* commands: the session's seed when it began */
    int quiet;        /* commands: kept out of the page and the counts (`answer`: its
                         text stands beside its question instead) */
} ReportItem;

#define REPORT_MAX_BYTES ((size_t)64 << 20)  /* the whole record */
#define REPORT_OUTPUT_MAX ((size_t)1 << 20)  /* one command's output */

typedef struct Report {
    ReportItem *items; /* owned */
    size_t n, cap;
    size_t figures;          /* pictures embedded */
    size_t bytes;            /* what the items hold */
    size_t max_bytes;        /* REPORT_MAX_BYTES unless changed */
    size_t figures_dropped;  /* pictures not embedded: the record was full */
    size_t outputs_cut;      /* outputs cut at REPORT_OUTPUT_MAX or at the cap */
} Report;

Report *report_new(void);
void report_free(Report *r); /* accepts NULL */
void report_add(Report *r, ReportKind kind, const char *text);
/* A command, as two steps around its run (commands nest: `need` replays a
 * lesson): begin returns the item's index, end fills what it printed. */
size_t report_begin_command(Report *r, const char *command, int typed);
void report_end_command(Report *r, size_t at, const char *output, size_t len, int ok);
/* Both at once. */
void report_add_command(Report *r, const char *command, const char *output, size_t len, int ok);
/* A figure the command at index `at` reported (a second report of a name
 * replaces the value). */
void report_add_command_figure(Report *r, size_t at, const char *name, double value);
/* The command at index `at` (sh->recording; nothing when out of range or no
 * command) stays out of the page, the counts and `save lesson`. */
void report_quiet_command(Report *r, long at);
/* The items that belong to the question at index q: its answers (the student's
 * and the reference) and the commands typed between them and the question, up
 * to the last answer before the next title, prose, question or exercise.
 * Returns the index past the last. */
size_t report_question_end(const Report *r, size_t q);
/* An exercise of learn mode and how it ended ("done", "skipped", "open"). */
void report_add_exercise(Report *r, const char *title, const char *status);
/* Encodes c as PNG and adds it; returns -1 with e set when encoding fails. */
int report_add_figure(Report *r, const Canvas *c, const char *path, Err *e);
/* A picture already encoded (len bytes of data, copied), of type mime (a static
 * string: "image/gif"), written to path. */
void report_add_image(Report *r, const unsigned char *data, size_t len, const char *mime,
                      const char *path);

/* What the page's header says. */
typedef struct ReportSummary {
    size_t commands, failed, figures;
    size_t exercises_done, exercises_skipped, exercises_open; /* the last outcome of each */
    size_t questions, answered;  /* questions, and those with the student's answer */
} ReportSummary;
void report_summarize(const Report *r, ReportSummary *s);

/* An exercise of the record: where, what, and its last outcome (borrowed). */
typedef struct ReportExercise {
    const char *lesson;   /* the title of the lesson it belongs to, "" before any */
    const char *title;
    const char *outcome;  /* "done", "skipped" or "open" */
} ReportExercise;
/* Each exercise once, in the order first met, with its last outcome. Returns the
 * count; *out (caller frees) borrows the record's strings. */
size_t report_exercises(const Report *r, ReportExercise **out);

/* What the progress file (progress.h) says of one lesson of the record, for
 * the page's header: every exercise with its status, and the answers kept from
 * earlier sessions (those the record does not hold). All borrowed. */
typedef struct ReportLessonProgress {
    const char *lesson;          /* the lesson's file, as the record names it */
    size_t n_exercises;
    const char *const *titles;   /* n_exercises: each exercise's title */
    const char *const *status;   /* n_exercises: "done", "skipped" or "open" (not done) */
    size_t n_answers;
    const char *const *questions;  /* n_answers: the question (Markdown) */
    const char *const *answers;    /* n_answers: the student's answer (Markdown) */
    const char *const *references; /* n_answers: the reference answer, "" when none */
} ReportLessonProgress;

/* Who and when, for the page. */
typedef struct ReportMeta {
    const char *name;     /* the student */
    const char *date;     /* as shown: "2025-03-01 14:05:09 +0100" */
    const char *program;  /* "untangle 0.1.0" */
    const ReportLessonProgress *progress; /* the lessons with progress, or NULL: the
                                             header's exercises then come from the record */
    size_t n_progress;
} ReportMeta;

#define REPORT_SHA256_HEX 65  /* 64 hex digits and a NUL */

/* Renders the page to path atomically (temporary file, fsync, rename). When
 * sha256 is not NULL it receives the page's checksum in hex. */
int report_write(const Report *r, const ReportMeta *m, const char *path,
                 char sha256[REPORT_SHA256_HEX], Err *e);

/* The checksum of a page: the SHA-256 (nettle) of its len bytes, with the 64
 * digits at digits_at counted as zeros, into hex. The digits follow the mark. */
#define REPORT_CHECKSUM_MARK "<code id=\"untangle-sha256\">"
void report_page_sha256(const char *page, size_t len, size_t digits_at,
                        char hex[REPORT_SHA256_HEX]);

/* The page's checksum stands in its footer; the SHA-256 is of the whole file
 * with those 64 digits as zeros. */
typedef struct ReportCheck {
    int intact;                       /* the checksum matches */
    char stated[REPORT_SHA256_HEX];   /* what the page says */
    char actual[REPORT_SHA256_HEX];   /* what its content gives */
    char name[128], date[64];         /* from the page (as written, unescaped) */
} ReportCheck;
/* Reads a page report_write made and checks it: 0 with c filled (c->intact
 * tells), or -1 with e set when the file cannot be read or holds no checksum. */
int report_check(const char *path, ReportCheck *c, Err *e);

#endif
