/* commands_extra.h: the pictures of a trained network (`show curves`, `show
 * confusion`, `show weights`, `show activations`, `show errors`, in
 * src/commands/show_nn.c) and a person's own digit (`predict image`, in
 * src/commands/digit.c).
 *
 * Each builds a Canvas and hands it to sh_show_picture (PNG file, terminal), and
 * reports figures for `expect`. */
#ifndef UNTANGLE_COMMANDS_EXTRA_H
#define UNTANGLE_COMMANDS_EXTRA_H

#include "untangle/commands/commands.h"

/* The sub-commands of `show`, listed in show.c's table; their words and what
 * they report are in their specs (`help show curves`). */
extern const CmdSpec show_curves_spec, show_confusion_spec, show_weights_spec,
    show_activations_spec, show_errors_spec;

/* `predict image FILE.png [to OUT.png]`, a sub-command of `predict`. */
extern const CmdSpec predict_image_spec;

#endif
