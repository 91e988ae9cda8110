/* handin.h: the student's page, written from the session's record.
 *
 * `handin FILE.html`, `--html FILE` and learn mode's `--html` all write through
 * sh_handin: the page of report.h with the student's name and the date, and the
 * SHA-256 that `untangle check-handin FILE` checks. */
#ifndef UNTANGLE_HANDIN_H
#define UNTANGLE_HANDIN_H

#include <stddef.h>
#include "untangle/session/report.h"
#include "untangle/session/shell.h"

/* The name a page carries: `set name`, else $USER, else the login name, else
 * "unknown". */
void sh_student_name(const Shell *sh, char *buf, size_t cap);

/* Writes the record to path (a lesson may write only where it may write
 * pictures). Fills *s (when not NULL) with what the page holds and sha256 (when
 * not NULL) with its checksum. Returns 0, or -1 after sh_error. */
int sh_handin(Shell *sh, const char *path, ReportSummary *s, char sha256[REPORT_SHA256_HEX]);

#endif
