/* digit.c: `predict image FILE.png`, a person's own digit through the session's
 * model (see commands_extra.h). The picture is normalised as MNIST's were
 * (digit.h), shown beside the original with the class probabilities, and the three
 * most probable classes are printed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "untangle/core/i18n.h"
#include "untangle/commands/commands_extra.h"
#include "untangle/data/digit.h"
#include "untangle/render/digit_view.h"
#include "untangle/nn/nn.h"
#include "untangle/render/png.h"

#define PI_CLASSES 10
#define PI_TOP 3

/* The model must read a 28x28 picture (784 values, or 28x28x1) and give
 * probabilities of the 10 classes (a softmax on top). */
static int check_model(Shell *sh)
{
    const Model *m = sh->model;
    if (!m || m->n_layers == 0)
        return sh_error(sh, _("there is no model; build and train one first (`model new`, "
                            "`model add dense 10 softmax input 784`, `compile`, `fit`)"));
    char shp[64];
    NnShape in = m->input;
    int flat = in.rank == 1 && in.d[0] == DIGIT_PIXELS;
    int image = in.rank == 3 && in.d[0] == DIGIT_SIDE && in.d[1] == DIGIT_SIDE && in.d[2] == 1;
    if (!flat && !image)
        return sh_error(sh, _("the model reads %s inputs, not a %dx%d digit; build it with "
                            "`input 784` or `input 28x28x1`"),
                        nn_shape_str(in, shp, sizeof shp), DIGIT_SIDE, DIGIT_SIDE);
    size_t top = m->n_layers - 1;
    NnShape out = model_output_shape(m);
    const NnLayerSpec *s = model_layer_spec(m, top);
    if (out.rank != 1 || out.d[0] != PI_CLASSES || !nn_kind_is(s, "activation") ||
        s->act != NN_ACT_SOFTMAX)
        return sh_error(sh, _("the top layer '%s' gives %s values, not the probabilities of the "
                            "%d classes; add `model add dense 10 softmax` on top (or `pop` "
                            "back to it)"), model_layer_name(m, top),
                        nn_shape_str(out, shp, sizeof shp), PI_CLASSES);
    return 0;
}

static int predict_image_run(Shell *sh, const CmdArgs *a)
{
    const char *path = cmd_text(a, "file");
    if (check_model(sh) != 0)
        return CMD_ERR;

    Err e;
    err_clear(&e);
    Canvas *img = png_read_file(path, &e);
    if (!img)
        return sh_error_err(sh, &e);
    float digit[DIGIT_PIXELS]; /* (28, 28) */
    DigitInfo di;
    float *probs = NULL;
    size_t dim = 0;
    int rc = CMD_ERR;
    if (digit_normalize(img, digit, &di, &e) != 0) {
        rc = sh_error(sh, "%s: %s", path, e.msg);
        goto out;
    }
    /* (28, 28) and (28, 28, 1) channels-last are the same 784 floats */
    if (model_predict(sh->model, digit, 1, &probs, &dim, &e) != 0) {
        rc = sh_error_err(sh, &e);
        goto out;
    }
    sh_printf(sh, _("%s: %dx%d, %s background%s; ink %dx%d at (%d, %d) scaled to %dx%d, "
                  "centred by its centre of mass in %dx%d\n"),
              path, img->w, img->h, di.inverted ? _("light") : _("dark"),
              di.inverted ? _(" (inverted: MNIST digits are light on black)") : "", di.box_w,
              di.box_h, di.box_x, di.box_y, di.scaled_w, di.scaled_h, DIGIT_SIDE, DIGIT_SIDE);

    int box[4] = {di.off_x, di.off_y, di.scaled_w, di.scaled_h};
    Canvas *view = digit_view(img, digit, DIGIT_SIDE, box, probs, dim, &e);
    if (!view) {
        rc = sh_error_err(sh, &e);
        goto out;
    }
    rc = sh_show_picture(sh, view, "digit", cmd_text(a, "to"));
    canvas_free(view);
    if (rc != CMD_OK) {
        rc = CMD_ERR;
        goto out;
    }
    /* the three most probable classes, best first */
    int order[PI_CLASSES];
    for (int i = 0; i < PI_CLASSES; i++)
        order[i] = i;
    for (int i = 0; i < PI_TOP; i++)
        for (int j = i + 1; j < PI_CLASSES; j++)
            if (probs[order[j]] > probs[order[i]]) {
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
    sh_printf(sh, _("predicted %d (probability %.4f)\n"), order[0], probs[order[0]]);
    for (int i = 0; i < PI_TOP; i++)
        sh_printf(sh, _("  %d. class %d  %.4f\n"), i + 1, order[i], probs[order[i]]);
    sh_report_model(sh, "predicted", order[0]);
    sh_report_model(sh, "probability", probs[order[0]]);
    rc = CMD_OK;
out:
    free(probs);
    canvas_free(img);
    return rc;
}

static const Param predict_image_params[] = {
    {.name = "file", .type = PARAM_WORD, .place = PARAM_POS, .meta = N_("FILE.png"),
     .complete = PARAM_COMPLETE_FILE, .help = N_("a PNG picture of one digit")},
    CMD_PARAM_TO,
    {0},
};

const CmdSpec predict_image_spec = {
    .name = "image",
    .summary = N_("classify your own digit from any PNG"),
    .help = N_("The picture is normalised as MNIST was (grey, ink light on dark, cropped, "
            "scaled into 20x20, centred by its centre of mass in 28x28), shown, and the top "
            "three classes printed. Reports `predicted` and `probability`."),
    .params = predict_image_params,
    .handler = predict_image_run,
};
