/* lessons.c: where the lessons are, and which there are (see lessons.h). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "untangle/core/i18n.h"
#include "untangle/core/xalloc.h"
#include "untangle/session/lessons.h"

void lesson_outline_free(LessonOutline *o)
{
    for (size_t i = 0; o->titles && i < o->exercises; i++)
        free(o->titles[i]);
    free(o->titles);
    for (size_t i = 0; o->answers && i < o->questions; i++) {
        free(o->questions_text[i]);
        free(o->answers[i]);
    }
    free(o->questions_text);
    free(o->answers);
    memset(o, 0, sizeof *o);
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int lessons_folder(const char *lang, char *out, size_t cap, Err *e)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            /* ./untangle of a clone, or build-san/untangle below it */
            static const char *const below[] = {"/lessons/", "/../lessons/", NULL};
            for (size_t i = 0; below[i]; i++) {
                int k = snprintf(out, cap, "%s%s%s", exe, below[i], lang);
                if (k > 0 && (size_t)k < cap && is_dir(out))
                    return 0;
            }
        }
    }
    int k = snprintf(out, cap, "lessons/%s", lang);
    if (k > 0 && (size_t)k < cap && is_dir(out))
        return 0;
    return err_set(e, _("no lessons in '%s' found beside the program or in the current folder; "
                       "run untangle from its clone"),
                   lang);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

long lessons_list(const char *dir, char ***names, Err *e)
{
    *names = NULL;
    DIR *d = opendir(dir);
    if (!d)
        return err_set(e, _("cannot list the lessons of '%s': %s"), dir, strerror(errno));
    char **v = NULL;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len <= 3 || de->d_name[0] == '.' || strcmp(de->d_name + len - 3, ".md") != 0)
            continue;
        v = xrealloc(v, (n + 1) * sizeof *v);
        v[n] = xstrdup(de->d_name);
        v[n][len - 3] = '\0';
        n++;
    }
    closedir(d);
    if (n)
        qsort(v, n, sizeof *v, by_name);
    *names = v;
    return (long)n;
}
