/* help.c: synopses and `help` pages, written from the command specs: the words,
 * ranges, choices and defaults a page shows are the ones the parser checks. */
#include <stdio.h>
#include <string.h>

#include "untangle/commands/commands.h"
#include "untangle/core/i18n.h"

/* Appends s to buf (length *len, capacity cap). */
static void put(char *buf, size_t cap, size_t *len, const char *s)
{
    int w = snprintf(buf + *len, cap - *len, "%s", s);
    if (w > 0)
        *len += (size_t)w < cap - *len ? (size_t)w : cap - *len - 1;
}

static void put_params(const Param *params, char *buf, size_t cap, size_t *len)
{
    for (const Param *p = params; p && p->name; p++) {
        char meta[300], one[400];
        const char *m = param_meta(p, meta, sizeof meta);
        switch (p->place) {
        case PARAM_POS: snprintf(one, sizeof one, " %s", m); break;
        case PARAM_POS_OPT:
        case PARAM_BARE: snprintf(one, sizeof one, " [%s]", m); break;
        case PARAM_REST: snprintf(one, sizeof one, " [%s...]", m); break;
        default:
            if (p->type == PARAM_FLAG)
                snprintf(one, sizeof one, " [%s]", p->name);
            else
                snprintf(one, sizeof one, " [%s %s]", p->name, m);
        }
        put(buf, cap, len, one);
    }
}

void cmd_synopsis(const CmdSpec *c, const CmdVariant *v, const char *prefix, char *buf,
                  size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    if (prefix && *prefix) {
        put(buf, cap, &len, prefix);
        put(buf, cap, &len, " ");
    }
    put(buf, cap, &len, c->name);
    if (c->variant_option) { /* `compile [...]`, or `compile optimizer NAME [its words]` */
        if (!(v && v->name))
            put_params(c->params, buf, cap, &len);
        else {
            put(buf, cap, &len, " ");
            put(buf, cap, &len, c->variant_option);
            put(buf, cap, &len, " ");
            put(buf, cap, &len, v->name);
            put_params(v->params, buf, cap, &len);
        }
        return;
    }
    if (v && v->name) {
        put(buf, cap, &len, " ");
        put(buf, cap, &len, v->name);
        put_params(v->params, buf, cap, &len);
    } else if (c->variant) {
        CmdVariant x;
        put(buf, cap, &len, " ");
        for (size_t i = 0; c->variant(i, &x); i++) {
            put(buf, cap, &len, i ? "|" : "");
            put(buf, cap, &len, x.name);
        }
        put(buf, cap, &len, " ...");
    }
    if (c->subs && !c->handler) {
        put(buf, cap, &len, " ");
        for (size_t i = 0; c->subs[i]; i++) {
            put(buf, cap, &len, i ? "|" : "");
            put(buf, cap, &len, c->subs[i]->name);
        }
        put(buf, cap, &len, " ...");
        return;
    }
    put_params(c->params, buf, cap, &len);
    if (c->subs) /* a command with words of its own and sub-commands: `predict` */
        for (size_t i = 0; c->subs[i]; i++) {
            char full[CMD_PATH_MAX], sub[400];
            snprintf(full, sizeof full, "%s%s%s", prefix && *prefix ? prefix : "",
                     prefix && *prefix ? " " : "", c->name);
            cmd_synopsis(c->subs[i], NULL, full, sub, sizeof sub);
            put(buf, cap, &len, " | ");
            put(buf, cap, &len, sub);
        }
}

/* The columns s takes on a terminal: its characters, not its bytes (UTF-8). */
static int columns(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* A space a line may end at: not the one before a French ; : ! or ? ("mot ; mot"),
 * which stays with its word. */
static int breakable(const char *p)
{
    return p[0] == ' ' && p[1] != ';' && p[1] != ':' && p[1] != '!' && p[1] != '?';
}

/* How many bytes of p go on a line of `avail` columns: the longest run of whole
 * words that fits, or the first `avail` characters of a word longer than the line.
 * Columns count characters, not bytes: UTF-8 continuation bytes (0x80-0xBF) take
 * none, so French text wraps at the same width as English. */
static int line_fit(const char *p, int avail)
{
    int n = 0, cols = 0, last_space = -1;
    while (p[n]) {
        if (((unsigned char)p[n] & 0xC0) != 0x80) {
            if (cols == avail)
                break;
            cols++;
        }
        if (breakable(p + n))
            last_space = n;
        n++;
    }
    if (p[n] && !breakable(p + n) && last_space > 0) /* a word would be cut: end before it */
        n = last_space;
    return n;
}

/* Prints text wrapped at `width` columns, each line indented. */
static void print_wrapped(Shell *sh, const char *text, int indent, int width)
{
    const char *p = text;
    while (*p) {
        while (*p == ' ')
            p++;
        int n = line_fit(p, width - indent);
        sh_printf(sh, "%*s%.*s\n", indent, "", n, p);
        p += n;
    }
}

/* "    head                 tail..." with the tail wrapped under itself. */
static void print_hanging(Shell *sh, const char *head, const char *tail)
{
    enum { INDENT = 4, COLUMN = 25, WIDTH = 78 };
    if (columns(head) + INDENT + 1 > COLUMN) {
        sh_printf(sh, "%*s%s\n", INDENT, "", head);
        print_wrapped(sh, tail, COLUMN, WIDTH);
        return;
    }
    int n = line_fit(tail, WIDTH - COLUMN);
    /* padded by characters: FICHIER and LEÇON line up */
    sh_printf(sh, "%*s%s%*s%.*s\n", INDENT, "", head, COLUMN - INDENT - columns(head), "", n,
              tail);
    if (tail[n])
        print_wrapped(sh, tail + n, COLUMN, WIDTH);
}

/* One line per word: "batch N    examples per step; 1 to 10000000 (default 300)". */
static void print_param_lines(Shell *sh, const Param *params)
{
    for (const Param *p = params; p && p->name; p++) {
        if (p->type == PARAM_KEYWORD)
            continue;
        char meta[300], head[400], tail[600], list[400];
        const char *m = param_meta(p, meta, sizeof meta);
        if (p->place == PARAM_OPTION)
            snprintf(head, sizeof head, p->type == PARAM_FLAG ? "%s" : "%s %s", p->name, m);
        else
            snprintf(head, sizeof head, "%s", m);
        size_t len = 0;
        tail[0] = '\0';
        put(tail, sizeof tail, &len, p->help ? _(p->help) : "");
        char range[160] = "";
        if (p->type == PARAM_INT && p->hi >= 9e15) /* bounded by the data, not the option */
            snprintf(range, sizeof range, _("at least %.0f"), p->lo);
        else if (p->type == PARAM_INT)
            snprintf(range, sizeof range, _("%.0f to %.0f"), p->lo, p->hi);
        else if (p->type == PARAM_REAL)
            snprintf(range, sizeof range, p->lo_open ? _("above %g, at most %g") : _("%g to %g"), p->lo,
                     p->hi);
        else if (p->type == PARAM_CHOICE && p->meta) /* else the head shows them */
            snprintf(range, sizeof range, "%s", param_choice_list(p, _(" or "), list, sizeof list));
        if (range[0]) {
            put(tail, sizeof tail, &len, len ? "; " : "");
            put(tail, sizeof tail, &len, range);
        }
        if (p->def) {
            char d[80];
            snprintf(d, sizeof d, _("%s(default %s)"), len ? " " : "", p->def);
            put(tail, sizeof tail, &len, d);
        }
        print_hanging(sh, head, tail);
    }
}

static int has_params(const Param *params)
{
    for (const Param *p = params; p && p->name; p++)
        if (p->type != PARAM_KEYWORD)
            return 1;
    return 0;
}

static void print_page(Shell *sh, const CmdSpec *c, const CmdVariant *v, const char *prefix,
                       const char *path)
{
    char syn[1200];
    cmd_synopsis(c, v, prefix, syn, sizeof syn);
    sh_printf(sh, "%s\n", syn);
    const char *summary = v && v->name ? v->summary : c->summary;
    const char *help = v && v->name ? v->help : c->help;
    if (summary)
        print_wrapped(sh, _(summary), 2, 78);
    if (help) {
        sh_printf(sh, "\n");
        print_wrapped(sh, _(help), 2, 78);
    }
    if ((v && has_params(v->params)) || has_params(c->params)) {
        sh_printf(sh, _("\n  words:\n"));
        if (v)
            print_param_lines(sh, v->params);
        print_param_lines(sh, c->params);
    }
    if (c->subs) {
        sh_printf(sh, _("\n  sub-commands (`help %s SUB` for one):\n"), path);
        for (size_t i = 0; c->subs[i]; i++) {
            cmd_synopsis(c->subs[i], NULL, path, syn, sizeof syn);
            sh_printf(sh, "    %s\n", syn);
            print_wrapped(sh, _(c->subs[i]->summary), 6, 78);
        }
    }
    if (c->variant && !(v && v->name)) {
        CmdVariant x;
        const char *what = c->variant_what ? _(c->variant_what) : _("kind");
        char upper[32];
        size_t k = 0;
        for (; what[k] && k + 1 < sizeof upper; k++)
            upper[k] = (char)(what[k] >= 'a' && what[k] <= 'z' ? what[k] - 32 : what[k]);
        upper[k] = '\0';
        if (c->variant_option)
            sh_printf(sh, _("\n  %ss (`help %s %s` for one; %s when none is named):\n"), what,
                      path, upper, c->variant_default);
        else
            sh_printf(sh, _("\n  %ss (`help %s %s` for one):\n"), what, path, upper);
        for (size_t i = 0; c->variant(i, &x); i++) {
            cmd_synopsis(c, &x, prefix, syn, sizeof syn);
            sh_printf(sh, "    %s\n", syn);
            print_wrapped(sh, _(x.summary), 6, 78);
        }
    }
}

static void print_index(Shell *sh)
{
    sh_printf(sh, _("Commands (`help COMMAND` for details, `help COMMAND SUB` for a sub-command; "
                    "`;` separates commands, `#` starts a comment):\n"));
    for (const CmdSpec *const *c = cmd_table; *c; c++)
        sh_printf(sh, "  %-9s %s\n", (*c)->name, _((*c)->summary));
}

int cmd_print_help(Shell *sh, int nwords, char **words)
{
    if (nwords == 0) {
        print_index(sh);
        return CMD_OK;
    }
    const CmdSpec *c = cmd_find(words[0]);
    if (!c) {
        /* A prefix lists the commands it starts. */
        size_t n = strlen(words[0]), found = 0;
        for (const CmdSpec *const *d = cmd_table; *d; d++)
            if (strncmp((*d)->name, words[0], n) == 0) {
                sh_printf(sh, "  %-9s %s\n", (*d)->name, _((*d)->summary));
                found++;
            }
        if (found && nwords == 1)
            return CMD_OK;
        const CmdSpec *near = cmd_nearest(words[0]);
        if (near)
            return sh_error(sh, _("no command '%s'; did you mean '%s'? (`help` lists commands)"),
                            words[0], near->name);
        return sh_error(sh, _("no command '%s'; `help` lists the commands"), words[0]);
    }
    char prefix[CMD_PATH_MAX] = "", path[CMD_PATH_MAX];
    snprintf(path, sizeof path, "%s", c->name);
    CmdVariant v = {0};
    for (int i = 1; i < nwords; i++) {
        const CmdSpec *sub = NULL;
        for (size_t k = 0; c->subs && c->subs[k]; k++)
            if (strcmp(c->subs[k]->name, words[i]) == 0)
                sub = c->subs[k];
        if (sub && !v.name) {
            snprintf(prefix, sizeof prefix, "%s", path);
            c = sub;
            size_t len = strlen(path);
            snprintf(path + len, sizeof path - len, " %s", sub->name);
            continue;
        }
        int found = 0;
        CmdVariant x;
        for (size_t k = 0; c->variant && !v.name && c->variant(k, &x); k++)
            if (strcmp(x.name, words[i]) == 0) {
                found = 1;
                v = x;
                break;
            }
        if (found) {
            size_t len = strlen(path);
            snprintf(path + len, sizeof path - len, " %s", v.name);
            continue;
        }
        return sh_error(sh, _("`%s` has no sub-command '%s'; `help %s` lists what it takes"), path,
                        words[i], path);
    }
    print_page(sh, c, v.name ? &v : NULL, prefix, path);
    return CMD_OK;
}
