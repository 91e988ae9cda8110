/* keep.c: a lesson never overwrites what the student made.
 *
 * A lesson writes files with fixed names (`model save mlp`, `to FILE`). When
 * such a file is already there, it may be the lesson's own from an earlier
 * replay, which is fine to replace, or the student's (saved at the prompt, or a
 * lesson's file changed since), which is kept as NAME.bak. Which is which is
 * written down: every file a lesson writes is listed in OUTPUT_DIR/.lesson-files
 * with its size and modification time, one line "MTIME_NS SIZE PATH" (PATH the
 * real path). A file that matches its line was written by a lesson and is
 * untouched since. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "untangle/core/i18n.h"
#include "untangle/core/atomic_file.h"
#include "untangle/core/xalloc.h"
#include "untangle/session/shell.h"

#define KEEP_LIST ".lesson-files"
#define KEEP_MAX_BAK 100
#define KEEP_MAX_LIST (1 << 20) /* bytes of the list read; a longer one restarts */

static void list_path(const Shell *sh, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/%s", sh->output_dir, KEEP_LIST);
}

static long long mtime_ns(const struct stat *st)
{
    return (long long)st->st_mtim.tv_sec * 1000000000LL + st->st_mtim.tv_nsec;
}

/* The list's text (caller frees), "" when there is none. */
static char *read_list(const Shell *sh)
{
    char path[SH_PATH_MAX + 32];
    list_path(sh, path, sizeof path);
    FILE *f = fopen(path, "r");
    char *text = xmalloc(KEEP_MAX_LIST + 1);
    size_t n = f ? fread(text, 1, KEEP_MAX_LIST, f) : 0;
    if (f)
        fclose(f);
    text[n == KEEP_MAX_LIST ? 0 : n] = '\0';
    return text;
}

/* The line of the list for real path `real`, or NULL; *len gets its length with
 * the newline. */
static const char *find_line(const char *list, const char *real, size_t *len)
{
    size_t rl = strlen(real);
    for (const char *line = list; *line;) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        const char *sp = memchr(line, ' ', n);
        sp = sp ? memchr(sp + 1, ' ', n - (size_t)(sp + 1 - line)) : NULL;
        if (sp && (size_t)(line + n - (sp + 1)) == rl && memcmp(sp + 1, real, rl) == 0) {
            *len = n + (nl ? 1 : 0);
            return line;
        }
        line += n + (nl ? 1 : 0);
    }
    return NULL;
}

/* 1 when `path` (which exists, with *st) is a lesson's file untouched since. */
static int written_by_lesson(const Shell *sh, const char *path, const struct stat *st)
{
    char real[PATH_MAX];
    if (!realpath(path, real))
        return 0;
    char *list = read_list(sh);
    size_t len;
    const char *line = find_line(list, real, &len);
    long long t = -1, size = -1;
    int ok = line && sscanf(line, "%lld %lld ", &t, &size) == 2 && t == mtime_ns(st) &&
             size == (long long)st->st_size;
    free(list);
    return ok;
}

int sh_keep_student_file(Shell *sh, const char *path)
{
    struct stat st;
    if (sh->depth == 0 || stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
        written_by_lesson(sh, path, &st))
        return 0;
    char bak[SH_PATH_MAX + 16];
    errno = 0;
    for (int i = 0; i < KEEP_MAX_BAK; i++) {
        if (i == 0)
            snprintf(bak, sizeof bak, "%s.bak", path);
        else
            snprintf(bak, sizeof bak, "%s.bak.%d", path, i);
        struct stat other;
        if (lstat(bak, &other) == 0)
            continue;
        if (rename(path, bak) != 0)
            break;
        sh_printf(sh, _("%s was not written by a lesson: kept it as %s\n"), path, bak);
        return 0;
    }
    return sh_error(sh, _("%s was not written by a lesson and could not be kept aside (%s); move "
                        "it elsewhere, then replay"), path,
                    errno ? strerror(errno) : _("too many .bak files")),
           -1;
}

void sh_note_lesson_file(Shell *sh, const char *path)
{
    struct stat st;
    char real[PATH_MAX];
    if (sh->depth == 0 || stat(path, &st) != 0 || !realpath(path, real))
        return;
    char *list = read_list(sh);
    size_t old_len = 0;
    const char *old = find_line(list, real, &old_len);
    size_t keep = strlen(list) - old_len;
    size_t cap = keep + strlen(real) + 64;
    char *text = xmalloc(cap);
    size_t n = 0;
    if (old) {
        memcpy(text, list, (size_t)(old - list));
        n = (size_t)(old - list);
        size_t rest = strlen(old + old_len);
        memcpy(text + n, old + old_len, rest);
        n += rest;
    } else {
        memcpy(text, list, keep);
        n = keep;
    }
    if (n > 0 && text[n - 1] != '\n')
        text[n++] = '\n';
    n += (size_t)snprintf(text + n, cap - n, "%lld %lld %s\n", mtime_ns(&st),
                          (long long)st.st_size, real);
    char lp[SH_PATH_MAX + 32];
    list_path(sh, lp, sizeof lp);
    Err e;
    err_clear(&e);
    /* Losing the list only makes a later replay keep a .bak it did not need. */
    (void)atomic_write_all(lp, text, n, &e);
    free(text);
    free(list);
}
