/* expect.c: `expect`, the checks a lesson makes on what the commands before it
 * did: a figure compared with a value (`expect accuracy > 0.91`), or the state of
 * the session (`expect model == dense 10 softmax`, `expect compiled`, `expect
 * data mnist`, `expect embedding`, `expect file out/m.model`...).
 *
 * Every check is evaluated by cmd_expect_eval, which prints nothing and says in
 * words what the session has and what the check wants: the command prints that
 * as its error, and learn mode tells the student after each command what is
 * still missing, without showing what to type. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "untangle/core/i18n.h"
#include "untangle/commands/commands.h"
#include "untangle/nn/nn.h"

/* ---- figures ---- */

static int eq(double a, double b) { return a == b; }
static int ne(double a, double b) { return a != b; }
static int lt(double a, double b) { return a < b; }
static int le(double a, double b) { return a <= b; }
static int gt(double a, double b) { return a > b; }
static int ge(double a, double b) { return a >= b; }
static int near(double a, double b) { return fabs(a - b) <= 0.01 * fmax(fabs(a), fabs(b)); }

typedef struct Comparison {
    const char *name;          /* first: the Param's choice table reads it */
    int (*holds)(double value, double want);
} Comparison;

static const Comparison comparisons[] = {
    {"==", eq}, {"!=", ne}, {"<", lt}, {"<=", le}, {">", gt}, {">=", ge}, {"~", near},
    {NULL, NULL},
};

/* What a check says of a figure measured on the model before its last change:
 * it holds no more, whatever its value. */
static const char *stale_figure(void)
{
    return _("the model was changed since its last evaluation: evaluate it");
}

static int figure_eval(Shell *sh, const CmdArgs *a, ExpectResult *r)
{
    double value, want;
    const char *name = cmd_text(a, "figure"), *op = cmd_text(a, "op");
    const char *wanted = cmd_text(a, "value");
    /* The value is a number, or another figure: `expect nh_cnn > nh_mlp`. */
    if (sh_figure(sh, wanted, &want) == SH_FIGURE_STALE) {
        /* compared with a figure of the model before: no verdict either way */
        snprintf(r->want, sizeof r->want, "%s %s %s", name, op, wanted);
        snprintf(r->have, sizeof r->have, "%s", stale_figure());
        return CMD_OK;
    }
    if (sh_figure(sh, wanted, &want) != 0 &&
        arg_double(sh, _("expected value (a number or a figure's name)"), wanted, -1e300, 1e300,
                   &want) != 0)
        return CMD_ERR;
    if (cmd_given(a, "quick") && sh->quick)
        want = cmd_real(a, "quick");
    snprintf(r->want, sizeof r->want, "%s %s %g", name, op, want);
    r->wanted = want;
    int found = sh_figure(sh, name, &value);
    if (found == SH_FIGURE_STALE) {
        snprintf(r->have, sizeof r->have, "%s", stale_figure());
        return CMD_OK;
    }
    if (found != 0) {
        r->missing = 1;
        snprintf(r->have, sizeof r->have, _("no command has reported %s yet"), name);
        return CMD_OK;
    }
    r->value = value;
    r->holds = comparisons[cmd_index(a, "op")].holds(value, want);
    snprintf(r->have, sizeof r->have, _("%s is %.6g"), name, value);
    return CMD_OK;
}

/* ---- the model's layers ---- */

#define MODEL_WANT_MAX 32

/* One layer a check wants: a kind, a size (units, filters; -1: any) and an
 * activation (-1: any). */
typedef struct WantLayer {
    const char *kind;
    long size;
    int act;
} WantLayer;

static int act_index(const char *w)
{
    for (int k = 0; nn_act_names[k]; k++)
        if (strcmp(nn_act_names[k], w) == 0)
            return k;
    return -1;
}

static int is_number(const char *w)
{
    return w[0] && strspn(w, "0123456789") == strlen(w) && strlen(w) < 9;
}

/* "dense 10 softmax maxpool relu" into layers; the words as `model add` takes
 * them, an activation after dense being a layer of its own as there. */
static int parse_layers(Shell *sh, int n, char **words, WantLayer *out, size_t *count)
{
    /* "conv2d 4 relu, maxpool": a comma ends a layer, for the reader only */
    char copy[MODEL_WANT_MAX * 2][32];
    char *w[MODEL_WANT_MAX * 2];
    if (n > MODEL_WANT_MAX * 2)
        return sh_error(sh, _("expect model: at most %d words"), MODEL_WANT_MAX * 2);
    for (int i = 0; i < n; i++) {
        snprintf(copy[i], sizeof copy[i], "%s", words[i]);
        size_t len = strlen(copy[i]);
        if (len > 1 && copy[i][len - 1] == ',')
            copy[i][len - 1] = '\0';
        w[i] = copy[i];
    }
    size_t k = 0;
    for (int i = 0; i < n; i++) {
        if (strcmp(w[i], "then") == 0 || strcmp(w[i], ",") == 0)
            continue;
        if (k + 2 > MODEL_WANT_MAX)
            return sh_error(sh, _("expect model: at most %d layers"), MODEL_WANT_MAX - 2);
        const NnLayerAbout *t = nn_layer_find(w[i]);
        int act = act_index(w[i]);
        if (strcmp(w[i], "activation") == 0) {
            act = i + 1 < n ? act_index(w[i + 1]) : -1;
            if (act < 0)
                return sh_error(sh, _("expect model: `activation` needs its function after it "
                                    "(softmax, relu, sigmoid, tanh, linear)"));
            out[k++] = (WantLayer){"activation", -1, act};
            i++;
        } else if (t) {
            WantLayer l = {t->name, -1, -1};
            int sized = strcmp(t->name, "dense") == 0 || strcmp(t->name, "conv2d") == 0;
            if (sized && i + 1 < n && is_number(w[i + 1]))
                l.size = atol(w[++i]);
            int a = i + 1 < n ? act_index(w[i + 1]) : -1;
            if (sized && a >= 0) {
                i++;
                if (strcmp(t->name, "conv2d") == 0)
                    l.act = a;
                else
                    l.act = NN_ACT_LINEAR;
            }
            out[k++] = l;
            if (a >= 0 && strcmp(t->name, "dense") == 0)
                out[k++] = (WantLayer){"activation", -1, a};
        } else if (act >= 0) {
            out[k++] = (WantLayer){"activation", -1, act};
        } else {
            return sh_error(sh, _("expect model: '%s' is no layer (should be a layer as `model add` "
                                "takes it, dense 10, conv2d 32 relu, maxpool, flatten..., or an "
                                "activation: softmax, relu...)"),
                            w[i]);
        }
    }
    if (k == 0)
        return sh_error(sh, _("expect model == needs the layers: `expect model == dense 10 softmax`"));
    *count = k;
    return 0;
}

static void put(char *buf, size_t cap, size_t *len, const char *s)
{
    if (*len < cap) {
        int n = snprintf(buf + *len, cap - *len, "%s", s);
        *len += n > 0 ? (size_t)n : 0;
    }
}

static void describe_want(const WantLayer *l, char *buf, size_t cap)
{
    if (strcmp(l->kind, "activation") == 0 && l->act >= 0) {
        snprintf(buf, cap, "%s", nn_act_names[l->act]);
        return;
    }
    if (l->size >= 0 && l->act > 0)
        snprintf(buf, cap, "%s %ld %s", l->kind, l->size, nn_act_names[l->act]);
    else if (l->size >= 0)
        snprintf(buf, cap, "%s %ld", l->kind, l->size);
    else
        snprintf(buf, cap, "%s", l->kind);
}

/* A model's layer in the words of a check: "dense 10", "softmax", "conv2d 32 relu". */
static void describe_layer(const Model *m, size_t i, char *buf, size_t cap)
{
    const NnLayerSpec *s = model_layer_spec(m, i);
    WantLayer l = {s->kind, -1, -1};
    if (nn_kind_is(s, "dense"))
        l.size = s->units;
    else if (nn_kind_is(s, "conv2d"))
        l.size = s->filters, l.act = s->act;
    else if (nn_kind_is(s, "activation"))
        l.act = s->act;
    describe_want(&l, buf, cap);
}

static int layer_matches(const Model *m, size_t i, const WantLayer *w)
{
    const NnLayerSpec *s = model_layer_spec(m, i);
    if (!nn_kind_is(s, w->kind))
        return 0;
    if (nn_kind_is(s, "dense") && w->size >= 0 && s->units != w->size)
        return 0;
    if (nn_kind_is(s, "conv2d") && ((w->size >= 0 && s->filters != w->size) ||
                                    (w->act >= 0 && (int)s->act != w->act)))
        return 0;
    if (nn_kind_is(s, "activation") && w->act >= 0 && (int)s->act != w->act)
        return 0;
    return 1;
}

static int model_eval(Shell *sh, const CmdArgs *a, ExpectResult *r)
{
    int n;
    char **words = cmd_rest(a, "layers", &n);
    WantLayer want[MODEL_WANT_MAX];
    size_t nw = 0, len = 0;
    if (parse_layers(sh, n, words, want, &nw) != 0)
        return CMD_ERR;
    char one[96];
    for (size_t i = 0; i < nw; i++) {
        describe_want(&want[i], one, sizeof one);
        put(r->want, sizeof r->want, &len, i == 0 ? "" : i + 1 == nw ? _(" then ") : ", ");
        put(r->want, sizeof r->want, &len, one);
    }
    const Model *m = sh->model;
    if (!m) {
        snprintf(r->have, sizeof r->have, _("there is no model yet"));
        return CMD_OK;
    }
    r->holds = m->n_layers == nw;
    for (size_t i = 0; r->holds && i < nw; i++)
        r->holds = layer_matches(m, i, &want[i]);
    len = 0;
    if (m->n_layers == 0) {
        put(r->have, sizeof r->have, &len, _("the model has no layer"));
        return CMD_OK;
    }
    snprintf(r->have, sizeof r->have, _("the model has %zu layer%s: "), m->n_layers,
             m->n_layers == 1 ? "" : "s");
    len = strlen(r->have);
    for (size_t i = 0; i < m->n_layers; i++) {
        describe_layer(m, i, one, sizeof one);
        put(r->have, sizeof r->have, &len, i == 0 ? "" : i + 1 == m->n_layers ? _(" then ") : ", ");
        put(r->have, sizeof r->have, &len, one);
    }
    return CMD_OK;
}

/* ---- the rest of the session ---- */

/* The same learning rate, as typed: 0.5 and 0.50 are one, 0.5 and 5 are not. */
static int same_lr(double a, double b)
{
    return fabs(a - b) <= 1e-9 * fmax(fabs(a), fabs(b));
}

static int compiled_eval(Shell *sh, const CmdArgs *a, ExpectResult *r)
{
    const char *opt = cmd_text(a, "optimizer");
    int with_lr = cmd_given(a, "lr");
    double lr = with_lr ? cmd_real(a, "lr") : 0;
    char with[96] = ""; /* "sgd", "sgd lr 0.5", "lr 0.5" */
    if (opt)
        snprintf(with, sizeof with, "%s", opt);
    if (with_lr)
        snprintf(with + strlen(with), sizeof with - strlen(with), "%slr %g", opt ? " " : "", lr);
    snprintf(r->want, sizeof r->want, _("the model compiled%s%s"), with[0] ? _(" with ") : "",
             with);
    if (!sh->model) {
        snprintf(r->have, sizeof r->have, _("there is no model yet"));
        return CMD_OK;
    }
    if (!sh->model->compile.compiled) {
        snprintf(r->have, sizeof r->have, _("the model is not compiled"));
        return CMD_OK;
    }
    const NnOptimizer *o = &sh->model->compile.opt;
    snprintf(r->have, sizeof r->have, _("the model is compiled with %s lr %g"), o->name, o->lr);
    r->holds = (!opt || strcmp(o->name, opt) == 0) && (!with_lr || same_lr(o->lr, lr));
    return CMD_OK;
}

static int trained_eval(Shell *sh, const CmdArgs *a, ExpectResult *r)
{
    long epochs = cmd_given(a, "epochs") ? cmd_long(a, "epochs") : 1;
    if (sh->quick && epochs > SH_QUICK_EPOCHS)
        epochs = SH_QUICK_EPOCHS;
    snprintf(r->want, sizeof r->want, _("the model trained for %ld epoch%s at least"), epochs,
             epochs == 1 ? "" : "s");
    if (!sh->model) {
        snprintf(r->have, sizeof r->have, _("there is no model yet"));
        return CMD_OK;
    }
    long done = sh->model->epochs_trained;
    r->holds = done >= epochs;
    if (done == 0)
        snprintf(r->have, sizeof r->have, _("the model was not trained yet"));
    else
        snprintf(r->have, sizeof r->have, _("the model trained for %ld epoch%s"), done,
                 done == 1 ? "" : "s");
    return CMD_OK;
}

static int data_eval(Shell *sh, const CmdArgs *a, ExpectResult *r)
{
    const char *name = cmd_text(a, "name");
    if (name && strcmp(name, "loaded") == 0)
        name = NULL;
    snprintf(r->want, sizeof r->want, _("%s loaded"), name ? name : _("the data"));
    if (!sh->data_name[0])
        snprintf(r->have, sizeof r->have, _("no data is loaded"));
    else
        snprintf(r->have, sizeof r->have, _("%s is loaded"), sh->data_name);
    r->holds = sh->data_name[0] && (!name || strcmp(name, sh->data_name) == 0);
    return CMD_OK;
}

static int embedding_eval(Shell *sh, const CmdArgs *a, ExpectResult *r)
{
    (void)a;
    snprintf(r->want, sizeof r->want, _("a 2-D embedding (tsne or pca)"));
    r->holds = sh->embedding.n > 0;
    if (r->holds)
        snprintf(r->have, sizeof r->have, _("the embedding holds %zu points (%s)"), sh->embedding.n,
                 sh->embedding.name);
    else
        snprintf(r->have, sizeof r->have, _("there is no embedding yet"));
    return CMD_OK;
}

static int features_eval(Shell *sh, const CmdArgs *a, ExpectResult *r)
{
    (void)a;
    snprintf(r->want, sizeof r->want, _("features predicted by the model"));
    r->holds = sh->features.n > 0 && sh->features.model == sh->model_serial;
    if (sh->features.n > 0 && !r->holds)
        snprintf(r->have, sizeof r->have,
                 _("the model was changed since the features were predicted: predict them again"));
    else if (r->holds)
        snprintf(r->have, sizeof r->have, _("%zu feature vectors of %zu values (%s)"),
                 sh->features.n, sh->features.d, sh->features.name);
    else
        snprintf(r->have, sizeof r->have, _("no features were predicted yet"));
    return CMD_OK;
}

/* A name without '/' is looked for in the output folder first, then in the current
 * folder, as `model load` does: a lesson checks `expect file mlp.model` after
 * `model save mlp` whatever folder `set output` chose. */
static const char *file_place(const Shell *sh, const char *name, char *buf, size_t cap)
{
    struct stat st;
    if (strchr(name, '/'))
        return name;
    int w = snprintf(buf, cap, "%s/%s", sh->output_dir, name);
    if (w > 0 && (size_t)w < cap && stat(buf, &st) == 0)
        return buf;
    return name;
}

static int file_eval(Shell *sh, const CmdArgs *a, ExpectResult *r)
{
    char buf[SH_PATH_MAX + 256];
    const char *path = file_place(sh, cmd_text(a, "path"), buf, sizeof buf);
    struct stat st;
    snprintf(r->want, sizeof r->want, _("the file %s"), path);
    if (stat(path, &st) != 0)
        snprintf(r->have, sizeof r->have, _("there is no file %s"), path);
    else if (!S_ISREG(st.st_mode) || st.st_size == 0)
        snprintf(r->have, sizeof r->have, _("%s is empty or not a regular file"), path);
    else {
        r->holds = 1;
        snprintf(r->have, sizeof r->have, _("%s holds %lld bytes"), path, (long long)st.st_size);
    }
    return CMD_OK;
}

/* ---- the command ---- */

static int expect_run(Shell *sh, const CmdArgs *a);

static const Param model_params[] = {
    {.name = "==", .type = PARAM_KEYWORD, .place = PARAM_POS},
    {.name = "layers", .type = PARAM_WORD, .place = PARAM_REST, .meta = N_("LAYER"),
     .help = N_("the layers in order, as `model add` takes them: dense 10 softmax")},
    {0},
};
static const Param compiled_params[] = {
    {.name = "optimizer", .type = PARAM_WORD, .place = PARAM_POS_OPT, .meta = N_("OPTIMIZER"),
     .help = N_("with this optimiser (sgd, momentum, adam)")},
    {.name = "lr", .type = PARAM_REAL, .lo = 0, .hi = 1e6, .meta = "RATE",
     .what = N_("learning rate"), .help = N_("with this learning rate")},
    {0},
};
static const Param trained_params[] = {
    {.name = "epochs", .type = PARAM_INT, .place = PARAM_POS_OPT, .lo = 1, .hi = 1000000,
     .meta = N_("EPOCHS"), .help = N_("for that many epochs at least (capped in quick replays)")},
    {0},
};
static const Param data_params[] = {
    {.name = "name", .type = PARAM_WORD, .place = PARAM_POS_OPT, .meta = N_("NAME"),
     .help = N_("mnist or fashion; `loaded` or nothing: any")},
    {0},
};
static const Param file_params[] = {
    {.name = "path", .type = PARAM_WORD, .place = PARAM_POS, .meta = N_("FILE"),
     .complete = PARAM_COMPLETE_FILE, .help = N_("a file that must exist and not be empty; a name without '/' is looked for in the output folder, then here")},
    {0},
};

static const CmdSpec expect_model_spec = {
    .name = "model", .summary = N_("the model has these layers, in order"),
    .params = model_params, .handler = expect_run};
static const CmdSpec expect_compiled_spec = {
    .name = "compiled", .summary = N_("the model is compiled"), .params = compiled_params,
    .handler = expect_run};
static const CmdSpec expect_trained_spec = {
    .name = "trained", .summary = N_("the model was trained"), .params = trained_params,
    .handler = expect_run};
static const CmdSpec expect_data_spec = {
    .name = "data", .summary = N_("data is loaded"), .params = data_params, .handler = expect_run};
static const CmdSpec expect_embedding_spec = {
    .name = "embedding", .summary = N_("a 2-D embedding was computed (tsne, pca)"),
    .handler = expect_run};
static const CmdSpec expect_features_spec = {
    .name = "features", .summary = N_("features were predicted (`predict`)"),
    .handler = expect_run};
static const CmdSpec expect_file_spec = {
    .name = "file", .summary = N_("a file was written"), .params = file_params,
    .handler = expect_run};

static const CmdSpec *const expect_subs[] = {
    &expect_model_spec, &expect_compiled_spec, &expect_trained_spec, &expect_data_spec,
    &expect_embedding_spec, &expect_features_spec, &expect_file_spec, NULL,
};

/* Which evaluation each form of the command runs. */
static const struct {
    const CmdSpec *spec;
    int (*eval)(Shell *sh, const CmdArgs *a, ExpectResult *r);
} evals[] = {
    {&cmd_expect_spec, figure_eval},         {&expect_model_spec, model_eval},
    {&expect_compiled_spec, compiled_eval},  {&expect_trained_spec, trained_eval},
    {&expect_data_spec, data_eval},          {&expect_embedding_spec, embedding_eval},
    {&expect_features_spec, features_eval},  {&expect_file_spec, file_eval},
};

int cmd_expect_eval(Shell *sh, const CmdArgs *a, ExpectResult *r)
{
    memset(r, 0, sizeof *r);
    for (size_t i = 0; i < sizeof evals / sizeof evals[0]; i++)
        if (evals[i].spec == a->cmd)
            return evals[i].eval(sh, a, r);
    return sh_error(sh, _("%s is no check"), a->path);
}

static int expect_run(Shell *sh, const CmdArgs *a)
{
    ExpectResult r;
    if (cmd_expect_eval(sh, a, &r) != CMD_OK)
        return CMD_ERR;
    if (r.missing) {
        const char *name = cmd_text(a, "figure");
        char names[300] = "";
        size_t len = 0;
        for (size_t i = 0; i < sh->n_figures && len + 60 < sizeof names; i++)
            len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", i ? ", " : "",
                                    sh->figures[i].name);
        return sh_error(sh, _("expect: no figure '%s' was reported yet%s%s"), name,
                        sh->n_figures ? _("; reported: ") : _(" (run the command that computes it first)"),
                        names);
    }
    if (!r.holds) {
        if (a->cmd == &cmd_expect_spec)
            return sh_error(sh, _("expect %s failed: %s"), r.want, r.have);
        return sh_error(sh, _("%s failed: %s; wanted: %s"), a->path, r.have, r.want);
    }
    if (a->cmd == &cmd_expect_spec)
        sh_printf(sh, _("ok: %s = %.6g %s %g\n"), cmd_text(a, "figure"), r.value, cmd_text(a, "op"),
                  r.wanted);
    else
        sh_printf(sh, _("ok: %s\n"), r.have);
    return CMD_OK;
}

static const Param expect_params[] = {
    {.name = "figure", .type = PARAM_WORD, .place = PARAM_POS, .meta = N_("NAME"),
     .complete = PARAM_COMPLETE_FIGURE, .help = N_("a figure a command reported (`figures`)")},
    {.name = "op", .type = PARAM_CHOICE, .place = PARAM_POS, .choice_table = comparisons,
     .choice_stride = sizeof comparisons[0], .what = N_("comparison"),
     .help = N_("~ allows 1% relative difference")},
    {.name = "value", .type = PARAM_WORD, .place = PARAM_POS, .meta = N_("VALUE"),
     .complete = PARAM_COMPLETE_FIGURE, .help = N_("a number, or another figure's name")},
    {.name = "quick", .type = PARAM_REAL, .lo = -1e300, .hi = 1e300, .meta = N_("VALUE"),
     .what = N_("quick value"), .help = N_("the value in quick replays on subsets")},
    {0},
};

const CmdSpec cmd_expect_spec = {
    .name = "expect",
    .summary = N_("check a figure or the session's state (lessons check themselves)"),
    .help = N_("Compares a figure the last commands reported (`figures` lists them: accuracy, "
            "loss, params, nh...) with a value or with another figure (`expect nh > nh_raw`), "
            "or checks the session: `expect model == dense 10 softmax` (the layers in order), "
            "`expect compiled [OPTIMIZER] [lr RATE]`, `expect trained [EPOCHS]`, `expect data [NAME]`, "
            "`expect embedding`, `expect features`, `expect file FILE`. Fails with the place in "
            "the lesson when the check is false. A figure measured on the model (by fit, "
            "evaluate, show confusion...) holds only until the model changes (model new, add, "
            "pop, load, compile, fit): then the check fails until it is measured again. The "
            "`expect` lines of an exercise are what learn mode checks after each command the "
            "student types."),
    .params = expect_params,
    .handler = expect_run,
    .subs = expect_subs,
};
