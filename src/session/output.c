/* output.c: where files go (the output folder, lesson write limits, picture
 * names), pictures written and drawn in the terminal, and progress bars. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "untangle/core/i18n.h"
#include "untangle/core/atomic_file.h"
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
        return sh_error(sh, _("cannot create the output folder '%s': %s; `set output DIR` to "
                            "change it"), sh->output_dir, strerror(errno)),
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
        return sh_error(sh, _("cannot write '%s': its folder does not exist; create it first"), path),
               -1;
    if (realpath(sh->output_dir, allowed) && inside(allowed, target))
        return 0;
    for (size_t i = 0; i < sh->n_allow_write; i++)
        if (realpath(sh->allow_write[i], allowed) && inside(allowed, target))
            return 0;
    return sh_error(sh,
                    _("a lesson may not write '%s' outside the output folder '%s'; write inside it, "
                    "or replay with --allow-write PATH"),
                    path, sh->output_dir),
           -1;
}

/* The highest number NNN that starts a name "NNN-..." in dir (0 when none). */
static unsigned highest_picture_number(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    unsigned best = 0;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        const char *p = ent->d_name;
        unsigned v = 0;
        int digits = 0;
        while (*p >= '0' && *p <= '9' && digits < 9) {
            v = v * 10 + (unsigned)(*p - '0');
            p++;
            digits++;
        }
        if (digits > 0 && *p == '-' && v > best)
            best = v;
    }
    closedir(d);
    return best;
}

int sh_output_path(Shell *sh, const char *to_path, const char *stem, const char *ext, char *out,
                   size_t cap)
{
    if (to_path) {
        if (sh_check_write(sh, to_path) != 0)
            return -1;
        if (snprintf(out, cap, "%s", to_path) >= (int)cap)
            return sh_error(sh, _("path '%s' is too long"), to_path), -1;
        return sh_keep_student_file(sh, out);
    }
    if (sh_make_output_dir(sh) != 0)
        return -1;
    /* After the highest number in the folder, whoever wrote it: the names sort in
     * the order they were written, across runs. Creating the name empty reserves
     * it against another run writing at the same time; the PNG replaces it. */
    unsigned n = highest_picture_number(sh->output_dir);
    if (n < sh->picture_count)
        n = sh->picture_count;
    for (int tries = 0; tries < 1000; tries++) {
        n++;
        if (snprintf(out, cap, "%s/%04u-%s%s", sh->output_dir, n, stem, ext) >= (int)cap)
            return sh_error(sh, _("output folder name '%s' is too long"), sh->output_dir), -1;
        int fd = open(out, O_WRONLY | O_CREAT | O_EXCL, 0666);
        if (fd >= 0) {
            close(fd);
            sh->picture_count = n;
            return 0;
        }
        if (errno != EEXIST)
            break;
    }
    return sh_error(sh, _("cannot create a file in the output folder '%s': %s; `set output DIR` "
                        "to change it"), sh->output_dir, strerror(errno)),
           -1;
}

int sh_write_picture(Shell *sh, const Canvas *c, const char *stem, const char *to_path,
                     char *written, size_t cap)
{
    char path[SH_PATH_MAX];
    if (sh_output_path(sh, to_path, stem, ".png", path, sizeof path) != 0)
        return CMD_ERR;
    Err e;
    err_clear(&e);
    if (png_write_file(c, path, &e) != 0) {
        if (!to_path)
            unlink(path); /* the empty name reserved for it */
        return sh_error_err(sh, &e);
    }
    if (to_path)
        sh_note_lesson_file(sh, path); /* numbered names are never written over */
    sh_printf(sh, _("wrote %s (%dx%d)\n"), path, c->w, c->h);
    if (sh->report && report_add_figure(sh->report, c, path, &e) != 0)
        sh_printf(sh, _("(not added to the report: %s)\n"), e.msg);
    if (written)
        snprintf(written, cap, "%s", path);
    return CMD_OK;
}

int sh_write_animation(Shell *sh, const uint8_t *gif, size_t len, int w, int h, size_t frames,
                       const char *stem)
{
    char path[SH_PATH_MAX];
    if (sh_output_path(sh, NULL, stem, ".gif", path, sizeof path) != 0)
        return CMD_ERR;
    Err e;
    err_clear(&e);
    if (atomic_write_all(path, gif, len, &e) != 0) {
        unlink(path);
        return sh_error_err(sh, &e);
    }
    sh_printf(sh, _("wrote %s (%dx%d, %zu frames)\n"), path, w, h, frames);
    if (sh->report)
        report_add_image(sh->report, gif, len, "image/gif", path);
    return CMD_OK;
}

int sh_show_picture(Shell *sh, const Canvas *c, const char *stem, const char *to_path)
{
    return sh_show_picture_as(sh, c, NULL, stem, to_path);
}

int sh_show_picture_as(Shell *sh, const Canvas *c, const TermView *tv, const char *stem,
                       const char *to_path)
{
    char path[SH_PATH_MAX];
    if (sh_write_picture(sh, c, stem, to_path, path, sizeof path) != CMD_OK)
        return CMD_ERR;
    TermTarget t;
    if (sh_term_target(sh, &t) == TERM_NONE)
        return CMD_OK;
    FILE *f = sh_term_stream(sh);
    const Canvas *drawn = tv && tv->c ? tv->c : c;
    fflush(sh->out);
    Err e;
    err_clear(&e);
    if (term_draw_to(f, drawn, &t, NULL, NULL, &e) != 0)
        sh_printf(sh, _("(not drawn in the terminal: %s)\n"), e.msg);
    else if (drawn != c)
        sh_printf(sh, _("(the terminal shows %zu of the %zu images, to keep them legible in %d "
                      "columns; %s holds them all)\n"),
                  tv->shown, tv->total, term_columns(fileno(f)), path);
    return CMD_OK;
}

FILE *sh_term_stream(Shell *sh)
{
    if (sh->term == TERM_NONE)
        return NULL;
    if (sh->tty_out && sh->tty)
        return sh->tty;
    /* A pipe or a log is not a terminal: draw there only when asked. */
    return sh->term == TERM_AUTO ? NULL : sh->out;
}

static int dumb_terminal(void)
{
    const char *term = getenv("TERM");
    return !term || !*term || strcmp(term, "dumb") == 0;
}

const TermCaps *sh_term_caps(Shell *sh)
{
    /* a dumb terminal would print the queries */
    if (!sh->term_caps.probed && sh->tty_out && sh->tty && sh->tty_in >= 0 && !dumb_terminal()) {
        fflush(sh->out);
        fflush(sh->tty);
        if (term_probe(sh->tty_in, fileno(sh->tty), TERM_PROBE_TIMEOUT_MS, &sh->term_caps) != 0)
            sh->term_caps.probed = 1; /* could not ask: not again */
    }
    return &sh->term_caps;
}

TermMode sh_term_target(Shell *sh, TermTarget *t)
{
    memset(t, 0, sizeof *t);
    FILE *f = sh_term_stream(sh);
    t->mode = TERM_NONE;
    if (!f)
        return TERM_NONE;
    t->mode = sh->term;
    int on_terminal = f == sh->tty && sh->tty_out;
    if (sh->term == TERM_AUTO || sh->term == TERM_KITTY || sh->term == TERM_SIXEL) {
        const TermCaps *caps = on_terminal ? sh_term_caps(sh) : &sh->term_caps;
        t->cell_w = caps->cell_w;
        t->cell_h = caps->cell_h;
        /* auto: what the terminal answered; blocks (TERM_AUTO here: with the colours
         * the environment gives) when it speaks no pixel protocol or says nothing */
        if (sh->term == TERM_AUTO)
            t->mode = dumb_terminal() ? TERM_ASCII
                      : caps->kitty   ? TERM_KITTY
                      : caps->sixel   ? TERM_SIXEL
                                      : TERM_AUTO;
    }
    return t->mode;
}

int sh_term_grid_columns(Shell *sh, double slot_source_px)
{
    TermTarget t;
    TermMode m = sh_term_target(sh, &t);
    if (m != TERM_AUTO && m != TERM_BLOCKS && m != TERM_ASCII)
        return 0;
    int cols = term_columns(fileno(sh_term_stream(sh))) - 1;
    int cells = (int)(slot_source_px / TERM_LEGIBLE_PX_PER_CELL + 0.999);
    if (cells < 1)
        cells = 1;
    return cols / cells > 0 ? cols / cells : 1;
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
