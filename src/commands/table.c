/* table.c: the one command table. Dispatch, arity checks, `help`, tab completion
 * and lesson checks all read it; a command exists when it has a line here. */
#include <string.h>

#include "untangle/commands/commands.h"

const CmdSpec cmd_table[] = {
    /* data */
    {"load", "load mnist|fashion [train N] [test N]",
     "load a data set (pixels scaled to [0,1])",
     "Loads MNIST (60000 training and 10000 test images of 28x28 grey pixels) or "
     "Fashion-MNIST, scaling pixels by 1/255. `train N` and `test N` keep the first N "
     "images of each part, for quick tries. MNIST is searched in $UNTANGLE_DATA, "
     "./data/mnist and the installed share folder; `make data` fetches it.",
     1, 5, cmd_load, cmd_load_words},
    {"info", "info", "what the session holds: data, model, features, embedding",
     "Prints the loaded data (shapes and label counts), the model and whether it is "
     "compiled and trained, the last predicted features and the last embedding, and "
     "the settings.",
     0, 0, cmd_info, NULL},
    {"show", "show images|curves|confusion|weights|activations|errors ... [to FILE]",
     "draw pictures: images, training curves, confusion matrix, weights, feature maps, "
     "mistakes",
     "Each picture goes to the terminal and to a PNG in the output folder (`to FILE` names "
     "it). `show images [N] [from train|test] [cols C]`: the first N images (200), 20 per "
     "row, grey on black; reports width, height and images. `show curves`: loss and "
     "accuracy per epoch of every `fit`, train and validation; reports epochs. `show "
     "confusion`: the 10x10 confusion matrix on the test set (rows true, columns "
     "predicted) with the accuracy of each class; reports accuracy, class_accuracy.C and "
     "confusion.T.P. `show weights LAYER [scale shared|unit]`: LAYER by number or name "
     "(`model summary`); a dense layer on the pixels draws each unit's weights as an "
     "image (red positive, blue negative, one scale for all units or `scale unit`), other "
     "dense layers as a matrix, conv2d its filters. `show activations N`: test image N "
     "through every layer. `show errors [N] [cols C]`: the first N (36) misclassified test "
     "images, true→predicted under each; reports errors, images and accuracy.",
     1, 12, cmd_show, cmd_show_words},

    /* model */
    {"model", "model new|add|summary|pop|save|load ...",
     "build, inspect, save and load the network (like Keras' Sequential)",
     "`model new` starts an empty network. `model add dense N [ACT] [input D] [name NAME]` "
     "adds a fully connected layer, and its activation as a second layer when ACT is "
     "given (so that `model pop` removes it alone); `model add activation "
     "sigmoid|softmax|relu|tanh|linear`; `model add conv2d F KxK [ACT] [same|valid] [input "
     "HxWxC]` (stride 1, padding valid by default as Keras; the activation stays part of "
     "the layer); `model add maxpool [2x2]`; `model add flatten`. The first layer takes "
     "the shape of the loaded images when `input` is not given. Weights are drawn when a "
     "layer is added (Glorot uniform, zero biases) from the session seed. A layer that "
     "does not fit the one below is refused, naming both shapes. `model summary` prints "
     "the layers with their output shapes and parameter counts (figure `params`). `model "
     "pop` removes the top layer, keeping the weights of the others. `model save NAME` "
     "writes NAME.model atomically (a NAME without '/' goes to the output folder); `model "
     "load NAME` reads it back, checking everything (docs/model-format.md).",
     1, 16, cmd_model, cmd_model_words},
    {"pop", "pop", "remove the top layer of the model (same as `model pop`)",
     "Removes the top layer of the model; the remaining layers keep their weights, so "
     "`predict` then gives the output of the layer below.",
     0, 0, cmd_pop, NULL},
    {"compile", "compile [loss categorical_crossentropy] [optimizer sgd] [lr R] [metrics accuracy]",
     "choose the loss, the optimiser and its learning rate",
     "Prepares the model for training: the loss (categorical_crossentropy, on a softmax "
     "top layer), the optimiser (sgd: w <- w - lr * gradient) with its learning rate "
     "(default 0.5, the lab's), and the metric (accuracy).",
     0, 8, cmd_compile, cmd_compile_words},
    {"fit", "fit [batch N] [epochs N] [validation F] [verbose 0|1]",
     "train the model on the training set",
     "Runs mini-batch gradient descent over the training set (defaults: the lab's batch "
     "300 and 10 epochs), shuffled every epoch from the session seed, and prints a "
     "progress bar per epoch with the mean loss and accuracy (figures `loss`, `accuracy`, "
     "and `val_loss`, `val_accuracy` with `validation F`, which holds out the last "
     "fraction F of the training set). The epochs are kept for `show curves`. Ctrl-C "
     "stops after the current batch and keeps the weights; a NaN loss stops with the "
     "weights from before the bad step.",
     0, 8, cmd_fit, cmd_fit_words},
    {"evaluate", "evaluate [test|train]", "loss and accuracy of the model on a data set",
     "Computes the mean loss and the accuracy on the test set (or the training set). "
     "Figures: `test_loss` and `test_accuracy` (or `train_...`), and `loss` and "
     "`accuracy` follow the last evaluation.",
     0, 1, cmd_evaluate, cmd_evaluate_words},
    {"predict", "predict [test|train] | predict image FILE.png [to OUT.png]",
     "keep the output of the top layer as features for t-SNE",
     "Runs the model on the test set (or the training set) and keeps the output of the "
     "current top layer, with the labels, as the features `tsne features` embeds (figure "
     "`features_dim`). After `model pop` twice on the lab's MLP, that is the 100 hidden "
     "values after their sigmoid. `predict image FILE.png` classifies your own digit: any "
     "PNG is normalised as MNIST was (grey, ink light on dark, cropped, scaled into 20x20, "
     "centred by its centre of mass in 28x28), shown, and the top three classes printed.",
     0, 4, cmd_predict, cmd_predict_words},

    /* embedding and class separation */
    {"tsne", "tsne raw|features [from test|train|all] [first N] [perplexity P] [init pca|random] [iterations N] [method bh|fft|exact] [knn exact|approx] [pca D] [verbose 0|1|2] [angle A]",
     "embed images or features in 2-D with t-SNE",
     "Runs t-SNE as scikit-learn 1.2 does (PCA init, perplexity 30, early exaggeration 12 "
     "for 250 iterations, 1000 in all) on the loaded images (`raw`: the test images, or "
     "`from train`, or `from all`: the training then the test images, 70000 for MNIST) or "
     "on the last predicted features (`features`). The result is the embedding that hull, "
     "ellipse, nh and plot use. `method`: bh, Barnes-Hut at `angle` (0.5; the default "
     "below 20000 points), fft, the repulsion interpolated on a grid by FFT (FIt-SNE's "
     "method, with the near field exact; the default from 20000 points), exact (all "
     "pairs, slow). `knn`: exact, all pairs (the default below 20000 points), or approx, "
     "candidates among the 64 principal components then exact distances (over 99% of the "
     "exact neighbours on MNIST; the default from 20000 points in more than 128 "
     "dimensions). `pca D` first projects the data on D principal components (FIt-SNE's "
     "practice with 50). `verbose 1` prints each stage with its time and the time left; "
     "Ctrl-C keeps the embedding of the last iteration.",
     1, 23, cmd_tsne, cmd_tsne_words},
    {"hull", "hull", "per-class convex hulls of the embedding",
     "Computes each class's convex hull in the embedding and prints its vertex count and "
     "area.",
     0, 0, cmd_hull, NULL},
    {"ellipse", "ellipse", "per-class Gaussian ellipses of the embedding",
     "Fits a Gaussian to each class of the embedding (mean, maximum-likelihood covariance) "
     "and prints the mean, the axes (2*sqrt(2)*sqrt(eigenvalue)) and the angle.",
     0, 0, cmd_ellipse, NULL},
    {"nh", "nh [k K]", "Neighborhood Hit of the embedding",
     "For each point, the share of its K nearest other points (default 6) with the same "
     "label, averaged over all points and per class: how well the classes separate.",
     0, 2, cmd_nh, cmd_nh_words},
    {"plot", "plot \"NAME\" [to FILE] [size WxH]",
     "the lab's 3-panel figure: points, hulls, ellipses",
     "Draws the embedding three times, stacked: points coloured by class titled "
     "\"NAME NH=xx.x%\", the convex hulls, and the fitted ellipses.",
     0, 5, cmd_plot, cmd_plot_words},

    /* session */
    {"set", "set seed N | threads N | term auto|kitty|sixel|blocks|ascii|none | output DIR",
     "change a setting",
     "`set seed N` reseeds the random generator (weights, shuffling, t-SNE); `set threads "
     "N` the number of threads; `set term` how pictures reach the terminal; `set output "
     "DIR` the folder pictures are written to.",
     2, 2, cmd_set, cmd_set_words},
    {"expect", "expect NAME ==|!=|<|<=|>|>=|~ VALUE [quick VALUE]",
     "check a figure a command reported (lessons check themselves)",
     "Compares a figure the last commands reported (`figures` lists them: accuracy, "
     "loss, params, nh...) with a value or with another figure (`expect nh > nh_raw`), and "
     "fails with the place in the lesson when the comparison is false. `~` allows 1% relative difference. `quick VALUE` is the "
     "threshold used in quick replays on subsets.",
     3, 5, cmd_expect, cmd_expect_words},
    {"figures", "figures", "list the figures `expect` can check",
     "Prints every figure reported so far with its value.", 0, 0, cmd_figures, NULL},
    {"keep", "keep FIGURE as NAME", "keep a figure under another name, to compare later",
     "Copies a reported figure under a new name, so that a later command reporting the "
     "same figure does not replace it: `keep nh as nh_raw`, then later `expect nh > nh_raw`.",
     3, 3, cmd_keep, NULL},
    {"need", "need FILE from LESSON.md", "make sure a file exists, replaying its lesson if not",
     "When FILE (a bare name is looked for in the output folder) is missing, replays the "
     "lesson that writes it, saying so, then goes on: `need mlp.model from 02-mlp.md`. The "
     "lesson path is relative to the lesson being replayed.",
     3, 3, cmd_need, NULL},
    {"echo", "echo TEXT...", "print a line", "Prints its words separated by spaces.", 0, -1,
     cmd_echo, NULL},
    {"help", "help [COMMAND]", "list commands, or explain one",
     "Without argument, lists every command with its synopsis. `help CMD` explains one.",
     0, 1, cmd_help, NULL},
    {"quit", "quit", "leave untangle", "Ends the session (Ctrl-D does too).", 0, 0, cmd_quit, NULL},
    {"exit", "exit", "leave untangle", "Ends the session (Ctrl-D does too).", 0, 0, cmd_quit, NULL},
    {NULL, NULL, NULL, NULL, 0, 0, NULL, NULL},
};

const CmdSpec *cmd_find(const char *name)
{
    for (const CmdSpec *c = cmd_table; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

/* Levenshtein distance, small strings only (command names). */
static size_t edit_distance(const char *a, const char *b)
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
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = diag + cost;
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

const CmdSpec *cmd_nearest(const char *name)
{
    const CmdSpec *best = NULL;
    size_t best_d = 4;
    for (const CmdSpec *c = cmd_table; c->name; c++) {
        size_t d = edit_distance(name, c->name);
        if (d < best_d) {
            best_d = d;
            best = c;
        }
    }
    return best;
}
