/* args.c: reading numbers, choices, dimensions and `name value` options from a
 * command's words, with errors that name the argument and what would be valid. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "untangle/session/shell.h"

int arg_long(Shell *sh, const char *what, const char *text, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno == ERANGE) {
        sh_error(sh, "bad %s '%s' (should be a whole number from %ld to %ld)", what, text, lo, hi);
        return -1;
    }
    if (v < lo || v > hi) {
        sh_error(sh, "%s %ld is out of range (should be from %ld to %ld)", what, v, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

int arg_double(Shell *sh, const char *what, const char *text, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno == ERANGE || !isfinite(v)) {
        sh_error(sh, "bad %s '%s' (should be a number from %g to %g)", what, text, lo, hi);
        return -1;
    }
    if (v < lo || v > hi) {
        sh_error(sh, "%s %g is out of range (should be from %g to %g)", what, v, lo, hi);
        return -1;
    }
    *out = v;
    return 0;
}

/* "a, b or c" into buf. */
static void join_choices(const char *const *choices, char *buf, size_t cap)
{
    size_t n = 0, len = 0;
    while (choices[n])
        n++;
    buf[0] = '\0';
    for (size_t i = 0; i < n && len + 1 < cap; i++) {
        const char *sep = i == 0 ? "" : (i + 1 == n ? " or " : ", ");
        int w = snprintf(buf + len, cap - len, "%s%s", sep, choices[i]);
        if (w < 0)
            break;
        len += (size_t)w;
    }
}

int arg_choice(Shell *sh, const char *what, const char *text, const char *const *choices)
{
    for (int i = 0; choices[i]; i++)
        if (strcmp(text, choices[i]) == 0)
            return i;
    char list[400];
    join_choices(choices, list, sizeof list);
    sh_error(sh, "bad %s '%s' (should be %s)", what, text, list);
    return -1;
}

/* Parses "AxB[xC]" into up to 3 positive numbers; returns how many, or -1. */
static int parse_dims(const char *text, long hi, long *v, int max)
{
    int n = 0;
    const char *p = text;
    while (n < max) {
        char *end;
        errno = 0;
        long x = strtol(p, &end, 10);
        if (end == p || errno == ERANGE || x < 1 || x > hi)
            return -1;
        v[n++] = x;
        if (*end == '\0')
            return n;
        if (*end != 'x' && *end != 'X')
            return -1;
        p = end + 1;
    }
    return -1;
}

int arg_dims2(Shell *sh, const char *what, const char *text, long hi, long *a, long *b)
{
    long v[2];
    if (parse_dims(text, hi, v, 2) != 2) {
        sh_error(sh, "bad %s '%s' (should be two sizes like 5x5, each 1 to %ld)", what, text, hi);
        return -1;
    }
    *a = v[0];
    *b = v[1];
    return 0;
}

int arg_dims3(Shell *sh, const char *what, const char *text, long hi, long *a, long *b, long *c)
{
    long v[3];
    if (parse_dims(text, hi, v, 3) != 3) {
        sh_error(sh, "bad %s '%s' (should be three sizes like 28x28x1, each 1 to %ld)", what, text,
                 hi);
        return -1;
    }
    *a = v[0];
    *b = v[1];
    *c = v[2];
    return 0;
}

static int spec_index(const OptSpec *specs, const char *name)
{
    for (int i = 0; specs[i].name; i++)
        if (strcmp(specs[i].name, name) == 0)
            return i;
    return -1;
}

int opts_parse(Shell *sh, const char *cmd, int argc, char **argv, int start,
               const OptSpec *specs, Opts *o)
{
    memset(o, 0, sizeof *o);
    o->specs = specs;
    for (int i = start; i < argc; i++) {
        int k = spec_index(specs, argv[i]);
        if (k < 0) {
            const char *names[OPTS_MAX + 1];
            int n = 0;
            for (; specs[n].name && n < OPTS_MAX; n++)
                names[n] = specs[n].name;
            names[n] = NULL;
            char list[400];
            join_choices(names, list, sizeof list);
            if (n == 0)
                sh_error(sh, "%s takes no option '%s'; see `help %s`", cmd, argv[i], cmd);
            else
                sh_error(sh, "%s has no option '%s' (options: %s); see `help %s`", cmd, argv[i],
                         list, cmd);
            return -1;
        }
        if (k >= OPTS_MAX) {
            sh_error(sh, "%s: too many options in its table", cmd);
            return -1;
        }
        if (o->present[k]) {
            sh_error(sh, "%s: option '%s' is given twice; keep one", cmd, argv[i]);
            return -1;
        }
        o->present[k] = 1;
        if (specs[k].takes_value) {
            if (i + 1 >= argc) {
                sh_error(sh, "%s: option '%s' needs a value; see `help %s`", cmd, argv[i], cmd);
                return -1;
            }
            o->value[k] = argv[++i];
        }
    }
    return 0;
}

const char *opts_get(const Opts *o, const char *name)
{
    int k = spec_index(o->specs, name);
    return k >= 0 && o->present[k] ? o->value[k] : NULL;
}

int opts_has(const Opts *o, const char *name)
{
    int k = spec_index(o->specs, name);
    return k >= 0 && o->present[k];
}

int opts_long(Shell *sh, const Opts *o, const char *name, long lo, long hi, long *out)
{
    const char *v = opts_get(o, name);
    return v ? arg_long(sh, name, v, lo, hi, out) : 0;
}

int opts_double(Shell *sh, const Opts *o, const char *name, double lo, double hi, double *out)
{
    const char *v = opts_get(o, name);
    return v ? arg_double(sh, name, v, lo, hi, out) : 0;
}
