/* progress.c: the student's progress file (see progress.h and docs/progress.md).
 *
 * The reader is strict on purpose: a file it does not understand line for line
 * is kept aside whole rather than read in part, so that a student never loses
 * answers to a half-understood file being saved over. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "untangle/core/atomic_file.h"
#include "untangle/core/file_read.h"
#include "untangle/core/i18n.h"
#include "untangle/core/interrupt.h"
#include "untangle/core/strbuf.h"
#include "untangle/core/xalloc.h"
#include "untangle/session/progress.h"

/* ---- paths ---- */

int progress_default_path(char *out, size_t cap, Err *e)
{
    /* The XDG base directory rules: a relative XDG_STATE_HOME is to be ignored. */
    const char *state = getenv("XDG_STATE_HOME");
    int n;
    if (state && state[0] == '/') {
        n = snprintf(out, cap, "%s/untangle/progress", state);
    } else {
        const char *home = getenv("HOME");
        if (!home || home[0] != '/') {
            struct passwd *pw = getpwuid(getuid());
            home = pw && pw->pw_dir && pw->pw_dir[0] == '/' ? pw->pw_dir : NULL;
        }
        if (!home)
            return err_set(e, _("no place for the progress file: neither XDG_STATE_HOME nor HOME "
                               "is set; set one of them"));
        n = snprintf(out, cap, "%s/.local/state/untangle/progress", home);
    }
    if (n < 0 || (size_t)n >= cap)
        return err_set(e, _("the progress file's path is too long; set XDG_STATE_HOME to a "
                           "shorter folder"));
    return 0;
}

void progress_lesson_key(const char *lesson_path, char *out, size_t cap)
{
    if (cap == 0)
        return;
    char real[PATH_MAX];
    const char *path = realpath(lesson_path, real) ? real : lesson_path;
    size_t len = strlen(path);
    if (len > 3 && strcmp(path + len - 3, ".md") == 0)
        len -= 3;
    /* .../lessons/LANG/NAME: the key is LANG/NAME, wherever the clone lives. */
    const char *name = NULL, *lang = NULL;
    for (const char *s = path + len; s > path; s--)
        if (s[-1] == '/') {
            if (!name)
                name = s;
            else {
                lang = s;
                break;
            }
        }
    if (lang && lang - path >= 8 && strncmp(lang - 8, "lessons/", 8) == 0 &&
        (lang - path == 8 || lang[-9] == '/')) {
        snprintf(out, cap, "%.*s", (int)(path + len - lang), lang);
        return;
    }
    snprintf(out, cap, "%.*s", (int)len, path);
}

/* ---- the Progress in memory ---- */

void progress_free(Progress *p)
{
    for (size_t i = 0; i < p->n; i++) {
        ProgressLesson *l = &p->lessons[i];
        for (size_t k = 0; k < l->n_answers; k++)
            free(l->answers[k].text);
        free(l->answers);
        free(l->exercises);
    }
    free(p->lessons);
    p->lessons = NULL;
    p->n = 0;
}

static ProgressLesson *find_lesson(Progress *p, const char *key)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->lessons[i].key, key) == 0)
            return &p->lessons[i];
    return NULL;
}

ProgressLesson *progress_lesson(Progress *p, const char *key)
{
    ProgressLesson *l = find_lesson(p, key);
    if (l)
        return l;
    p->lessons = xrealloc(p->lessons, (p->n + 1) * sizeof *p->lessons);
    l = &p->lessons[p->n++];
    memset(l, 0, sizeof *l);
    snprintf(l->key, sizeof l->key, "%s", key);
    return l;
}

/* The exercise `number`, added (as todo) in number order when missing. */
static ProgressExercise *exercise_slot(ProgressLesson *l, int number)
{
    size_t at = 0;
    while (at < l->n_exercises && l->exercises[at].number < number)
        at++;
    if (at < l->n_exercises && l->exercises[at].number == number)
        return &l->exercises[at];
    l->exercises = xrealloc(l->exercises, (l->n_exercises + 1) * sizeof *l->exercises);
    memmove(&l->exercises[at + 1], &l->exercises[at],
            (l->n_exercises - at) * sizeof *l->exercises);
    l->n_exercises++;
    ProgressExercise *x = &l->exercises[at];
    memset(x, 0, sizeof *x);
    x->number = number;
    return x;
}

static ProgressAnswer *answer_slot(ProgressLesson *l, int question)
{
    size_t at = 0;
    while (at < l->n_answers && l->answers[at].question < question)
        at++;
    if (at < l->n_answers && l->answers[at].question == question)
        return &l->answers[at];
    l->answers = xrealloc(l->answers, (l->n_answers + 1) * sizeof *l->answers);
    memmove(&l->answers[at + 1], &l->answers[at], (l->n_answers - at) * sizeof *l->answers);
    l->n_answers++;
    ProgressAnswer *a = &l->answers[at];
    memset(a, 0, sizeof *a);
    a->question = question;
    a->text = xstrdup("");
    return a;
}

static int number_ok(int n)
{
    return n >= 1 && n <= PROGRESS_ITEMS_MAX;
}

void progress_set_exercise(ProgressLesson *l, int number, ExerciseStatus s, int64_t when)
{
    if (!number_ok(number))
        return;
    ProgressExercise *x = exercise_slot(l, number);
    x->status = s;
    x->when = when;
    l->when = when;
}

void progress_restart(ProgressLesson *l, int64_t when)
{
    free(l->exercises);
    l->exercises = NULL;
    l->n_exercises = 0;
    l->finished = 0;
    l->when = when;
}

void progress_add_hint(ProgressLesson *l, int number, int64_t when)
{
    if (!number_ok(number))
        return;
    ProgressExercise *x = exercise_slot(l, number);
    if (x->hints < PROGRESS_HINTS_MAX)
        x->hints++;
    x->when = when;
    l->when = when;
}

const ProgressExercise *progress_exercise(const ProgressLesson *l, int number)
{
    for (size_t i = 0; i < l->n_exercises; i++)
        if (l->exercises[i].number == number)
            return &l->exercises[i];
    return NULL;
}

int progress_set_answer(ProgressLesson *l, int question, const char *text, int64_t when)
{
    if (!number_ok(question) || !text || strlen(text) > PROGRESS_ANSWER_MAX)
        return -1;
    ProgressAnswer *a = answer_slot(l, question);
    char *copy = xstrdup(text);
    free(a->text);
    a->text = copy;
    a->when = when;
    l->when = when;
    return 0;
}

int progress_set_revealed(ProgressLesson *l, int question, int64_t when)
{
    if (!number_ok(question))
        return -1;
    ProgressAnswer *a = answer_slot(l, question);
    a->revealed = 1;
    a->when = when;
    l->when = when;
    return 0;
}

const ProgressAnswer *progress_answer(const ProgressLesson *l, int question)
{
    for (size_t i = 0; i < l->n_answers; i++)
        if (l->answers[i].question == question)
            return &l->answers[i];
    return NULL;
}

/* ---- writing ---- */

static const char *const status_words[] = {"todo", "done", "skipped"};

/* Text on one line: a backslash, newline, carriage return and tab as \\ \n \r
 * \t, other control bytes as \xHH; the rest (UTF-8 included) as it is. */
static void put_escaped(StrBuf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '\\': sb_str(b, "\\\\"); break;
        case '\n': sb_str(b, "\\n"); break;
        case '\r': sb_str(b, "\\r"); break;
        case '\t': sb_str(b, "\\t"); break;
        default:
            if (c < 0x20 || c == 0x7f)
                sb_printf(b, "\\x%02x", c);
            else
                sb_char(b, (char)c);
        }
    }
}

/* mkdir -p of the folder holding path; 0 or -1 with errno. */
static int make_parent_dirs(const char *path)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    char *last = strrchr(buf, '/');
    if (!last || last == buf)
        return 0;
    *last = '\0';
    for (char *s = buf + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char was = *s;
        *s = '\0';
        if (mkdir(buf, 0700) != 0 && errno != EEXIST)
            return -1;
        if (was == '\0')
            break;
        *s = was;
    }
    return 0;
}

char *progress_format(const Progress *p, size_t *len)
{
    StrBuf b = {0};
    size_t records = 0;
    sb_printf(&b, "%s %d\n", PROGRESS_MAGIC, PROGRESS_VERSION);
    for (size_t i = 0; i < p->n; i++) {
        const ProgressLesson *l = &p->lessons[i];
        sb_printf(&b, "lesson %lld %d ", (long long)(l->when < 0 ? 0 : l->when),
                  l->finished ? 1 : 0);
        put_escaped(&b, l->key);
        sb_char(&b, '\n');
        records++;
        for (size_t k = 0; k < l->n_exercises; k++) {
            const ProgressExercise *x = &l->exercises[k];
            unsigned s = (unsigned)x->status <= EXERCISE_SKIPPED ? (unsigned)x->status : 0;
            sb_printf(&b, "exercise %d %s %lld %d\n", x->number, status_words[s],
                      (long long)(x->when < 0 ? 0 : x->when), x->hints < 0 ? 0 : x->hints);
            records++;
        }
        for (size_t k = 0; k < l->n_answers; k++) {
            const ProgressAnswer *a = &l->answers[k];
            sb_printf(&b, "answer %d %lld %d ", a->question, (long long)(a->when < 0 ? 0 : a->when),
                      a->revealed ? 1 : 0);
            put_escaped(&b, a->text ? a->text : "");
            sb_char(&b, '\n');
            records++;
        }
    }
    sb_printf(&b, "end %zu\n", records);
    *len = b.len;
    return sb_take(&b);
}

/* dst, emptied, becomes a copy of src (its own exercises, answers and texts). */
static void copy_lesson(ProgressLesson *dst, const ProgressLesson *src)
{
    *dst = *src;
    dst->exercises = src->n_exercises ? xmalloc(src->n_exercises * sizeof *src->exercises) : NULL;
    if (src->n_exercises)
        memcpy(dst->exercises, src->exercises, src->n_exercises * sizeof *src->exercises);
    dst->answers = src->n_answers ? xmalloc(src->n_answers * sizeof *src->answers) : NULL;
    for (size_t k = 0; k < src->n_answers; k++) {
        dst->answers[k] = src->answers[k];
        dst->answers[k].text = xstrdup(src->answers[k].text ? src->answers[k].text : "");
    }
}

static void free_lesson(ProgressLesson *l)
{
    for (size_t k = 0; k < l->n_answers; k++)
        free(l->answers[k].text);
    free(l->answers);
    free(l->exercises);
}

/* Takes PATH.lock, beside the file (the file itself is replaced by each save, so
 * a lock on it would not hold across a rename): the fd to close, or -1 with e
 * set. Waits for another untangle's save, which is short; Ctrl-C stops the wait. */
static int lock_progress(const char *path, Err *e)
{
    char lock[PATH_MAX];
    if (snprintf(lock, sizeof lock, "%s.lock", path) >= (int)sizeof lock)
        return err_set(e, _("the progress file's path is too long; set XDG_STATE_HOME to a "
                           "shorter folder")), -1;
    int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return err_set(e, _("cannot open the lock of the progress file '%s': %s; check the "
                           "permissions or set XDG_STATE_HOME"), lock, strerror(errno)), -1;
    while (flock(fd, LOCK_EX) != 0) {
        if (errno == EINTR && !interrupt_pending())
            continue;
        if (errno == EINTR)
            err_set(e, _("the save of the progress was interrupted while another untangle was "
                         "saving it; it is not saved"));
        else
            err_set(e, _("cannot lock the progress file '%s': %s"), path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

int progress_save_lesson(const ProgressLesson *l, const char *path, Err *e)
{
    if (make_parent_dirs(path) != 0)
        return err_set(e, _("cannot create the folder of the progress file '%s': %s; check the "
                           "permissions or set XDG_STATE_HOME"),
                       path, strerror(errno));
    int fd = lock_progress(path, e);
    if (fd < 0)
        return -1;
    /* What the file holds now: another untangle may have saved other lessons
     * since this one read it. A file that cannot be read whole is kept aside by
     * progress_load, as at the start of learn mode, and the save starts anew. */
    Progress disk;
    Err why;
    err_clear(&why);
    int rc = progress_load(path, &disk, &why);
    if (rc < 0) {
        err_set(e, "%s", why.msg);
        close(fd);
        return -1;
    }
    ProgressLesson *slot = find_lesson(&disk, l->key);
    if (slot) {
        free_lesson(slot);
    } else {
        disk.lessons = xrealloc(disk.lessons, (disk.n + 1) * sizeof *disk.lessons);
        slot = &disk.lessons[disk.n++];
    }
    copy_lesson(slot, l);
    size_t len;
    char *text = progress_format(&disk, &len);
    rc = atomic_write_all(path, text, len, e);
    free(text);
    progress_free(&disk);
    close(fd); /* the lock goes with it */
    return rc;
}

/* ---- reading ---- */

/* A whole number of plain digits (no sign, no blank, no leading zero) within
 * [0, max], from s up to a space or `end`; *rest goes past the space. */
static int read_number(const char *s, const char *end, long long max, long long *out,
                       const char **rest)
{
    const char *c = s;
    long long v = 0;
    if (c >= end || *c < '0' || *c > '9')
        return -1;
    for (; c < end && *c >= '0' && *c <= '9'; c++) {
        int d = *c - '0';
        if (v > max / 10 || v * 10 > max - d)
            return -1;
        v = v * 10 + d;
    }
    if ((c < end && *c != ' ') || (c - s > 1 && s[0] == '0'))
        return -1;
    *out = v;
    *rest = c < end ? c + 1 : c;
    return 0;
}

/* The last field of a line: it ended the line, with no space after it. */
static int at_end(const char *rest, const char *end)
{
    return rest == end && rest[-1] != ' ';
}

/* Undoes put_escaped on s (n bytes) into a new string (caller frees), or NULL
 * when it holds a raw control byte, a NUL or an unknown escape. */
static char *unescape(const char *s, size_t n, size_t max)
{
    char *out = xmalloc(n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            goto bad;
        if (c != '\\') {
            out[k++] = (char)c;
            continue;
        }
        if (++i >= n)
            goto bad;
        switch (s[i]) {
        case '\\': out[k++] = '\\'; break;
        case 'n': out[k++] = '\n'; break;
        case 'r': out[k++] = '\r'; break;
        case 't': out[k++] = '\t'; break;
        case 'x': {
            unsigned v = 0;
            if (i + 2 >= n)
                goto bad;
            for (int d = 1; d <= 2; d++) {
                char h = s[i + d];
                v <<= 4;
                if (h >= '0' && h <= '9')
                    v |= (unsigned)(h - '0');
                else if (h >= 'a' && h <= 'f')
                    v |= (unsigned)(h - 'a' + 10);
                else
                    goto bad;
            }
            /* Only what the writer escapes this way: control bytes, never NUL. */
            if (v == 0 || (v >= 0x20 && v != 0x7f) || v == '\n' || v == '\r' || v == '\t')
                goto bad;
            out[k++] = (char)v;
            i += 2;
            break;
        }
        default: goto bad;
        }
        if (k > max)
            goto bad;
    }
    if (k > max)
        goto bad;
    out[k] = '\0';
    return out;
bad:
    free(out);
    return NULL;
}

static int parse_status(const char *w, size_t n, ExerciseStatus *s)
{
    for (int i = 0; i <= EXERCISE_SKIPPED; i++)
        if (strlen(status_words[i]) == n && strncmp(w, status_words[i], n) == 0) {
            *s = (ExerciseStatus)i;
            return 0;
        }
    return -1;
}

static int bad_line(Err *e, long line, const char *why)
{
    return err_set(e, _("line %ld: %s"), line, why), 1;
}

static int parse_lesson(Progress *p, const char *s, size_t n, long line, Err *e)
{
    long long when, fin;
    const char *rest, *end = s + n;
    if (read_number(s, end, INT64_MAX, &when, &rest) != 0 ||
        read_number(rest, end, 1, &fin, &rest) != 0 || rest == end || rest[-1] != ' ')
        return bad_line(e, line, _("a lesson line is not 'lesson WHEN 0|1 KEY'"));
    if (p->n >= PROGRESS_LESSONS_MAX)
        return bad_line(e, line, _("more lessons than the reader takes"));
    char *key = unescape(rest, (size_t)(end - rest), sizeof p->lessons[0].key - 1);
    if (!key || !key[0]) {
        free(key);
        return bad_line(e, line, _("the lesson's name is empty, too long or badly escaped"));
    }
    if (find_lesson(p, key)) {
        free(key);
        return bad_line(e, line, _("a lesson given twice"));
    }
    ProgressLesson *l = progress_lesson(p, key);
    free(key);
    l->when = when;
    l->finished = (int)fin;
    return 0;
}

static int parse_exercise(ProgressLesson *l, const char *s, size_t n, long line, Err *e)
{
    long long num, when, hints;
    const char *rest, *sp, *end = s + n;
    ExerciseStatus st;
    if (read_number(s, end, PROGRESS_ITEMS_MAX, &num, &rest) != 0 || num < 1 ||
        !(sp = memchr(rest, ' ', (size_t)(end - rest))) ||
        parse_status(rest, (size_t)(sp - rest), &st) != 0 ||
        read_number(sp + 1, end, INT64_MAX, &when, &rest) != 0 ||
        read_number(rest, end, PROGRESS_HINTS_MAX, &hints, &rest) != 0 || !at_end(rest, end))
        return bad_line(e, line, _("an exercise line is not 'exercise N todo|done|skipped WHEN "
                                   "HINTS'"));
    if (progress_exercise(l, (int)num))
        return bad_line(e, line, _("an exercise given twice"));
    ProgressExercise *x = exercise_slot(l, (int)num);
    x->status = st;
    x->when = when;
    x->hints = (int)hints;
    return 0;
}

static int parse_answer(ProgressLesson *l, const char *s, size_t n, long line, Err *e)
{
    long long num, when, rev;
    const char *rest, *end = s + n;
    if (read_number(s, end, PROGRESS_ITEMS_MAX, &num, &rest) != 0 || num < 1 ||
        read_number(rest, end, INT64_MAX, &when, &rest) != 0 ||
        read_number(rest, end, 1, &rev, &rest) != 0 || rest[-1] != ' ')
        return bad_line(e, line, _("an answer line is not 'answer N WHEN 0|1 TEXT'"));
    if (progress_answer(l, (int)num))
        return bad_line(e, line, _("an answer given twice"));
    char *text = unescape(rest, (size_t)(end - rest), PROGRESS_ANSWER_MAX);
    if (!text)
        return bad_line(e, line, _("the answer is too long or badly escaped"));
    ProgressAnswer *a = answer_slot(l, (int)num);
    free(a->text);
    a->text = text;
    a->when = when;
    a->revealed = (int)rev;
    return 0;
}

static int word_at(const char *s, size_t n, const char *word, const char **rest)
{
    size_t k = strlen(word);
    if (n <= k || strncmp(s, word, k) != 0 || s[k] != ' ')
        return 0;
    *rest = s + k + 1;
    return 1;
}

int progress_parse(const char *text, size_t len, Progress *p, Err *e)
{
    memset(p, 0, sizeof *p);
    const char *end = text + len, *s = text;
    long line = 0;
    size_t records = 0;
    int rc = 1, ended = 0;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        line++;
        if (!nl) {
            err_set(e, _("it is cut short (its last line is not whole)"));
            goto out;
        }
        size_t n = (size_t)(nl - s);
        if (n > PROGRESS_LINE_MAX || memchr(s, '\0', n)) {
            bad_line(e, line, _("too long, or holds a NUL byte"));
            goto out;
        }
        const char *rest;
        long long v;
        if (line == 1) {
            size_t k = strlen(PROGRESS_MAGIC);
            if (n <= k + 1 || strncmp(s, PROGRESS_MAGIC, k) != 0 || s[k] != ' ') {
                err_set(e, _("it is not an untangle progress file (no '%s' first line)"),
                        PROGRESS_MAGIC);
                goto out;
            }
            if (read_number(s + k + 1, nl, INT_MAX, &v, &rest) != 0 || !at_end(rest, nl) ||
                v < 1) {
                err_set(e, _("its first line names no version"));
                goto out;
            }
            if (v != PROGRESS_VERSION) {
                err_set(e, _("it is of format version %lld, and this untangle reads version %d "
                             "(written by another untangle)"),
                        v, PROGRESS_VERSION);
                goto out;
            }
        } else if (ended) {
            bad_line(e, line, _("something after the end line"));
            goto out;
        } else if (word_at(s, n, "lesson", &rest)) {
            if (parse_lesson(p, rest, (size_t)(nl - rest), line, e))
                goto out;
            records++;
        } else if (word_at(s, n, "exercise", &rest)) {
            if (!p->n) {
                bad_line(e, line, _("an exercise before any lesson"));
                goto out;
            }
            if (p->lessons[p->n - 1].n_exercises >= PROGRESS_ITEMS_MAX ||
                parse_exercise(&p->lessons[p->n - 1], rest, (size_t)(nl - rest), line, e))
                goto out;
            records++;
        } else if (word_at(s, n, "answer", &rest)) {
            if (!p->n) {
                bad_line(e, line, _("an answer before any lesson"));
                goto out;
            }
            if (parse_answer(&p->lessons[p->n - 1], rest, (size_t)(nl - rest), line, e))
                goto out;
            records++;
        } else if (word_at(s, n, "end", &rest)) {
            if (read_number(rest, nl, LLONG_MAX, &v, &rest) != 0 || !at_end(rest, nl) ||
                (unsigned long long)v != records) {
                bad_line(e, line, _("the end line does not count the lines before it: the file "
                                    "was cut or edited"));
                goto out;
            }
            ended = 1;
        } else {
            bad_line(e, line, _("not a line of a progress file"));
            goto out;
        }
        s = nl + 1;
    }
    if (line == 0) {
        err_set(e, _("it is empty"));
        goto out;
    }
    if (!ended) {
        err_set(e, _("it is cut short (no end line)"));
        goto out;
    }
    rc = 0;
out:
    if (rc != 0)
        progress_free(p);
    return rc;
}

/* Renames path to PATH.corrupt-YYYYMMDD-HHMMSS (-2, -3... when taken) and
 * writes the name into kept. 0 or -1 with errno. */
static int keep_aside(const char *path, char *kept, size_t cap)
{
    time_t now = time(NULL);
    struct tm tm;
    char stamp[32];
    if (!localtime_r(&now, &tm) || strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm) == 0)
        snprintf(stamp, sizeof stamp, "%lld", (long long)now);
    for (int k = 1; k < 1000; k++) {
        int n = k == 1 ? snprintf(kept, cap, "%s.corrupt-%s", path, stamp)
                       : snprintf(kept, cap, "%s.corrupt-%s-%d", path, stamp, k);
        if (n < 0 || (size_t)n >= cap) {
            errno = ENAMETOOLONG;
            return -1;
        }
        struct stat st;
        if (lstat(kept, &st) == 0)
            continue; /* never over an earlier one */
        return rename(path, kept);
    }
    errno = EEXIST;
    return -1;
}

int progress_load(const char *path, Progress *p, Err *e)
{
    memset(p, 0, sizeof *p);
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT)
            return 0;
        return err_set(e, _("cannot read the progress file '%s': %s; check it, or set "
                           "XDG_STATE_HOME elsewhere"),
                       path, strerror(errno));
    }
    Err why;
    err_clear(&why);
    int rc;
    if (S_ISREG(st.st_mode) && (size_t)st.st_size >= PROGRESS_FILE_MAX) {
        err_set(&why, _("it is larger than a progress file may be"));
        rc = 1;
    } else {
        char *text;
        size_t len;
        if (file_read_all(path, _("progress file"), PROGRESS_FILE_MAX, &text, &len, e) != 0)
            return -1; /* not a regular file, or not readable: left where it is */
        rc = progress_parse(text, len, p, &why);
        free(text);
    }
    if (rc == 0)
        return 0;
    char kept[PATH_MAX + 64];
    if (keep_aside(path, kept, sizeof kept) != 0)
        return err_set(e, _("the progress file '%s' cannot be read (%s), and it could not be "
                           "moved aside (%s); move it yourself"),
                       path, why.msg, strerror(errno));
    err_set(e, _("the progress file '%s' cannot be read (%s); it was kept as '%s' and progress "
                 "starts again"),
            path, why.msg, kept);
    return 1;
}
