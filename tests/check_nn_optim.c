/* check_nn_optim.c: each optimiser against its update formula on a small case
 * (Keras' SGD, SGD with momentum and Nesterov, Adam), their defaults, their state
 * in model files, and `compile optimizer ...` through the shell. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testshell.h"
#include "testutil.h"
#include "untangle/frontend/run.h"
#include "untangle/nn/nn_optim.h"

#define N 3
#define STEPS 4

/* Gradients of four steps, of both signs and sizes. */
static const double grads[STEPS][N] = {
    {0.5, -1.25, 0.01}, {0.25, -0.5, -2.0}, {-0.75, 0.125, 0.3}, {1.5, 1.0, -0.2}};
static const double w0[N] = {0.3, -0.7, 1.1};

/* Runs the registry's step STEPS times and returns the weights. */
static void run_steps(const NnOptimizer *o, float w[N])
{
    const NnOptimizerOps *ops = nn_optimizer_ops(o->name);
    ck_assert_ptr_nonnull(ops);
    float state[2 * N] = {0};
    for (int i = 0; i < N; i++)
        w[i] = (float)w0[i];
    for (uint64_t t = 0; t < STEPS; t++) {
        float g[N];
        for (int i = 0; i < N; i++)
            g[i] = (float)grads[t][i];
        ops->step(o, w, g, state, N, t);
    }
}

static void assert_close(const float *got, const double *want, const char *what)
{
    for (int i = 0; i < N; i++)
        ck_assert_msg(fabs(got[i] - want[i]) <= 1e-5 * (1 + fabs(want[i])),
                      "%s: w[%d] = %.9g, the formula gives %.9g", what, i, got[i], want[i]);
}

START_TEST(sgd_formula)
{
    NnOptimizer o;
    Err e;
    ck_assert_int_eq(nn_optimizer_defaults("sgd", &o, &e), 0);
    ck_assert(o.lr == 0.01); /* Keras' default */
    o.lr = 0.1;
    float w[N];
    run_steps(&o, w);
    double want[N];
    for (int i = 0; i < N; i++) {
        want[i] = w0[i];
        for (int t = 0; t < STEPS; t++)
            want[i] -= 0.1 * grads[t][i];
    }
    assert_close(w, want, "sgd");
}
END_TEST

START_TEST(momentum_formula)
{
    for (int nesterov = 0; nesterov < 2; nesterov++) {
        NnOptimizer o;
        Err e;
        ck_assert_int_eq(nn_optimizer_defaults("momentum", &o, &e), 0);
        ck_assert(o.lr == 0.01 && o.momentum == 0.9 && o.nesterov == 0);
        o.lr = 0.05;
        o.nesterov = nesterov;
        float w[N];
        run_steps(&o, w);
        double want[N];
        for (int i = 0; i < N; i++) {
            double v = 0, x = w0[i];
            for (int t = 0; t < STEPS; t++) {
                /* Keras: velocity = momentum * velocity - lr * g */
                v = 0.9 * v - 0.05 * grads[t][i];
                x += nesterov ? 0.9 * v - 0.05 * grads[t][i] : v;
            }
            want[i] = x;
        }
        assert_close(w, want, nesterov ? "nesterov" : "momentum");
    }
}
END_TEST

START_TEST(adam_formula)
{
    NnOptimizer o;
    Err e;
    ck_assert_int_eq(nn_optimizer_defaults("adam", &o, &e), 0);
    ck_assert(o.lr == 0.001 && o.beta_1 == 0.9 && o.beta_2 == 0.999 && o.epsilon == 1e-7);
    o.lr = 0.02;
    float w[N];
    run_steps(&o, w);
    double want[N];
    for (int i = 0; i < N; i++) {
        double m = 0, v = 0, x = w0[i];
        for (int t = 1; t <= STEPS; t++) {
            double g = grads[t - 1][i];
            m += (g - m) * (1 - 0.9);
            v += (g * g - v) * (1 - 0.999);
            double alpha = 0.02 * sqrt(1 - pow(0.999, t)) / (1 - pow(0.9, t));
            x -= alpha * m / (sqrt(v) + 1e-7);
        }
        want[i] = x;
    }
    assert_close(w, want, "adam");
}
END_TEST

static int run(Captured *c, const char *line)
{
    int rc = shell_run_line(&c->sh, line);
    fflush(c->sh.out);
    fflush(c->sh.err);
    return rc;
}

/* Through the line a user types: the names and defaults, the refusals. */
START_TEST(compile_command)
{
    Captured c;
    cap_open(&c);
    ck_assert_int_eq(run(&c, "model new; model add dense 10 softmax input 63"), CMD_OK);
    ck_assert_int_eq(run(&c, "compile optimizer momentum lr 0.1 nesterov"), CMD_OK);
    const NnOptimizer *o = &c.sh.model->compile.opt;
    ck_assert_str_eq(o->name, "momentum");
    ck_assert(o->lr == 0.1 && o->momentum == 0.9 && o->nesterov == 1);
    ck_assert_ptr_nonnull(strstr(c.out, "optimizer momentum lr 0.1 momentum 0.9 nesterov"));
    ck_assert_int_eq(run(&c, "compile optimizer adam"), CMD_OK);
    ck_assert(o->lr == 0.001 && o->beta_2 == 0.999);
    ck_assert_int_eq(run(&c, "compile lr 0.5"), CMD_OK);
    ck_assert_str_eq(o->name, "sgd");
    ck_assert_int_eq(run(&c, "compile optimizer adm"), CMD_ERR);
    ck_assert_ptr_nonnull(strstr(c.sh.errmsg, "bad optimizer 'adm'; did you mean 'adam'? (should "
                                              "be sgd, momentum or adam)"));
    ck_assert_int_eq(run(&c, "compile optimizer sgd nesterov"), CMD_ERR);
    ck_assert_int_eq(run(&c, "compile optimizer adam beta_1 1"), CMD_ERR);
    ck_assert_ptr_nonnull(strstr(c.sh.errmsg, "beta_1 1 is out of range"));
    ck_assert_str_eq(o->name, "sgd"); /* the failed compiles changed nothing */
    cap_close(&c);
}
END_TEST

/* The optimiser's state travels in the model file: training on after a load
 * gives the weights training on without it gives. */
START_TEST(state_saved_and_resumed)
{
    const char *opts[] = {"optimizer momentum lr 0.05 nesterov", "optimizer adam lr 0.01"};
    for (int k = 0; k < 2; k++) {
        Captured a, b;
        cap_open(&a);
        cap_open(&b);
        synthetic(0.3f, 0.8f, &a.sh.train, 120, 4);
        synthetic(0.3f, 0.8f, &b.sh.train, 120, 4);
        snprintf(a.sh.data_name, sizeof a.sh.data_name, "synthetic");
        snprintf(b.sh.data_name, sizeof b.sh.data_name, "synthetic");
        char line[1400], path[1200];
        snprintf(line, sizeof line, "model new; model add dense 12 relu input 63; model add "
                                    "dense 10 softmax; compile %s; fit batch 20 epochs 1 "
                                    "verbose 0", opts[k]);
        ck_assert_msg(run(&a, line) == CMD_OK, "%s", a.sh.errmsg);
        ck_assert_uint_eq(a.sh.model->n_opt_state,
                          (k ? 2 : 1) * a.sh.model->n_params);
        snprintf(path, sizeof path, "%s/m", a.dir);
        snprintf(line, sizeof line, "model save %s", path);
        ck_assert_int_eq(run(&a, line), CMD_OK);
        snprintf(line, sizeof line, "model load %s", path);
        ck_assert_msg(run(&b, line) == CMD_OK, "%s", b.sh.errmsg);
        ck_assert_uint_eq(b.sh.model->opt_steps, a.sh.model->opt_steps);
        ck_assert_int_eq(memcmp(b.sh.model->opt_state, a.sh.model->opt_state,
                                a.sh.model->n_opt_state * sizeof(float)), 0);
        ck_assert_int_eq(memcmp(a.sh.model->params, b.sh.model->params,
                                a.sh.model->n_params * sizeof(float)), 0);
        ck_assert_int_eq(a.sh.model->epochs_trained, b.sh.model->epochs_trained);
        ck_assert(memcmp(&a.sh.rng, &b.sh.rng, sizeof a.sh.rng) == 0);
        ck_assert_int_eq(run(&a, "fit batch 20 epochs 1 verbose 0"), CMD_OK);
        ck_assert_int_eq(run(&b, "fit batch 20 epochs 1 verbose 0"), CMD_OK);
        ck_assert_msg(memcmp(a.sh.model->params, b.sh.model->params,
                             a.sh.model->n_params * sizeof(float)) == 0,
                      "%s: training on after a load differs", opts[k]);
        cap_close(&a);
        cap_close(&b);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nn_optim");
    TCase *t = tcase_create("core");
    tcase_add_test(t, sgd_formula);
    tcase_add_test(t, momentum_formula);
    tcase_add_test(t, adam_formula);
    tcase_add_test(t, compile_command);
    tcase_add_test(t, state_saved_and_resumed);
    suite_add_tcase(s, t);
    return tu_run_suite(s);
}
