/* complete.c: what tab completion offers at a place in a command line, from the
 * specs: sub-commands where a sub-command goes, a position's choices where that
 * position is, an option's values right after the option, and otherwise the
 * options not yet given. */
#include <string.h>

#include "untangle/commands/commands.h"

static void offer(CmdCompletion *out, const char *w)
{
    if (w && out->n < CMD_COMPLETE_MAX)
        out->words[out->n++] = w;
}

/* The values of p: its choices, its keyword, or the files it wants. */
static void offer_values(CmdCompletion *out, const Param *p)
{
    const char *c;
    if (p->type == PARAM_KEYWORD)
        offer(out, p->name);
    for (size_t i = 0; (c = param_choice(p, i)) != NULL; i++)
        offer(out, c);
    if (p->complete != PARAM_COMPLETE_NONE)
        out->also = p->complete;
}

static void offer_subs(CmdCompletion *out, const CmdSpec *c)
{
    for (size_t i = 0; c->subs && c->subs[i]; i++)
        offer(out, c->subs[i]->name);
    CmdVariant v;
    for (size_t i = 0; c->variant && c->variant(i, &v); i++)
        offer(out, v.name);
}

/* Walks words[*i..n) down the sub-commands and the variant of *c. Returns 1 when
 * the cursor is where a sub-command or variant name goes (offered then). */
static int walk_subs(const CmdSpec **c, CmdVariant *v, int n, char **words, int *i,
                     CmdCompletion *out)
{
    while ((*c)->subs) {
        const CmdSpec *sub = NULL;
        for (size_t k = 0; *i < n && (*c)->subs[k]; k++)
            if (strcmp((*c)->subs[k]->name, words[*i]) == 0)
                sub = (*c)->subs[k];
        if (sub) {
            *c = sub;
            (*i)++;
            continue;
        }
        if (*i == n) {
            offer_subs(out, *c);
            return !(*c)->handler; /* `predict ` also takes its own words */
        }
        if ((*c)->handler)
            break;
        return 1; /* a bad sub-command: nothing to offer */
    }
    if ((*c)->variant && (*c)->variant_option) {
        const char *name = (*c)->variant_default;
        for (int k = *i; k + 1 < n; k++)
            if (strcmp(words[k], (*c)->variant_option) == 0)
                name = words[k + 1];
        CmdVariant x;
        for (size_t k = 0; name && (*c)->variant(k, &x); k++)
            if (strcmp(x.name, name) == 0) {
                *v = x;
                break;
            }
        return 0;
    }
    if ((*c)->variant) {
        if (*i == n) {
            offer_subs(out, *c);
            return 1;
        }
        CmdVariant x;
        int found = 0;
        for (size_t k = 0; (*c)->variant(k, &x); k++)
            if (strcmp(x.name, words[*i]) == 0) {
                *v = x;
                found = 1;
                break;
            }
        if (!found)
            return 1;
        (*i)++;
    }
    return 0;
}

static int is_option(const Param *const *ps, size_t np, const char *w, size_t *k)
{
    for (size_t j = 0; j < np; j++)
        if (ps[j]->place == PARAM_OPTION && strcmp(ps[j]->name, w) == 0) {
            *k = j;
            return 1;
        }
    return 0;
}

static int is_bare(const Param *const *ps, size_t np, const char *w, size_t *k)
{
    for (size_t j = 0; j < np; j++)
        if (ps[j]->place == PARAM_BARE && param_choice_index(ps[j], w) >= 0) {
            *k = j;
            return 1;
        }
    return 0;
}

void cmd_complete(int n, char **words, CmdCompletion *out)
{
    memset(out, 0, sizeof *out);
    if (n == 0) {
        for (const CmdSpec *const *c = cmd_table; *c; c++)
            offer(out, (*c)->name);
        return;
    }
    const CmdSpec *c = cmd_find(words[0]);
    if (!c)
        return;
    int i = 1;
    CmdVariant v = {0};
    /* `help TOPIC...`: the topic is a command path */
    if (c->params && c->params[0].complete == PARAM_COMPLETE_COMMAND) {
        if (n == 1) {
            cmd_complete(0, NULL, out);
            return;
        }
        c = cmd_find(words[1]);
        i = 2;
        if (c) /* only names are offered after help */
            walk_subs(&c, &v, n, words, &i, out);
        return;
    }
    if (walk_subs(&c, &v, n, words, &i, out))
        return;

    const Param *ps[PARAMS_MAX];
    size_t np = 0;
    const Param *lists[2] = {v.params, c->params};
    for (int l = 0; l < 2; l++)
        for (const Param *p = lists[l]; p && p->name && np < PARAMS_MAX; p++)
            ps[np++] = p;
    int given[PARAMS_MAX] = {0};

    /* positions first, as the parser reads them */
    for (size_t k = 0; k < np; k++) {
        const Param *p = ps[k];
        size_t o;
        if (p->place == PARAM_POS) {
            if (i >= n) {
                offer_values(out, p);
                return;
            }
            given[k] = 1;
            i++;
        } else if (p->place == PARAM_POS_OPT && i < n && !is_option(ps, np, words[i], &o) &&
                   !is_bare(ps, np, words[i], &o)) {
            given[k] = 1;
            i++;
        } else if (p->place == PARAM_REST) {
            offer_values(out, p);
            return;
        }
    }
    for (; i < n; i++) {
        size_t k;
        if (is_option(ps, np, words[i], &k)) {
            given[k] = 1;
            if (ps[k]->type == PARAM_FLAG)
                continue;
            if (i + 1 == n) { /* the cursor is at this option's value */
                offer_values(out, ps[k]);
                return;
            }
            i++;
        } else if (is_bare(ps, np, words[i], &k)) {
            given[k] = 1;
        }
    }
    for (size_t k = 0; k < np; k++) {
        if (given[k])
            continue;
        if (ps[k]->place == PARAM_POS_OPT || ps[k]->place == PARAM_BARE)
            offer_values(out, ps[k]);
        else if (ps[k]->place == PARAM_OPTION)
            offer(out, ps[k]->name);
    }
}
