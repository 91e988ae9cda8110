/* check_nn_model.c: building models: shapes refused at `add` with both shapes
 * named, the lab's parameter counts, seeds, pop, compile checks, memory budget. */
#include <string.h>

#include "testutil.h"
#include "untangle/nn/nn.h"

static NnLayerSpec dense(int units) { return (NnLayerSpec){.kind = "dense", .units = units}; }
static NnLayerSpec act(NnAct a) { return (NnLayerSpec){.kind = "activation", .act = a}; }
static NnLayerSpec conv(int f, int k, NnAct a)
{
    return (NnLayerSpec){.kind = "conv2d", .filters = f, .kh = k, .kw = k, .act = a,
                         .padding = NN_PAD_SAME};
}
static NnLayerSpec pool(void) { return (NnLayerSpec){.kind = "maxpool", .ph = 2, .pw = 2}; }
static NnLayerSpec flatten(void) { return (NnLayerSpec){.kind = "flatten"}; }

static void add_ok(Model *m, NnLayerSpec s, const NnShape *in, Rng *r)
{
    Err e;
    ck_assert_msg(model_add(m, &s, in, r, &e) == 0, "%s", e.msg);
}

/* The three models of the lab. */
static Model *lab_model(int which, uint64_t seed)
{
    Model *m = model_new();
    Rng r;
    rng_seed(&r, seed);
    NnShape flat = {1, {784, 0, 0}}, image = {3, {28, 28, 1}};
    if (which == 1) {
        add_ok(m, dense(10), &flat, &r);
        add_ok(m, act(NN_ACT_SOFTMAX), NULL, &r);
    } else if (which == 2) {
        add_ok(m, dense(100), &flat, &r);
        add_ok(m, act(NN_ACT_SIGMOID), NULL, &r);
        add_ok(m, dense(10), NULL, &r);
        add_ok(m, act(NN_ACT_SOFTMAX), NULL, &r);
    } else {
        add_ok(m, conv(32, 5, NN_ACT_SIGMOID), &image, &r);
        add_ok(m, pool(), NULL, &r);
        add_ok(m, conv(64, 5, NN_ACT_SIGMOID), NULL, &r);
        add_ok(m, pool(), NULL, &r);
        add_ok(m, flatten(), NULL, &r);
        add_ok(m, dense(100), NULL, &r);
        add_ok(m, act(NN_ACT_SIGMOID), NULL, &r);
        add_ok(m, dense(10), NULL, &r);
        add_ok(m, act(NN_ACT_SOFTMAX), NULL, &r);
    }
    return m;
}

START_TEST(lab_param_counts)
{
    /* 784*10+10; 784*100+100 + 100*10+10; 5*5*1*32+32 + 5*5*32*64+64 + 3136*100+100 + 100*10+10 */
    const size_t want[3] = {7850, 79510, 366806};
    for (int i = 1; i <= 3; i++) {
        Model *m = lab_model(i, 0);
        ck_assert_uint_eq(m->n_params, want[i - 1]);
        size_t sum = 0;
        for (size_t k = 0; k < m->n_layers; k++)
            sum += model_layer_params(m, k);
        ck_assert_uint_eq(sum, want[i - 1]);
        model_free(m);
    }
    Model *m = lab_model(3, 0);
    NnShape s = model_layer_output(m, 3);
    ck_assert_int_eq(s.rank, 3);
    ck_assert_int_eq(s.d[0], 7);
    ck_assert_int_eq(s.d[1], 7);
    ck_assert_int_eq(s.d[2], 64);
    ck_assert_str_eq(model_layer_type(m, 1), "MaxPooling2D");
    ck_assert_str_eq(model_layer_name(m, 2), "conv2d_2");
    model_free(m);
}
END_TEST

START_TEST(shape_errors_name_both_shapes)
{
    Model *m = model_new();
    Err e;
    NnShape image = {3, {28, 28, 1}};
    add_ok(m, conv(32, 5, NN_ACT_RELU), &image, NULL);
    add_ok(m, pool(), NULL, NULL);
    NnLayerSpec d = dense(10);
    size_t before = m->n_params;
    ck_assert_int_eq(model_add(m, &d, NULL, NULL, &e), -1);
    ck_assert_msg(strstr(e.msg, "(14, 14, 32)") && strstr(e.msg, "(D)") &&
                      strstr(e.msg, "flatten"), "%s", e.msg);
    ck_assert_uint_eq(m->n_layers, 2);
    ck_assert_uint_eq(m->n_params, before);
    /* conv2d on a flat input */
    Model *f = model_new();
    NnShape flat = {1, {784, 0, 0}};
    add_ok(f, dense(100), &flat, NULL);
    NnLayerSpec c = conv(8, 3, NN_ACT_RELU);
    ck_assert_int_eq(model_add(f, &c, NULL, NULL, &e), -1);
    ck_assert_msg(strstr(e.msg, "(100)") && strstr(e.msg, "(H, W, C)"), "%s", e.msg);
    /* valid kernel larger than the image */
    NnLayerSpec big = {.kind = "conv2d", .filters = 2, .kh = 9, .kw = 3,
                       .padding = NN_PAD_VALID};
    NnShape small = {3, {5, 5, 1}};
    Model *g = model_new();
    ck_assert_int_eq(model_add(g, &big, &small, NULL, &e), -1);
    ck_assert_msg(strstr(e.msg, "(5, 5, 1)"), "%s", e.msg);
    /* first layer without its input shape */
    ck_assert_int_eq(model_add(g, &d, NULL, NULL, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "input"));
    ck_assert_uint_eq(g->n_layers, 0);
    /* softmax on images, conv2d carrying softmax */
    NnLayerSpec sm = act(NN_ACT_SOFTMAX);
    ck_assert_int_eq(model_add(m, &sm, NULL, NULL, &e), -1);
    NnLayerSpec cs = conv(4, 3, NN_ACT_SOFTMAX);
    ck_assert_int_eq(model_add(m, &cs, NULL, NULL, &e), -1);
    ck_assert_uint_eq(m->n_layers, 2);
    model_free(m);
    model_free(f);
    model_free(g);
}
END_TEST

START_TEST(absurd_sizes_refused_before_allocating)
{
    Model *m = model_new();
    Err e;
    NnShape flat = {1, {784, 0, 0}};
    NnLayerSpec d = dense(1000000000);
    ck_assert_int_eq(model_add(m, &d, &flat, NULL, &e), -1);
    ck_assert_msg(strstr(e.msg, "would need") && strstr(e.msg, "TiB"), "%s", e.msg);
    ck_assert_uint_eq(m->n_layers, 0);
    NnShape huge = {3, {1 << 20, 1 << 20, 1 << 10}};
    NnLayerSpec p = pool();
    ck_assert_int_eq(model_add(m, &p, &huge, NULL, &e), -1);
    model_free(m);
}
END_TEST

START_TEST(same_seed_same_weights)
{
    Model *a = lab_model(3, 42), *b = lab_model(3, 42), *c = lab_model(3, 43);
    ck_assert_int_eq(memcmp(a->params, b->params, a->n_params * sizeof(float)), 0);
    ck_assert_int_ne(memcmp(a->params, c->params, a->n_params * sizeof(float)), 0);
    /* Glorot limits: conv1 fan 25 + 800, dense_1 3136 + 100; biases zero */
    size_t n;
    const float *w = model_layer_weights(a, 0, &n);
    float lim = sqrtf(6.0f / (25 + 800)), mx = 0;
    for (size_t i = 0; i < n; i++)
        mx = fabsf(w[i]) > mx ? fabsf(w[i]) : mx;
    ck_assert(mx <= lim && mx > 0.9f * lim);
    w = model_layer_weights(a, 5, &n);
    ck_assert_uint_eq(n, 313600);
    lim = sqrtf(6.0f / (3136 + 100));
    mx = 0;
    for (size_t i = 0; i < n; i++)
        mx = fabsf(w[i]) > mx ? fabsf(w[i]) : mx;
    ck_assert(mx <= lim && mx > 0.99f * lim);
    const float *b5 = model_layer_biases(a, 5, &n);
    for (size_t i = 0; i < n; i++)
        ck_assert_float_eq(b5[i], 0);
    model_free(a);
    model_free(b);
    model_free(c);
}
END_TEST

START_TEST(pop_keeps_weights)
{
    Model *m = lab_model(2, 5);
    float w0 = m->params[0], last_dense = m->params[78500 + 3];
    Err e;
    ck_assert_int_eq(model_pop(m, &e), 0);
    ck_assert_int_eq(model_pop(m, &e), 0);
    ck_assert_uint_eq(m->n_layers, 2);
    ck_assert_uint_eq(m->n_params, 78500);
    ck_assert_float_eq(m->params[0], w0);
    ck_assert_int_eq(model_output_shape(m).d[0], 100);
    /* adding again draws new weights for the new layer only */
    Rng r;
    rng_seed(&r, 99);
    add_ok(m, dense(10), NULL, &r);
    ck_assert_float_eq(m->params[0], w0);
    ck_assert_float_ne(m->params[78500 + 3], last_dense);
    ck_assert_int_eq(model_pop(m, &e), 0);
    ck_assert_int_eq(model_pop(m, &e), 0);
    ck_assert_int_eq(model_pop(m, &e), 0);
    ck_assert_int_eq(model_pop(m, &e), -1);
    ck_assert_uint_eq(m->n_params, 0);
    model_free(m);
}
END_TEST

START_TEST(compile_checks)
{
    Model *m = lab_model(2, 1);
    Err e;
    ck_assert_int_eq(model_compile(m, NN_LOSS_CCE, 0.0, 1, &e), -1);
    ck_assert_int_eq(model_compile(m, NN_LOSS_CCE, NAN, 1, &e), -1);
    ck_assert_int_eq(model_compile(m, NN_LOSS_CCE, INFINITY, 1, &e), -1);
    ck_assert_int_eq(m->compile.compiled, 0);
    ck_assert_int_eq(model_compile(m, NN_LOSS_CCE, 0.5, 1, &e), 0);
    ck_assert_int_eq(m->compile.compiled, 1);
    ck_assert(m->compile.opt.lr == 0.5);
    model_pop(m, &e);
    ck_assert_int_eq(model_compile(m, NN_LOSS_CCE, 0.5, 1, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "softmax"));
    model_free(m);
}
END_TEST

START_TEST(clone_is_deep)
{
    Model *m = lab_model(3, 8);
    Model *c = model_clone(m);
    ck_assert_uint_eq(c->n_params, m->n_params);
    ck_assert_int_eq(memcmp(c->params, m->params, m->n_params * sizeof(float)), 0);
    c->params[10] += 1.0f;
    ck_assert_float_ne(c->params[10], m->params[10]);
    ck_assert_str_eq(model_layer_name(c, 4), "flatten_1");
    model_free(m);
    model_free(c);
    model_free(NULL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nn_model");
    TCase *t = tcase_create("core");
    tcase_add_test(t, lab_param_counts);
    tcase_add_test(t, shape_errors_name_both_shapes);
    tcase_add_test(t, absurd_sizes_refused_before_allocating);
    tcase_add_test(t, same_seed_same_weights);
    tcase_add_test(t, pop_keeps_weights);
    tcase_add_test(t, compile_checks);
    tcase_add_test(t, clone_is_deep);
    suite_add_tcase(s, t);
    return tu_run_suite(s);
}
