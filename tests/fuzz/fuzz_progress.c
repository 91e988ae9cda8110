/* fuzz_progress.c: the progress file reader (progress_parse) on hostile bytes.
 *
 * Contract checked: a refusal has a one-line message and leaves the Progress
 * empty; a file read is within the limits (numbers, counts, answer lengths,
 * keys unique), and writing it back gives a file that reads back the same, byte
 * for byte when written again (the format round-trips). */
#include "fuzz.h"
#include "fuzz_util.h"
#include "untangle/session/progress.h"

static void check_limits(const Progress *p)
{
    if (p->n > PROGRESS_LESSONS_MAX)
        fz_fail("%zu lessons read", p->n);
    for (size_t i = 0; i < p->n; i++) {
        const ProgressLesson *l = &p->lessons[i];
        if (!l->key[0] || l->when < 0 || (l->finished != 0 && l->finished != 1))
            fz_fail("lesson %zu: key '%s', when %lld, finished %d", i, l->key,
                    (long long)l->when, l->finished);
        for (size_t k = 0; k < i; k++)
            if (strcmp(p->lessons[k].key, l->key) == 0)
                fz_fail("lesson '%s' read twice", l->key);
        for (size_t k = 0; k < l->n_exercises; k++) {
            const ProgressExercise *x = &l->exercises[k];
            if (x->number < 1 || x->number > PROGRESS_ITEMS_MAX || x->hints < 0 ||
                x->hints > PROGRESS_HINTS_MAX || (unsigned)x->status > EXERCISE_SKIPPED ||
                (k && x->number <= l->exercises[k - 1].number))
                fz_fail("lesson '%s': exercise %zu out of its limits or order", l->key, k);
        }
        for (size_t k = 0; k < l->n_answers; k++) {
            const ProgressAnswer *a = &l->answers[k];
            if (a->question < 1 || a->question > PROGRESS_ITEMS_MAX || !a->text ||
                strlen(a->text) > PROGRESS_ANSWER_MAX || (a->revealed != 0 && a->revealed != 1) ||
                (k && a->question <= l->answers[k - 1].question))
                fz_fail("lesson '%s': answer %zu out of its limits or order", l->key, k);
        }
    }
}

static int same(const Progress *a, const Progress *b)
{
    if (a->n != b->n)
        return 0;
    for (size_t i = 0; i < a->n; i++) {
        const ProgressLesson *x = &a->lessons[i], *y = &b->lessons[i];
        if (strcmp(x->key, y->key) || x->when != y->when || x->finished != y->finished ||
            x->n_exercises != y->n_exercises || x->n_answers != y->n_answers)
            return 0;
        if (x->n_exercises &&
            memcmp(x->exercises, y->exercises, x->n_exercises * sizeof *x->exercises))
            return 0;
        for (size_t k = 0; k < x->n_answers; k++)
            if (x->answers[k].question != y->answers[k].question ||
                x->answers[k].when != y->answers[k].when ||
                x->answers[k].revealed != y->answers[k].revealed ||
                strcmp(x->answers[k].text, y->answers[k].text))
                return 0;
    }
    return 1;
}

int fuzz_progress_one(const uint8_t *data, size_t size)
{
    /* The reader promises not to need a terminating NUL: give it none. */
    char *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    Progress p;
    Err e;
    err_clear(&e);
    if (progress_parse(copy, size, &p, &e) != 0) {
        fz_check_msg("progress_parse", e.msg);
        if (p.n || p.lessons)
            fz_fail("progress_parse refused the file but left %zu lessons", p.n);
        free(copy);
        return 0;
    }
    check_limits(&p);
    size_t len;
    char *text = progress_format(&p, &len);
    Progress q;
    err_clear(&e);
    if (progress_parse(text, len, &q, &e) != 0)
        fz_fail("a file written from what was read is refused: %s", e.msg);
    if (!same(&p, &q))
        fz_fail("a file written from what was read reads back otherwise");
    size_t len2;
    char *text2 = progress_format(&q, &len2);
    if (len2 != len || memcmp(text, text2, len))
        fz_fail("writing the same progress twice gives two files");
    free(text2);
    free(text);
    progress_free(&q);
    progress_free(&p);
    free(copy);
    return 0;
}

#ifdef FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_progress_one(data, size);
}
#endif
