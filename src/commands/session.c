/* session.c: the session commands: set, keep, need, figures, echo, help, quit. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "untangle/commands/commands.h"
#include "untangle/core/blas.h"
#include "untangle/core/i18n.h"
#include "untangle/render/markdown.h"

/* ---- set ---- */

static int set_seed_run(Shell *sh, const CmdArgs *a)
{
    long seed = cmd_long(a, "seed");
    sh->seed = (uint64_t)seed;
    rng_seed(&sh->rng, sh->seed);
    sh_printf(sh, _("seed %ld\n"), seed);
    return CMD_OK;
}

static int set_threads_run(Shell *sh, const CmdArgs *a)
{
    long t = cmd_long(a, "threads");
    sh->threads = (int)t;
    blas_set_threads((int)t);
    sh_printf(sh, _("threads %ld\n"), t);
    return CMD_OK;
}

/* Says what `set term` set, and what the terminal answered when a pixel mode is
 * wanted: a mode it did not answer to draws escapes that show nothing. */
static int set_term_run(Shell *sh, const CmdArgs *a)
{
    TermMode want = (TermMode)cmd_index(a, "mode");
    sh->term = want;
    TermTarget t;
    TermMode got = sh_term_target(sh, &t);
    const TermCaps *caps = &sh->term_caps;
    int tmux = getenv("TMUX") != NULL;
    const char *inside = tmux ? _(" (tmux does not pass pictures on to the terminal)") : "";
    if (want == TERM_NONE) {
        sh_printf(sh, _("term none: pictures go to files only\n"));
    } else if (!sh_term_stream(sh)) {
        sh_printf(sh, _("term auto: the output is not a terminal, so pictures go to files only\n"));
    } else if (want != TERM_AUTO) {
        sh_printf(sh, _("term %s\n"), term_mode_names[want]);
        if (caps->probed && !caps->answered && (want == TERM_KITTY || want == TERM_SIXEL))
            sh_printf(sh, _("the terminal did not answer in %.1f s: it may not show %s pictures; "
                          "`set term blocks` draws them with characters\n"),
                      TERM_PROBE_TIMEOUT_MS / 1000.0, term_mode_names[want]);
        else if (caps->answered && want == TERM_KITTY && !caps->kitty)
            sh_printf(sh, _("the terminal does not answer kitty's graphics query%s: pictures may "
                          "not show; `set term blocks` draws them with characters\n"), inside);
        else if (caps->answered && want == TERM_SIXEL && !caps->sixel)
            sh_printf(sh, _("the terminal does not list sixel graphics in its attributes%s: "
                          "pictures may not show; `set term blocks` draws them with "
                          "characters\n"), inside);
    } else if (got == TERM_KITTY) {
        sh_printf(sh, _("term auto: kitty graphics (the terminal answered kitty's query)\n"));
    } else if (got == TERM_SIXEL) {
        sh_printf(sh, _("term auto: sixel (the terminal lists sixel graphics)\n"));
    } else if (got == TERM_ASCII) {
        sh_printf(sh, _("term auto: ascii (TERM says the terminal is dumb)\n"));
    } else if (caps->answered) {
        sh_printf(sh, _("term auto: colour blocks (the terminal answers neither kitty's graphics "
                      "query nor lists sixel%s)\n"), inside);
    } else if (caps->probed && caps->seconds > 0) {
        sh_printf(sh, _("term auto: colour blocks (the terminal did not answer in %.1f s)\n"),
                  TERM_PROBE_TIMEOUT_MS / 1000.0);
    } else {
        sh_printf(sh, _("term auto: colour blocks (the terminal cannot be asked from here)\n"));
    }
    return CMD_OK;
}

static const char *const on_off[] = {"off", "on", NULL};

static int set_live_run(Shell *sh, const CmdArgs *a)
{
    sh->live = cmd_index(a, "state");
    sh_printf(sh, _("live %s: %s\n"), on_off[sh->live],
              sh->live ? _("every fit redraws its curves as it trains, every tsne its map")
                       : _("fit and tsne show a progress bar; add `live` to watch one"));
    return CMD_OK;
}

static int set_output_run(Shell *sh, const CmdArgs *a)
{
    const char *v = cmd_text(a, "dir");
    if (strlen(v) + 1 > sizeof sh->output_dir)
        return sh_error(sh, _("output folder name is too long (at most %zu characters)"),
                        sizeof sh->output_dir - 1);
    if (sh->depth > 0 && sh_check_write(sh, v) != 0)
        return CMD_ERR;
    snprintf(sh->output_dir, sizeof sh->output_dir, "%s", v);
    sh->picture_count = 0;
    return CMD_OK;
}

/* The language of the messages; the names typed (commands, options, figures)
 * stay as they are. */
static int set_lang_run(Shell *sh, const CmdArgs *a)
{
    const char *lang = i18n_langs[cmd_index(a, "lang")];
    if (i18n_set_lang(lang) != 0)
        return sh_error(sh, _("set lang: cannot switch to '%s'"), lang);
    snprintf(sh->lang, sizeof sh->lang, "%s", lang);
    /* TRANSLATORS: said in the new language; %s is the code typed (en, fr). */
    sh_printf(sh, _("lang %s: untangle speaks English\n"), lang);
    return CMD_OK;
}

/* The name the hand-in page carries: every word, as typed (`set name Ada Lovelace`). */
static int set_name_run(Shell *sh, const CmdArgs *a)
{
    int n;
    char **w = cmd_rest(a, "name", &n);
    char name[sizeof sh->student_name];
    size_t len = 0;
    for (int i = 0; i < n; i++) {
        size_t k = strlen(w[i]);
        if (len + k + 2 > sizeof name)
            return sh_error(sh, _("set name: the name is too long (at most %zu characters)"),
                            sizeof name - 1);
        for (size_t j = 0; j < k; j++)
            if ((unsigned char)w[i][j] < 0x20 || w[i][j] == 0x7f)
                return sh_error(sh, _("set name: the name holds a control character; type it with "
                                    "letters and spaces only"));
        if (len)
            name[len++] = ' ';
        memcpy(name + len, w[i], k);
        len += k;
    }
    name[len] = '\0';
    if (len == 0)
        return sh_error(sh, _("set name needs the name to put on the hand-in, e.g. set name Ada "
                            "Lovelace"));
    snprintf(sh->student_name, sizeof sh->student_name, "%s", name);
    sh_printf(sh, _("name %s\n"), name);
    return CMD_OK;
}

static const Param seed_params[] = {
    {.name = "seed", .type = PARAM_INT, .place = PARAM_POS, .lo = 0, .hi = 2147483647,
     .help = N_("the seed of weights, shuffling and t-SNE")},
    {0},
};
static const Param threads_params[] = {
    {.name = "threads", .type = PARAM_INT, .place = PARAM_POS, .lo = 1, .hi = 64,
     .help = N_("threads for training, t-SNE and BLAS")},
    {0},
};
static const Param term_params[] = {
    {.name = "mode", .type = PARAM_CHOICE, .place = PARAM_POS, .choices = term_mode_names,
     .what = N_("terminal mode"), .help = N_("how pictures reach the terminal")},
    {0},
};
static const Param live_params[] = {
    {.name = "state", .type = PARAM_CHOICE, .place = PARAM_POS, .choices = on_off,
     .what = N_("live setting"), .help = N_("on: every fit and tsne shows its live view")},
    {0},
};
static const Param lang_params[] = {
    {.name = "lang", .type = PARAM_CHOICE, .place = PARAM_POS, .choices = i18n_langs,
     .what = N_("language"), .help = N_("en: English, fr: French")},
    {0},
};
static const Param output_params[] = {
    {.name = "dir", .type = PARAM_WORD, .place = PARAM_POS, .meta = N_("DIR"),
     .complete = PARAM_COMPLETE_FILE, .help = N_("the folder pictures and models go to")},
    {0},
};

static const CmdSpec set_seed_spec = {.name = "seed", .summary = N_("reseed the random generator"),
                                      .params = seed_params, .handler = set_seed_run};
static const CmdSpec set_threads_spec = {.name = "threads", .summary = N_("the number of threads"),
                                         .params = threads_params, .handler = set_threads_run};
static const CmdSpec set_term_spec = {.name = "term",
                                      .summary = N_("how pictures reach the terminal"),
                                      .params = term_params, .handler = set_term_run};
static const CmdSpec set_live_spec = {.name = "live",
                                      .summary = N_("live views for every fit and tsne (on or off)"),
                                      .params = live_params, .handler = set_live_run};
static const CmdSpec set_lang_spec = {.name = "lang",
                                      .summary = N_("the language untangle speaks (en or fr)"),
                                      .params = lang_params, .handler = set_lang_run};
static const CmdSpec set_output_spec = {.name = "output",
                                        .summary = N_("the folder pictures are written to"),
                                        .params = output_params, .handler = set_output_run};
static const Param name_params[] = {
    {.name = "name", .type = PARAM_WORD, .place = PARAM_REST, .meta = N_("NAME"),
     .help = N_("your name, as the hand-in page shows it")},
    {0},
};
static const CmdSpec set_name_spec = {.name = "name",
                                      .summary = N_("the name the hand-in page carries ($USER until set)"),
                                      .params = name_params, .handler = set_name_run};
static const CmdSpec *const set_subs[] = {&set_seed_spec, &set_threads_spec, &set_term_spec,
                                          &set_live_spec, &set_lang_spec, &set_output_spec,
                                          &set_name_spec, NULL};

const CmdSpec cmd_set_spec = {
    .name = "set",
    .summary = N_("change a setting"),
    .help = N_("`set seed N` reseeds the random generator (weights, shuffling, t-SNE); `set "
            "threads N` the number of threads; `set term` how pictures reach the terminal; "
            "`set live on` makes every fit and tsne show its live view; `set lang fr` speaks "
            "French (`set lang en` English); `set output DIR` the "
            "folder pictures are written to; `set name NAME` the name on the page `handin` writes."),
    .subs = set_subs,
};

/* ---- keep, need, figures, echo, help, quit ---- */

static int keep_run(Shell *sh, const CmdArgs *a)
{
    double v;
    const char *from = cmd_text(a, "figure"), *to = cmd_text(a, "name");
    if (to[0] == '\0')
        return sh_error(sh, _("keep: the name is empty; give one such as nh_raw"));
    if (strlen(to) >= FIGURE_NAME_MAX)
        return sh_error(sh, _("keep: name '%s' is too long (at most %d characters)"), to,
                        FIGURE_NAME_MAX - 1);
    if (strspn(to, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
        strlen(to))
        return sh_error(sh, _("keep: bad name '%s' (should be letters, digits, _, . or -)"), to);
    int found = sh_figure(sh, from, &v);
    if (found == SH_FIGURE_STALE)
        return sh_error(sh, _("keep: %s was measured on the model before its last change; "
                              "evaluate the model again first"), from);
    if (found != 0)
        return sh_error(sh, _("keep: no figure '%s' was reported yet; `figures` lists them"), from);
    sh_report(sh, to, v);
    sh_printf(sh, "%s = %.6g\n", to, v);
    return CMD_OK;
}

static const Param keep_params[] = {
    {.name = "figure", .type = PARAM_WORD, .place = PARAM_POS, .meta = N_("FIGURE"),
     .complete = PARAM_COMPLETE_FIGURE, .help = N_("a figure reported so far")},
    {.name = "as", .type = PARAM_KEYWORD, .place = PARAM_POS},
    {.name = "name", .type = PARAM_WORD, .place = PARAM_POS, .meta = N_("NAME"),
     .help = N_("the name to keep it under")},
    {0},
};

const CmdSpec cmd_keep_spec = {
    .name = "keep",
    .summary = N_("keep a figure under another name, to compare later"),
    .help = N_("Copies a reported figure under a new name, so that a later command reporting "
            "the same figure does not replace it: `keep nh as nh_raw`, then later `expect nh "
            "> nh_raw`."),
    .params = keep_params,
    .handler = keep_run,
};

/* The folder of the lesson being replayed, for paths relative to it. */
static void lesson_dir(const Shell *sh, char *buf, size_t cap)
{
    const char *f = sh->where_file;
    const char *slash = f ? strrchr(f, '/') : NULL;
    if (!f || !slash || sh->depth == 0)
        snprintf(buf, cap, ".");
    else
        snprintf(buf, cap, "%.*s", (int)(slash - f), f);
}

static int ends_with_md(const char *path)
{
    size_t n = strlen(path);
    return n >= 3 && strcmp(path + n - 3, ".md") == 0;
}

/* Is real (a resolved path) inside the resolved folder dir? */
static int inside_dir(const char *dir, const char *real)
{
    char d[PATH_MAX];
    if (!realpath(dir, d))
        return 0;
    size_t n = strlen(d);
    return strncmp(d, real, n) == 0 && (real[n] == '/' || n == 1);
}

/* The lesson `need` may replay: a .md file; from a lesson, one of its own folder
 * (or under --allow-write), never the lesson itself or one being replayed. */
static int need_lesson_allowed(Shell *sh, const char *lesson, const char *dir)
{
    if (!ends_with_md(lesson))
        return sh_error(sh, _("need: '%s' is not a lesson; name the lesson file (.md) that "
                            "writes the file"), lesson);
    char real[PATH_MAX];
    if (!realpath(lesson, real))
        return CMD_OK; /* missing: the caller says so */
    if (sh->depth > 0 && !inside_dir(dir, real)) {
        int allowed = 0;
        for (size_t i = 0; i < sh->n_allow_write && !allowed; i++)
            allowed = inside_dir(sh->allow_write[i], real);
        if (!allowed)
            return sh_error(sh, _("need: a lesson replays only lessons of its own folder '%s', "
                                "and '%s' is not in it; copy it there, or replay with "
                                "--allow-write PATH"),
                            dir, lesson);
    }
    for (size_t i = 0; i < sh->n_lessons; i++) {
        char other[PATH_MAX];
        if (!realpath(sh->lesson_chain[i], other) || strcmp(other, real) != 0)
            continue;
        char chain[2 * SH_PATH_MAX] = "";
        size_t len = 0;
        for (size_t k = i; k < sh->n_lessons && len < sizeof chain; k++)
            len += (size_t)snprintf(chain + len, sizeof chain - len, "%s needs ",
                                    sh->lesson_chain[k]);
        return sh_error(sh, _("need: lessons that need each other: %s%s again; remove one of "
                            "the `need` lines"),
                        chain, lesson);
    }
    return CMD_OK;
}

static int need_run(Shell *sh, const CmdArgs *a)
{
    const char *want = cmd_text(a, "file"), *from = cmd_text(a, "lesson");
    char file[2 * SH_PATH_MAX], lesson[2 * SH_PATH_MAX], dir[SH_PATH_MAX];
    /* A bare name lives in the output folder, where lessons save. */
    if (strchr(want, '/'))
        snprintf(file, sizeof file, "%.*s", SH_PATH_MAX, want);
    else
        snprintf(file, sizeof file, "%s/%.*s", sh->output_dir, SH_PATH_MAX - 2, want);
    lesson_dir(sh, dir, sizeof dir);
    if (from[0] == '/' || sh->depth == 0)
        snprintf(lesson, sizeof lesson, "%.*s", SH_PATH_MAX, from);
    else
        snprintf(lesson, sizeof lesson, "%s/%.*s", dir, SH_PATH_MAX - 2, from);
    if (need_lesson_allowed(sh, lesson, dir) != CMD_OK)
        return CMD_ERR;
    if (access(file, R_OK) == 0) {
        sh_printf(sh, _("found %s\n"), file);
        return CMD_OK;
    }
    if (access(lesson, R_OK) != 0)
        return sh_error(sh, _("need: %s is missing and so is the lesson %s that makes it; check "
                            "the lesson's name"), file, lesson);
    if (!sh->replay_lesson)
        return sh_error(sh, _("need: %s is missing and lessons cannot be replayed from here"), file);
    sh_printf(sh, _("%s is missing: replaying %s to make it\n\n"), file, lesson);
    int saved_step = sh->step;
    sh->step = 0;
    int rc = sh->replay_lesson(sh, lesson);
    sh->step = saved_step;
    if (rc == CMD_EXIT)
        return sh_error(sh, _("need: %s stopped before writing %s; replay it whole"), lesson, file);
    if (rc != CMD_OK) {
        /* The replayed lesson printed its own error line, with its place. */
        sh->error_shown = 1;
        return CMD_ERR;
    }
    if (access(file, R_OK) != 0)
        return sh_error(sh, _("need: %s ran but did not write %s"), lesson, file);
    sh_printf(sh, _("\nback from %s: %s is ready\n"), lesson, file);
    return CMD_OK;
}

/* The length of `name` without a last dotted part that is a whole number
 * ("nh.3" -> 2, "confusion.3.7" -> 11), or 0 when it has none. */
static size_t indexed_stem(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot || dot == name || !dot[1])
        return 0;
    for (const char *p = dot + 1; *p; p++)
        if (*p < '0' || *p > '9')
            return 0;
    return (size_t)(dot - name);
}

static int same_stem(const char *a, const char *b, size_t len)
{
    return indexed_stem(b) == len && strncmp(a, b, len) == 0;
}

/* After a figure measured on the model before its last change. */
static const char *stale_mark(const Shell *sh, const Figure *f)
{
    return sh_figure_stale(sh, f) ? _(" (before the model changed)") : "";
}

/* Without a prefix, a family of figures that differ only by a last number
 * ("nh.0" .. "nh.9") is one line of values, and a matrix ("confusion.T.P", a
 * family of families) one line saying how to list it. */
static int figures_run(Shell *sh, const CmdArgs *a)
{
    const char *prefix = cmd_given(a, "prefix") ? cmd_text(a, "prefix") : NULL;
    size_t plen = prefix ? strlen(prefix) : 0, shown = 0;
    if (sh->n_figures == 0) {
        sh_printf(sh, _("no figures yet: commands such as fit, evaluate, tsne and nh report them\n"));
        return CMD_OK;
    }
    for (size_t i = 0; i < sh->n_figures; i++) {
        const char *name = sh->figures[i].name;
        if (prefix) {
            if (strncmp(name, prefix, plen) == 0) {
                sh_printf(sh, "  %-24s %.6g%s\n", name, sh->figures[i].value,
                          stale_mark(sh, &sh->figures[i]));
                shown++;
            }
            continue;
        }
        size_t stem = indexed_stem(name);
        if (stem == 0) {
            sh_printf(sh, "  %-24s %.6g%s\n", name, sh->figures[i].value,
                      stale_mark(sh, &sh->figures[i]));
            continue;
        }
        /* printed once, where the family first appears */
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = same_stem(name, sh->figures[j].name, stem);
        char outer[FIGURE_NAME_MAX];
        snprintf(outer, sizeof outer, "%.*s", (int)stem, name);
        size_t ostem = indexed_stem(outer);
        if (ostem > 0) {
            /* a matrix: one line for all its rows */
            for (size_t j = 0; j < i && !seen; j++)
                seen = indexed_stem(sh->figures[j].name) > 0 &&
                       strncmp(sh->figures[j].name, outer, ostem) == 0 &&
                       sh->figures[j].name[ostem] == '.' &&
                       indexed_stem(sh->figures[j].name) > ostem;
            if (seen)
                continue;
            size_t count = 0;
            for (size_t j = 0; j < sh->n_figures; j++) {
                char o2[FIGURE_NAME_MAX];
                size_t s2 = indexed_stem(sh->figures[j].name);
                snprintf(o2, sizeof o2, "%.*s", (int)s2, sh->figures[j].name);
                count += s2 > 0 && indexed_stem(o2) == ostem && strncmp(o2, outer, ostem) == 0;
            }
            char label[FIGURE_NAME_MAX + 8];
            snprintf(label, sizeof label, "%.*s.*.*", (int)ostem, name);
            sh_printf(sh, _("  %-24s %zu figures: `figures %.*s.` lists them%s\n"), label, count,
                      (int)ostem, name, stale_mark(sh, &sh->figures[i]));
            continue;
        }
        if (seen)
            continue;
        char label[FIGURE_NAME_MAX + 4];
        snprintf(label, sizeof label, "%.*s.*", (int)stem, name);
        sh_printf(sh, "  %-24s", label);
        for (size_t j = i; j < sh->n_figures; j++)
            if (same_stem(name, sh->figures[j].name, stem))
                sh_printf(sh, " %s=%.4g", sh->figures[j].name + stem + 1, sh->figures[j].value);
        sh_printf(sh, "%s\n", stale_mark(sh, &sh->figures[i]));
    }
    if (prefix && shown == 0)
        sh_printf(sh, _("no figure starts with '%s'; `figures` lists them all\n"), prefix);
    return CMD_OK;
}

/* A lesson's echo cannot send escape sequences: control characters show escaped. */
static int echo_run(Shell *sh, const CmdArgs *a)
{
    int n;
    char **w = cmd_rest(a, "text", &n);
    for (int i = 0; i < n; i++) {
        char *shown = md_escape_controls(w[i]);
        sh_printf(sh, "%s%s", i ? " " : "", shown);
        free(shown);
    }
    sh_printf(sh, "\n");
    return CMD_OK;
}

static int help_run(Shell *sh, const CmdArgs *a)
{
    int n;
    char **w = cmd_rest(a, "topic", &n);
    return cmd_print_help(sh, n, w);
}

static int quit_run(Shell *sh, const CmdArgs *a)
{
    (void)sh;
    (void)a;
    return CMD_EXIT;
}

static const Param need_params[] = {
    {.name = "file", .type = PARAM_WORD, .place = PARAM_POS, .meta = N_("FILE"),
     .complete = PARAM_COMPLETE_FILE, .help = N_("a bare name is looked for in the output folder")},
    {.name = "from", .type = PARAM_KEYWORD, .place = PARAM_POS},
    {.name = "lesson", .type = PARAM_WORD, .place = PARAM_POS, .meta = N_("LESSON.md"),
     .complete = PARAM_COMPLETE_FILE, .help = N_("relative to the lesson being replayed")},
    {0},
};

const CmdSpec cmd_need_spec = {
    .name = "need",
    .summary = N_("make sure a file exists, replaying its lesson if not"),
    .help = N_("When FILE is missing, replays the lesson that writes it, saying so, then goes "
            "on: `need mlp.model from 02-mlp.md`."),
    .params = need_params,
    .handler = need_run,
};

static const Param figures_params[] = {
    {.name = "prefix", .type = PARAM_WORD, .place = PARAM_POS_OPT, .meta = N_("PREFIX"),
     .complete = PARAM_COMPLETE_FIGURE, .help = N_("only the figures whose name starts so")},
    {0},
};

const CmdSpec cmd_figures_spec = {
    .name = "figures",
    .summary = N_("list the figures `expect` can check"),
    .help = N_("Prints the figures reported so far with their values: one line per family "
            "(nh.0 to nh.9 on one line, the confusion matrix as one line); `figures PREFIX` "
            "lists each figure whose name starts with PREFIX (`figures confusion.3.`)."),
    .params = figures_params,
    .handler = figures_run,
};

static const Param echo_params[] = {
    {.name = "text", .type = PARAM_WORD, .place = PARAM_REST, .meta = N_("TEXT"),
     .help = N_("the words to print; quotes keep their spaces")},
    {0},
};

const CmdSpec cmd_echo_spec = {
    .name = "echo",
    .summary = N_("print a line"),
    .help = N_("Prints its words separated by spaces."),
    .params = echo_params,
    .handler = echo_run,
};

static const Param help_params[] = {
    {.name = "topic", .type = PARAM_WORD, .place = PARAM_REST, .meta = N_("COMMAND"),
     .complete = PARAM_COMPLETE_COMMAND, .help = N_("a command, then its sub-commands")},
    {0},
};

const CmdSpec cmd_help_spec = {
    .name = "help",
    .summary = N_("list commands, or explain one"),
    .help = N_("Without argument, lists every command. `help CMD` explains one, with its words, "
            "their ranges and defaults; `help CMD SUB` a sub-command (`help model add "
            "conv2d`)."),
    .params = help_params,
    .handler = help_run,
};

#define QUIT_HELP                                                                          \
    N_("Ends the session (Ctrl-D does too). In a lesson it leaves the lesson, your progress " \
       "kept; when the lesson was started with `learn` at the prompt, the prompt goes on.")
const CmdSpec cmd_quit_spec = {
    .name = "quit", .summary = N_("leave untangle"), .help = QUIT_HELP, .handler = quit_run};
const CmdSpec cmd_exit_spec = {
    .name = "exit", .summary = N_("leave untangle"), .help = QUIT_HELP, .handler = quit_run};
