/* term.c: draws a Canvas in the terminal through libchafa (1.12).
 *
 * chafa draws into a grid of character cells: in symbol mode each cell gets a
 * Unicode (or ASCII) symbol with a foreground and background colour; in the
 * pixel modes (kitty graphics, sixel) the picture itself is sent, scaled to
 * cover the cells. chafa_canvas_print needs a ChafaTermInfo holding the escape
 * sequences to emit: a mode given uses chafa's fallback info (it knows every
 * sequence), ASCII uses an empty one so that not a single escape is written.
 *
 * Which pixel mode a terminal speaks is its own answer (term_probe.c), never a
 * guess from TERM: TERM_AUTO draws symbols, with the colour depth the
 * environment gives (COLORTERM, chafa's terminal database). */
#include <chafa.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "untangle/core/i18n.h"
#include "untangle/core/strbuf.h"
#include "untangle/render/png.h"
#include "untangle/render/term.h"

const char *const term_mode_names[] = {"auto", "kitty", "sixel", "blocks", "ascii", "none", NULL};

#define TERM_DEFAULT_COLS 80
#define TERM_DEFAULT_LINES 24
#define TERM_QUICK_WORK 0.1f /* chafa's work factor for live frames (its default: 0.5) */
#define TERM_MAX_ROWS 400     /* a very tall picture is shrunk to this many text rows */
#define TERM_CELL_W_PX 10     /* cell size in pixels when the terminal does not say */
#define TERM_CELL_H_PX 20

/* What will be drawn, once TERM_AUTO is resolved. */
typedef struct TermPlan {
    TermMode mode;               /* never TERM_AUTO */
    ChafaCanvasMode canvas_mode; /* colours for symbol modes */
    ChafaTermInfo *info;         /* owned reference */
    int cols, cell_w, cell_h;    /* width limit in cells; cell size in pixels */
} TermPlan;

static int env_is(const char *name, const char *value)
{
    const char *v = getenv(name);
    return v && strcmp(v, value) == 0;
}

/* Terminal width in cells and cell size in pixels when out is a terminal. */
static void terminal_size(FILE *out, int is_tty, TermPlan *p)
{
    p->cols = 0;
    p->cell_w = TERM_CELL_W_PX;
    p->cell_h = TERM_CELL_H_PX;
    struct winsize ws;
    if (!is_tty || ioctl(fileno(out), TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0)
        return;
    p->cols = ws.ws_col;
    if (ws.ws_xpixel > 0 && ws.ws_ypixel > 0 && ws.ws_row > 0) {
        int cw = ws.ws_xpixel / ws.ws_col, ch = ws.ws_ypixel / ws.ws_row;
        if (cw >= 2 && ch >= 2) {
            p->cell_w = cw;
            p->cell_h = ch;
        }
    }
}

/* The window's size along one side, else the variable, else the default. */
static int term_side(int fd, int rows, const char *var, int def)
{
    struct winsize ws;
    if (fd >= 0 && isatty(fd) && ioctl(fd, TIOCGWINSZ, &ws) == 0 &&
        (rows ? ws.ws_row : ws.ws_col) > 0)
        return rows ? ws.ws_row : ws.ws_col;
    const char *env = getenv(var);
    char *end;
    long v = env ? strtol(env, &end, 10) : 0;
    if (env && *env && *end == '\0' && v > 0 && v <= 10000)
        return (int)v;
    return def;
}

int term_columns(int fd)
{
    return term_side(fd, 0, "COLUMNS", TERM_DEFAULT_COLS);
}

int term_lines(int fd)
{
    return term_side(fd, 1, "LINES", TERM_DEFAULT_LINES);
}

/* Resolves TERM_AUTO: ASCII off a terminal or on a dumb one, colour blocks
 * otherwise, with as many colours as the environment says. Takes an info
 * reference for the chosen mode. */
static void plan_mode(TermPlan *p, TermMode mode, int is_tty)
{
    ChafaTermDb *db = chafa_term_db_get_default(); /* borrowed, owned by chafa */
    p->mode = mode;
    p->canvas_mode = CHAFA_CANVAS_MODE_TRUECOLOR;
    if (mode == TERM_AUTO) {
        const char *term = getenv("TERM");
        if (!is_tty || !term || !*term || strcmp(term, "dumb") == 0) {
            p->mode = TERM_ASCII;
        } else {
            gchar **envp = g_get_environ();
            ChafaTermInfo *detected = chafa_term_db_detect(db, envp);
            g_strfreev(envp);
            int truecolor = env_is("COLORTERM", "truecolor") || env_is("COLORTERM", "24bit");
            int c256 = chafa_term_info_have_seq(detected, CHAFA_TERM_SEQ_SET_COLOR_FGBG_256);
            chafa_term_info_unref(detected);
            p->mode = TERM_BLOCKS;
            p->canvas_mode = truecolor ? CHAFA_CANVAS_MODE_TRUECOLOR
                             : c256    ? CHAFA_CANVAS_MODE_INDEXED_256
                                       : CHAFA_CANVAS_MODE_INDEXED_16;
        }
    }
    if (p->mode == TERM_ASCII) {
        p->canvas_mode = CHAFA_CANVAS_MODE_FGBG;
        p->info = chafa_term_info_new(); /* no sequences at all: plain text */
    } else {
        p->info = chafa_term_db_get_fallback_info(db);
    }
}

/* Size of the chafa canvas in cells: at most max_cols wide and max_rows high, the
 * picture's aspect kept, never enlarged beyond one cell per source pixel (symbols)
 * or beyond the picture's own pixel size (pixel modes). */
static void plan_geometry(const TermPlan *p, const Canvas *c, int max_cols, int max_rows,
                          int *w, int *h)
{
    int cols = max_cols > 0 ? max_cols : p->cols > 0 ? p->cols : TERM_DEFAULT_COLS;
    int rows = max_rows > 0 && max_rows < TERM_MAX_ROWS ? max_rows : TERM_MAX_ROWS;
    if (p->mode == TERM_KITTY || p->mode == TERM_SIXEL) {
        int want = (c->w + p->cell_w - 1) / p->cell_w;
        *w = want < cols ? want : cols;
        if (*w < 1)
            *w = 1;
        double r = (double)*w * p->cell_w * c->h / ((double)c->w * p->cell_h);
        *h = (int)(r + 0.999);
        if (*h > rows) {
            *h = rows;
            *w = (int)((double)*h * p->cell_h * c->w / ((double)c->h * p->cell_w));
        }
    } else {
        *w = cols;
        *h = rows;
        /* font ratio: cell width / height */
        chafa_calc_canvas_geometry(c->w, c->h, w, h, (float)p->cell_w / (float)p->cell_h, FALSE,
                                   FALSE);
    }
    if (*w < 1)
        *w = 1;
    if (*h < 1)
        *h = 1;
}

/* Mean brightness of c in [0, 255], transparent pixels counting as black. */
static double mean_brightness(const Canvas *c)
{
    size_t n = (size_t)c->w * (size_t)c->h;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = c->px + i * 4;
        sum += (p[0] + p[1] + p[2]) / 3.0 * p[3] / 255.0;
    }
    return sum / (double)n;
}

/* A picture redrawn in place (live views) goes to kitty as PNG, a tenth of the
 * RGBA chafa sends, with an image id and placement: sending them again replaces
 * the picture where it is, and C=1 leaves the cursor alone. Kitty scales it to
 * the cols x rows cells. The payload is base64 in chunks of at most 4096 bytes. */
static int put_kitty_png(FILE *out, const Canvas *c, int cols, int rows, unsigned id, Err *e)
{
    enum { CHUNK = 4096 }; /* base64 characters per escape, a multiple of 4 */
    uint8_t *png;
    size_t len;
    if (png_encode(c, &png, &len, e) != 0)
        return -1;
    StrBuf b64 = {0};
    sb_base64(&b64, png, len);
    free(png);
    const char *s = sb_cstr(&b64);
    int bad = 0;
    for (size_t at = 0; !bad && (at < b64.len || at == 0); at += CHUNK) {
        size_t n = b64.len - at < CHUNK ? b64.len - at : CHUNK;
        int more = at + n < b64.len;
        if (at == 0)
            bad = fprintf(out, "\033_Ga=T,f=100,i=%u,p=1,q=2,C=1,c=%d,r=%d,m=%d;", id, cols,
                          rows, more) < 0;
        else
            bad = fprintf(out, "\033_Gm=%d;", more) < 0;
        bad = bad || fwrite(s + at, 1, n, out) != n || fputs("\033\\", out) == EOF;
    }
    sb_free(&b64);
    return bad ? err_set(e, _("cannot draw the picture in the terminal: write error")) : 0;
}

void term_cells(FILE *out, const Canvas *c, const TermTarget *t, int *cols, int *rows)
{
    *cols = *rows = 0;
    if (!c || c->w < 1 || c->h < 1 || t->mode == TERM_NONE)
        return;
    int fd = fileno(out);
    TermPlan plan;
    memset(&plan, 0, sizeof plan);
    terminal_size(out, fd >= 0 && isatty(fd), &plan);
    if (t->cell_w >= 2 && t->cell_h >= 2) {
        plan.cell_w = t->cell_w;
        plan.cell_h = t->cell_h;
    }
    plan.mode = t->mode == TERM_AUTO ? TERM_BLOCKS : t->mode;
    plan_geometry(&plan, c, t->max_cols, t->max_rows, cols, rows);
}

int term_draw(FILE *out, const Canvas *c, TermMode mode, int max_cols, Err *e)
{
    TermTarget t = {.mode = mode, .max_cols = max_cols};
    return term_draw_to(out, c, &t, NULL, NULL, e);
}

int term_draw_to(FILE *out, const Canvas *c, const TermTarget *t, int *cols, int *rows, Err *e)
{
    TermMode mode = t->mode;
    if (cols)
        *cols = 0;
    if (rows)
        *rows = 0;
    if ((int)mode < TERM_AUTO || mode > TERM_NONE)
        return err_set(e, _("unknown terminal mode %d; use auto, kitty, sixel, blocks, ascii or none"),
                       (int)mode);
    if (mode == TERM_NONE)
        return 0;
    if (!c || !c->px || c->w < 1 || c->h < 1)
        return err_set(e, _("cannot draw an empty picture"));

    int fd = fileno(out); /* -1 for memory streams */
    int is_tty = fd >= 0 && isatty(fd);
    TermPlan plan;
    memset(&plan, 0, sizeof plan);
    terminal_size(out, is_tty, &plan);
    if (t->cell_w >= 2 && t->cell_h >= 2) {
        plan.cell_w = t->cell_w;
        plan.cell_h = t->cell_h;
    }
    plan_mode(&plan, mode, is_tty);
    int w, h;
    plan_geometry(&plan, c, t->max_cols, t->max_rows, &w, &h);
    if (plan.mode == TERM_KITTY && t->kitty_id) {
        chafa_term_info_unref(plan.info);
        int rc = put_kitty_png(out, c, w, h, t->kitty_id, e);
        if (rc == 0 && fflush(out) != 0)
            rc = err_set(e, _("cannot draw the picture in the terminal: %s"), strerror(errno));
        if (cols)
            *cols = w;
        if (rows)
            *rows = h;
        return rc;
    }
    ChafaSymbolMap *symbols = chafa_symbol_map_new();
    if (plan.mode == TERM_ASCII) {
        chafa_symbol_map_add_by_tags(symbols, CHAFA_SYMBOL_TAG_ASCII);
    } else {
        /* blocks and box borders read well at small sizes; wide symbols would
         * break the column count and inverted ones confuse some terminals. */
        chafa_symbol_map_add_by_tags(symbols, CHAFA_SYMBOL_TAG_BLOCK | CHAFA_SYMBOL_TAG_BORDER |
                                                  CHAFA_SYMBOL_TAG_SPACE);
        chafa_symbol_map_remove_by_tags(symbols, CHAFA_SYMBOL_TAG_WIDE |
                                                     CHAFA_SYMBOL_TAG_INVERTED);
    }
    ChafaCanvasConfig *cfg = chafa_canvas_config_new();
    chafa_canvas_config_set_geometry(cfg, w, h);
    chafa_canvas_config_set_cell_geometry(cfg, plan.cell_w, plan.cell_h);
    chafa_canvas_config_set_canvas_mode(cfg, plan.canvas_mode);
    chafa_canvas_config_set_pixel_mode(cfg, plan.mode == TERM_KITTY   ? CHAFA_PIXEL_MODE_KITTY
                                            : plan.mode == TERM_SIXEL ? CHAFA_PIXEL_MODE_SIXELS
                                                                      : CHAFA_PIXEL_MODE_SYMBOLS);
    chafa_canvas_config_set_symbol_map(cfg, symbols); /* copies the map */
    if (t->quick)
        chafa_canvas_config_set_work_factor(cfg, TERM_QUICK_WORK);
    if (plan.mode == TERM_ASCII && mean_brightness(c) > 127.5) {
        /* Two-colour mode draws characters where the picture is near the
         * foreground colour: on a light picture (a plot on white) the ink is the
         * dark part, so characters go there and the white stays blank. */
        chafa_canvas_config_set_fg_color(cfg, 0x000000);
        chafa_canvas_config_set_bg_color(cfg, 0xffffff);
    }
    ChafaCanvas *cv = chafa_canvas_new(cfg);
    int rc = 0;
    if (!cv) {
        rc = err_set(e, _("the terminal library could not draw a %dx%d picture"), c->w, c->h);
        goto out;
    }
    chafa_canvas_draw_all_pixels(cv, CHAFA_PIXEL_RGBA8_UNASSOCIATED, c->px, c->w, c->h, c->w * 4);
    GString *text = chafa_canvas_print(cv, plan.info);
    errno = 0;
    if (fwrite(text->str, 1, text->len, out) != text->len || fputc('\n', out) == EOF ||
        fflush(out) != 0)
        rc = err_set(e, _("cannot draw the picture in the terminal: %s"),
                     errno ? strerror(errno) : _("write error"));
    if (cols)
        *cols = w;
    if (rows)
        *rows = h;
    g_string_free(text, TRUE);
    chafa_canvas_unref(cv);
out:
    chafa_canvas_config_unref(cfg);
    chafa_symbol_map_unref(symbols);
    chafa_term_info_unref(plan.info);
    return rc;
}
