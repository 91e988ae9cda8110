/* lesson.c: Markdown lesson files into prose, commands, questions and answers. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "untangle/core/i18n.h"
#include "untangle/core/file_read.h"
#include "untangle/frontend/lesson.h"
#include "untangle/frontend/tokenizer.h"
#include "untangle/core/xalloc.h"

#define LESSON_MAX_BYTES ((size_t)16 << 20)
#define LESSON_MAX_LINE TOK_LINE_MAX

typedef struct Builder {
    Lesson *l;
    size_t cap;
    char *buf; /* the paragraph or quote being gathered; owned */
    size_t len, bcap;
    LessonKind kind;
    long line;
    int n_exercises;   /* exercise blocks so far */
    char heading[160]; /* the last heading since the last exercise, "" when none */
    long hint_line;    /* the first hint no exercise has claimed yet, 0 when none */
} Builder;

static void push(Builder *b, LessonKind kind, const char *text, size_t n, long line)
{
    Lesson *l = b->l;
    if (l->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 32;
        l->items = xrealloc(l->items, b->cap * sizeof *l->items);
    }
    LessonItem *it = &l->items[l->n++];
    it->kind = kind;
    it->line = line;
    it->text = NULL;
    it->exercise = 0;
    if (kind == LESSON_HINT) {
        it->exercise = b->n_exercises + 1;
        if (!b->hint_line)
            b->hint_line = line;
    }
    if (text) {
        it->text = xmalloc(n + 1);
        memcpy(it->text, text, n);
        it->text[n] = '\0';
    }
}

static LessonItem *l_last(Builder *b) { return &b->l->items[b->l->n - 1]; }

/* Ends the paragraph or quote being gathered, if any. */
static void flush(Builder *b)
{
    while (b->len && b->buf[b->len - 1] == '\n')
        b->len--;
    if (b->len)
        push(b, b->kind, b->buf, b->len, b->line);
    b->len = 0;
}

static void gather(Builder *b, LessonKind kind, const char *s, size_t n, long line)
{
    if (b->len && b->kind != kind)
        flush(b);
    if (b->len == 0) {
        b->kind = kind;
        b->line = line;
    }
    if (b->len + n + 2 > b->bcap) {
        b->bcap = (b->len + n + 2) * 2;
        b->buf = xrealloc(b->buf, b->bcap);
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len++] = '\n';
}

static int starts_with(const char *s, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    return n >= k && memcmp(s, prefix, k) == 0;
}

/* A fence line: ``` or ~~~ (3 or more) after up to 3 spaces; *info gets the rest. */
static int fence(const char *s, size_t n, char *mark, size_t *info_at)
{
    size_t i = 0;
    while (i < n && i < 3 && s[i] == ' ')
        i++;
    if (i + 3 > n || (s[i] != '`' && s[i] != '~'))
        return 0;
    char c = s[i];
    size_t k = i;
    while (k < n && s[k] == c)
        k++;
    if (k - i < 3)
        return 0;
    *mark = c;
    while (k < n && s[k] == ' ')
        k++;
    *info_at = k;
    return 1;
}

/* Drops a trailing "# comment" and blanks from a command line; returns new length. */
static size_t strip_command(const char *s, size_t n)
{
    int in_q = 0;
    char q = 0;
    for (size_t i = 0; i < n; i++) {
        if (in_q) {
            if (s[i] == q)
                in_q = 0;
        } else if (s[i] == '"' || s[i] == '\'') {
            in_q = 1;
            q = s[i];
        } else if (s[i] == '#' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t')) {
            n = i;
            break;
        }
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    return n;
}

int lesson_parse(const char *text, size_t len, Lesson *out, Err *e)
{
    memset(out, 0, sizeof *out);
    Builder b = {.l = out};
    if (memchr(text, '\0', len)) {
        err_set(e, _("the lesson contains a NUL byte; it is not a text file"));
        goto fail;
    }
    int in_fence = 0, runs = 0;
    char mark = 0;
    long fence_line = 0;
    long line = 0;
    const char *p = text, *end = text + len;
    if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
        p += 3; /* the UTF-8 byte order mark Windows editors add */
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        line++;
        if (n > LESSON_MAX_LINE) {
            err_set(e, _("line %ld is longer than %zu bytes; is this a lesson file?"), line,
                    LESSON_MAX_LINE);
            goto fail;
        }
        size_t cr = n && p[n - 1] == '\r' ? 1 : 0; /* CRLF files travel by e-mail */
        size_t m = n - cr;
        char fm;
        size_t info;
        if (in_fence) {
            if (fence(p, m, &fm, &info) && fm == mark && info == m) {
                in_fence = 0;
                if (runs)
                    push(&b, LESSON_BLOCK_END, NULL, 0, line);
                else
                    gather(&b, LESSON_PROSE, p, m, line), flush(&b);
            } else if (runs) {
                size_t k = strip_command(p, m);
                size_t lead = 0;
                while (lead < k && (p[lead] == ' ' || p[lead] == '\t'))
                    lead++;
                if (k > lead)
                    push(&b, LESSON_COMMAND, p + lead, k - lead, line);
            } else {
                gather(&b, LESSON_PROSE, p, m, line);
            }
        } else if (fence(p, m, &fm, &info)) {
            flush(&b);
            in_fence = 1;
            mark = fm;
            fence_line = line;
            size_t w = info;
            while (w < m && p[w] != ' ' && p[w] != '{')
                w++;
            runs = (w - info == 8 && memcmp(p + info, "untangle", 8) == 0);
            size_t x = w;
            while (x < m && p[x] == ' ')
                x++;
            int exercise = runs && m - x >= 8 && memcmp(p + x, "exercise", 8) == 0 &&
                           (m - x == 8 || p[x + 8] == ' ');
            if (exercise) {
                char title[200];
                b.n_exercises++;
                if (b.heading[0])
                    snprintf(title, sizeof title, "%s", b.heading);
                else
                    snprintf(title, sizeof title, "Exercise %d", b.n_exercises);
                push(&b, LESSON_BLOCK_START, title, strlen(title), line);
                l_last(&b)->exercise = b.n_exercises;
                b.heading[0] = '\0';
                b.hint_line = 0;
            } else if (runs)
                push(&b, LESSON_BLOCK_START, NULL, 0, line);
            else
                gather(&b, LESSON_PROSE, p, m, line);
        } else if (m && p[0] == '>') {
            size_t k = 1;
            if (k < m && p[k] == ' ')
                k++;
            const char *q = p + k;
            size_t qn = m - k;
            int is_answer = starts_with(q, qn, "**Answer") || starts_with(q, qn, "**Réponse") ||
                            starts_with(q, qn, "**Reponse");
            int is_student = starts_with(q, qn, "**My answer") || starts_with(q, qn, "**Ma réponse") ||
                             starts_with(q, qn, "**Ma reponse");
            int is_hint = starts_with(q, qn, "**Hint") || starts_with(q, qn, "**Indice");
            LessonKind kind;
            if (starts_with(q, qn, "**Question") || is_answer || is_student || is_hint) {
                flush(&b);
                kind = is_hint      ? LESSON_HINT
                       : is_student ? LESSON_STUDENT
                       : is_answer  ? LESSON_ANSWER
                                    : LESSON_QUESTION;
            } else {
                kind = b.len ? b.kind : LESSON_PROSE;
            }
            if (kind == LESSON_PROSE) /* an ordinary quote keeps its mark */
                q = p, qn = m;
            gather(&b, kind, q, qn, line);
        } else if (m == 0) {
            flush(&b);
            b.kind = LESSON_PROSE;
        } else {
            if (b.kind != LESSON_PROSE)
                flush(&b), b.kind = LESSON_PROSE;
            if (p[0] == '#') {
                flush(&b); /* a heading is its own item, and names the exercise below it */
                size_t h = 0;
                while (h < m && (p[h] == '#' || p[h] == ' '))
                    h++;
                snprintf(b.heading, sizeof b.heading, "%.*s", (int)(m - h), p + h);
            }
            gather(&b, LESSON_PROSE, p, m, line);
            if (p[0] == '#')
                flush(&b);
        }
        p = nl ? nl + 1 : end;
    }
    if (in_fence) {
        err_set(e, _("line %ld: the %c%c%c block opened here is never closed; add a closing %c%c%c line"),
                fence_line, mark, mark, mark, mark, mark, mark);
        goto fail;
    }
    flush(&b);
    if (b.hint_line) {
        err_set(e, "line %ld: this **Hint** belongs to no exercise; put it before its "
                   "```untangle exercise``` block",
                b.hint_line);
        goto fail;
    }
    free(b.buf);
    return 0;
fail:
    free(b.buf);
    lesson_free(out);
    return -1;
}

int lesson_load(const char *path, Lesson *out, Err *e)
{
    memset(out, 0, sizeof *out);
    char *buf;
    size_t len;
    if (file_read_all(path, "lesson", LESSON_MAX_BYTES, &buf, &len, e) != 0)
        return -1;
    int rc = lesson_parse(buf, len, out, e) != 0 ? -2 : 0;
    free(buf);
    return rc;
}

void lesson_free(Lesson *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i].text);
    free(l->items);
    memset(l, 0, sizeof *l);
}

size_t lesson_block_before(const Lesson *l, size_t i)
{
    while (i > 0) {
        i--;
        LessonKind k = l->items[i].kind;
        if (k == LESSON_HINT || k == LESSON_ANSWER || k == LESSON_COMMAND)
            continue;
        if (k == LESSON_BLOCK_END)
            while (i > 0 && l->items[i].kind != LESSON_BLOCK_START)
                i--;
        return i;
    }
    return SIZE_MAX;
}
