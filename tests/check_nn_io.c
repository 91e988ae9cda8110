/* check_nn_io.c: model files: a round trip gives the same predictions; every
 * truncation, every flipped byte, trailing bytes and foreign files are refused
 * with a message; a failed save leaves the old file whole. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "untangle/nn/nn.h"
#include "untangle/core/xalloc.h"

/* A small model with every layer kind and odd sizes. */
static Model *small_model(void)
{
    Model *m = model_new();
    Rng r;
    rng_seed(&r, 17);
    Err e;
    NnShape in = {3, {7, 6, 2}};
    NnLayerSpec s[] = {
        {.kind = "conv2d", .filters = 3, .kh = 3, .kw = 2, .padding = NN_PAD_VALID,
         .act = NN_ACT_TANH},
        {.kind = "maxpool", .ph = 2, .pw = 2},
        {.kind = "conv2d", .filters = 2, .kh = 2, .kw = 2, .padding = NN_PAD_SAME,
         .act = NN_ACT_RELU, .name = "my_conv"},
        {.kind = "avgpool", .ph = 1, .pw = 2},
        {.kind = "dropout", .rate = 0.375},
        {.kind = "flatten"},
        {.kind = "dense", .units = 5},
        {.kind = "activation", .act = NN_ACT_SIGMOID},
        {.kind = "dense", .units = 4},
        {.kind = "activation", .act = NN_ACT_SOFTMAX},
    };
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
        ck_assert_msg(model_add(m, &s[i], i ? NULL : &in, &r, &e) == 0, "%s", e.msg);
    for (size_t i = 0; i < m->n_params; i++) /* biases too */
        m->params[i] += 0.01f * (float)(i % 7);
    ck_assert_int_eq(model_compile(m, NN_LOSS_CCE, 0.25, 1, &e), 0);
    return m;
}

static float *inputs(size_t n, size_t d)
{
    Rng r;
    rng_seed(&r, 4);
    float *x = xmalloc_floats(n * d);
    for (size_t i = 0; i < n * d; i++)
        x[i] = (float)rng_uniform(&r);
    return x;
}

/* tests/data/v1.model was written by the version-1 writer (before layers were
 * named by string): it still loads, with its names, name counters, compile
 * settings and the predictions tests/data/v1.expected holds. */
START_TEST(version1_file_still_loads)
{
    Err e;
    Model *m = model_load("tests/data/v1.model", &e);
    ck_assert_msg(m != NULL, "%s", e.msg);
    static const char *const names[] = {"conv2d_1", "max_pooling2d_1", "flatten_1", "dense_2",
                                        "activation_1", "top", "activation_2"};
    ck_assert_uint_eq(m->n_layers, 7);
    for (size_t i = 0; i < 7; i++)
        ck_assert_str_eq(model_layer_name(m, i), names[i]);
    ck_assert_str_eq(model_layer_spec(m, 0)->kind, "conv2d");
    ck_assert_int_eq(model_layer_spec(m, 0)->padding, NN_PAD_SAME);
    ck_assert(m->compile.compiled && m->compile.opt.lr == 0.25);
    ck_assert_str_eq(m->compile.opt.name, "sgd");
    float x[2 * 63], *y;
    size_t dim;
    for (int i = 0; i < 2 * 63; i++)
        x[i] = (float)((i * 7) % 17) / 17.0f;
    ck_assert_int_eq(model_predict(m, x, 2, &y, &dim, &e), 0);
    FILE *f = fopen("tests/data/v1.expected", "r");
    ck_assert_ptr_nonnull(f);
    char line[128];
    size_t k = 0;
    while (fgets(line, sizeof line, f))
        if (line[0] != '#') {
            ck_assert_uint_lt(k, 2 * dim);
            double want = strtod(line, NULL);
            ck_assert_msg(fabs(y[k] - want) < 1e-6, "output %zu: %g, expected %g", k, y[k], want);
            k++;
        }
    fclose(f);
    ck_assert_uint_eq(k, 2 * dim);
    free(y);
    /* the counters came with it: dense counted three (dense_1 was popped) */
    NnLayerSpec d = {.kind = "dense", .units = 3};
    ck_assert_int_eq(model_add(m, &d, NULL, NULL, &e), 0);
    ck_assert_str_eq(model_layer_name(m, 7), "dense_4");
    /* saved again, it is a version-2 file that gives the same model */
    uint8_t *buf;
    size_t len;
    model_serialize(m, &buf, &len);
    ck_assert_int_eq(buf[8], 2);
    Model *c = model_parse(buf, len, &e);
    ck_assert_msg(c != NULL, "%s", e.msg);
    ck_assert_int_eq(memcmp(c->params, m->params, m->n_params * sizeof(float)), 0);
    ck_assert_str_eq(model_layer_name(c, 7), "dense_4");
    /* version 2 rebuilds the counters from the names */
    ck_assert_int_eq(model_add(c, &d, NULL, NULL, &e), 0);
    ck_assert_str_eq(model_layer_name(c, 8), "dense_5");
    free(buf);
    model_free(c);
    model_free(m);
}
END_TEST

START_TEST(round_trip_same_predictions)
{
    Model *m = small_model();
    uint8_t *buf;
    size_t len;
    model_serialize(m, &buf, &len);
    Err e;
    Model *c = model_parse(buf, len, &e);
    ck_assert_msg(c != NULL, "%s", e.msg);
    ck_assert_uint_eq(c->n_layers, m->n_layers);
    ck_assert_uint_eq(c->n_params, m->n_params);
    ck_assert_str_eq(model_layer_name(c, 2), "my_conv");
    ck_assert(c->compile.compiled && c->compile.opt.lr == 0.25);
    float *x = inputs(9, 84), *p1, *p2;
    size_t d1, d2;
    ck_assert_int_eq(model_predict(m, x, 9, &p1, &d1, &e), 0);
    ck_assert_int_eq(model_predict(c, x, 9, &p2, &d2, &e), 0);
    ck_assert_uint_eq(d1, 4);
    ck_assert_uint_eq(d2, 4);
    ck_assert_int_eq(memcmp(p1, p2, 9 * 4 * sizeof(float)), 0);
    /* serialising the loaded model gives the same bytes */
    uint8_t *buf2;
    size_t len2;
    model_serialize(c, &buf2, &len2);
    ck_assert_uint_eq(len2, len);
    ck_assert_int_eq(memcmp(buf, buf2, len), 0);
    free(buf2);
    free(p1);
    free(p2);
    free(x);
    free(buf);
    model_free(m);
    model_free(c);
}
END_TEST

START_TEST(truncations_refused)
{
    Model *m = small_model();
    uint8_t *buf;
    size_t len;
    model_serialize(m, &buf, &len);
    Err e;
    for (size_t n = 0; n < len; n++) {
        uint8_t *copy = xmalloc(n ? n : 1); /* exact size: a read past the end shows in ASan */
        memcpy(copy, buf, n);
        err_clear(&e);
        Model *c = model_parse(copy, n, &e);
        ck_assert_msg(c == NULL, "a file cut at %zu of %zu bytes was accepted", n, len);
        ck_assert_msg(e.msg[0] != '\0', "no message at %zu", n);
        free(copy);
    }
    Model *whole = model_parse(buf, len, &e);
    ck_assert_ptr_nonnull(whole);
    model_free(whole);
    free(buf);
    model_free(m);
}
END_TEST

START_TEST(flipped_bytes_refused)
{
    Model *m = small_model();
    uint8_t *buf;
    size_t len;
    model_serialize(m, &buf, &len);
    Err e;
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit += 3) {
            buf[i] ^= (uint8_t)(1u << bit);
            Model *c = model_parse(buf, len, &e);
            ck_assert_msg(c == NULL, "byte %zu bit %d flipped was accepted", i, bit);
            buf[i] ^= (uint8_t)(1u << bit);
        }
    }
    /* the weights area reports the checksum */
    buf[len - 10] ^= 0x40;
    ck_assert_ptr_null(model_parse(buf, len, &e));
    ck_assert_ptr_nonnull(strstr(e.msg, "checksum"));
    buf[len - 10] ^= 0x40;
    /* trailing bytes */
    uint8_t *longer = xmalloc(len + 3);
    memcpy(longer, buf, len);
    memset(longer + len, 0, 3);
    ck_assert_ptr_null(model_parse(longer, len + 3, &e));
    ck_assert_ptr_nonnull(strstr(e.msg, "after its end"));
    free(longer);
    /* a foreign file: a PNG signature */
    static const uint8_t png[16] = {0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0, 0, 13, 'I', 'H',
                                    'D', 'R'};
    ck_assert_ptr_null(model_parse(png, sizeof png, &e));
    ck_assert_ptr_nonnull(strstr(e.msg, "not an untangle model"));
    /* a future version */
    buf[8] = 9;
    ck_assert_ptr_null(model_parse(buf, len, &e));
    ck_assert_ptr_nonnull(strstr(e.msg, "version 9"));
    free(buf);
    model_free(m);
}
END_TEST

START_TEST(save_load_files_and_failed_save)
{
    char *dir = tu_tmpdir();
    char path[1200];
    snprintf(path, sizeof path, "%s/net.model", dir);
    Model *m = small_model();
    Err e;
    ck_assert_msg(model_save(m, path, &e) == 0, "%s", e.msg);
    Model *c = model_load(path, &e);
    ck_assert_msg(c != NULL, "%s", e.msg);
    ck_assert_int_eq(memcmp(c->params, m->params, m->n_params * sizeof(float)), 0);
    /* a failed save (disk full after 100 bytes) keeps the old file loadable */
    c->params[0] = 123.0f;
    setenv("UNTANGLE_FAIL_WRITE", "100", 1);
    ck_assert_int_eq(model_save(c, path, &e), -1);
    unsetenv("UNTANGLE_FAIL_WRITE");
    Model *d = model_load(path, &e);
    ck_assert_msg(d != NULL, "%s", e.msg);
    ck_assert_float_eq(d->params[0], m->params[0]);
    /* missing and truncated files name the path */
    snprintf(path, sizeof path, "%s/none.model", dir);
    ck_assert_ptr_null(model_load(path, &e));
    ck_assert_ptr_nonnull(strstr(e.msg, "none.model"));
    uint8_t *buf;
    size_t len;
    model_serialize(m, &buf, &len);
    snprintf(path, sizeof path, "%s/cut.model", dir);
    tu_write_file(path, buf, len / 2);
    ck_assert_ptr_null(model_load(path, &e));
    ck_assert_msg(strstr(e.msg, "cut.model") && strstr(e.msg, "truncated"), "%s", e.msg);
    free(buf);
    model_free(m);
    model_free(c);
    model_free(d);
    tu_rmtree(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nn_io");
    TCase *t = tcase_create("core");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, round_trip_same_predictions);
    tcase_add_test(t, version1_file_still_loads);
    tcase_add_test(t, truncations_refused);
    tcase_add_test(t, flipped_bytes_refused);
    tcase_add_test(t, save_load_files_and_failed_save);
    suite_add_tcase(s, t);
    return tu_run_suite(s);
}
