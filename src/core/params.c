/* params.c: the one parser of typed words (see params.h). */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "untangle/core/i18n.h"
#include "untangle/core/params.h"

/* ---- choices ---- */

const char *param_choice(const Param *p, size_t i)
{
    if (p->choices) {
        for (size_t k = 0; k < i; k++)
            if (!p->choices[k])
                return NULL;
        return p->choices[i];
    }
    if (p->choice_fn)
        return p->choice_fn(i);
    if (p->choice_table) {
        const char *row = (const char *)p->choice_table;
        for (size_t k = 0;; k++) {
            const char *name = *(const char *const *)(const void *)(row + k * p->choice_stride);
            if (!name || k == i)
                return name;
        }
    }
    return NULL;
}

int param_choice_index(const Param *p, const char *word)
{
    const char *c;
    for (size_t i = 0; (c = param_choice(p, i)) != NULL; i++)
        if (strcmp(c, word) == 0)
            return (int)i;
    return -1;
}

/* Appends s to buf (length *len, capacity cap), cutting it short when full. */
static void put(char *buf, size_t cap, size_t *len, const char *s)
{
    size_t add = strlen(s);
    if (*len + 1 >= cap)
        return;
    if (add > cap - 1 - *len)
        add = cap - 1 - *len;
    memcpy(buf + *len, s, add);
    *len += add;
    buf[*len] = '\0';
}

char *param_choice_list(const Param *p, const char *sep_last, char *buf, size_t cap)
{
    size_t n = 0, len = 0;
    while (param_choice(p, n))
        n++;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        put(buf, cap, &len, i == 0 ? "" : (i + 1 == n ? sep_last : ", "));
        put(buf, cap, &len, param_choice(p, i));
    }
    return buf;
}

const char *param_meta(const Param *p, char *buf, size_t cap)
{
    if (p->meta)
        return _(p->meta); /* FILE is FICHIER in French, as the help's prose says */
    switch (p->type) {
    case PARAM_CHOICE: {
        size_t len = 0;
        buf[0] = '\0';
        const char *c;
        for (size_t i = 0; (c = param_choice(p, i)) != NULL; i++) {
            put(buf, cap, &len, i ? "|" : "");
            put(buf, cap, &len, c);
        }
        return buf;
    }
    case PARAM_INT: return "N";
    case PARAM_REAL: return "X";
    case PARAM_DIMS: return p->dims == 2 ? "AxB" : p->dims == 3 ? "HxWxC" : "D|HxWxC";
    case PARAM_KEYWORD: return p->name;
    default: return "WORD";
    }
}

/* ---- single words ---- */

/* The one number grammar of every word and field (params.h):
 *     [+-] digits [. digits] [e [+-] digits]      (or [+-] . digits [e...])
 * Returns 1 for a number (*whole: no fraction and no exponent), 0 otherwise:
 * hexadecimal, inf, nan, blanks, '_' and ',' are no numbers. */
static int scan_number(const char *t, int *whole)
{
    size_t i = 0, digits = 0;
    *whole = 1;
    if (t[i] == '+' || t[i] == '-')
        i++;
    while (t[i] >= '0' && t[i] <= '9')
        i++, digits++;
    if (t[i] == '.') {
        *whole = 0;
        i++;
        while (t[i] >= '0' && t[i] <= '9')
            i++, digits++;
    }
    if (digits == 0)
        return 0;
    if (t[i] == 'e' || t[i] == 'E') {
        *whole = 0;
        i++;
        if (t[i] == '+' || t[i] == '-')
            i++;
        size_t exp_digits = 0;
        while (t[i] >= '0' && t[i] <= '9')
            i++, exp_digits++;
        if (exp_digits == 0)
            return 0;
    }
    return t[i] == '\0';
}

/* "from LO to HI", or "at least LO" when HI is the grammar's own ceiling (9e15:
 * no limit of the option's, such as `nh k` before the embedding is known). */
static const char *range_text(long lo, long hi, int of, char *buf, size_t cap)
{
    if (hi >= 9000000000000000L)
        snprintf(buf, cap, of ? _("of at least %ld") : _("at least %ld"), lo);
    else
        snprintf(buf, cap, _("from %ld to %ld"), lo, hi);
    return buf;
}

int param_read_long(const char *what, const char *text, long lo, long hi, long *out, Err *e)
{
    int plain;
    char r[64];
    if (!scan_number(text, &plain))
        return err_set(e, _("bad %s '%s' (should be a whole number %s)"), what, text,
                       range_text(lo, hi, 1, r, sizeof r));
    long v;
    if (plain) {
        errno = 0;
        v = strtol(text, NULL, 10);
        if (errno == ERANGE)
            return err_set(e, _("%s %s is out of range (should be %s)"), what, text,
                           range_text(lo, hi, 0, r, sizeof r));
    } else {
        /* 6e4 is 60000; 1.5 is no whole number. */
        double x = strtod(text, NULL);
        if (x != floor(x))
            return err_set(e, _("bad %s '%s' (should be a whole number %s)"), what, text,
                           range_text(lo, hi, 1, r, sizeof r));
        if (!(fabs(x) <= 9e15))
            return err_set(e, _("%s %s is out of range (should be %s)"), what, text,
                           range_text(lo, hi, 0, r, sizeof r));
        v = (long)x;
    }
    if (v < lo || v > hi)
        return err_set(e, _("%s %s is out of range (should be %s)"), what, text,
                       range_text(lo, hi, 0, r, sizeof r));
    *out = v;
    return 0;
}

static int read_real(const char *what, const char *text, double lo, int lo_open, double hi,
                     double *out, Err *e)
{
    const char *range = lo_open ? _("above %g and at most %g") : _("from %g to %g");
    char should[96];
    snprintf(should, sizeof should, range, lo, hi);
    int whole;
    if (!scan_number(text, &whole))
        return err_set(e, _("bad %s '%s' (should be a number %s)"), what, text, should);
    double v = strtod(text, NULL);
    if (!(fabs(v) <= PARAM_NUMBER_MAX))
        return err_set(e, _("%s %s is out of range (should be %s)"), what, text, should);
    if (v != 0 && fabs(v) < PARAM_NUMBER_MIN)
        return err_set(e, _("%s %s is too close to 0 to compute with (a number is 0 or at least "
                          "%g in size; should be %s)"),
                       what, text, PARAM_NUMBER_MIN, should);
    if (v < lo || v > hi || (lo_open && v == lo))
        return err_set(e, _("%s %g is out of range (should be %s)"), what, v, should);
    *out = v;
    return 0;
}

int param_read_double(const char *what, const char *text, double lo, double hi, double *out,
                      Err *e)
{
    return read_real(what, text, lo, 0, hi, out, e);
}

int param_read_dims(const char *what, const char *text, int n, long hi, int out[3], Err *e)
{
    long v[3];
    int got = 0;
    const char *p = text;
    for (;;) {
        char *end;
        errno = 0;
        long x = strtol(p, &end, 10);
        if (got == 3 || end == p || errno == ERANGE || x < 1 || x > hi || *p == '+' ||
            *p == '-' || *p == ' ')
            goto bad;
        v[got++] = x;
        if (*end == '\0')
            break;
        if (*end != 'x' && *end != 'X')
            goto bad;
        p = end + 1;
    }
    if (n ? got != n : got == 2)
        goto bad;
    for (int i = 0; i < got; i++)
        out[i] = (int)v[i];
    return got;
bad:
    if (n == 2)
        return err_set(e, _("bad %s '%s' (should be two sizes like 5x5, each 1 to %ld)"), what,
                       text, hi);
    if (n == 3)
        return err_set(e, _("bad %s '%s' (should be three sizes like 28x28x1, each 1 to %ld)"),
                       what, text, hi);
    return err_set(e, _("bad %s '%s' (should be a size like 784 or three sizes like 28x28x1, "
                      "each 1 to %ld)"), what, text, hi);
}

size_t param_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 31 || lb > 31)
        return 99;
    size_t row[32];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] == b[j - 1] ? 0 : 1);
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* ---- whole command lines ---- */

static const char *what_of(const Param *p)
{
    return p->what ? _(p->what) : p->name;
}

static long as_long(double v)
{
    if (v >= (double)LONG_MAX)
        return LONG_MAX;
    if (v <= (double)LONG_MIN)
        return LONG_MIN;
    return (long)v;
}

/* Reads word into v as p says. */
static int read_value(const Param *p, const char *word, ParamValue *v, Err *e)
{
    v->text = word;
    switch (p->type) {
    case PARAM_FLAG:
        v->i = 1;
        return 0;
    case PARAM_INT:
        if (param_read_long(what_of(p), word, as_long(p->lo), as_long(p->hi), &v->i, e) != 0)
            return -1;
        v->x = (double)v->i;
        return 0;
    case PARAM_REAL:
        return read_real(what_of(p), word, p->lo, p->lo_open, p->hi, &v->x, e);
    case PARAM_CHOICE: {
        int k = param_choice_index(p, word);
        if (k < 0) {
            char list[400];
            return err_set(e, _("bad %s '%s' (should be %s)"), what_of(p), word,
                           param_choice_list(p, _(" or "), list, sizeof list));
        }
        v->i = k;
        return 0;
    }
    case PARAM_DIMS: {
        int n = param_read_dims(what_of(p), word, p->dims, as_long(p->hi), v->d, e);
        if (n < 0)
            return -1;
        v->nd = n;
        return 0;
    }
    case PARAM_KEYWORD:
        if (strcmp(word, p->name) != 0)
            return err_set(e, _("expected the word '%s' here, not '%s'"), p->name, word);
        return 0;
    default:
        return 0;
    }
}

/* Does word look like a value of p, for an optional position? */
static int looks_like(const Param *p, const char *word)
{
    switch (p->type) {
    case PARAM_INT:
    case PARAM_REAL:
        return word[0] && strchr("0123456789+-.", word[0]) != NULL;
    case PARAM_DIMS:
        return word[0] >= '0' && word[0] <= '9';
    case PARAM_CHOICE:
        return param_choice_index(p, word) >= 0;
    case PARAM_KEYWORD:
        return strcmp(word, p->name) == 0;
    default:
        return 1;
    }
}

static int find_option(const ParamValues *pv, const char *word)
{
    for (size_t k = 0; k < pv->n; k++)
        if (pv->p[k]->place == PARAM_OPTION && strcmp(pv->p[k]->name, word) == 0)
            return (int)k;
    return -1;
}

static int find_bare(const ParamValues *pv, const char *word)
{
    for (size_t k = 0; k < pv->n; k++)
        if (pv->p[k]->place == PARAM_BARE && param_choice_index(pv->p[k], word) >= 0)
            return (int)k;
    return -1;
}

/* Are there words that do not come in `name value` pairs (flags, bare words)? */
static int has_unpaired(const ParamValues *pv)
{
    for (size_t k = 0; k < pv->n; k++)
        if (pv->p[k]->place == PARAM_BARE ||
            (pv->p[k]->place == PARAM_OPTION && pv->p[k]->type == PARAM_FLAG))
            return 1;
    return 0;
}

/* The message for a word that is no option and no bare choice: the nearest
 * name when there is one close enough, and what would be valid. */
static int unknown_word(const ParamValues *pv, const char *what, const char *word, Err *e)
{
    char opts[400] = "", bares[400] = "";
    size_t lo = 0, lb = 0;
    const char *near = NULL;
    const Param *near_bare = NULL;
    size_t best = strlen(word) < 4 ? 2 : 3;
    for (size_t k = 0; k < pv->n; k++) {
        const Param *p = pv->p[k];
        if (p->place == PARAM_OPTION) {
            put(opts, sizeof opts, &lo, lo ? ", " : "");
            put(opts, sizeof opts, &lo, p->name);
            size_t d = param_edit_distance(word, p->name);
            if (d < best) {
                best = d;
                near = p->name;
                near_bare = NULL;
            }
        } else if (p->place == PARAM_BARE) {
            char list[300];
            put(bares, sizeof bares, &lb, lb ? "; " : "");
            put(bares, sizeof bares, &lb, what_of(p));
            put(bares, sizeof bares, &lb, " ");
            put(bares, sizeof bares, &lb, param_choice_list(p, _(" or "), list, sizeof list));
            const char *c;
            for (size_t i = 0; (c = param_choice(p, i)) != NULL; i++) {
                size_t d = param_edit_distance(word, c);
                if (d < best) {
                    best = d;
                    near = c;
                    near_bare = p;
                }
            }
        }
    }
    if (near_bare) {
        char list[300];
        return err_set(e, _("bad %s '%s' (should be %s)"), what_of(near_bare), word,
                       param_choice_list(near_bare, _(" or "), list, sizeof list));
    }
    char hint[80] = "";
    if (near)
        snprintf(hint, sizeof hint, "; did you mean '%s'?", near);
    if (lo && lb)
        return err_set(e, _("%s has no option '%s' (should be an option: %s; or a word: %s)%s"),
                       what, word, opts, bares, hint);
    if (lo)
        return err_set(e, _("%s has no option '%s' (options: %s)%s"), what, word, opts, hint);
    if (lb)
        return err_set(e, _("bad word '%s' for %s (should be %s)"), word, what, bares);
    return err_set(e, _("%s takes no more words: '%s' is one too many"), what, word);
}

static void fill_defaults(ParamValues *pv)
{
    for (size_t k = 0; k < pv->n; k++) {
        ParamValue *v = &pv->v[k];
        const Param *p = pv->p[k];
        if (v->given || !p->def)
            continue;
        Err ignore;
        /* A default is declared valid; read it as if typed, keeping given 0. */
        if (read_value(p, p->def, v, &ignore) != 0)
            v->text = p->def;
    }
}

static int parse_by_name(ParamValues *pv, int argc, char **argv, const char *what, Err *e)
{
    for (int i = 0; i < argc; i++) {
        int k = -1;
        for (size_t j = 0; j < pv->n; j++)
            if (strcmp(pv->p[j]->name, argv[i]) == 0)
                k = (int)j;
        if (k < 0)
            return err_set(e, _("%s has no field '%s'"), what, argv[i]);
        const Param *p = pv->p[k];
        if (pv->v[k].given)
            return err_set(e, _("%s: field '%s' is given twice"), what, argv[i]);
        pv->v[k].given = 1;
        if (p->type == PARAM_FLAG) {
            read_value(p, argv[i], &pv->v[k], e);
            continue;
        }
        if (i + 1 >= argc)
            return err_set(e, _("%s: field '%s' has no value"), what, argv[i]);
        if (read_value(p, argv[++i], &pv->v[k], e) != 0)
            return -1;
    }
    for (size_t k = 0; k < pv->n; k++)
        if (pv->p[k]->place == PARAM_POS && !pv->p[k]->def && !pv->v[k].given &&
            pv->p[k]->type != PARAM_KEYWORD)
            return err_set(e, _("%s lacks its field '%s'"), what, pv->p[k]->name);
    return 0;
}

int params_parse(const Param *const *lists, size_t n_lists, int argc, char **argv, int by_name,
                 const char *what, ParamValues *out, Err *e)
{
    memset(out, 0, sizeof *out);
    for (size_t l = 0; l < n_lists; l++)
        for (const Param *p = lists[l]; p && p->name; p++) {
            if (out->n == PARAMS_MAX)
                return err_set(e, _("%s declares more than %d parameters"), what, PARAMS_MAX);
            out->p[out->n++] = p;
        }
    if (by_name) {
        if (parse_by_name(out, argc, argv, what, e) != 0)
            return -1;
        fill_defaults(out);
        return 0;
    }

    int i = 0;
    /* Positions, in the order the lists declare them. */
    for (size_t k = 0; k < out->n; k++) {
        const Param *p = out->p[k];
        ParamValue *v = &out->v[k];
        char meta[200];
        if (p->place == PARAM_POS) {
            if (i >= argc) {
                if (p->type == PARAM_KEYWORD)
                    return err_set(e, _("%s needs the word '%s' next"), what, p->name);
                return err_set(e, _("%s needs %s%s%s"), what, param_meta(p, meta, sizeof meta),
                               p->help ? ": " : "", p->help ? _(p->help) : "");
            }
            if (read_value(p, argv[i], v, e) != 0)
                return -1;
            v->given = 1;
            i++;
        } else if (p->place == PARAM_POS_OPT) {
            if (i >= argc)
                continue;
            /* When every other word comes in `name value` pairs, the word is here
             * exactly when the words left are odd in number (`plot "to" to x.png`);
             * otherwise it is taken when it looks like its value and is no option. */
            int pairs = !has_unpaired(out);
            int looks = looks_like(p, argv[i]) && find_option(out, argv[i]) < 0 &&
                        find_bare(out, argv[i]) < 0;
            if (pairs ? (argc - i) % 2 == 0 : !looks)
                continue;
            if (read_value(p, argv[i], v, e) != 0)
                return -1;
            v->given = 1;
            i++;
        } else if (p->place == PARAM_REST) {
            v->given = i < argc;
            v->first = i;
            v->count = argc - i;
            v->text = i < argc ? argv[i] : NULL;
            i = argc;
        }
    }
    /* Then options and bare words, in any order. */
    for (; i < argc; i++) {
        int k = find_option(out, argv[i]);
        int bare = k < 0 ? find_bare(out, argv[i]) : -1;
        if (k < 0 && bare < 0)
            return unknown_word(out, what, argv[i], e);
        if (bare >= 0) {
            ParamValue *v = &out->v[bare];
            if (v->given)
                return err_set(e, _("%s: two %ss, '%s' and '%s'; keep one"), what,
                               what_of(out->p[bare]), v->text, argv[i]);
            if (read_value(out->p[bare], argv[i], v, e) != 0)
                return -1;
            v->given = 1;
            continue;
        }
        const Param *p = out->p[k];
        ParamValue *v = &out->v[k];
        if (v->given)
            return err_set(e, _("%s: option '%s' is given twice; keep one"), what, argv[i]);
        v->given = 1;
        if (p->type == PARAM_FLAG) {
            read_value(p, argv[i], v, e);
            continue;
        }
        if (i + 1 >= argc) {
            char meta[200];
            return err_set(e, _("%s: option '%s' needs a value (%s %s)"), what, argv[i], argv[i],
                           param_meta(p, meta, sizeof meta));
        }
        if (read_value(p, argv[++i], v, e) != 0)
            return -1;
    }
    fill_defaults(out);
    return 0;
}

const ParamValue *params_get(const ParamValues *pv, const char *name)
{
    for (size_t k = 0; k < pv->n; k++)
        if (strcmp(pv->p[k]->name, name) == 0)
            return &pv->v[k];
    return NULL;
}

void params_store(const ParamValues *pv, void *target)
{
    for (size_t k = 0; k < pv->n; k++) {
        const Param *p = pv->p[k];
        const ParamValue *v = &pv->v[k];
        if (!p->field || !v->text)
            continue;
        char *at = (char *)target + (p->field - 1);
        switch (p->type) {
        case PARAM_FLAG:
        case PARAM_INT:
        case PARAM_CHOICE: {
            int x = (int)v->i;
            memcpy(at, &x, sizeof x);
            break;
        }
        case PARAM_REAL:
            memcpy(at, &v->x, sizeof v->x);
            break;
        case PARAM_DIMS:
            memcpy(at, v->d, sizeof(int) * (size_t)(v->nd > 0 ? v->nd : 0));
            break;
        default:
            break;
        }
    }
}

/* The value of p's field in target, as a word. */
static void field_word(const Param *p, const void *target, char *buf, size_t cap)
{
    const char *at = (const char *)target + (p->field - 1);
    int x, d[3];
    double r;
    buf[0] = '\0';
    switch (p->type) {
    case PARAM_FLAG:
    case PARAM_INT:
        memcpy(&x, at, sizeof x);
        snprintf(buf, cap, "%d", x);
        break;
    case PARAM_CHOICE: {
        memcpy(&x, at, sizeof x);
        const char *c = x >= 0 ? param_choice(p, (size_t)x) : NULL;
        snprintf(buf, cap, "%s", c ? c : "?");
        break;
    }
    case PARAM_REAL:
        memcpy(&r, at, sizeof r);
        snprintf(buf, cap, "%.9g", r);
        break;
    case PARAM_DIMS: {
        int n = p->dims > 0 ? p->dims : 1;
        memcpy(d, at, sizeof(int) * (size_t)n);
        size_t len = 0;
        for (int i = 0; i < n; i++) {
            char one[16];
            snprintf(one, sizeof one, "%s%d", i ? "x" : "", d[i]);
            put(buf, cap, &len, one);
        }
        break;
    }
    default:
        break;
    }
}

size_t params_format(const Param *params, const void *target, int skip_defaults, char *buf,
                     size_t cap)
{
    size_t len = strlen(buf) < cap ? strlen(buf) : 0;
    if (!len && cap)
        buf[0] = '\0';
    for (const Param *p = params; p && p->name; p++) {
        if (!p->field)
            continue;
        char word[64];
        field_word(p, target, word, sizeof word);
        if (skip_defaults && p->def && strcmp(word, p->def) == 0)
            continue;
        if (p->type == PARAM_FLAG) {
            if (word[0] == '0')
                continue;
            put(buf, cap, &len, len ? " " : "");
            put(buf, cap, &len, p->name);
            continue;
        }
        put(buf, cap, &len, len ? " " : "");
        put(buf, cap, &len, p->name);
        put(buf, cap, &len, " ");
        put(buf, cap, &len, word);
    }
    return len;
}
