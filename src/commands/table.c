/* table.c: the one command table. A command exists when it has a line here; its
 * spec (words, options, sub-commands, help) sits beside its handler in the file of
 * its family. Dispatch, `help`, tab completion and the check of lesson files all
 * read this list, in this order. */
#include <stddef.h>

#include "untangle/commands/commands.h"

const CmdSpec *const cmd_table[] = {
    /* data */
    &cmd_load_spec,
    &cmd_info_spec,
    &cmd_show_spec,
    /* model */
    &cmd_model_spec,
    &cmd_pop_spec,
    &cmd_compile_spec,
    &cmd_fit_spec,
    &cmd_evaluate_spec,
    &cmd_predict_spec,
    /* embedding and class separation */
    &cmd_tsne_spec,
    &cmd_hull_spec,
    &cmd_ellipse_spec,
    &cmd_nh_spec,
    &cmd_plot_spec,
    /* session */
    &cmd_set_spec,
    &cmd_expect_spec,
    &cmd_figures_spec,
    &cmd_keep_spec,
    &cmd_need_spec,
    &cmd_echo_spec,
    /* the lessons and the student's progress in them */
    &cmd_lessons_spec,
    &cmd_answer_spec,
    &cmd_reveal_spec,
    /* what the session leaves: the student's page, a lesson */
    &cmd_handin_spec,
    &cmd_save_spec,
    /* learn mode: a lesson's exercises done by the student */
    &cmd_learn_spec,
    &cmd_hint_spec,
    &cmd_solution_spec,
    &cmd_skip_spec,
    &cmd_where_spec,
    &cmd_back_spec,
    &cmd_next_spec,
    &cmd_help_spec,
    &cmd_quit_spec,
    &cmd_exit_spec,
    NULL,
};
