/* progress.h: what a student did in each lesson, kept between sessions.
 *
 * One file per student, $XDG_STATE_HOME/untangle/progress (default
 * ~/.local/state/untangle/progress): per lesson, the exercises done or skipped,
 * the hints shown, the answers to its questions, whether the lesson was
 * finished, and when. The format is a short versioned text file (docs/progress.md):
 *
 *     untangle-progress 1
 *     lesson 1764712345 0 en/01-logistic
 *     exercise 1 done 1764712345 2
 *     answer 1 1764712400 1 ten templates,\none per class
 *     end 3
 *
 * The last line counts the records above it, so that a file cut short is told
 * from a whole one. A file that is cut short, garbled or from another version is
 * never read in part nor deleted: progress_load renames it aside and starts
 * empty. Saves are atomic (atomic_file.h): a killed save leaves the old file;
 * and each saves one lesson into the file as it is then, under a lock.
 *
 * Ownership: a Progress owns its lessons, which own their exercises and answers
 * (and each answer its text); pointers returned by progress_lesson,
 * progress_exercise and progress_answer are borrowed and valid until the next
 * call that adds to the same Progress or lesson. */
#ifndef UNTANGLE_PROGRESS_H
#define UNTANGLE_PROGRESS_H

#include <stddef.h>
#include <stdint.h>
#include "untangle/core/err.h"

/* What the reader accepts (larger is garbage, renamed aside). */
#define PROGRESS_VERSION 1
#define PROGRESS_MAGIC "untangle-progress"
#define PROGRESS_FILE_MAX ((size_t)16 << 20) /* bytes */
#define PROGRESS_LINE_MAX ((size_t)256 << 10) /* bytes of one line, escapes included */
#define PROGRESS_ANSWER_MAX ((size_t)64 << 10) /* bytes of one answer, unescaped */
#define PROGRESS_LESSONS_MAX 1000
#define PROGRESS_ITEMS_MAX 1000 /* exercises, and answers, of one lesson; numbers 1..this */
#define PROGRESS_HINTS_MAX 1000000

typedef enum ExerciseStatus { EXERCISE_TODO = 0, EXERCISE_DONE, EXERCISE_SKIPPED } ExerciseStatus;

typedef struct ProgressExercise {
    int number;              /* 1, 2... as LessonItem.exercise */
    ExerciseStatus status;
    int64_t when;            /* unix seconds of the last change */
    int hints;               /* hints shown so far */
} ProgressExercise;

typedef struct ProgressAnswer {
    int question;            /* 1, 2... the questions of the lesson in file order */
    char *text;              /* owned; the student's answer ("" when only revealed) */
    int64_t when;
    int revealed;            /* the reference answer was shown */
} ProgressAnswer;

typedef struct ProgressLesson {
    char key[256];           /* "en/01-logistic" for lessons/en/01-logistic.md; a lesson
                                elsewhere: its real path without .md */
    ProgressExercise *exercises; size_t n_exercises;   /* owned */
    ProgressAnswer *answers; size_t n_answers;          /* owned */
    int finished;            /* the student reached the end of the lesson */
    int64_t when;
} ProgressLesson;

typedef struct Progress {
    ProgressLesson *lessons; size_t n;  /* owned */
} Progress;

/* $XDG_STATE_HOME/untangle/progress (default ~/.local/state/untangle/progress). */
int progress_default_path(char *out, size_t cap, Err *e);
/* The key of a lesson path (see ProgressLesson.key). */
void progress_lesson_key(const char *lesson_path, char *out, size_t cap);
/* 0: loaded (a missing file is an empty Progress). 1: the file was corrupt, truncated or from
 * another version: it was renamed aside (PATH.corrupt-YYYYMMDD-HHMMSS, never deleted), *p is
 * empty and e holds the one line to print (what was wrong, where it was kept, "starting
 * again"). -1: could not be read at all (e says why). */
int progress_load(const char *path, Progress *p, Err *e);
/* Saves lesson l in the file at path: under a lock (PATH.lock beside it), the
 * file is read again, l's record replaces the one of the same key (or is added)
 * and the others stay as they are there now, so that two untangle saving their
 * own lessons keep each other's; the write is atomic (temp file, fsync, rename,
 * like model files). Makes the folder. 0 or -1. */
int progress_save_lesson(const ProgressLesson *l, const char *path, Err *e);
ProgressLesson *progress_lesson(Progress *p, const char *key);  /* found or added */
void progress_set_exercise(ProgressLesson *l, int number, ExerciseStatus s, int64_t when);
const ProgressExercise *progress_exercise(const ProgressLesson *l, int number); /* NULL: todo */
int progress_set_answer(ProgressLesson *l, int question, const char *text, int64_t when);
const ProgressAnswer *progress_answer(const ProgressLesson *l, int question);
void progress_free(Progress *p);  /* accepts a zeroed Progress */

/* Beyond the above: the reference answer of `question` was shown (an answer
 * record with "" as text when none was typed yet). 0, or -1 for a number out of
 * 1..PROGRESS_ITEMS_MAX. */
int progress_set_revealed(ProgressLesson *l, int question, int64_t when);
/* The lesson learnt again from its beginning: a new attempt, whose marks are its
 * own. Its exercises are forgotten (todo, no hint) and it is no longer finished;
 * the answers stay until the student gives new ones. */
void progress_restart(ProgressLesson *l, int64_t when);
/* One more hint shown for exercise `number` (its status unchanged). */
void progress_add_hint(ProgressLesson *l, int number, int64_t when);
/* Reads a whole file's bytes (what progress_load does once the file is read):
 * 0 with *p filled, or 1 with *p empty and e saying what is wrong ("line 3: ...").
 * For the fuzzer and the tests. */
int progress_parse(const char *text, size_t len, Progress *p, Err *e);
/* What a save writes: the file's bytes (caller frees), *len of them. */
char *progress_format(const Progress *p, size_t *len);

#endif
