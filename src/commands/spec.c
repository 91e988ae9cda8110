/* spec.c: from typed words to the (sub-)command that runs, with its words read
 * against its spec (commands.h), and the getters handlers read them with. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "untangle/core/i18n.h"
#include "untangle/commands/commands.h"

const CmdSpec *cmd_find(const char *name)
{
    for (const CmdSpec *const *c = cmd_table; *c; c++)
        if (strcmp((*c)->name, name) == 0)
            return *c;
    return NULL;
}

const CmdSpec *cmd_nearest(const char *name)
{
    const CmdSpec *best = NULL;
    size_t best_d = 4;
    for (const CmdSpec *const *c = cmd_table; *c; c++) {
        size_t d = param_edit_distance(name, (*c)->name);
        if (d < best_d) {
            best_d = d;
            best = *c;
        }
    }
    return best;
}

static const CmdSpec *find_sub(const CmdSpec *c, const char *name)
{
    for (const CmdSpec *const *s = c->subs; s && *s; s++)
        if (strcmp((*s)->name, name) == 0)
            return *s;
    return NULL;
}

static int find_variant(const CmdSpec *c, const char *name, CmdVariant *out)
{
    for (size_t i = 0; c->variant(i, out); i++)
        if (strcmp(out->name, name) == 0)
            return 1;
    memset(out, 0, sizeof *out);
    return 0;
}

/* "a, b or c" of the sub-commands or variants of c. */
static void sub_list(const CmdSpec *c, char *buf, size_t cap)
{
    const char *names[CMD_COMPLETE_MAX + 1];
    size_t n = 0;
    for (const CmdSpec *const *s = c->subs; s && *s && n < CMD_COMPLETE_MAX; s++)
        names[n++] = (*s)->name;
    CmdVariant v;
    for (size_t i = 0; c->variant && n < CMD_COMPLETE_MAX && c->variant(i, &v); i++)
        names[n++] = v.name;
    names[n] = NULL;
    Param p = {.name = "", .type = PARAM_CHOICE, .choices = names};
    param_choice_list(&p, _(" or "), buf, cap);
}

/* The sub-command or variant of c nearest to a misspelt word (`wieghts`), or NULL
 * when none is within two edits (and nearer than the word is long). */
static const char *nearest_sub(const CmdSpec *c, const char *word)
{
    const char *best = NULL;
    size_t best_d = 3, len = strlen(word);
    for (const CmdSpec *const *s = c->subs; s && *s; s++) {
        size_t d = param_edit_distance(word, (*s)->name);
        if (d < best_d && d < len) {
            best_d = d;
            best = (*s)->name;
        }
    }
    CmdVariant v;
    for (size_t i = 0; c->variant && c->variant(i, &v); i++) {
        size_t d = param_edit_distance(word, v.name);
        if (d < best_d && d < len) {
            best_d = d;
            best = v.name;
        }
    }
    return best;
}

static void path_append(char *path, const char *word)
{
    size_t len = strlen(path);
    snprintf(path + len, CMD_PATH_MAX - len, "%s%s", len ? " " : "", word);
}

/* "...; see `help X`", or "...? See `help X`." after a question. */
static int error_with_help(Shell *sh, const char *msg, const char *topic)
{
    size_t n = strlen(msg);
    if (n && msg[n - 1] == '?')
        return sh_error(sh, _("%s See `help %s`."), msg, topic);
    return sh_error(sh, _("%s; see `help %s`"), msg, topic);
}

/* `model.compile(loss=...)`, `model.add(Dense(10))`: Python, where untangle takes
 * words. Names the command the method would be (`compile`, `model add`), if any. */
static int keras_typed(Shell *sh, const char *word)
{
    const char *dot = strrchr(word, '.'), *paren = strchr(word, '(');
    const char *from = dot && (!paren || dot < paren) ? dot + 1 : word;
    size_t n = paren && paren > from ? (size_t)(paren - from) : strlen(from);
    char name[32], path[48] = "";
    snprintf(name, sizeof name, "%.*s", (int)(n < sizeof name ? n : sizeof name - 1), from);
    const CmdSpec *model = cmd_find("model");
    if (name[0] && cmd_find(name))
        snprintf(path, sizeof path, "%s", name);
    else if (name[0] && model && find_sub(model, name))
        snprintf(path, sizeof path, "model %s", name);
    if (path[0])
        return sh_error(sh, _("unknown command '%s': untangle takes words, not Python; here it is "
                              "`%s ...` (see `help %s`)"),
                        word, path, path);
    return sh_error(sh, _("unknown command '%s': untangle takes words, not Python; `help` lists "
                          "the commands"),
                    word);
}

/* "bad layer 'dense2'; did you mean 'dense'? (should be ...); see `help model add`" */
static int bad_variant(Shell *sh, const CmdSpec *c, const char *what, const char *word,
                       const char *list, const char *path)
{
    char hint[300];
    if (c->variant_hint && c->variant_hint(word, hint, sizeof hint))
        return sh_error(sh, _("bad %s '%s': %s; see `help %s`"), what, word, hint, path);
    const char *near = nearest_sub(c, word);
    if (near)
        return sh_error(sh, _("bad %s '%s'; did you mean '%s'? (should be %s); see `help %s`"),
                        what, word, near, list, path);
    return sh_error(sh, _("bad %s '%s' (should be %s); see `help %s`"), what, word, list, path);
}

int cmd_parse(Shell *sh, int argc, char **argv, CmdArgs *a)
{
    memset(a, 0, sizeof *a);
    a->argc = argc;
    a->argv = argv;
    const CmdSpec *c = cmd_find(argv[0]);
    /* Keras typed as in the lab: model.compile(loss=...), model.summary */
    if (!c && (strchr(argv[0], '(') || strncmp(argv[0], "model.", 6) == 0))
        return keras_typed(sh, argv[0]);
    if (!c) {
        const CmdSpec *near = cmd_nearest(argv[0]);
        if (near)
            return sh_error(sh, _("unknown command '%s'; did you mean '%s'? (`help` lists commands)"),
                            argv[0], near->name);
        return sh_error(sh, _("unknown command '%s'; `help` lists the commands"), argv[0]);
    }
    a->top = c;
    path_append(a->path, c->name);
    int i = 1;
    char list[400];
    while (c->subs) {
        const CmdSpec *sub = i < argc ? find_sub(c, argv[i]) : NULL;
        if (sub) {
            c = sub;
            path_append(a->path, c->name);
            i++;
            continue;
        }
        if (c->handler)
            break; /* the command's own words (`predict test`) */
        sub_list(c, list, sizeof list);
        if (i >= argc)
            return sh_error(sh, _("%s needs a sub-command (should be %s); see `help %s`"), a->path,
                            list, a->path);
        const char *near = nearest_sub(c, argv[i]);
        if (near)
            return sh_error(sh, _("bad %s sub-command '%s'; did you mean '%s'? (should be %s); "
                                  "see `help %s`"),
                            a->path, argv[i], near, list, a->path);
        return sh_error(sh, _("bad %s sub-command '%s' (should be %s); see `help %s`"), a->path,
                        argv[i], list, a->path);
    }
    if (c->variant && c->variant_option) {
        const char *name = c->variant_default;
        for (int k = i; k + 1 < argc; k++)
            if (strcmp(argv[k], c->variant_option) == 0)
                name = argv[k + 1];
        if (!find_variant(c, name, &a->variant)) {
            sub_list(c, list, sizeof list);
            return bad_variant(sh, c, c->variant_option, name, list, a->path);
        }
    } else if (c->variant) {
        const char *what = c->variant_what ? _(c->variant_what) : _("kind");
        sub_list(c, list, sizeof list);
        if (i >= argc)
            return sh_error(sh, _("%s needs a %s (should be %s); see `help %s`"), a->path, what,
                            list, a->path);
        if (!find_variant(c, argv[i], &a->variant))
            return bad_variant(sh, c, what, argv[i], list, a->path);
        path_append(a->path, a->variant.name);
        i++;
    }
    a->cmd = c;
    a->base = i;
    const Param *lists[2] = {a->variant.params, c->params};
    Err e;
    err_clear(&e);
    if (params_parse(lists, 2, argc - i, argv + i, 0, a->path, &a->pv, &e) != 0)
        return error_with_help(sh, e.msg, a->path);
    return 0;
}

static const ParamValue *value(const CmdArgs *a, const char *name)
{
    const ParamValue *v = params_get(&a->pv, name);
    if (!v) {
        fprintf(stderr, _("untangle: internal error: %s declares no parameter '%s'\n"), a->path,
                name);
        abort();
    }
    return v;
}

int cmd_given(const CmdArgs *a, const char *name)
{
    return value(a, name)->given;
}

const char *cmd_text(const CmdArgs *a, const char *name)
{
    return value(a, name)->text;
}

long cmd_long(const CmdArgs *a, const char *name)
{
    return value(a, name)->i;
}

double cmd_real(const CmdArgs *a, const char *name)
{
    return value(a, name)->x;
}

int cmd_index(const CmdArgs *a, const char *name)
{
    const ParamValue *v = value(a, name);
    return v->text ? (int)v->i : -1;
}

int cmd_dims(const CmdArgs *a, const char *name, int d[3])
{
    const ParamValue *v = value(a, name);
    memcpy(d, v->d, sizeof v->d);
    return v->nd;
}

char **cmd_rest(const CmdArgs *a, const char *name, int *count)
{
    const ParamValue *v = value(a, name);
    *count = v->count;
    return a->argv + a->base + v->first;
}

int cmd_long_within(Shell *sh, const CmdArgs *a, const char *name, long lo, long hi, long *out)
{
    const ParamValue *v = value(a, name);
    if (!v->given)
        return 0;
    for (size_t k = 0; k < a->pv.n; k++)
        if (&a->pv.v[k] == v) {
            const Param *p = a->pv.p[k];
            return arg_long(sh, p->what ? _(p->what) : p->name, v->text, lo, hi, out);
        }
    return 0;
}
