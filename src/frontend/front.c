/* front.c: the front end's hooks for the layers below (see front.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "untangle/core/interrupt.h"
#include "untangle/core/xalloc.h"
#include "untangle/frontend/front.h"
#include "untangle/frontend/lesson.h"
#include "untangle/frontend/prose.h"
#include "untangle/frontend/run.h"
#include "untangle/frontend/tokenizer.h"

/* Counted with the reader the replay uses, so that `lessons`, `answer` and the
 * hand-in number exercises and questions as the replay does. */
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

char *front_read_line(Shell *sh, const char *prompt)
{
    fflush(sh->out);
    if (sh->interactive)
        return shell_read_continuation(sh, prompt);
    /* The streams' one line reader: its limit holds here too, so an endless line
     * typed into `answer` never fills memory. */
    char *line = NULL;
    if (shell_stream_line(stdin, &line) != LINE_OK)
        return NULL;
    size_t n = strlen(line);
    if (n > 0 && line[n - 1] == '\r')
        line[--n] = '\0';
    sh->stdin_line++;
    if (sh->where_file && strcmp(sh->where_file, "stdin") == 0)
        sh->where_line = sh->stdin_line; /* the next command's place counts this line */
    return line;
}

void front_print_quote(Shell *sh, const char *md)
{
    prose_print(sh, md, PROSE_QUOTE);
    fputc('\n', sh->out);
}
