/* lesson.h: reading a lesson file (Markdown) into what the replay prints and runs.
 *
 * Prose is printed; a fenced block whose info string is `untangle` is a list of
 * commands run one by one; a blockquote starting with **Question** is a question
 * and one starting with **Answer** or **Réponse** its answer; one starting with
 * **My answer** or **Ma réponse** is what a student wrote. Other fenced blocks
 * are prose. Every item keeps its line number for FILE:LINE messages.
 *
 * An exercise (docs/lessons.md) is a block whose info string is `untangle
 * exercise`: its reference solution, whose `expect` lines are the checks that
 * decide whether the student reached the state it builds. Its title is the
 * heading before it (`### Exercise 1: the model`); the blockquotes starting with
 * **Hint** or **Indice** between the previous block and it are its hints, in
 * order. A hint that no exercise follows is refused, naming its line. */
#ifndef UNTANGLE_LESSON_H
#define UNTANGLE_LESSON_H

#include <stddef.h>
#include "untangle/core/err.h"

typedef enum LessonKind {
    LESSON_PROSE,       /* text: one paragraph or heading, or a foreign code block */
    LESSON_BLOCK_START, /* an `untangle` block opens (text: NULL, or an exercise's title) */
    LESSON_COMMAND,     /* one line of an `untangle` block (comments and blanks dropped) */
    LESSON_BLOCK_END,
    LESSON_QUESTION,    /* text without the leading "> " */
    LESSON_ANSWER,      /* the reference answer */
    LESSON_STUDENT,     /* a student's own answer: > **My answer** / > **Ma réponse** */
    LESSON_HINT         /* a hint of the exercise that follows, without the leading "> " */
} LessonKind;

typedef struct LessonItem {
    LessonKind kind;
    char *text;  /* owned; NULL for block marks */
    long line;   /* 1-based line in the file where the item starts */
    int exercise;/* BLOCK_START: the exercise's number (1, 2... in the file), 0 for a
                    plain block; HINT: the number of the exercise it helps with */
} LessonItem;

typedef struct Lesson {
    LessonItem *items; /* owned */
    size_t n;
} Lesson;

/* Parses len bytes of Markdown (need not be NUL-terminated). Refuses an
 * unterminated fence, NUL bytes and lines over 64 KiB, naming the line. */
int lesson_parse(const char *text, size_t len, Lesson *out, Err *e);
/* Reads and parses a file (at most 16 MiB): 0, -1 when it cannot be read (not
 * there, not a regular file...), -2 when what it holds is no lesson. */
int lesson_load(const char *path, Lesson *out, Err *e);
void lesson_free(Lesson *l); /* accepts a zeroed Lesson */
/* The block before item i, for `back`: the index of a paragraph, a question or
 * the start of a whole block of commands (hints and answers are no blocks of
 * their own); SIZE_MAX when i is the first. */
size_t lesson_block_before(const Lesson *l, size_t i);

#endif
