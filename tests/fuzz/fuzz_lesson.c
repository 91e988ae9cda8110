/* fuzz_lesson.c: the lesson reader (lesson_parse) on hostile Markdown.
 *
 * Contract checked: an error has a one-line message and leaves no items; a
 * success gives items in file order, text exactly where the kind has text (an
 * exercise's block start may have its title), no
 * command empty or carrying its line break, and blocks that open and close in
 * pairs. */
#include "fuzz.h"
#include "fuzz_util.h"
#include "untangle/frontend/lesson.h"

int fuzz_lesson_one(const uint8_t *data, size_t size)
{
    Lesson l;
    Err e;
    err_clear(&e);
    /* The reader promises not to need a terminating NUL: give it none. */
    char *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    if (lesson_parse(copy, size, &l, &e) != 0) {
        fz_check_msg("lesson_parse", e.msg);
        if (l.n || l.items)
            fz_fail("lesson_parse failed but left %zu items", l.n);
        free(copy);
        return 0;
    }
    long last = 0;
    int open = 0;
    for (size_t i = 0; i < l.n; i++) {
        const LessonItem *it = &l.items[i];
        if (it->line < 1 || it->line < last)
            fz_fail("item %zu at line %ld after line %ld", i, it->line, last);
        last = it->line;
        /* Text everywhere but on the block marks; an exercise's start may carry
         * its title, on one line. */
        int marks = it->kind == LESSON_BLOCK_START || it->kind == LESSON_BLOCK_END;
        int titled = it->kind == LESSON_BLOCK_START && it->exercise > 0;
        if (!titled && marks != (it->text == NULL))
            fz_fail("item %zu (kind %d) has %s text", i, (int)it->kind, it->text ? "" : "no");
        if (titled && it->text && strchr(it->text, '\n'))
            fz_fail("item %zu: the exercise's title spans lines", i);
        if (it->kind == LESSON_BLOCK_START && open++)
            fz_fail("item %zu: a block opens inside a block", i);
        if (it->kind == LESSON_BLOCK_END && !open--)
            fz_fail("item %zu: a block closes that never opened", i);
        if (it->kind == LESSON_COMMAND) {
            if (!open)
                fz_fail("item %zu: a command outside a block", i);
            if (!it->text[0] || strchr(it->text, '\n'))
                fz_fail("item %zu: command '%s' is empty or spans lines", i, it->text);
        }
    }
    if (open)
        fz_fail("the lesson parsed with a block left open");
    lesson_free(&l);
    free(copy);
    return 0;
}

#ifdef FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_lesson_one(data, size);
}
#endif
