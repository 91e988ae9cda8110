/* lessons.h: the lessons that come with untangle, and what one holds.
 *
 * The lessons live in lessons/LANG/ beside the program (a clone's ./untangle,
 * build-san/untangle one folder down), else in ./lessons/LANG/. What a lesson
 * holds (its exercises and questions) is read by the front end, which owns the
 * lesson reader: the session reaches it through Shell.lesson_outline. */
#ifndef UNTANGLE_LESSONS_H
#define UNTANGLE_LESSONS_H

#include <stddef.h>
#include "untangle/core/err.h"

/* What a lesson file holds, for `lessons` and the hand-in. */
typedef struct LessonOutline {
    size_t exercises;   /* exercise blocks, numbered 1..exercises in file order */
    size_t questions;   /* questions, numbered 1..questions in file order */
    char **titles;      /* owned: the exercises' titles (exercises of them, never NULL
                           each: "" when the exercise has none) */
    char **questions_text; /* owned: each question (Markdown; questions of them) */
    char **answers;     /* owned: each question's reference answer, "" when it has none */
} LessonOutline;

void lesson_outline_free(LessonOutline *o); /* accepts a zeroed outline */

/* The folder of the lessons in `lang` ("en", "fr") into out: 0, or -1 with e
 * naming the places looked at. */
int lessons_folder(const char *lang, char *out, size_t cap, Err *e);

/* The NAME.md files of dir, sorted by name, as NAMEs without .md (caller frees
 * each and the array). Returns the count, or -1 with e set. */
long lessons_list(const char *dir, char ***names, Err *e);

#endif
