/* output.c: where files go (the output folder, lesson write limits), pictures
 * written and drawn, and progress bars. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "untangle/core/files.h"
#include "untangle/render/png.h"
#include "untangle/session/report.h"
#include "untangle/session/shell.h"
#include "untangle/render/term.h"

/* mkdir -p; returns 0 or -1 with errno. */
static int make_dirs(const char *path)
{
    char buf[SH_PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

int sh_make_output_dir(Shell *sh)
{
    if (make_dirs(sh->output_dir) != 0)
        return sh_error(sh, "cannot create the output folder '%s': %s; `set output DIR` to "
                            "change it", sh->output_dir, strerror(errno)),
               -1;
    return 0;
}

/* Canonical folder holding `path` (which may not exist yet) into out. */
static int resolve_parent(const char *path, char *out)
{
    char buf[SH_PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return -1;
    char *slash = strrchr(buf, '/');
    const char *dir = ".";
    if (slash == buf)
        dir = "/";
    else if (slash) {
        *slash = '\0';
        dir = buf;
    }
    return realpath(dir, out) ? 0 : -1;
}

static int inside(const char *dir, const char *path)
{
    size_t n = strlen(dir);
    return strncmp(dir, path, n) == 0 && (path[n] == '/' || path[n] == '\0' || n == 1);
}

int sh_check_write(Shell *sh, const char *path)
{
    if (sh->depth == 0)
        return 0; /* typed or -c: the person decides */
    if (sh_make_output_dir(sh) != 0)
        return -1;
    char target[PATH_MAX], allowed[PATH_MAX];
    /* The file itself may be a link pointing elsewhere: judge where it leads,
     * which is where the save writes (atomic_file.h). */
    char *leads = file_follow_links(path);
    int found = resolve_parent(leads, target);
    char real_file[PATH_MAX];
    if (found == 0 && realpath(leads, real_file)) {
        char *slash = strrchr(real_file, '/');
        if (slash && slash != real_file)
            *slash = '\0';
        snprintf(target, sizeof target, "%s", real_file);
    }
    free(leads);
    if (found != 0)
        return sh_error(sh, "cannot write '%s': its folder does not exist; create it first", path),
               -1;
    if (realpath(sh->output_dir, allowed) && inside(allowed, target))
        return 0;
    for (size_t i = 0; i < sh->n_allow_write; i++)
        if (realpath(sh->allow_write[i], allowed) && inside(allowed, target))
            return 0;
    return sh_error(sh,
                    "a lesson may not write '%s' outside the output folder '%s'; write inside it, "
                    "or replay with --allow-write PATH",
                    path, sh->output_dir),
           -1;
}

int sh_output_path(Shell *sh, const char *to_path, const char *stem, const char *ext, char *out,
                   size_t cap)
{
    if (to_path) {
        if (sh_check_write(sh, to_path) != 0)
            return -1;
        if (snprintf(out, cap, "%s", to_path) >= (int)cap)
            return sh_error(sh, "path '%s' is too long", to_path), -1;
        return 0;
    }
    if (sh_make_output_dir(sh) != 0)
        return -1;
    /* Next free number, so earlier sessions' pictures are never overwritten. */
    for (;;) {
        sh->picture_count++;
        if (snprintf(out, cap, "%s/%03u-%s%s", sh->output_dir, sh->picture_count, stem, ext) >=
            (int)cap)
            return sh_error(sh, "output folder name '%s' is too long", sh->output_dir), -1;
        if (access(out, F_OK) != 0)
            return 0;
    }
}

int sh_show_picture(Shell *sh, const Canvas *c, const char *stem, const char *to_path)
{
    char path[SH_PATH_MAX];
    if (sh_output_path(sh, to_path, stem, ".png", path, sizeof path) != 0)
        return CMD_ERR;
    Err e;
    err_clear(&e);
    if (png_write_file(c, path, &e) != 0)
        return sh_error_err(sh, &e);
    sh_printf(sh, "wrote %s (%dx%d)\n", path, c->w, c->h);
    if (sh->report && report_add_figure(sh->report, c, path, &e) != 0)
        sh_printf(sh, "(not added to the report: %s)\n", e.msg);
    /* A pipe or a log is not a terminal: draw only where someone looks, or when asked. */
    if (sh->term == TERM_NONE || (sh->term == TERM_AUTO && !sh->tty_out))
        return CMD_OK;
    fflush(sh->out);
    if (term_draw(sh->out, c, sh->term, 0, &e) != 0)
        sh_printf(sh, "(not drawn in the terminal: %s)\n", e.msg);
    return CMD_OK;
}

void sh_progress(Shell *sh, const char *label, size_t done, size_t total)
{
    if (!sh->tty_out || total == 0)
        return;
    enum { WIDTH = 30 };
    size_t fill = done >= total ? WIDTH : done * WIDTH / total;
    char bar[WIDTH + 1];
    for (size_t i = 0; i < WIDTH; i++)
        bar[i] = i < fill ? '=' : (i == fill ? '>' : '.');
    bar[WIDTH] = '\0';
    fprintf(sh->out, "\r%s [%s] %zu/%zu", label, bar, done, total);
    fflush(sh->out);
}

void sh_progress_end(Shell *sh)
{
    if (!sh->tty_out)
        return;
    fprintf(sh->out, "\r\033[K");
    fflush(sh->out);
}
