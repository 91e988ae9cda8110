/* check_mnist.c: finding and loading MNIST-shaped sets, on small fake sets written
 * here, and on the real files when they are present. */
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>
#include <zlib.h>

#include "testutil.h"
#include "untangle/data/mnist.h"

/* The fake set: 7 training and 5 test images of 4 rows x 3 cols. */
#define NTRAIN 7
#define NTEST 5
#define R 4
#define C 3

static uint8_t fake_pixel(int part, size_t i, size_t p)
{
    return (uint8_t)((part * 101 + i * 13 + p * 5 + 1) % 256);
}

static uint8_t fake_label(int part, size_t i)
{
    return (uint8_t)((part * 4 + i * 3 + 1) % 10);
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Writes dir/name (gzip when gz) holding len bytes. */
static void write_maybe_gz(const char *dir, const char *name, const uint8_t *buf, size_t len,
                           int gz)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s%s", dir, name, gz ? ".gz" : "");
    if (!gz) {
        tu_write_file(path, buf, len);
        return;
    }
    gzFile g = gzopen(path, "wb");
    ck_assert_ptr_nonnull(g);
    ck_assert_int_eq(gzwrite(g, buf, (unsigned)len), (int)len);
    ck_assert_int_eq(gzclose(g), Z_OK);
}

static void write_images(const char *dir, const char *name, int part, uint32_t n, uint32_t rows,
                         uint32_t cols, int gz)
{
    size_t len = 16 + (size_t)n * rows * cols;
    uint8_t *buf = malloc(len);
    ck_assert_ptr_nonnull(buf);
    buf[0] = buf[1] = 0;
    buf[2] = 0x08;
    buf[3] = 3;
    put_be32(buf + 4, n);
    put_be32(buf + 8, rows);
    put_be32(buf + 12, cols);
    for (size_t i = 0; i < n; i++)
        for (size_t p = 0; p < (size_t)rows * cols; p++)
            buf[16 + i * rows * cols + p] = fake_pixel(part, i, p);
    write_maybe_gz(dir, name, buf, len, gz);
    free(buf);
}

static void write_labels(const char *dir, const char *name, int part, uint32_t n, int bad_at,
                         int gz)
{
    uint8_t buf[64];
    buf[0] = buf[1] = 0;
    buf[2] = 0x08;
    buf[3] = 1;
    put_be32(buf + 4, n);
    for (size_t i = 0; i < n; i++)
        buf[8 + i] = (int)i == bad_at ? 10 : fake_label(part, i);
    write_maybe_gz(dir, name, buf, 8 + n, gz);
}

/* The four files in dir; gz_mask bit k compresses file k. */
static void write_fake_set(const char *dir, int gz_mask)
{
    write_images(dir, "train-images-idx3-ubyte", 0, NTRAIN, R, C, gz_mask & 1);
    write_labels(dir, "train-labels-idx1-ubyte", 0, NTRAIN, -1, gz_mask & 2);
    write_images(dir, "t10k-images-idx3-ubyte", 1, NTEST, R, C, gz_mask & 4);
    write_labels(dir, "t10k-labels-idx1-ubyte", 1, NTEST, -1, gz_mask & 8);
}

static void check_part(const Dataset *d, int part, size_t n)
{
    ck_assert_uint_eq(d->n, n);
    ck_assert_int_eq(d->rows, R);
    ck_assert_int_eq(d->cols, C);
    ck_assert_uint_eq(dataset_dim(d), R * C);
    for (size_t i = 0; i < n; i++) {
        ck_assert_uint_eq(d->y[i], fake_label(part, i));
        for (size_t p = 0; p < R * C; p++)
            ck_assert(d->x[i * R * C + p] == (float)fake_pixel(part, i, p) / 255.0f);
    }
}

/* A working directory without data/ so that only $UNTANGLE_DATA can match. Check
 * runs each test in its own process, so chdir and setenv stay inside the test. */
static char *enter_empty_cwd(void)
{
    char *cwd = tu_tmpdir();
    ck_assert_int_eq(chdir(cwd), 0);
    return cwd;
}

START_TEST(test_load_from_env)
{
    char *cwd = enter_empty_cwd();
    char *dir = tu_tmpdir();
    write_fake_set(dir, 0);
    setenv("UNTANGLE_DATA", dir, 1);
    Dataset tr, te;
    char where[1024];
    Err e;
    ck_assert_int_eq(mnist_load("mnist", 0, 0, &tr, &te, where, sizeof where, &e), 0);
    ck_assert_str_eq(where, dir);
    check_part(&tr, 0, NTRAIN);
    check_part(&te, 1, NTEST);
    dataset_free(&tr);
    dataset_free(&te);
    ck_assert_ptr_null(tr.x);

    char found[1024];
    ck_assert_int_eq(mnist_find("mnist", found, sizeof found, &e), 0);
    ck_assert_str_eq(found, dir);
    tu_rmtree(dir);
    tu_rmtree(cwd);
}
END_TEST

START_TEST(test_first_n)
{
    char *cwd = enter_empty_cwd();
    char *dir = tu_tmpdir();
    write_fake_set(dir, 0);
    setenv("UNTANGLE_DATA", dir, 1);
    Dataset tr, te;
    Err e;
    ck_assert_int_eq(mnist_load("mnist", 3, 2, &tr, &te, NULL, 0, &e), 0);
    check_part(&tr, 0, 3);
    check_part(&te, 1, 2);
    dataset_free(&tr);
    dataset_free(&te);
    /* more than held: all of them, for the caller to compare */
    ck_assert_int_eq(mnist_load("mnist", 100, 1, &tr, &te, NULL, 0, &e), 0);
    check_part(&tr, 0, NTRAIN);
    check_part(&te, 1, 1);
    dataset_free(&tr);
    dataset_free(&te);
    tu_rmtree(dir);
    tu_rmtree(cwd);
}
END_TEST

START_TEST(test_gzip_and_local_folder)
{
    /* no $UNTANGLE_DATA: ./data/mnist, with a mix of raw and gzip files */
    char *cwd = enter_empty_cwd();
    unsetenv("UNTANGLE_DATA");
    ck_assert_int_eq(mkdir("data", 0755), 0);
    ck_assert_int_eq(mkdir("data/mnist", 0755), 0);
    write_fake_set("data/mnist", 1 | 8);
    Dataset tr, te;
    char where[64];
    Err e;
    ck_assert_int_eq(mnist_load("mnist", 0, 4, &tr, &te, where, sizeof where, &e), 0);
    ck_assert_str_eq(where, "data/mnist");
    check_part(&tr, 0, NTRAIN);
    check_part(&te, 1, 4);
    dataset_free(&tr);
    dataset_free(&te);
    tu_rmtree(cwd);
}
END_TEST

START_TEST(test_fashion_from_env)
{
    char *cwd = enter_empty_cwd();
    char *dir = tu_tmpdir();
    char sub[1024];
    snprintf(sub, sizeof sub, "%s/fashion-mnist", dir);
    ck_assert_int_eq(mkdir(sub, 0755), 0);
    write_fake_set(sub, 15); /* all gzip, as Debian ships them */
    setenv("UNTANGLE_DATA", dir, 1);
    Dataset tr, te;
    char where[1024];
    Err e;
    ck_assert_int_eq(mnist_load("fashion", 0, 0, &tr, &te, where, sizeof where, &e), 0);
    ck_assert_str_eq(where, sub);
    check_part(&tr, 0, NTRAIN);
    check_part(&te, 1, NTEST);
    dataset_free(&tr);
    dataset_free(&te);
    /* MNIST is not there: $UNTANGLE_DATA itself holds nothing */
    ck_assert_int_eq(mnist_load("mnist", 0, 0, &tr, &te, NULL, 0, &e), -1);
    tu_rmtree(dir);
    tu_rmtree(cwd);
}
END_TEST

START_TEST(test_missing_says_make_data)
{
    char *cwd = enter_empty_cwd();
    char *dir = tu_tmpdir();
    setenv("UNTANGLE_DATA", dir, 1);
    Dataset tr = {0}, te = {0};
    Err e;
    ck_assert_int_eq(mnist_load("mnist", 0, 0, &tr, &te, NULL, 0, &e), -1);
    ck_assert_msg(strstr(e.msg, "make data"), "%s", e.msg);
    ck_assert_msg(strstr(e.msg, dir) && strstr(e.msg, "data/mnist") &&
                  strstr(e.msg, UNTANGLE_SHARE_DIR "/mnist"), "%s", e.msg);
    ck_assert_ptr_null(tr.x);
    ck_assert_ptr_null(te.x);

    /* two of the four: said so */
    write_images(dir, "train-images-idx3-ubyte", 0, NTRAIN, R, C, 0);
    write_labels(dir, "train-labels-idx1-ubyte", 0, NTRAIN, -1, 0);
    ck_assert_int_eq(mnist_load("mnist", 0, 0, &tr, &te, NULL, 0, &e), -1);
    ck_assert_msg(strstr(e.msg, "2 of the 4"), "%s", e.msg);

    ck_assert_int_eq(mnist_load("cifar", 0, 0, &tr, &te, NULL, 0, &e), -1);
    ck_assert_msg(strstr(e.msg, "cifar") && strstr(e.msg, "mnist or fashion"), "%s", e.msg);

    /* Fashion-MNIST missing names its package (only checkable where it is absent) */
    char found[1024];
    if (mnist_find("fashion", found, sizeof found, &e) != 0)
        ck_assert_msg(strstr(e.msg, "dataset-fashion-mnist"), "%s", e.msg);
    tu_rmtree(dir);
    tu_rmtree(cwd);
}
END_TEST

/* The failing cases: each leaves the caller's Datasets untouched. */
START_TEST(test_inconsistent_sets)
{
    char *cwd = enter_empty_cwd();
    char *dir = tu_tmpdir();
    setenv("UNTANGLE_DATA", dir, 1);
    Dataset tr, te;
    memset(&tr, 0x3c, sizeof tr);
    memset(&te, 0x3c, sizeof te);
    Dataset tr0 = tr;
    Err e;

    write_fake_set(dir, 0);
    write_labels(dir, "train-labels-idx1-ubyte", 0, NTRAIN - 1, -1, 0);
    ck_assert_int_eq(mnist_load("mnist", 0, 0, &tr, &te, NULL, 0, &e), -1);
    ck_assert_msg(strstr(e.msg, "7 images") && strstr(e.msg, "6 labels") &&
                  strstr(e.msg, "do not belong together"), "%s", e.msg);
    ck_assert_mem_eq(&tr, &tr0, sizeof tr);
    /* also when only the first few are asked for: the counts are the files' */
    ck_assert_int_eq(mnist_load("mnist", 2, 2, &tr, &te, NULL, 0, &e), -1);

    write_fake_set(dir, 0);
    write_labels(dir, "t10k-labels-idx1-ubyte", 1, NTEST, 3, 0); /* label 10 at item 3 */
    ck_assert_int_eq(mnist_load("mnist", 0, 0, &tr, &te, NULL, 0, &e), -1);
    ck_assert_msg(strstr(e.msg, "label 10 of item 3") && strstr(e.msg, "make data"), "%s",
                  e.msg);
    ck_assert_mem_eq(&tr, &tr0, sizeof tr);
    ck_assert_mem_eq(&te, &tr0, sizeof te);

    write_fake_set(dir, 0);
    write_images(dir, "t10k-images-idx3-ubyte", 1, NTEST, C, R, 0); /* 3x4 instead of 4x3 */
    ck_assert_int_eq(mnist_load("mnist", 0, 0, &tr, &te, NULL, 0, &e), -1);
    ck_assert_msg(strstr(e.msg, "4x3") && strstr(e.msg, "3x4"), "%s", e.msg);

    write_fake_set(dir, 0); /* images where labels should be */
    write_images(dir, "train-labels-idx1-ubyte", 0, NTRAIN, R, C, 0);
    ck_assert_int_eq(mnist_load("mnist", 0, 0, &tr, &te, NULL, 0, &e), -1);
    ck_assert_msg(strstr(e.msg, "holds images where labels were expected"), "%s", e.msg);

    write_fake_set(dir, 0); /* a truncated download */
    char path[1024];
    snprintf(path, sizeof path, "%s/train-images-idx3-ubyte", dir);
    uint8_t head[40];
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fread(head, 1, sizeof head, f), sizeof head);
    fclose(f);
    tu_write_file(path, head, sizeof head);
    ck_assert_int_eq(mnist_load("mnist", 0, 0, &tr, &te, NULL, 0, &e), -1);
    ck_assert_msg(strstr(e.msg, "truncated: expected 84 bytes of pixels, found 24") &&
                  strstr(e.msg, "make data"), "%s", e.msg);
    ck_assert_mem_eq(&tr, &tr0, sizeof tr);
    tu_rmtree(dir);
    tu_rmtree(cwd);
}
END_TEST

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The real MNIST, when `make data` has run (the tests run from the repository). */
START_TEST(test_real_mnist)
{
    unsetenv("UNTANGLE_DATA");
    char dir[1024];
    Err e;
    if (mnist_find("mnist", dir, sizeof dir, &e) != 0 || strcmp(dir, "data/mnist") != 0) {
        printf("  skip real MNIST: no MNIST in data/mnist (make data)\n");
        fflush(stdout);
        return;
    }
    Dataset tr, te;
    double t0 = seconds();
    ck_assert_int_eq(mnist_load("mnist", 0, 0, &tr, &te, NULL, 0, &e), 0);
    double t = seconds() - t0;
    printf("check_mnist: full MNIST loaded in %.3f s\n", t);
    ck_assert_uint_eq(tr.n, 60000);
    ck_assert_uint_eq(te.n, 10000);
    ck_assert_int_eq(tr.rows, 28);
    ck_assert_int_eq(tr.cols, 28);
    ck_assert_uint_eq(tr.y[0], 5); /* the first training digit is a 5, the first test a 7 */
    ck_assert_uint_eq(te.y[0], 7);
    float lo = 1, hi = 0;
    for (size_t i = 0; i < 784; i++) {
        lo = tr.x[i] < lo ? tr.x[i] : lo;
        hi = tr.x[i] > hi ? tr.x[i] : hi;
    }
    ck_assert(lo == 0.0f && hi == 1.0f);
    dataset_free(&tr);
    dataset_free(&te);
}
END_TEST

START_TEST(test_real_fashion)
{
    unsetenv("UNTANGLE_DATA");
    char dir[1024];
    Err e;
    if (mnist_find("fashion", dir, sizeof dir, &e) != 0) {
        printf("  skip real Fashion-MNIST: no Fashion-MNIST here (Debian package dataset-fashion-mnist)\n");
        fflush(stdout);
        return;
    }
    Dataset tr, te;
    ck_assert_int_eq(mnist_load("fashion", 0, 100, &tr, &te, NULL, 0, &e), 0);
    ck_assert_uint_eq(tr.n, 60000);
    ck_assert_uint_eq(te.n, 100);
    ck_assert_uint_eq(tr.y[0], 9); /* the first training item is an ankle boot */
    dataset_free(&tr);
    dataset_free(&te);
}
END_TEST

static Suite *mnist_suite(void)
{
    Suite *s = suite_create("mnist");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_load_from_env);
    tcase_add_test(tc, test_first_n);
    tcase_add_test(tc, test_gzip_and_local_folder);
    tcase_add_test(tc, test_fashion_from_env);
    tcase_add_test(tc, test_missing_says_make_data);
    tcase_add_test(tc, test_inconsistent_sets);
    tcase_add_test(tc, test_real_mnist);
    tcase_add_test(tc, test_real_fashion);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(mnist_suite());
}
