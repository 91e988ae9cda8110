/* outline.h: what a lesson file holds, read with the lesson reader for the
 * layers below it (Shell.lesson_outline; session/lessons.h). */
#ifndef UNTANGLE_OUTLINE_H
#define UNTANGLE_OUTLINE_H

#include "untangle/core/err.h"
#include "untangle/session/lessons.h"

/* Reads path and counts its exercises and questions: 0, or -1 with e set. */
int lesson_outline_read(const char *path, LessonOutline *o, Err *e);

#endif
