/* check_nn_layers.c: every layer's backward against finite differences, the
 * BLAS wrapper against the naive product, softmax cross-entropy. Sizes are odd
 * and asymmetric so that a transposed index or a swapped H and W shows. */
#include <math.h>
#include <string.h>

#include "testutil.h"
#include "untangle/core/blas.h"
#include "untangle/nn/nn_layer.h"
#include "untangle/core/xalloc.h"

/* f(x, params) = sum(r * y): its gradient with respect to y is r. */
static double objective(NnLayer *l, NnScratch *s, const float *x, const float *r, float *y,
                        size_t n)
{
    l->ops->forward(l, s, x, y, n, 1);
    size_t out = n * nn_shape_size(l->out);
    double f = 0;
    for (size_t i = 0; i < out; i++)
        f += (double)r[i] * y[i];
    return f;
}

static int close_enough(double num, double ana, double tol)
{
    return fabs(num - ana) <= tol * (1.0 + fabs(num) + fabs(ana));
}

/* Builds a one-layer model on `in`, draws x, r and the weights, and compares
 * backward's dx, dw, db with central differences of f. `distinct` draws x as
 * well-separated values (maxpool needs no near ties). */
static void gradcheck(const NnLayerSpec *spec, NnShape in, size_t n, double eps, double tol,
                      int distinct)
{
    Model *m = model_new();
    Err e;
    Rng rng;
    rng_seed(&rng, 12345);
    ck_assert_msg(model_add(m, spec, &in, &rng, &e) == 0, "%s", e.msg);
    NnLayer *l = m->layers[0];
    /* biases start at zero: give them values so their gradient is exercised */
    for (size_t i = 0; i < l->n_biases; i++)
        l->b[i] = rng_uniform_range(&rng, -0.5f, 0.5f);
    size_t nin = n * nn_shape_size(l->in), nout = n * nn_shape_size(l->out);
    float *x = xmalloc_floats(nin), *r = xmalloc_floats(nout), *y = xmalloc_floats(nout);
    float *dy = xmalloc_floats(nout), *dx = xmalloc_floats(nin);
    if (distinct) {
        uint32_t *perm = xmalloc(nin * sizeof *perm);
        for (size_t i = 0; i < nin; i++)
            perm[i] = (uint32_t)i;
        rng_shuffle_indices(&rng, perm, nin);
        for (size_t i = 0; i < nin; i++)
            x[i] = (float)perm[i] * 0.05f - 1.0f;
        free(perm);
    } else {
        for (size_t i = 0; i < nin; i++)
            x[i] = rng_uniform_range(&rng, -1.5f, 1.5f);
    }
    for (size_t i = 0; i < nout; i++)
        r[i] = rng_uniform_range(&rng, -1.0f, 1.0f);
    NnScratch s = {0};
    s.cap = nn_layer_scratch(l, n);
    s.col = xmalloc_floats(s.cap);
    s.dcol = xmalloc_floats(s.cap);
    s.grads = m->grads;

    objective(l, &s, x, r, y, n);
    memcpy(dy, r, nout * sizeof(float));
    memset(m->grads, 0, m->n_params * sizeof(float));
    l->ops->backward(l, &s, x, y, dy, dx, n);

    for (size_t i = 0; i < nin; i++) {
        float keep = x[i];
        x[i] = keep + (float)eps;
        double fp = objective(l, &s, x, r, y, n);
        x[i] = keep - (float)eps;
        double fm = objective(l, &s, x, r, y, n);
        x[i] = keep;
        double num = (fp - fm) / (2 * eps);
        ck_assert_msg(close_enough(num, dx[i], tol), "%s: dx[%zu] = %g, finite difference %g",
                      spec->kind, i, dx[i], num);
    }
    for (size_t i = 0; i < m->n_params; i++) {
        float keep = m->params[i];
        m->params[i] = keep + (float)eps;
        double fp = objective(l, &s, x, r, y, n);
        m->params[i] = keep - (float)eps;
        double fm = objective(l, &s, x, r, y, n);
        m->params[i] = keep;
        double num = (fp - fm) / (2 * eps);
        ck_assert_msg(close_enough(num, m->grads[i], tol),
                      "%s: dparam[%zu] = %g, finite difference %g", spec->kind, i,
                      m->grads[i], num);
    }
    free(x);
    free(r);
    free(y);
    free(dy);
    free(dx);
    nn_scratch_free(&s);
    model_free(m);
}

static NnShape flat(int d) { return (NnShape){1, {d, 0, 0}}; }
static NnShape img(int h, int w, int c) { return (NnShape){3, {h, w, c}}; }

START_TEST(dense_backward)
{
    NnLayerSpec s = {.kind = "dense", .units = 5};
    gradcheck(&s, flat(7), 3, 1e-2, 1e-2, 0);
}
END_TEST

START_TEST(activation_backward)
{
    static const NnAct acts[] = {NN_ACT_SIGMOID, NN_ACT_TANH, NN_ACT_SOFTMAX, NN_ACT_LINEAR,
                                 NN_ACT_RELU};
    for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++) {
        NnLayerSpec s = {.kind = "activation", .act = acts[i]};
        /* relu: distinct values keep every input away from the kink at 0 */
        gradcheck(&s, flat(11), 3, 1e-2, 1e-2, acts[i] == NN_ACT_RELU);
    }
}
END_TEST

START_TEST(conv2d_same_backward)
{
    NnLayerSpec s = {.kind = "conv2d", .filters = 4, .kh = 3, .kw = 2, .padding = NN_PAD_SAME,
                     .act = NN_ACT_SIGMOID};
    gradcheck(&s, img(5, 4, 3), 2, 1e-2, 1e-2, 0);
}
END_TEST

START_TEST(conv2d_valid_backward)
{
    NnLayerSpec s = {.kind = "conv2d", .filters = 3, .kh = 2, .kw = 3, .padding = NN_PAD_VALID,
                     .act = NN_ACT_TANH};
    gradcheck(&s, img(6, 5, 2), 3, 1e-2, 1e-2, 0);
}
END_TEST

START_TEST(conv2d_many_chunks)
{
    /* more images than one chunk holds: the chunked loops must cover them all */
    NnLayerSpec s = {.kind = "conv2d", .filters = 5, .kh = 3, .kw = 3, .padding = NN_PAD_SAME,
                     .act = NN_ACT_LINEAR};
    gradcheck(&s, img(3, 5, 1), 37, 1e-2, 1e-2, 0);
}
END_TEST

START_TEST(maxpool_backward_odd)
{
    NnLayerSpec s = {.kind = "maxpool", .ph = 2, .pw = 2};
    gradcheck(&s, img(5, 7, 3), 2, 1e-3, 1e-2, 1);
    NnLayerSpec t = {.kind = "maxpool", .ph = 3, .pw = 2};
    gradcheck(&t, img(7, 5, 2), 2, 1e-3, 1e-2, 1);
}
END_TEST

START_TEST(avgpool_backward_odd)
{
    NnLayerSpec s = {.kind = "avgpool", .ph = 2, .pw = 2};
    gradcheck(&s, img(5, 7, 3), 2, 1e-2, 1e-2, 0);
    NnLayerSpec t = {.kind = "avgpool", .ph = 3, .pw = 2};
    gradcheck(&t, img(7, 5, 2), 2, 1e-2, 1e-2, 0);
}
END_TEST

/* avgpool forward against the definition: the mean of each window. */
START_TEST(avgpool_matches_definition)
{
    NnLayerSpec s = {.kind = "avgpool", .ph = 2, .pw = 3};
    Model *m = model_new();
    Err e;
    NnShape in = img(5, 7, 2);
    ck_assert_int_eq(model_add(m, &s, &in, NULL, &e), 0);
    NnShape out = model_output_shape(m);
    ck_assert_int_eq(out.d[0] * 100 + out.d[1] * 10 + out.d[2], 2 * 100 + 2 * 10 + 2);
    float x[70], *y;
    size_t dim;
    for (int i = 0; i < 70; i++)
        x[i] = (float)((i * 13) % 11);
    ck_assert_int_eq(model_predict(m, x, 1, &y, &dim, &e), 0);
    for (int oy = 0; oy < 2; oy++)
        for (int ox = 0; ox < 2; ox++)
            for (int c = 0; c < 2; c++) {
                double sum = 0;
                for (int ky = 0; ky < 2; ky++)
                    for (int kx = 0; kx < 3; kx++)
                        sum += x[((oy * 2 + ky) * 7 + ox * 3 + kx) * 2 + c];
                ck_assert(fabs(y[(oy * 2 + ox) * 2 + c] - sum / 6) < 1e-5);
            }
    free(y);
    model_free(m);
}
END_TEST

/* Dropout as Keras: in training a share `rate` of the values is zeroed and the
 * rest scaled by 1 / (1 - rate), backward lets the gradient through the same
 * mask; outside training the input passes unchanged. */
START_TEST(dropout_train_and_eval)
{
    const double rate = 0.25;
    NnLayerSpec s = {.kind = "dropout", .rate = rate};
    Model *m = model_new();
    Err e;
    NnShape in = flat(4000);
    ck_assert_int_eq(model_add(m, &s, &in, NULL, &e), 0);
    NnLayer *l = m->layers[0];
    float *x = xmalloc_floats(4000), *y = xmalloc_floats(4000), *dy = xmalloc_floats(4000);
    float *dx = xmalloc_floats(4000);
    for (int i = 0; i < 4000; i++)
        x[i] = 0.5f + (float)(i % 7);
    NnScratch sc = {0};
    rng_seed(&sc.rng, 3);
    l->ops->forward(l, &sc, x, y, 1, 1);
    size_t zeros = 0;
    for (int i = 0; i < 4000; i++) {
        if (y[i] == 0)
            zeros++;
        else
            ck_assert(fabsf(y[i] - x[i] / (float)(1 - rate)) < 1e-5f);
        dy[i] = 1.0f;
    }
    ck_assert_msg(fabs((double)zeros / 4000 - rate) < 0.03, "%zu zeros of 4000", zeros);
    l->ops->backward(l, &sc, x, y, dy, dx, 1);
    for (int i = 0; i < 4000; i++)
        ck_assert(fabsf(dx[i] - y[i] / x[i]) < 1e-5f);
    /* evaluate and predict: no dropping, no scaling */
    l->ops->forward(l, &sc, x, y, 1, 0);
    ck_assert_int_eq(memcmp(x, y, 4000 * sizeof *x), 0);
    nn_scratch_free(&sc);
    free(x);
    free(y);
    free(dy);
    free(dx);
    model_free(m);
    /* a rate out of range is refused by the layer itself */
    NnLayerSpec bad = {.kind = "dropout", .rate = 1.0};
    m = model_new();
    ck_assert_int_eq(model_add(m, &bad, &in, NULL, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "bad dropout rate 1"));
    model_free(m);
}
END_TEST

START_TEST(flatten_backward)
{
    NnLayerSpec s = {.kind = "flatten"};
    gradcheck(&s, img(3, 2, 5), 2, 1e-2, 1e-3, 0);
}
END_TEST

/* conv2d forward against a direct loop over the definition (Keras' layout:
 * kernel (kh, kw, C, F), 'same' padding puts the odd extra at the bottom/right). */
START_TEST(conv2d_matches_definition)
{
    const int H = 5, W = 6, C = 2, F = 3, KH = 4, KW = 3, N = 2;
    for (int pad = 0; pad < 2; pad++) {
        NnLayerSpec s = {.kind = "conv2d", .filters = F, .kh = KH, .kw = KW,
                         .padding = pad ? NN_PAD_SAME : NN_PAD_VALID, .act = NN_ACT_LINEAR};
        Model *m = model_new();
        Err e;
        Rng rng;
        rng_seed(&rng, 7);
        NnShape in = img(H, W, C);
        ck_assert_int_eq(model_add(m, &s, &in, &rng, &e), 0);
        NnLayer *l = m->layers[0];
        for (int f = 0; f < F; f++)
            l->b[f] = 0.1f * (float)(f + 1);
        int Ho = l->out.d[0], Wo = l->out.d[1];
        ck_assert_int_eq(Ho, pad ? H : H - KH + 1);
        ck_assert_int_eq(Wo, pad ? W : W - KW + 1);
        float x[2 * 5 * 6 * 2], y[2 * 5 * 6 * 3];
        for (size_t i = 0; i < sizeof x / sizeof x[0]; i++)
            x[i] = rng_uniform_range(&rng, -1, 1);
        NnScratch sc = {.col = xmalloc_floats(nn_layer_scratch(l, N)),
                        .dcol = xmalloc_floats(nn_layer_scratch(l, N)),
                        .cap = nn_layer_scratch(l, N)};
        l->ops->forward(l, &sc, x, y, N, 0);
        int pt = pad ? (KH - 1) / 2 : 0, pl = pad ? (KW - 1) / 2 : 0;
        for (int n = 0; n < N; n++)
            for (int oy = 0; oy < Ho; oy++)
                for (int ox = 0; ox < Wo; ox++)
                    for (int f = 0; f < F; f++) {
                        double acc = l->b[f];
                        for (int ky = 0; ky < KH; ky++)
                            for (int kx = 0; kx < KW; kx++)
                                for (int c = 0; c < C; c++) {
                                    int iy = oy + ky - pt, ix = ox + kx - pl;
                                    if (iy < 0 || iy >= H || ix < 0 || ix >= W)
                                        continue;
                                    acc += (double)x[((n * H + iy) * W + ix) * C + c] *
                                           l->w[((ky * KW + kx) * C + c) * F + f];
                                }
                        float got = y[((n * Ho + oy) * Wo + ox) * F + f];
                        ck_assert_msg(fabs(got - acc) < 1e-5, "pad %d (%d,%d,%d,%d): %g vs %g",
                                      pad, n, oy, ox, f, got, acc);
                    }
        nn_scratch_free(&sc);
        model_free(m);
    }
}
END_TEST

START_TEST(maxpool_first_max_wins)
{
    /* a tie in a window: the gradient goes to the first cell only */
    NnLayerSpec s = {.kind = "maxpool", .ph = 2, .pw = 2};
    Model *m = model_new();
    Err e;
    NnShape in = img(2, 3, 1);
    ck_assert_int_eq(model_add(m, &s, &in, NULL, &e), 0);
    NnLayer *l = m->layers[0];
    float x[6] = {1, 3, 9, 3, 2, 9}, y[1], dy[1] = {5}, dx[6];
    NnScratch sc = {0};
    l->ops->forward(l, &sc, x, y, 1, 1);
    ck_assert_float_eq(y[0], 3);
    l->ops->backward(l, &sc, x, y, dy, dx, 1);
    float want[6] = {0, 5, 0, 0, 0, 0}; /* column 3 is outside every window */
    ck_assert_float_eq(tu_max_abs_diff(dx, want, 6), 0);
    nn_scratch_free(&sc);
    model_free(m);
}
END_TEST

START_TEST(blas_matches_naive)
{
    Rng rng;
    rng_seed(&rng, 3);
    const size_t M = 37, N = 23, K = 51;
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            float *a = xmalloc_floats(M * K), *b = xmalloc_floats(K * N);
            float *c1 = xmalloc_floats(M * N), *c2 = xmalloc_floats(M * N);
            for (size_t i = 0; i < M * K; i++)
                a[i] = rng_uniform_range(&rng, -1, 1);
            for (size_t i = 0; i < K * N; i++)
                b[i] = rng_uniform_range(&rng, -1, 1);
            for (size_t i = 0; i < M * N; i++)
                c1[i] = c2[i] = rng_uniform_range(&rng, -1, 1);
            size_t lda = ta ? M : K, ldb = tb ? K : N;
            blas_sgemm(ta, tb, M, N, K, 0.7f, a, lda, b, ldb, 0.3f, c1, N);
            blas_sgemm_naive(ta, tb, M, N, K, 0.7f, a, lda, b, ldb, 0.3f, c2, N);
            ck_assert_msg(tu_max_abs_diff(c1, c2, M * N) < 1e-4, "ta %d tb %d: %g", ta, tb,
                          tu_max_abs_diff(c1, c2, M * N));
            free(a);
            free(b);
            free(c1);
            free(c2);
        }
}
END_TEST

START_TEST(softmax_ce_gradient_and_clip)
{
    /* d(mean loss)/d(logits) against finite differences through softmax */
    const size_t n = 3, k = 5;
    float z[15], p[15], dz[15];
    uint8_t labels[3] = {4, 0, 2};
    Rng rng;
    rng_seed(&rng, 9);
    for (size_t i = 0; i < n * k; i++)
        z[i] = rng_uniform_range(&rng, -2, 2);
    nn_act_forward(NN_ACT_SOFTMAX, z, p, n, k);
    size_t correct;
    nn_softmax_ce(p, labels, n, k, dz, 1.0f / (float)n, &correct);
    for (size_t i = 0; i < n * k; i++) {
        float keep = z[i];
        double eps = 1e-2;
        z[i] = keep + (float)eps;
        nn_act_forward(NN_ACT_SOFTMAX, z, p, n, k);
        double fp = nn_softmax_ce(p, labels, n, k, NULL, 0, NULL) / (double)n;
        z[i] = keep - (float)eps;
        nn_act_forward(NN_ACT_SOFTMAX, z, p, n, k);
        double fm = nn_softmax_ce(p, labels, n, k, NULL, 0, NULL) / (double)n;
        z[i] = keep;
        ck_assert(close_enough((fp - fm) / (2 * eps), dz[i], 1e-2));
    }
    /* huge logits: no overflow, loss clipped at -log(1e-7), accuracy counted */
    float big[10] = {1000, -1000, 0, 0, 0, -1000, 1000, 0, 0, 0};
    uint8_t lab[2] = {1, 1};
    nn_act_forward(NN_ACT_SOFTMAX, big, p, 2, 5);
    for (size_t i = 0; i < 10; i++)
        ck_assert(isfinite(p[i]));
    double loss = nn_softmax_ce(p, lab, 2, 5, dz, 0.5f, &correct);
    ck_assert(fabs(loss - (-log(1e-7) - log(1 - 1e-7))) < 1e-3);
    ck_assert_uint_eq(correct, 1);
    ck_assert(fabs(dz[1] - (-0.5f)) < 1e-6 && fabs(dz[0] - 0.5f) < 1e-6);
}
END_TEST

START_TEST(fast_activations_accurate)
{
    /* the vectorised exp behind sigmoid and tanh against libm, tails included */
    float x[203], y[203];
    for (size_t i = 0; i < 203; i++)
        x[i] = -100.0f + (float)i;
    x[0] = -1e30f;
    x[202] = 1e30f;
    nn_act_forward(NN_ACT_SIGMOID, x, y, 1, 203);
    for (size_t i = 0; i < 203; i++)
        ck_assert_msg(fabs(y[i] - 1.0 / (1.0 + exp(-(double)x[i]))) < 2e-7, "sigmoid(%g)", x[i]);
    for (size_t i = 0; i < 203; i++)
        x[i] = -9.0f + 0.09f * (float)i;
    nn_act_forward(NN_ACT_TANH, x, y, 1, 203);
    for (size_t i = 0; i < 203; i++)
        ck_assert_msg(fabs(y[i] - tanh((double)x[i])) < 3e-7, "tanh(%g)", x[i]);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nn_layers");
    TCase *t = tcase_create("core");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, dense_backward);
    tcase_add_test(t, activation_backward);
    tcase_add_test(t, conv2d_same_backward);
    tcase_add_test(t, conv2d_valid_backward);
    tcase_add_test(t, conv2d_many_chunks);
    tcase_add_test(t, maxpool_backward_odd);
    tcase_add_test(t, flatten_backward);
    tcase_add_test(t, avgpool_backward_odd);
    tcase_add_test(t, avgpool_matches_definition);
    tcase_add_test(t, dropout_train_and_eval);
    tcase_add_test(t, conv2d_matches_definition);
    tcase_add_test(t, maxpool_first_max_wins);
    tcase_add_test(t, blas_matches_naive);
    tcase_add_test(t, softmax_ce_gradient_and_clip);
    tcase_add_test(t, fast_activations_accurate);
    suite_add_tcase(s, t);
    return tu_run_suite(s);
}
