/* commands.h: the command table and every command handler.
 *
 * One static table (src/commands/table.c) drives dispatch, the arity check,
 * `help`, tab completion and the check of lesson files. To add a command: write
 * its handler in the family file under src/commands/, declare it here, and add
 * one line to the table. */
#ifndef UNTANGLE_COMMANDS_H
#define UNTANGLE_COMMANDS_H

#include "untangle/session/shell.h"

typedef int (*CmdHandler)(Shell *sh, int argc, char **argv);

typedef struct CmdSpec {
    const char *name;          /* what is typed: "fit" */
    const char *synopsis;      /* "fit [batch N] [epochs N] [validation F]" */
    const char *summary;       /* one line for `help` */
    const char *help;          /* a paragraph for `help fit` */
    int min_args, max_args;    /* words after the name; max -1 = no limit */
    CmdHandler handler;
    const char *const *words;  /* sub-commands, options and values tab completion
                                  offers after the name; NULL-terminated, or NULL */
} CmdSpec;

extern const CmdSpec cmd_table[];  /* ends with a zeroed entry */
const CmdSpec *cmd_find(const char *name);
/* The table entry whose name is nearest to `name` (edit distance <= 3), or NULL. */
const CmdSpec *cmd_nearest(const char *name);

/* data.c */
int cmd_load(Shell *sh, int argc, char **argv);
int cmd_info(Shell *sh, int argc, char **argv);
extern const char *const cmd_load_words[];
/* show.c */
int cmd_show(Shell *sh, int argc, char **argv);
extern const char *const cmd_show_words[];
/* model.c */
int cmd_model(Shell *sh, int argc, char **argv);
int cmd_pop(Shell *sh, int argc, char **argv);
extern const char *const cmd_model_words[];
/* train.c */
int cmd_compile(Shell *sh, int argc, char **argv);
int cmd_fit(Shell *sh, int argc, char **argv);
int cmd_evaluate(Shell *sh, int argc, char **argv);
int cmd_predict(Shell *sh, int argc, char **argv);
extern const char *const cmd_compile_words[];
extern const char *const cmd_fit_words[];
extern const char *const cmd_evaluate_words[];
extern const char *const cmd_predict_words[];
/* embed.c */
int cmd_tsne(Shell *sh, int argc, char **argv);
int cmd_hull(Shell *sh, int argc, char **argv);
int cmd_ellipse(Shell *sh, int argc, char **argv);
int cmd_nh(Shell *sh, int argc, char **argv);
extern const char *const cmd_tsne_words[];
extern const char *const cmd_nh_words[];
/* plot.c */
int cmd_plot(Shell *sh, int argc, char **argv);
extern const char *const cmd_plot_words[];
/* session.c */
int cmd_set(Shell *sh, int argc, char **argv);
int cmd_expect(Shell *sh, int argc, char **argv);
int cmd_help(Shell *sh, int argc, char **argv);
int cmd_echo(Shell *sh, int argc, char **argv);
int cmd_figures(Shell *sh, int argc, char **argv);
int cmd_keep(Shell *sh, int argc, char **argv);
int cmd_need(Shell *sh, int argc, char **argv);
int cmd_quit(Shell *sh, int argc, char **argv);
extern const char *const cmd_set_words[];
extern const char *const cmd_expect_words[];

#endif
