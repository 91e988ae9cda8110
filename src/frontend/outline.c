/* outline.c: a lesson's exercises and questions, counted with the reader the
 * replay uses, so that `lessons` and the hand-in number them as the replay does. */
#include <string.h>

#include "untangle/core/xalloc.h"
#include "untangle/frontend/lesson.h"
#include "untangle/frontend/outline.h"

int lesson_outline_read(const char *path, LessonOutline *o, Err *e)
{
    memset(o, 0, sizeof *o);
    Lesson l;
    if (lesson_load(path, &l, e) != 0)
        return -1;
    for (size_t i = 0; i < l.n; i++) {
        const LessonItem *it = &l.items[i];
        if (it->kind == LESSON_QUESTION) {
            o->questions_text = xrealloc(o->questions_text, (o->questions + 1) * sizeof(char *));
            o->answers = xrealloc(o->answers, (o->questions + 1) * sizeof(char *));
            o->questions_text[o->questions] = xstrdup(it->text ? it->text : "");
            o->answers[o->questions++] = xstrdup("");
        } else if (it->kind == LESSON_ANSWER && o->questions && !o->answers[o->questions - 1][0]) {
            /* the reference answer: the first after the question */
            free(o->answers[o->questions - 1]);
            o->answers[o->questions - 1] = xstrdup(it->text ? it->text : "");
        } else if (it->kind == LESSON_BLOCK_START && it->exercise > 0) {
            o->titles = xrealloc(o->titles, (o->exercises + 1) * sizeof *o->titles);
            o->titles[o->exercises++] = xstrdup(it->text ? it->text : "");
        }
    }
    lesson_free(&l);
    return 0;
}
