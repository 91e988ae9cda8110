/* commands.h: how a command is declared, and the command table.
 *
 * A command is one CmdSpec, defined in the file of src/commands/ that holds its
 * handler, and one line in src/commands/table.c. The spec says everything about
 * the words that follow the command: its positional words and options (Params,
 * see untangle/core/params.h), its sub-commands (each a CmdSpec of its own) or
 * the variants another table describes (`model add` reads the layer registry).
 * Dispatch, the synopsis, `help CMD [SUB...]`, tab completion and every usage
 * error are derived from it; nothing restates it.
 *
 * A handler receives the words already read and checked against the declared
 * types and ranges:
 *
 *     static int fit_run(Shell *sh, const CmdArgs *a)
 *     {
 *         long batch = cmd_long(a, "batch");    // 1..10000000, or the default 300
 *         ...
 *     }
 *
 * and returns CMD_OK, CMD_ERR (after sh_error) or CMD_EXIT. See README.md, "Adding
 * a command or an option". */
#ifndef UNTANGLE_COMMANDS_H
#define UNTANGLE_COMMANDS_H

#include "untangle/core/i18n.h"
#include "untangle/core/params.h"
#include "untangle/session/shell.h"

typedef struct CmdArgs CmdArgs;
typedef int (*CmdHandler)(Shell *sh, const CmdArgs *a);

/* A sub-command described by another table (the layers of `model add`). */
typedef struct CmdVariant {
    const char *name;          /* "conv2d" */
    const char *summary;       /* one line */
    const char *help;          /* a paragraph, or NULL */
    const Param *params;       /* its words, NULL-name-terminated */
} CmdVariant;

typedef struct CmdSpec {
    const char *name;          /* what is typed: "fit", or a sub-command: "add" */
    const char *summary;       /* one line for `help` */
    const char *help;          /* a paragraph for `help fit` */
    const Param *params;       /* its words and options, NULL-name-terminated, or NULL */
    CmdHandler handler;        /* NULL when a sub-command is required */
    /* Sub-commands: a first word naming one of them picks it (NULL-terminated). */
    const struct CmdSpec *const *subs;
    /* Variants from another table: the i-th into *out, 0 past the end. The word
     * after the command picks one, and its params come before the command's own. */
    int (*variant)(size_t i, CmdVariant *out);
    const char *variant_what;  /* what errors call the variant's word: "layer" */
    /* When set, the variant is named by the value of this option instead of the
     * word after the command (`compile optimizer adam lr 0.001`), and is
     * variant_default when the option is absent. */
    const char *variant_option;
    const char *variant_default;
    /* Advice for a word that names no variant but means something to the command
     * (an activation typed where a layer goes): 1 with it in buf, translated, else 0. */
    int (*variant_hint)(const char *word, char *buf, size_t cap);
    /* The rest of the line after the command's name is one word, as typed: a `;`,
     * a `#` or a quote in it is text (`answer R^784 ; 784 dimensions`). Read by
     * the tokenizer, which then ends the line there. */
    int line_as_typed;
} CmdSpec;

#define CMD_PATH_MAX 96

/* The words of one command line, read against the spec that runs. */
struct CmdArgs {
    const CmdSpec *cmd;        /* the command or sub-command whose handler runs */
    const CmdSpec *top;        /* the command typed first */
    CmdVariant variant;        /* the variant picked; name NULL when none */
    char path[CMD_PATH_MAX];   /* "model add conv2d": for messages and `help` */
    int argc;                  /* every word as typed, argv[0] the command */
    char **argv;
    int base;                  /* argv[base] is the first word the params read */
    ParamValues pv;
};

/* `to FILE`: where a picture goes, shared by every command that draws one. */
#define CMD_PARAM_TO                                                                        \
    {.name = "to", .type = PARAM_WORD, .meta = N_("FILE"), .complete = PARAM_COMPLETE_FILE,      \
     .help = N_("write the PNG there, not to the output folder")}

/* The table, NULL-terminated (table.c). */
extern const CmdSpec *const cmd_table[];
const CmdSpec *cmd_find(const char *name);
/* The command whose name is nearest to `name` (edit distance <= 3), or NULL. */
const CmdSpec *cmd_nearest(const char *name);

/* Resolves argv (argv[0] the command) to a (sub-)command and reads its words into
 * *a. Returns 0, or CMD_ERR after sh_error naming the bad word, what would be
 * valid and the help topic. */
int cmd_parse(Shell *sh, int argc, char **argv, CmdArgs *a);

/* Typed getters: the value as typed, or the declared default (0, NULL when none).
 * Ranges were checked by cmd_parse. Asking for a name the spec does not declare is
 * a bug, reported on stderr and aborted. */
int cmd_given(const CmdArgs *a, const char *name);
const char *cmd_text(const CmdArgs *a, const char *name);
long cmd_long(const CmdArgs *a, const char *name);
double cmd_real(const CmdArgs *a, const char *name);
int cmd_index(const CmdArgs *a, const char *name);      /* CHOICE: index of the word */
int cmd_dims(const CmdArgs *a, const char *name, int d[3]); /* returns how many */
/* REST: the words, and their count. */
char **cmd_rest(const CmdArgs *a, const char *name, int *count);
/* A range known only now (`nh k` below the number of points): the value, checked
 * against [lo, hi] with the same messages; -1 after sh_error. */
int cmd_long_within(Shell *sh, const CmdArgs *a, const char *name, long lo, long hi, long *out);

/* The synopsis of c (with its variant, or NULL) after `prefix` ("model"). */
void cmd_synopsis(const CmdSpec *c, const CmdVariant *v, const char *prefix, char *buf,
                  size_t cap);
/* Prints `help` for the topic words (none: every command). */
int cmd_print_help(Shell *sh, int nwords, char **words);

/* Tab completion: what may come after the complete words words[0..n) (words[0]
 * the command). */
#define CMD_COMPLETE_MAX 96
typedef struct CmdCompletion {
    const char *words[CMD_COMPLETE_MAX]; /* borrowed from the tables */
    size_t n;
    ParamComplete also;        /* files, saved models or figures are wanted too */
} CmdCompletion;
void cmd_complete(int n, char **words, CmdCompletion *out);

/* What a check (`expect ...`) found, in words: `have` says what the session
 * holds ("the model has 1 layer: dense 10"), `want` what the check asks for
 * ("dense 10 then softmax"). */
typedef struct ExpectResult {
    int holds;
    int missing;          /* a figure check whose figure was never reported */
    double value, wanted; /* a figure check: the figure and the value it is compared with */
    char have[320];
    char want[320];
} ExpectResult;
/* Evaluates a parsed `expect` line (a->top == &cmd_expect_spec) and prints
 * nothing: CMD_OK with *r filled, or CMD_ERR after sh_error when the line itself
 * is wrong (a layer word that is none, a value that is no number). */
int cmd_expect_eval(Shell *sh, const CmdArgs *a, ExpectResult *r);

/* The commands, each defined in its family's file. */
extern const CmdSpec cmd_load_spec, cmd_info_spec;                           /* data.c */
extern const CmdSpec cmd_show_spec;                                          /* show.c */
extern const CmdSpec cmd_model_spec, cmd_pop_spec;                           /* model.c */
extern const CmdSpec cmd_compile_spec, cmd_fit_spec, cmd_evaluate_spec,
    cmd_predict_spec;                                                        /* train.c */
extern const CmdSpec cmd_tsne_spec, cmd_hull_spec, cmd_ellipse_spec,
    cmd_nh_spec;                                                             /* embed.c */
extern const CmdSpec cmd_plot_spec;                                          /* plot.c */
extern const CmdSpec cmd_expect_spec;                                        /* expect.c */
extern const CmdSpec cmd_set_spec, cmd_figures_spec, cmd_keep_spec,
    cmd_need_spec, cmd_echo_spec, cmd_help_spec, cmd_quit_spec,
    cmd_exit_spec;                                                           /* session.c */
extern const CmdSpec cmd_handin_spec, cmd_save_spec;                         /* handin.c */
extern const CmdSpec cmd_learn_spec, cmd_hint_spec, cmd_solution_spec, cmd_skip_spec,
    cmd_where_spec, cmd_back_spec, cmd_next_spec;                            /* learn.c */
extern const CmdSpec cmd_lessons_spec;                                       /* lessons.c */
extern const CmdSpec cmd_answer_spec, cmd_reveal_spec;                       /* answer.c */

#endif
