/* check_nn_train.c: training on a small synthetic set: the loss falls, the same
 * seed gives the same weights, Ctrl-C and NaN stop cleanly; and the commands
 * (model, compile, fit, evaluate, predict, save, load) through the shell. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testshell.h"
#include "testutil.h"
#include "untangle/core/blas.h"
#include "untangle/core/interrupt.h"
#include "untangle/nn/nn.h"
#include "untangle/frontend/run.h"
#include "untangle/core/xalloc.h"

static Model *mlp(uint64_t seed, NnAct hidden)
{
    Model *m = model_new();
    Rng r;
    rng_seed(&r, seed);
    Err e;
    NnShape in = {1, {63, 0, 0}};
    NnLayerSpec s[] = {{.kind = "dense", .units = 17},
                       {.kind = "activation", .act = hidden},
                       {.kind = "dense", .units = 10},
                       {.kind = "activation", .act = NN_ACT_SOFTMAX}};
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(model_add(m, &s[i], i ? NULL : &in, &r, &e), 0);
    return m;
}

static Model *cnn(uint64_t seed)
{
    Model *m = model_new();
    Rng r;
    rng_seed(&r, seed);
    Err e;
    NnShape in = {3, {9, 7, 1}};
    NnLayerSpec s[] = {{.kind = "conv2d", .filters = 6, .kh = 3, .kw = 3,
                        .padding = NN_PAD_SAME, .act = NN_ACT_RELU},
                       {.kind = "maxpool", .ph = 2, .pw = 2},
                       {.kind = "flatten"},
                       {.kind = "dense", .units = 10},
                       {.kind = "activation", .act = NN_ACT_SOFTMAX}};
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(model_add(m, &s[i], i ? NULL : &in, &r, &e), 0);
    return m;
}

/* A CNN with the later layers (avgpool, dropout), trained with Adam. */
static Model *cnn_dropout(uint64_t seed)
{
    Model *m = model_new();
    Rng r;
    rng_seed(&r, seed);
    Err e;
    NnShape in = {3, {9, 7, 1}};
    NnLayerSpec s[] = {{.kind = "conv2d", .filters = 6, .kh = 3, .kw = 3,
                        .padding = NN_PAD_SAME, .act = NN_ACT_RELU},
                       {.kind = "avgpool", .ph = 2, .pw = 2},
                       {.kind = "dropout", .rate = 0.3},
                       {.kind = "flatten"},
                       {.kind = "dense", .units = 10},
                       {.kind = "activation", .act = NN_ACT_SOFTMAX}};
    for (int i = 0; i < 6; i++)
        ck_assert_int_eq(model_add(m, &s[i], i ? NULL : &in, &r, &e), 0);
    return m;
}

static void compile_adam(Model *m)
{
    NnOptimizer o;
    Err e;
    ck_assert_int_eq(nn_optimizer_defaults("adam", &o, &e), 0);
    o.lr = 0.01;
    ck_assert_msg(model_compile_with(m, NN_LOSS_CCE, &o, 1, &e) == 0, "%s", e.msg);
}

START_TEST(loss_falls_mlp_and_cnn)
{
    Dataset train = {0}, test = {0};
    synthetic(0.3f, 0.8f, &train, 613, 1);
    synthetic(0.3f, 0.8f, &test, 211, 2);
    for (int which = 0; which < 3; which++) {
        Model *m = which == 2 ? cnn_dropout(3) : which ? cnn(3) : mlp(3, NN_ACT_SIGMOID);
        Err e;
        double loss0, acc0, loss1, acc1;
        if (which == 2)
            compile_adam(m);
        else
            ck_assert_int_eq(model_compile(m, NN_LOSS_CCE, 0.5, 1, &e), 0);
        ck_assert_int_eq(model_evaluate(m, &test, &loss0, &acc0, &e), 0);
        NnFitOptions o = {32, 12, 0.1};
        Rng r;
        rng_seed(&r, 5);
        NnFitResult res;
        ck_assert_msg(model_fit(m, &train, &o, &r, NULL, NULL, &res, &e) == 0, "%s", e.msg);
        ck_assert_int_eq(res.epochs_done, 12);
        ck_assert_uint_eq(m->history.n, 12);
        ck_assert(m->history.loss[11] < m->history.loss[0]);
        ck_assert(!isnan(res.val_loss));
        ck_assert_int_eq(model_evaluate(m, &test, &loss1, &acc1, &e), 0);
        ck_assert_msg(loss1 < 0.5 * loss0 && acc1 > 0.9, "model %d: loss %g -> %g, acc %g",
                      which, loss0, loss1, acc1);
        model_free(m);
    }
    dataset_free(&train);
    dataset_free(&test);
}
END_TEST

START_TEST(same_seed_same_training)
{
    Dataset train = {0};
    synthetic(0.3f, 0.8f, &train, 301, 7);
    Model *a = cnn(11), *b = cnn(11);
    Err e;
    NnFitOptions o = {50, 2, 0};
    for (int k = 0; k < 2; k++) {
        Model *m = k ? b : a;
        ck_assert_int_eq(model_compile(m, NN_LOSS_CCE, 0.1, 1, &e), 0);
        Rng r;
        rng_seed(&r, 99);
        NnFitResult res;
        ck_assert_int_eq(model_fit(m, &train, &o, &r, NULL, NULL, &res, &e), 0);
    }
    ck_assert_int_eq(memcmp(a->params, b->params, a->n_params * sizeof(float)), 0);
    model_free(a);
    model_free(b);
    dataset_free(&train);
}
END_TEST

/* The batch is cut into NN_SHARDS fixed slices whose gradients are summed in
 * order, so 1, 2 or 3 threads give the same weights to the last bit, also with
 * a batch smaller than the shard count (empty shards) and a ragged last batch;
 * and OpenBLAS gets its thread count back afterwards. */
START_TEST(same_weights_any_thread_count)
{
    Dataset train = {0}, test = {0};
    synthetic(0.3f, 0.8f, &train, 157, 7);
    synthetic(0.3f, 0.8f, &test, 41, 8);
    const size_t batches[] = {50, 3};
    for (int which = 0; which < 3; which++)
        for (size_t bi = 0; bi < 2; bi++) {
            Model *ref = NULL;
            float *ref_pred = NULL;
            for (int threads = 1; threads <= 3; threads++) {
                /* the third: dropout draws from each shard's own stream */
                Model *m = which == 2 ? cnn_dropout(11) : which ? cnn(11) : mlp(11, NN_ACT_TANH);
                Err e;
                model_set_threads(m, threads);
                if (which == 2)
                    compile_adam(m);
                else
                    ck_assert_int_eq(model_compile(m, NN_LOSS_CCE, 0.1, 1, &e), 0);
                NnFitOptions o = {batches[bi], 2, 0};
                Rng r;
                rng_seed(&r, 99);
                NnFitResult res;
                blas_set_threads(2);
                ck_assert_msg(model_fit(m, &train, &o, &r, NULL, NULL, &res, &e) == 0, "%s",
                              e.msg);
                ck_assert_int_eq(blas_threads(), 2);
                float *pred;
                size_t dim;
                ck_assert_int_eq(model_predict(m, test.x, test.n, &pred, &dim, &e), 0);
                if (!ref) {
                    ref = m;
                    ref_pred = pred;
                    continue;
                }
                ck_assert_msg(memcmp(ref->params, m->params, m->n_params * sizeof(float)) == 0,
                              "model %d, batch %zu: %d threads change the weights", which,
                              batches[bi], threads);
                ck_assert_msg(memcmp(ref_pred, pred, test.n * dim * sizeof(float)) == 0,
                              "model %d: %d threads change the predictions", which, threads);
                free(pred);
                model_free(m);
            }
            free(ref_pred);
            model_free(ref);
        }
    dataset_free(&train);
    dataset_free(&test);
}
END_TEST

static void stop_after_two(void *ctx, const NnProgress *p)
{
    (void)ctx;
    if (p->batch == 2)
        interrupt_flag = 1;
}

START_TEST(interrupt_keeps_last_batch)
{
    Dataset train = {0};
    synthetic(0.3f, 0.8f, &train, 200, 8);
    Model *m = mlp(4, NN_ACT_SIGMOID);
    Err e;
    ck_assert_int_eq(model_compile(m, NN_LOSS_CCE, 0.5, 1, &e), 0);
    float *before = xmalloc_floats(m->n_params);
    memcpy(before, m->params, m->n_params * sizeof(float));
    NnFitOptions o = {20, 5, 0};
    Rng r;
    rng_seed(&r, 1);
    NnFitResult res;
    ck_assert_int_eq(model_fit(m, &train, &o, &r, stop_after_two, NULL, &res, &e), -1);
    interrupt_clear();
    ck_assert(e.interrupted);
    ck_assert_int_eq(res.epochs_done, 0);
    ck_assert_uint_eq(m->history.n, 0);
    ck_assert_int_ne(memcmp(before, m->params, m->n_params * sizeof(float)), 0);
    free(before);
    model_free(m);
    dataset_free(&train);
}
END_TEST

START_TEST(nan_stops_with_weights_before)
{
    Dataset train = {0};
    synthetic(0.3f, 0.8f, &train, 100, 9);
    /* a NaN weight: the very first loss is NaN, nothing is updated */
    Model *m = mlp(4, NN_ACT_RELU);
    Err e;
    ck_assert_int_eq(model_compile(m, NN_LOSS_CCE, 0.5, 1, &e), 0);
    m->params[5] = NAN;
    float *before = xmalloc_floats(m->n_params);
    memcpy(before, m->params, m->n_params * sizeof(float));
    NnFitOptions o = {10, 3, 0};
    Rng r;
    rng_seed(&r, 1);
    NnFitResult res;
    ck_assert_int_eq(model_fit(m, &train, &o, &r, NULL, NULL, &res, &e), -1);
    ck_assert_msg(strstr(e.msg, "became NaN at epoch 1, batch 1") && strstr(e.msg, "lr"), "%s",
                  e.msg);
    ck_assert_int_eq(memcmp(before, m->params, m->n_params * sizeof(float)), 0);
    model_free(m);
    /* a huge learning rate: fit stops or finishes, and the weights stay finite */
    m = mlp(4, NN_ACT_RELU);
    ck_assert_int_eq(model_compile(m, NN_LOSS_CCE, 1e6, 1, &e), 0);
    for (size_t i = 0; i < m->n_params; i++)
        m->params[i] *= 1e30f;
    model_fit(m, &train, &o, &r, NULL, NULL, &res, &e);
    for (size_t i = 0; i < m->n_params; i++)
        ck_assert(isfinite(m->params[i]));
    free(before);
    model_free(m);
    dataset_free(&train);
}
END_TEST

/* ---- the commands ---- */

/* A captured shell holding small synthetic data. */
static void cap_open_data(Captured *c)
{
    cap_open(c);
    synthetic(0.3f, 0.8f, &c->sh.train, 400, 21);
    synthetic(0.3f, 0.8f, &c->sh.test, 150, 22);
}

static int run(Captured *c, const char *line)
{
    int rc = shell_run_line(&c->sh, line);
    fflush(c->sh.out);
    fflush(c->sh.err);
    return rc;
}

static double fig(Captured *c, const char *name)
{
    double v = NAN;
    ck_assert_msg(sh_figure(&c->sh, name, &v) == 0, "no figure %s", name);
    return v;
}

START_TEST(commands_build_train_predict)
{
    Captured c;
    cap_open_data(&c);
    ck_assert_int_eq(run(&c, "model new"), CMD_OK);
    ck_assert_int_eq(run(&c, "fit"), CMD_ERR); /* no layer */
    ck_assert_int_eq(run(&c, "model add dense 30 sigmoid input 63"), CMD_OK);
    ck_assert_int_eq(run(&c, "model add dense 10 softmax"), CMD_OK);
    ck_assert_int_eq(run(&c, "model summary"), CMD_OK);
    ck_assert(fig(&c, "params") == 63 * 30 + 30 + 310);
    ck_assert_ptr_nonnull(strstr(c.out, "activation_1 (Activation)"));
    ck_assert_ptr_nonnull(strstr(c.out, "Total params: 2,230"));
    ck_assert_int_eq(run(&c, "fit epochs 2"), CMD_ERR); /* before compile */
    ck_assert_ptr_nonnull(strstr(c.sh.errmsg, "compile"));
    ck_assert_int_eq(run(&c, "compile lr 0"), CMD_ERR);
    ck_assert_int_eq(run(&c, "compile lr abc"), CMD_ERR);
    ck_assert_int_eq(run(&c, "compile loss mse"), CMD_ERR);
    ck_assert_int_eq(c.sh.model->compile.compiled, 0);
    ck_assert_int_eq(run(&c, "compile loss categorical_crossentropy optimizer sgd lr 0.5 "
                             "metrics accuracy"), CMD_OK);
    ck_assert_int_eq(run(&c, "fit batch 0"), CMD_ERR);
    ck_assert_int_eq(run(&c, "fit batch 32 epochs 15 validation 0.1"), CMD_OK);
    ck_assert_ptr_nonnull(strstr(c.out, "Epoch 15/15"));
    ck_assert_ptr_nonnull(strstr(c.out, "val_accuracy"));
    ck_assert_uint_eq(c.sh.model->history.n, 15);
    ck_assert(fig(&c, "accuracy") > 0.8);
    ck_assert_int_eq(run(&c, "evaluate"), CMD_OK);
    ck_assert(fig(&c, "test_accuracy") > 0.8);
    ck_assert(fig(&c, "accuracy") == fig(&c, "test_accuracy"));
    /* pop twice: the features are the 30 hidden units after their sigmoid */
    ck_assert_int_eq(run(&c, "model pop; pop"), CMD_OK);
    ck_assert_int_eq(run(&c, "evaluate"), CMD_ERR);
    ck_assert_int_eq(run(&c, "predict"), CMD_OK);
    ck_assert(fig(&c, "features_dim") == 30);
    ck_assert_uint_eq(c.sh.features.n, 150);
    ck_assert_uint_eq(c.sh.features.d, 30);
    ck_assert_int_eq(memcmp(c.sh.features.y, c.sh.test.y, 150), 0);
    ck_assert_str_eq(c.sh.features.name, "activation_1 output on test");
    ck_assert_int_eq(run(&c, "predict train"), CMD_OK);
    ck_assert_uint_eq(c.sh.features.n, 400);
    cap_close(&c);
}
END_TEST

START_TEST(commands_shape_errors_leave_model)
{
    Captured c;
    cap_open_data(&c);
    ck_assert_int_eq(run(&c, "model new; model add conv2d 4 3x3 relu same input 9x7x1"), CMD_OK);
    ck_assert_int_eq(run(&c, "model add maxpool 2x2"), CMD_OK);
    ck_assert_int_eq(run(&c, "model add dense 10 softmax"), CMD_ERR);
    ck_assert_msg(strstr(c.sh.errmsg, "(4, 3, 4)") && strstr(c.sh.errmsg, "flatten"), "%s",
                  c.sh.errmsg);
    ck_assert_uint_eq(c.sh.model->n_layers, 2);
    ck_assert_int_eq(run(&c, "model add conv2d 4 3x3 sigmod"), CMD_ERR);
    ck_assert_int_eq(run(&c, "model add dense 1000000000 input 784"), CMD_ERR);
    ck_assert_uint_eq(c.sh.model->n_layers, 2);
    ck_assert_int_eq(run(&c, "model add flatten; model add dense 10 softmax"), CMD_OK);
    ck_assert_uint_eq(c.sh.model->n_layers, 5);
    /* the default input comes from the loaded images */
    ck_assert_int_eq(run(&c, "model new; model add conv2d 2 3x3 relu valid"), CMD_OK);
    ck_assert_int_eq(c.sh.model->input.d[0], 9);
    ck_assert_int_eq(c.sh.model->input.d[1], 7);
    cap_close(&c);
}
END_TEST

START_TEST(commands_save_load)
{
    Captured c;
    cap_open_data(&c);
    ck_assert_int_eq(run(&c, "model new; model add conv2d 3 3x3 tanh same input 9x7x1; model "
                             "add flatten; model add dense 10 softmax; compile lr 0.3"), CMD_OK);
    ck_assert_int_eq(run(&c, "fit batch 50 epochs 2 verbose 0"), CMD_OK);
    ck_assert_int_eq(run(&c, "evaluate"), CMD_OK);
    double acc = fig(&c, "test_accuracy"), loss = fig(&c, "test_loss");
    ck_assert_int_eq(run(&c, "model save net"), CMD_OK);
    char path[1200];
    snprintf(path, sizeof path, "%s/net.model", c.dir);
    ck_assert_int_eq(access(path, F_OK), 0);
    /* a corrupted file is refused and the current model stays */
    char bad[1200];
    snprintf(bad, sizeof bad, "%s/bad.model", c.dir);
    tu_write_file(bad, "UNTGLMDL\1\0\0\0garbage", 19);
    Model *keep = c.sh.model;
    char cmd[1300];
    snprintf(cmd, sizeof cmd, "model load %s", bad);
    ck_assert_int_eq(run(&c, cmd), CMD_ERR);
    ck_assert_ptr_eq(c.sh.model, keep);
    ck_assert_int_eq(run(&c, "model new"), CMD_OK);
    ck_assert_int_eq(run(&c, "model load net; evaluate"), CMD_OK);
    ck_assert(fig(&c, "test_accuracy") == acc);
    ck_assert(fig(&c, "test_loss") == loss);
    ck_assert_uint_eq(c.sh.model->history.n, 2);
    /* a lesson may not save outside the output folder */
    c.sh.depth = 1;
    ck_assert_int_eq(run(&c, "model save /tmp/untangle-nn-test-outside"), CMD_ERR);
    ck_assert_int_ne(access("/tmp/untangle-nn-test-outside.model", F_OK), 0);
    c.sh.depth = 0;
    cap_close(&c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nn_train");
    TCase *t = tcase_create("core");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, loss_falls_mlp_and_cnn);
    tcase_add_test(t, same_seed_same_training);
    tcase_add_test(t, same_weights_any_thread_count);
    tcase_add_test(t, interrupt_keeps_last_batch);
    tcase_add_test(t, nan_stops_with_weights_before);
    tcase_add_test(t, commands_build_train_predict);
    tcase_add_test(t, commands_shape_errors_leave_model);
    tcase_add_test(t, commands_save_load);
    suite_add_tcase(s, t);
    return tu_run_suite(s);
}
