/* learn_state.h: where a student is in `untangle learn`, for the commands that
 * act on it (answer, reveal, hint, where...).
 *
 * Shell.learn points to one while learn mode runs and is NULL otherwise. The
 * learn loop (src/frontend) owns it and everything it borrows: the lesson, the
 * progress and the lesson's entry in it live as long as learn mode does. */
#ifndef UNTANGLE_LEARN_STATE_H
#define UNTANGLE_LEARN_STATE_H

#include <stddef.h>

struct Lesson;          /* frontend/lesson.h */
struct Progress;        /* session/progress.h */
struct ProgressLesson;

#define LEARN_PATH_MAX 1024

struct Shell;

/* What the commands of learn mode ask the learn loop to do. */
typedef enum LearnAction {
    LEARN_HINT,      /* show the exercise's next hint */
    LEARN_SOLUTION,  /* print the reference commands */
    LEARN_SKIP,      /* run them, mark the exercise skipped, go on */
    LEARN_WHERE,     /* the lesson, the exercise, what is left */
    LEARN_BACK,      /* show the block before (one further each time) */
    LEARN_NEXT       /* go on past a question */
} LearnAction;

typedef struct LearnState {
    const char *lesson_path;         /* the lesson being learnt; borrowed */
    struct Lesson *lesson;           /* its items; borrowed */
    size_t pos;                      /* index in lesson->items of the item shown now */
    int exercise;                    /* the current exercise's number, 0 when none */
    int question;                    /* the current or last question's number (1, 2... in
                                        file order), 0 when none yet */
    const char *question_text;       /* that question's text and its reference answer */
    const char *answer_text;         /* (borrowed from the lesson; NULL when none) */
    struct Progress *progress;       /* the student's progress; borrowed, may be NULL */
    struct ProgressLesson *plesson;  /* this lesson's entry in it; borrowed, may be NULL */
    char progress_path[LEARN_PATH_MAX]; /* where progress is saved, "" when it is not */
    /* The learn loop's: does what `hint`, `skip`... ask; CMD_OK, or CMD_ERR after
     * sh_error (nothing of the kind to do here: no exercise open, no hint left). */
    int (*act)(struct Shell *sh, LearnAction what);
} LearnState;

#endif
