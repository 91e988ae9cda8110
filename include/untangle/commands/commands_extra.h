/* commands_extra.h: the pictures of a trained network (`show curves`, `show
 * confusion`, `show weights`, `show activations`, `show errors`, in
 * src/commands/show_nn.c) and a person's own digit (`predict image`, in
 * src/commands/digit.c).
 *
 * The show_* handlers are sub-commands of `show`: argv[0] is "show", argv[1] the
 * picture's name, the rest its arguments. cmd_predict_image takes
 * argv = {"predict", "image", FILE.png, ["to", OUT.png]}. Each builds a Canvas and
 * hands it to sh_show_picture (PNG file, terminal), and reports figures for
 * `expect`. */
#ifndef UNTANGLE_COMMANDS_EXTRA_H
#define UNTANGLE_COMMANDS_EXTRA_H

#include "untangle/session/shell.h"

/* show curves [to FILE]: loss and accuracy per epoch of the session's model.
 * Reports "epochs". */
int show_curves(Shell *sh, int argc, char **argv);
/* show confusion [to FILE]: the confusion matrix on the test set. Reports
 * "accuracy", "class_accuracy.C" and "confusion.T.P" (counts). */
int show_confusion(Shell *sh, int argc, char **argv);
/* show weights LAYER [scale shared|unit] [to FILE]: LAYER by name or 1-based index
 * as `model summary` numbers them. Reports "units" (images drawn). */
int show_weights(Shell *sh, int argc, char **argv);
/* show activations N [to FILE]: test image N (from 0) through every layer. Reports
 * "layers" (bands drawn) and "predicted". */
int show_activations(Shell *sh, int argc, char **argv);
/* show errors [N] [cols C] [to FILE]: the first N (36) misclassified test images.
 * Reports "errors" (all misclassified), "images" (shown) and "accuracy". */
int show_errors(Shell *sh, int argc, char **argv);

/* Completion words of these sub-commands (for cmd_show_words). */
#define SHOW_NN_WORDS "curves", "confusion", "weights", "activations", "errors", "scale", \
                      "shared", "unit"

/* predict image FILE.png [to OUT.png]: normalises the digit in FILE (digit.h), shows
 * it, classifies it with the session's model and prints the three most probable
 * classes. Reports "predicted" and "probability". */
int cmd_predict_image(Shell *sh, int argc, char **argv);

#endif
