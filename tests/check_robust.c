/* check_robust.c: faults and hostile input, in-process where the binary cannot
 * show it: a failed command leaves the session as it was; a failed write leaves
 * the old file byte for byte; hostile files give one-line errors and never huge
 * allocations; Ctrl-C and divergence stop training cleanly.
 *
 * (tests/bad_inputs.sh runs the same kinds of mistakes through the binary.) */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "testutil.h"

#include "fuzz/fuzz_util.h"
#include "untangle/core/atomic_file.h"
#include "untangle/data/idx.h"
#include "untangle/core/interrupt.h"
#include "untangle/frontend/lesson.h"
#include "untangle/nn/nn.h"
#include "untangle/render/png.h"
#include "untangle/frontend/run.h"
#include "untangle/frontend/tokenizer.h"
#include "untangle/embed/tsne.h"
#include "untangle/core/params.h"
#include "untangle/core/xalloc.h"

/* ---- a memory guard: a test fails at once when one allocation exceeds a limit ----
 *
 * Under AddressSanitizer (which reserves terabytes of address space, so no rlimit
 * can be used) through its allocation hook; otherwise through RLIMIT_AS, which
 * makes xmalloc abort. Either way the test dies of SIGABRT instead of touching
 * gigabytes. */
#if defined(__SANITIZE_ADDRESS__)
#define ROBUST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ROBUST_ASAN 1
#endif
#endif

#ifdef ROBUST_ASAN
int __sanitizer_install_malloc_and_free_hooks(void (*m)(const volatile void *, size_t),
                                              void (*f)(const volatile void *));
static volatile size_t guard_limit;

static void guard_malloc(const volatile void *p, size_t n)
{
    (void)p;
    if (guard_limit && n > guard_limit) {
        fprintf(stderr, "allocation of %zu bytes, more than the %zu this test allows\n", n,
                (size_t)guard_limit);
        abort();
    }
}

static void guard_free(const volatile void *p) { (void)p; }

static void guard_on(size_t bytes)
{
    static int installed;
    if (!installed)
        __sanitizer_install_malloc_and_free_hooks(guard_malloc, guard_free);
    installed = 1;
    guard_limit = bytes;
}

static void guard_off(void) { guard_limit = 0; }
#else
static struct rlimit guard_saved;

static void guard_on(size_t bytes)
{
    /* The limit is on the whole address space: what is mapped now plus bytes. */
    unsigned long pages = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fscanf(f, "%lu", &pages), 1);
    fclose(f);
    ck_assert_int_eq(getrlimit(RLIMIT_AS, &guard_saved), 0);
    struct rlimit r = guard_saved;
    r.rlim_cur = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + bytes;
    ck_assert_int_eq(setrlimit(RLIMIT_AS, &r), 0);
}

static void guard_off(void) { setrlimit(RLIMIT_AS, &guard_saved); }
#endif

/* ---- helpers ---- */

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = xmalloc(n > 0 ? (size_t)n : 1);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void assert_file_is(const char *path, const void *want, size_t len)
{
    size_t n;
    uint8_t *got = read_all(path, &n);
    ck_assert_msg(n == len && memcmp(got, want, len) == 0, "%s changed (%zu bytes, was %zu)",
                  path, n, len);
    free(got);
}

/* A message is one line, says what happened and what to do. */
static void assert_one_line(const char *msg)
{
    ck_assert_msg(msg[0] != '\0', "empty message");
    ck_assert_msg(strchr(msg, '\n') == NULL, "message spans lines: %s", msg);
}

/* Fails when dir holds an entry whose name contains ".tmp." (a leftover). */
static void assert_no_temp(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        ck_assert_msg(strstr(de->d_name, ".tmp.") == NULL, "temporary file left: %s/%s", dir,
                      de->d_name);
    closedir(d);
}

typedef struct Captured {
    Shell sh;
    char *out, *err;
    size_t out_len, err_len;
} Captured;

static void cap_open(Captured *c)
{
    shell_init(&c->sh);
    c->sh.out = open_memstream(&c->out, &c->out_len);
    c->sh.err = open_memstream(&c->err, &c->err_len);
    c->sh.tty_out = 0;
    c->sh.term = TERM_NONE;
}

static void cap_close(Captured *c)
{
    fclose(c->sh.out);
    fclose(c->sh.err);
    free(c->out);
    free(c->err);
    shell_free(&c->sh);
}

static int cap_run(Captured *c, const char *line)
{
    int rc = shell_run_line(&c->sh, line);
    fflush(c->sh.out);
    fflush(c->sh.err);
    return rc;
}

/* Runs a line that must fail with a message containing `want`. */
static void cap_fail(Captured *c, const char *line, const char *want)
{
    ck_assert_msg(cap_run(c, line) == CMD_ERR, "'%s' did not fail", line);
    assert_one_line(c->sh.errmsg);
    ck_assert_msg(strstr(c->sh.errmsg, want) != NULL, "'%s' failed with '%s', not '%s'", line,
                  c->sh.errmsg, want);
}

static void cap_ok(Captured *c, const char *line)
{
    int rc = cap_run(c, line);
    ck_assert_msg(rc == CMD_OK, "'%s' failed: %s", line, c->sh.errmsg);
}

/* A small labelled set: n images of 6x5 with a pattern that depends on the label,
 * so that a model can learn it. */
static void tiny_dataset(Dataset *d, size_t n)
{
    d->n = n;
    d->rows = 6;
    d->cols = 5;
    d->x = xmalloc_floats(n * 30);
    d->y = xmalloc(n);
    for (size_t i = 0; i < n; i++) {
        d->y[i] = (uint8_t)(i * 7 % 10);
        for (size_t k = 0; k < 30; k++)
            d->x[i * 30 + k] = (float)(((k + d->y[i] * 3) % 11) / 10.0 + (i % 3) * 0.01);
    }
}

static Model *tiny_mlp(int input, double lr)
{
    Model *m = model_new();
    Rng r;
    rng_seed(&r, 11);
    Err e;
    NnShape in = {1, {input, 0, 0}};
    NnLayerSpec s;
    memset(&s, 0, sizeof s);
    s.kind = "dense";
    s.units = 9;
    ck_assert_int_eq(model_add(m, &s, &in, &r, &e), 0);
    memset(&s, 0, sizeof s);
    s.kind = "activation";
    s.act = NN_ACT_SIGMOID;
    ck_assert_int_eq(model_add(m, &s, NULL, &r, &e), 0);
    memset(&s, 0, sizeof s);
    s.kind = "dense";
    s.units = 10;
    ck_assert_int_eq(model_add(m, &s, NULL, &r, &e), 0);
    memset(&s, 0, sizeof s);
    s.kind = "activation";
    s.act = NN_ACT_SOFTMAX;
    ck_assert_int_eq(model_add(m, &s, NULL, &r, &e), 0);
    if (lr > 0)
        ck_assert_int_eq(model_compile(m, NN_LOSS_CCE, lr, 1, &e), 0);
    return m;
}

/* ---- model files: hostile headers must not make the reader allocate ---- */

/* A model file header: magic, version 1, layers, input rank and dims, then one
 * layer record (kind, act, units, filters, kh, kw, padding, ph, pw, name). */
static size_t model_header(uint8_t *b, uint32_t rank, uint32_t d0, uint32_t d1, uint32_t d2,
                           const uint32_t rec[9])
{
    size_t n = 0;
    memcpy(b, "UNTGLMDL", 8);
    n = 8;
    uint32_t head[6] = {1, 1, rank, d0, d1, d2};
    for (int i = 0; i < 6; i++, n += 4)
        for (int k = 0; k < 4; k++)
            b[n + (size_t)k] = (uint8_t)(head[i] >> (8 * k));
    for (int i = 0; i < 9; i++, n += 4)
        for (int k = 0; k < 4; k++)
            b[n + (size_t)k] = (uint8_t)(rec[i] >> (8 * k));
    memset(b + n, 0, 32);
    memcpy(b + n, "big", 3);
    return n + 32;
}

/* A 100-byte file announcing a dense layer of 10^6 units on 1000 inputs (4 GB of
 * weights): the reader must see that the file cannot hold them before it
 * allocates them. Found by fuzz_model. */
START_TEST(model_parse_small_file_huge_dense)
{
    uint8_t b[128];
    const uint32_t rec[9] = {0 /* dense in version 1 */, 0, 1000000, 0, 0, 0, 0, 0, 0};
    size_t n = model_header(b, 1, 1000, 0, 0, rec);
    Err e;
    err_clear(&e);
    guard_on((size_t)256 << 20);
    Model *m = model_parse(b, n, &e);
    guard_off();
    ck_assert_ptr_null(m);
    assert_one_line(e.msg);
}
END_TEST

/* The same in version 2, where a layer is a record of words. */
START_TEST(model_parse_small_file_huge_dense_v2)
{
    uint8_t b[160];
    size_t n = 0;
    memcpy(b, "UNTGLMDL", 8);
    n = 8;
    const char *words = "dense name big units 1000000";
    uint32_t head[7] = {2, 1, 1, 1000, 0, 0, (uint32_t)strlen(words)};
    for (int i = 0; i < 7; i++, n += 4)
        for (int k = 0; k < 4; k++)
            b[n + (size_t)k] = (uint8_t)(head[i] >> (8 * k));
    memcpy(b + n, words, strlen(words));
    n += strlen(words);
    memset(b + n, 0, 40);
    n += 40;
    Err e;
    err_clear(&e);
    guard_on((size_t)256 << 20);
    Model *m = model_parse(b, n, &e);
    guard_off();
    ck_assert_ptr_null(m);
    assert_one_line(e.msg);
    ck_assert_msg(strstr(e.msg, "more weights than the file holds"), "%s", e.msg);
}
END_TEST

START_TEST(model_parse_small_file_huge_conv)
{
    uint8_t b[128];
    const uint32_t rec[9] = {2 /* conv2d in version 1 */, NN_ACT_RELU, 0, 4096, 3, 3, NN_PAD_SAME,
                             0, 0};
    size_t n = model_header(b, 3, 256, 256, 64, rec); /* 2.4 M weights, 64 MiB of outputs */
    Err e;
    err_clear(&e);
    guard_on((size_t)256 << 20);
    Model *m = model_parse(b, n, &e);
    guard_off();
    ck_assert_ptr_null(m);
    assert_one_line(e.msg);
}
END_TEST

START_TEST(model_load_folder)
{
    char *dir = tu_tmpdir();
    char path[1200];
    snprintf(path, sizeof path, "%s/m.model", dir);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    Err e;
    err_clear(&e);
    ck_assert_ptr_null(model_load(path, &e));
    assert_one_line(e.msg);
    ck_assert_msg(strstr(e.msg, "9223372036854775807") == NULL, "nonsense size: %s", e.msg);
    ck_assert_msg(strstr(e.msg, "folder") || strstr(e.msg, "directory") ||
                      strstr(e.msg, "not a regular file") || strstr(e.msg, "Is a directory"),
                  "message does not say it is a folder: %s", e.msg);
    tu_rmtree(dir);
}
END_TEST

/* A named pipe with no writer: opening it for reading would wait for ever. */
START_TEST(model_load_fifo_does_not_hang)
{
    char *dir = tu_tmpdir();
    char path[1200];
    snprintf(path, sizeof path, "%s/p.model", dir);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    Err e;
    err_clear(&e);
    ck_assert_ptr_null(model_load(path, &e));
    assert_one_line(e.msg);
    tu_rmtree(dir);
}
END_TEST

/* ---- writes that fail keep the old file ---- */

START_TEST(atomic_failure_keeps_old_file)
{
    char *dir = tu_tmpdir();
    char path[1200];
    snprintf(path, sizeof path, "%s/f.bin", dir);
    static const char old[] = "the previous content, 37 bytes long\n";
    tu_write_file(path, old, sizeof old - 1);
    Err e;
    err_clear(&e);
    setenv("UNTANGLE_FAIL_WRITE", "5", 1);
    ck_assert_int_eq(atomic_write_all(path, "a longer new content than five bytes", 36, &e), -1);
    unsetenv("UNTANGLE_FAIL_WRITE");
    assert_one_line(e.msg);
    ck_assert_ptr_nonnull(strstr(e.msg, "unchanged"));
    assert_file_is(path, old, sizeof old - 1);
    assert_no_temp(dir);
    /* And without the injection the same write goes through. */
    ck_assert_int_eq(atomic_write_all(path, "new", 3, &e), 0);
    assert_file_is(path, "new", 3);
    assert_no_temp(dir);
    tu_rmtree(dir);
}
END_TEST

START_TEST(atomic_missing_folder)
{
    Err e;
    err_clear(&e);
    ck_assert_int_eq(atomic_write_all("/nonexistent-untangle-dir/x", "a", 1, &e), -1);
    assert_one_line(e.msg);
    ck_assert_ptr_nonnull(strstr(e.msg, "/nonexistent-untangle-dir/x"));
}
END_TEST

START_TEST(model_save_failure_keeps_old_file)
{
    char *dir = tu_tmpdir();
    char path[1200];
    snprintf(path, sizeof path, "%s/m.model", dir);
    Model *a = tiny_mlp(30, 0.5), *b = tiny_mlp(17, 0.1);
    Err e;
    err_clear(&e);
    ck_assert_int_eq(model_save(a, path, &e), 0);
    size_t len;
    uint8_t *before = read_all(path, &len);
    for (int at = 0; at < 3; at++) {
        /* fail at the first byte, in the middle, and one byte before the end (of
         * a's file; b's is smaller, so b then gets through) */
        char inject[32];
        long fail_after = at == 0 ? 0 : at == 1 ? 100 : (long)len - 1;
        snprintf(inject, sizeof inject, "%ld", fail_after);
        setenv("UNTANGLE_FAIL_WRITE", inject, 1);
        ck_assert_int_eq(model_save(a, path, &e), -1);
        if (at < 2)
            ck_assert_int_eq(model_save(b, path, &e), -1);
        unsetenv("UNTANGLE_FAIL_WRITE");
        assert_one_line(e.msg);
        assert_file_is(path, before, len);
        assert_no_temp(dir);
    }
    /* The file still loads into the first model. */
    Model *c = model_load(path, &e);
    ck_assert_ptr_nonnull(c);
    ck_assert_uint_eq(c->n_params, a->n_params);
    ck_assert_int_eq(memcmp(c->params, a->params, a->n_params * sizeof(float)), 0);
    model_free(a);
    model_free(b);
    model_free(c);
    free(before);
    tu_rmtree(dir);
}
END_TEST

START_TEST(png_write_failure_keeps_old_file)
{
    char *dir = tu_tmpdir();
    char path[1200];
    snprintf(path, sizeof path, "%s/p.png", dir);
    Err e;
    Canvas *c = canvas_new(13, 7, 0x336699ff, &e);
    ck_assert_int_eq(png_write_file(c, path, &e), 0);
    size_t len;
    uint8_t *before = read_all(path, &len);
    canvas_fill(c, 0xff0000ff);
    setenv("UNTANGLE_FAIL_WRITE", "20", 1);
    ck_assert_int_eq(png_write_file(c, path, &e), -1);
    unsetenv("UNTANGLE_FAIL_WRITE");
    assert_one_line(e.msg);
    assert_file_is(path, before, len);
    assert_no_temp(dir);
    canvas_free(c);
    free(before);
    tu_rmtree(dir);
}
END_TEST

/* ---- hostile files for the readers ---- */

START_TEST(png_read_hostile_files)
{
    char *dir = tu_tmpdir();
    char good[1200], path[1200];
    snprintf(good, sizeof good, "%s/good.png", dir);
    Err e;
    Canvas *c = canvas_new(9, 4, 0x10203040, &e);
    ck_assert_int_eq(png_write_file(c, good, &e), 0);
    canvas_free(c);
    size_t len;
    uint8_t *g = read_all(good, &len);

    struct {
        const char *name;
        size_t keep;   /* bytes of the good file kept */
        int flip;      /* byte to flip, -1 none */
    } cases[] = {
        {"truncated.png", 40, -1}, {"signature-only.png", 8, -1}, {"empty.png", 0, -1},
        {"bad-crc.png", (size_t)-1, 20}, {"bad-data.png", (size_t)-1, 45},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, cases[i].name);
        size_t n = cases[i].keep == (size_t)-1 ? len : cases[i].keep;
        uint8_t *b = xmalloc(len);
        memcpy(b, g, len);
        if (cases[i].flip >= 0)
            b[cases[i].flip] ^= 0x5a;
        tu_write_file(path, b, n);
        free(b);
        err_clear(&e);
        Canvas *r = png_read_file(path, &e);
        ck_assert_msg(r == NULL, "%s was read", cases[i].name);
        assert_one_line(e.msg);
        ck_assert_msg(strstr(e.msg, cases[i].name) != NULL, "%s: message lacks the name: %s",
                      cases[i].name, e.msg);
    }
    /* Foreign files: text, an IDX file, a folder, nothing. */
    snprintf(path, sizeof path, "%s/text.png", dir);
    tu_write_file(path, "hello\n", 6);
    ck_assert_ptr_null(png_read_file(path, &e));
    assert_one_line(e.msg);
    snprintf(path, sizeof path, "%s/folder.png", dir);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    ck_assert_ptr_null(png_read_file(path, &e));
    assert_one_line(e.msg);
    snprintf(path, sizeof path, "%s/missing.png", dir);
    ck_assert_ptr_null(png_read_file(path, &e));
    assert_one_line(e.msg);
    /* A header announcing 16385 x 1 pixels: refused before decoding. */
    free(g);
    tu_rmtree(dir);
}
END_TEST

START_TEST(idx_load_hostile_files)
{
    char *dir = tu_tmpdir();
    char path[1200];
    IdxArray a;
    Err e;
    snprintf(path, sizeof path, "%s/folder", dir);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    ck_assert_int_eq(idx_load(path, 0, &a, &e), -1);
    assert_one_line(e.msg);
    ck_assert_ptr_nonnull(strstr(e.msg, path));
    snprintf(path, sizeof path, "%s/empty", dir);
    tu_write_file(path, "", 0);
    ck_assert_int_eq(idx_load(path, 0, &a, &e), -1);
    assert_one_line(e.msg);
    snprintf(path, sizeof path, "%s/missing", dir);
    ck_assert_int_eq(idx_load(path, 0, &a, &e), -1);
    assert_one_line(e.msg);
    /* The header says 3 images of 5x7; the file holds 2 and a half. */
    snprintf(path, sizeof path, "%s/short", dir);
    ck_assert_int_eq(fz_write_idx(path, 3, 3, 5, 7, 0), 0);
    ck_assert_int_eq(truncate(path, 16 + 35 * 2 + 17), 0);
    ck_assert_int_eq(idx_load(path, 0, &a, &e), -1);
    assert_one_line(e.msg);
    ck_assert_ptr_nonnull(strstr(e.msg, "truncated"));
    /* Asking for the first 2 of a file truncated after them still checks the length. */
    ck_assert_int_eq(idx_load(path, 2, &a, &e), -1);
    assert_one_line(e.msg);
    /* A header announcing 10^7 images of 1024x1024 in 30 bytes: no allocation. */
    uint8_t big[30] = {0, 0, 8, 3, 0, 0x98, 0x96, 0x80, 0, 0, 4, 0, 0, 0, 4, 0};
    snprintf(path, sizeof path, "%s/huge", dir);
    tu_write_file(path, big, sizeof big);
    guard_on((size_t)64 << 20);
    int rc = idx_load(path, 0, &a, &e);
    int rc2 = idx_parse(big, sizeof big, &a, &e);
    guard_off();
    ck_assert_int_eq(rc, -1);
    ck_assert_int_eq(rc2, -1);
    assert_one_line(e.msg);
    tu_rmtree(dir);
}
END_TEST

/* ---- absurd sizes: refused with the memory they need, before allocating ---- */

START_TEST(tsne_absurd_size_refused_first)
{
    /* 10^8 points of 784 values: tsne_run must refuse before it reads x or y, so a
     * one-float buffer stands for both. */
    float dummy[2] = {0, 0};
    TsneParams p;
    tsne_params_default(&p);
    TsneResult res;
    Err e;
    err_clear(&e);
    guard_on((size_t)64 << 20);
    int rc = tsne_run(dummy, 100000000, 784, &p, dummy, &res, NULL, NULL, &e);
    guard_off();
    ck_assert_int_eq(rc, -1);
    assert_one_line(e.msg);
    ck_assert_msg(strstr(e.msg, "would need") != NULL, "no memory named: %s", e.msg);
}
END_TEST

START_TEST(model_add_absurd_size_refused_first)
{
    Model *m = model_new();
    NnLayerSpec s;
    memset(&s, 0, sizeof s);
    s.kind = "dense";
    s.units = NN_MAX_DIM;
    NnShape in = {1, {NN_MAX_DIM, 0, 0}};
    Err e;
    err_clear(&e);
    guard_on((size_t)64 << 20);
    int rc = model_add(m, &s, &in, NULL, &e);
    guard_off();
    ck_assert_int_eq(rc, -1);
    assert_one_line(e.msg);
    ck_assert_ptr_nonnull(strstr(e.msg, "would need"));
    ck_assert_uint_eq(m->n_layers, 0);
    ck_assert_uint_eq(m->n_params, 0);
    model_free(m);
}
END_TEST

/* ---- a failed command leaves the session as it was ---- */

/* The folders for a session with tiny data sets: good/ (60 train, 30 test),
 * bad/ (the same with truncated test images). */
static char *session_dirs(char *good, char *bad, size_t cap)
{
    char *dir = tu_tmpdir();
    snprintf(good, cap, "%s/good", dir);
    snprintf(bad, cap, "%s/bad", dir);
    ck_assert_int_eq(mkdir(good, 0700), 0);
    ck_assert_int_eq(mkdir(bad, 0700), 0);
    ck_assert_int_eq(fz_make_mnist(good, 60, 30), 0);
    ck_assert_int_eq(fz_make_mnist(bad, 50, 20), 0);
    char p[1300];
    snprintf(p, sizeof p, "%s/t10k-images-idx3-ubyte", bad);
    ck_assert_int_eq(truncate(p, 1000), 0);
    return dir;
}

START_TEST(failed_load_keeps_data)
{
    char good[1200], bad[1200];
    char *dir = session_dirs(good, bad, sizeof good);
    Captured c;
    cap_open(&c);
    setenv("UNTANGLE_DATA", good, 1);
    cap_ok(&c, "load mnist train 40");
    const float *x = c.sh.train.x;
    ck_assert_uint_eq(c.sh.train.n, 40);
    setenv("UNTANGLE_DATA", bad, 1);
    cap_fail(&c, "load mnist", "truncated");
    ck_assert_ptr_eq(c.sh.train.x, x);
    ck_assert_uint_eq(c.sh.train.n, 40);
    ck_assert_uint_eq(c.sh.test.n, 30);
    ck_assert_str_eq(c.sh.data_name, "mnist");
    /* More images than the set holds: refused, data unchanged. */
    setenv("UNTANGLE_DATA", good, 1);
    cap_fail(&c, "load mnist train 61", "61");
    ck_assert_ptr_eq(c.sh.train.x, x);
    ck_assert_uint_eq(c.sh.train.n, 40);
    unsetenv("UNTANGLE_DATA");
    cap_close(&c);
    tu_rmtree(dir);
}
END_TEST

/* The model's layers and weights, to compare before and after a failure. */
typedef struct ModelSnap {
    const Model *ptr;
    size_t n_layers, n_params;
    float *params;
    int compiled;
    double lr;
    long epochs;
} ModelSnap;

static ModelSnap snap(const Shell *sh)
{
    ModelSnap s = {sh->model, 0, 0, NULL, 0, 0, 0};
    if (sh->model) {
        s.n_layers = sh->model->n_layers;
        s.n_params = sh->model->n_params;
        s.params = xmalloc(s.n_params * sizeof(float) + 1);
        memcpy(s.params, sh->model->params, s.n_params * sizeof(float));
        s.compiled = sh->model->compile.compiled;
        s.lr = sh->model->compile.opt.lr;
        s.epochs = sh->model->epochs_trained;
    }
    return s;
}

static void assert_same_model(const Shell *sh, ModelSnap *s, const char *after)
{
    ck_assert_msg(sh->model == s->ptr, "after %s: the session holds another model", after);
    if (sh->model) {
        ck_assert_msg(sh->model->n_layers == s->n_layers, "after %s: %zu layers, was %zu", after,
                      sh->model->n_layers, s->n_layers);
        ck_assert_uint_eq(sh->model->n_params, s->n_params);
        ck_assert_msg(memcmp(sh->model->params, s->params, s->n_params * sizeof(float)) == 0,
                      "after %s: the weights changed", after);
        ck_assert_int_eq(sh->model->compile.compiled, s->compiled);
        ck_assert_msg(sh->model->compile.opt.lr == s->lr, "after %s: lr %g, was %g", after,
                      sh->model->compile.opt.lr, s->lr);
        ck_assert_int_eq(sh->model->epochs_trained, s->epochs);
    }
}

START_TEST(failed_model_commands_keep_model)
{
    char good[1200], bad[1200];
    char *dir = session_dirs(good, bad, sizeof good);
    Captured c;
    cap_open(&c);
    snprintf(c.sh.output_dir, sizeof c.sh.output_dir, "%s", dir);
    /* A damaged model file beside a good one. */
    char path[1300];
    snprintf(path, sizeof path, "%s/broken.model", dir);
    tu_write_file(path, "UNTGLMDL\001\000\000\000", 12);

    cap_ok(&c, "model new; model add dense 7 sigmoid input 5; model add dense 10 softmax");
    ModelSnap s = snap(&c.sh);
    const char *fails[][2] = {
        {"model load broken", "truncated"},
        {"model load nothing_there", "nothing_there"},
        {"model add conv2d 3 3x3", "conv2d"},
        {"model add dense 3 input 9", "input (9)"},
        {"model add dense 0", "0"},
        {"model add dense 4 name dense_1", "dense_1"},
        {"model add activation sigmod", "sigmod"},
        {"compile loss categorical_crossentropy optimizer sgd lr abc", "abc"},
        {"fit", "not compiled"},
        {"model new extra", "one too many"},
    };
    for (size_t i = 0; i < sizeof fails / sizeof fails[0]; i++) {
        cap_fail(&c, fails[i][0], fails[i][1]);
        assert_same_model(&c.sh, &s, fails[i][0]);
    }
    free(s.params);

    /* Compiled: a bad compile keeps the old settings, a fit without data the weights. */
    cap_ok(&c, "compile loss categorical_crossentropy optimizer sgd lr 0.25");
    s = snap(&c.sh);
    cap_fail(&c, "compile loss categorical_crossentropy optimizer sgd lr -1", "-1");
    assert_same_model(&c.sh, &s, "compile lr -1");
    cap_fail(&c, "compile loss mse", "mse");
    assert_same_model(&c.sh, &s, "compile loss mse");
    cap_fail(&c, "fit epochs 1", "no training data");
    assert_same_model(&c.sh, &s, "fit without data");
    /* Data of another shape (784 pixels for a model on 5 inputs). */
    setenv("UNTANGLE_DATA", good, 1);
    cap_ok(&c, "load mnist");
    cap_fail(&c, "fit epochs 1", "");
    assert_same_model(&c.sh, &s, "fit on data of another shape");
    cap_fail(&c, "evaluate", "");
    assert_same_model(&c.sh, &s, "evaluate on data of another shape");
    cap_fail(&c, "predict", "");
    ck_assert_ptr_null(c.sh.features.x);
    free(s.params);
    unsetenv("UNTANGLE_DATA");
    cap_close(&c);
    tu_rmtree(dir);
}
END_TEST

START_TEST(failed_tsne_keeps_embedding)
{
    char good[1200], bad[1200];
    char *dir = session_dirs(good, bad, sizeof good);
    Captured c;
    cap_open(&c);
    setenv("UNTANGLE_DATA", good, 1);
    cap_ok(&c, "load mnist; tsne raw first 20 perplexity 5 iterations 250");
    const float *emb = c.sh.embedding.x;
    ck_assert_ptr_nonnull(emb);
    char name[sizeof c.sh.embedding.name];
    memcpy(name, c.sh.embedding.name, sizeof name);
    float first[4];
    memcpy(first, emb, sizeof first);
    const char *fails[][2] = {
        {"tsne raw first 20 perplexity 20", "perplexity 20 is too large for 20 points"},
        {"tsne raw perplexity 0", "perplexity 0"},
        {"tsne raw first 3", "at least 4 points"},
        {"tsne features", "no features"},
        {"tsne raw init svd", "svd"},
        {"nh k 20", "k 20"},
    };
    for (size_t i = 0; i < sizeof fails / sizeof fails[0]; i++) {
        cap_fail(&c, fails[i][0], fails[i][1]);
        ck_assert_msg(c.sh.embedding.x == emb && c.sh.embedding.n == 20 &&
                          memcmp(c.sh.embedding.x, first, sizeof first) == 0 &&
                          strcmp(c.sh.embedding.name, name) == 0,
                      "after %s the embedding changed", fails[i][0]);
    }
    unsetenv("UNTANGLE_DATA");
    cap_close(&c);
    tu_rmtree(dir);
}
END_TEST

START_TEST(failed_settings_keep_settings)
{
    char *dir = tu_tmpdir();
    Captured c;
    cap_open(&c);
    snprintf(c.sh.output_dir, sizeof c.sh.output_dir, "%s/out", dir);
    cap_ok(&c, "set seed 17; set threads 1");
    const char *fails[] = {"set seed abc", "set seed 99999999999", "set threads 0",
                           "set term sixels", "set colour 3"};
    for (size_t i = 0; i < sizeof fails / sizeof fails[0]; i++) {
        ck_assert_int_eq(cap_run(&c, fails[i]), CMD_ERR);
        ck_assert_uint_eq(c.sh.seed, 17);
        ck_assert_int_eq(c.sh.threads, 1);
    }
    /* In a lesson, the output folder may not leave itself. */
    char before[SH_PATH_MAX];
    snprintf(before, sizeof before, "%s", c.sh.output_dir);
    c.sh.depth = 1;
    cap_fail(&c, "set output /tmp", "may not write");
    ck_assert_str_eq(c.sh.output_dir, before);
    c.sh.depth = 0;
    cap_close(&c);
    tu_rmtree(dir);
}
END_TEST

/* ---- no shell escape: command words are never given to a shell ---- */

START_TEST(no_shell_escape)
{
    char *dir = tu_tmpdir();
    Captured c;
    cap_open(&c);
    char line[1400], marker[1300];
    snprintf(marker, sizeof marker, "%s/ran", dir);
    const char *forms[] = {"!touch %s", "$(touch %s)", "`touch %s`", "echo x; touch %s",
                           "echo x && touch %s", "echo x | touch %s", "load mnist $(touch %s)"};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        snprintf(line, sizeof line, forms[i], marker);
        cap_run(&c, line);
        ck_assert_msg(access(marker, F_OK) != 0, "'%s' ran a shell", line);
    }
    cap_close(&c);
    tu_rmtree(dir);
}
END_TEST

/* ---- tokenizer limits ---- */

START_TEST(tokenizer_limits)
{
    TokLine t;
    Err e;
    /* The longest word a line may hold, then a line one byte too long: refused
     * in one line naming the limit, as every input's line is. */
    size_t n = TOK_LINE_MAX - 5;
    char *big = xmalloc(n + 8);
    memcpy(big, "echo ", 5);
    memset(big + 5, 'a', n);
    big[n + 5] = '\0';
    ck_assert_int_eq(tok_split(big, &t, &e), 0);
    ck_assert_uint_eq(strlen(t.cmds[0].argv[1]), n);
    tok_free(&t);
    big[n + 5] = 'a';
    big[n + 6] = '\0';
    ck_assert_int_eq(tok_split(big, &t, &e), -1);
    assert_one_line(e.msg);
    ck_assert_msg(strstr(e.msg, "more than the 65536 a line may hold") != NULL, "%s", e.msg);
    /* Exactly the most words, then one more. */
    char *words = xmalloc(TOK_MAX_WORDS * 2 + 4);
    size_t k = 0;
    for (int i = 0; i < TOK_MAX_WORDS; i++) {
        words[k++] = 'w';
        words[k++] = ';';
    }
    words[k] = '\0';
    ck_assert_int_eq(tok_split(words, &t, &e), 0);
    ck_assert_uint_eq(t.ncmds, TOK_MAX_WORDS);
    tok_free(&t);
    words[k++] = 'w';
    words[k] = '\0';
    ck_assert_int_eq(tok_split(words, &t, &e), -1);
    assert_one_line(e.msg);
    /* Quotes only, a backslash at the very end, an empty quoted word. */
    ck_assert_int_eq(tok_split("\"\"''\"\"", &t, &e), 0);
    ck_assert_uint_eq(t.ncmds, 1);
    ck_assert_str_eq(t.cmds[0].argv[0], "");
    tok_free(&t);
    ck_assert_int_eq(tok_split("echo \"abc\\", &t, &e), -1);
    assert_one_line(e.msg);
    ck_assert_int_eq(tok_split("echo \"\\\"", &t, &e), -1);
    ck_assert_int_eq(tok_split("\t\r\n;;;#", &t, &e), 0);
    ck_assert_uint_eq(t.ncmds, 0);
    tok_free(&t);
    /* An empty command name reaches the dispatcher as a word: it must be refused. */
    Captured c;
    cap_open(&c);
    cap_fail(&c, "\"\" 3", "unknown command ''");
    cap_close(&c);
    free(big);
    free(words);
}
END_TEST

START_TEST(lesson_limits)
{
    Lesson l;
    Err e;
    size_t n = ((size_t)64 << 10) + 1;
    char *text = xmalloc(n + 1);
    memset(text, 'x', n);
    text[n] = '\n';
    ck_assert_int_eq(lesson_parse(text, n + 1, &l, &e), -1);
    assert_one_line(e.msg);
    ck_assert_ptr_nonnull(strstr(e.msg, "line 1"));
    free(text);
    /* A lesson is not a program: shell syntax in a block is just an unknown command. */
    const char *md = "```untangle\n!ls\n$(ls)\n```\n";
    ck_assert_int_eq(lesson_parse(md, strlen(md), &l, &e), 0);
    ck_assert_uint_eq(l.n, 4);
    ck_assert_str_eq(l.items[1].text, "!ls");
    ck_assert_str_eq(l.items[2].text, "$(ls)");
    lesson_free(&l);
}
END_TEST

/* ---- Ctrl-C and divergence stop training cleanly ---- */

START_TEST(fit_interrupted_keeps_last_batch)
{
    Dataset d;
    tiny_dataset(&d, 41);
    Model *m = tiny_mlp(30, 0.5);
    float *before = xmalloc(m->n_params * sizeof(float));
    memcpy(before, m->params, m->n_params * sizeof(float));
    NnFitOptions o = {10, 50, 0};
    Rng r;
    rng_seed(&r, 3);
    NnFitResult res;
    Err e;
    err_clear(&e);
    interrupt_flag = 1; /* as if Ctrl-C came during the first batch */
    int rc = model_fit(m, &d, &o, &r, NULL, NULL, &res, &e);
    interrupt_clear();
    ck_assert_int_eq(rc, -1);
    ck_assert_int_eq(e.interrupted, 1);
    assert_one_line(e.msg);
    ck_assert_int_eq(res.epochs_done, 0);
    ck_assert_int_eq(m->epochs_trained, 0);
    /* One batch was completed and kept: the weights moved, and are finite. */
    int moved = 0;
    for (size_t i = 0; i < m->n_params; i++) {
        ck_assert(isfinite(m->params[i]));
        moved |= m->params[i] != before[i];
    }
    ck_assert_msg(moved, "the completed batch was not kept");
    /* The model still trains after it. */
    o.epochs = 1;
    ck_assert_int_eq(model_fit(m, &d, &o, &r, NULL, NULL, &res, &e), 0);
    ck_assert_int_eq(res.epochs_done, 1);
    free(before);
    model_free(m);
    dataset_free(&d);
}
END_TEST

START_TEST(evaluate_predict_tsne_interrupted)
{
    Dataset d;
    tiny_dataset(&d, 600);
    Model *m = tiny_mlp(30, 0.5);
    Err e;
    double loss, acc;
    interrupt_flag = 1;
    err_clear(&e);
    ck_assert_int_eq(model_evaluate(m, &d, &loss, &acc, &e), -1);
    ck_assert_int_eq(e.interrupted, 1);
    float *out = NULL;
    size_t dim;
    err_clear(&e);
    ck_assert_int_eq(model_predict(m, d.x, d.n, &out, &dim, &e), -1);
    ck_assert_int_eq(e.interrupted, 1);
    ck_assert_ptr_null(out);
    TsneParams p;
    tsne_params_default(&p);
    p.perplexity = 5;
    float *y = xmalloc(d.n * 2 * sizeof(float));
    TsneResult res;
    err_clear(&e);
    ck_assert_int_eq(tsne_run(d.x, d.n, 30, &p, y, &res, NULL, NULL, &e), -1);
    ck_assert_int_eq(e.interrupted, 1);
    interrupt_clear();
    free(y);
    model_free(m);
    dataset_free(&d);
}
END_TEST

/* A NaN in the data makes the loss NaN at the step that meets it: fit stops there
 * and keeps the weights from before that step (all finite). The data loader never
 * lets a NaN in; this only reaches the divergence check in model_fit. */
START_TEST(fit_nan_loss_keeps_weights)
{
    Dataset d;
    tiny_dataset(&d, 50);
    for (size_t i = 0; i < d.n * 30; i++)
        d.x[i] = NAN;
    Model *m = tiny_mlp(30, 0.5);
    float *before = xmalloc(m->n_params * sizeof(float));
    memcpy(before, m->params, m->n_params * sizeof(float));
    NnFitOptions o = {5, 3, 0};
    Rng r;
    rng_seed(&r, 5);
    NnFitResult res;
    Err e;
    err_clear(&e);
    int rc = model_fit(m, &d, &o, &r, NULL, NULL, &res, &e);
    ck_assert_int_eq(rc, -1);
    ck_assert_int_eq(e.interrupted, 0);
    assert_one_line(e.msg);
    ck_assert_msg(strstr(e.msg, "smaller learning rate") != NULL, "message: %s", e.msg);
    ck_assert_msg(memcmp(m->params, before, m->n_params * sizeof(float)) == 0,
                  "the weights changed");
    free(before);
    model_free(m);
    dataset_free(&d);
}
END_TEST

/* The lab's MLP with lr 100 (the issue's example): training must not go on
 * silently at chance level; fit stops and suggests a smaller learning rate. */
START_TEST(fit_lr_100_stops_with_advice)
{
    Dataset d;
    tiny_dataset(&d, 300);
    Model *m = tiny_mlp(30, 100);
    NnFitOptions o = {30, 20, 0};
    Rng r;
    rng_seed(&r, 5);
    NnFitResult res;
    Err e;
    err_clear(&e);
    int rc = model_fit(m, &d, &o, &r, NULL, NULL, &res, &e);
    ck_assert_msg(rc == -1, "fit with lr 100 went on: loss %g, accuracy %g", res.loss,
                  res.accuracy);
    assert_one_line(e.msg);
    ck_assert_msg(strstr(e.msg, "smaller learning rate") != NULL, "message: %s", e.msg);
    for (size_t i = 0; i < m->n_params; i++)
        ck_assert(isfinite(m->params[i]));
    model_free(m);
    dataset_free(&d);
}
END_TEST

/* A save over what is not a regular file is refused and leaves it as it was;
 * a link is followed and stays a link; an interrupted save leaves the old file. */
START_TEST(atomic_never_replaces_special_files)
{
    char *dir = tu_tmpdir();
    char node[1200], fifo[1200], link[1200], target[1200];
    snprintf(node, sizeof node, "%s/node", dir);
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    snprintf(link, sizeof link, "%s/link", dir);
    snprintf(target, sizeof target, "%s/target", dir);
    int is_dev = mknod(node, S_IFCHR | 0600, makedev(1, 3)) == 0;
    if (!is_dev)
        ck_assert_int_eq(mkfifo(node, 0600), 0);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    Err e;
    const char *paths[] = {node, fifo, dir};
    for (int i = 0; i < 3; i++) {
        err_clear(&e);
        ck_assert_int_eq(atomic_write_all(paths[i], "x", 1, &e), -1);
        assert_one_line(e.msg);
        ck_assert_msg(strstr(e.msg, "not a regular file") != NULL, "%s", e.msg);
    }
    struct stat st;
    ck_assert_int_eq(lstat(node, &st), 0);
    ck_assert(is_dev ? S_ISCHR(st.st_mode) : S_ISFIFO(st.st_mode));
    ck_assert_int_eq(lstat(fifo, &st), 0);
    ck_assert(S_ISFIFO(st.st_mode));
    /* A link to a file not there yet: the file is made, the link stays. */
    ck_assert_int_eq(symlink("target", link), 0);
    ck_assert_int_eq(atomic_write_all(link, "abc", 3, &e), 0);
    ck_assert_int_eq(lstat(link, &st), 0);
    ck_assert(S_ISLNK(st.st_mode));
    assert_file_is(target, "abc", 3);
    /* Interrupted: the old content stays, no temporary file. */
    interrupt_flag = SIGINT;
    ck_assert_int_eq(atomic_write_all(target, "new content", 11, &e), -1);
    interrupt_clear();
    ck_assert_int_eq(e.interrupted, 1);
    assert_file_is(target, "abc", 3);
    assert_no_temp(dir);
    tu_rmtree(dir);
}
END_TEST

/* A message too long for its buffer keeps its end (the advice): the longest
 * quoted part is shortened, with its length. */
START_TEST(long_messages_keep_their_advice)
{
    char word[5001];
    memset(word, 'q', 5000);
    word[5000] = '\0';
    Err e;
    err_set(&e, "bad thing '%s' (should be short); do this instead", word);
    assert_one_line(e.msg);
    ck_assert_msg(strstr(e.msg, "…' (5000 characters) (should be short); do this instead") != NULL,
                  "%s", e.msg);
    ck_assert_uint_lt(strlen(e.msg), 200);
    /* A short message is left alone. */
    err_set(&e, "bad thing '%s'; fix it", "abc");
    ck_assert_str_eq(e.msg, "bad thing 'abc'; fix it");
}
END_TEST

/* One number grammar for whole and real numbers alike. */
START_TEST(one_number_grammar)
{
    static const char *const bad[] = {"0x10", "inf", "nan", " 5", "5 ", "1_000", "1,5", "",
                                      "+", "-", ".", "e5", "5e", "1e+", "0b1", "1..2"};
    Err e;
    long l;
    double d;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(param_read_long("n", bad[i], 0, 1000000, &l, &e) == -1, "long '%s'", bad[i]);
        ck_assert_msg(param_read_double("x", bad[i], -1e6, 1e6, &d, &e) == -1, "real '%s'",
                      bad[i]);
        ck_assert_msg(strncmp(e.msg, "bad x '", 7) == 0, "%s", e.msg);
    }
    ck_assert_int_eq(param_read_long("n", "6e4", 0, 1000000, &l, &e), 0);
    ck_assert_int_eq(l, 60000);
    ck_assert_int_eq(param_read_long("n", "+7", 0, 10, &l, &e), 0);
    ck_assert_int_eq(l, 7);
    ck_assert_int_eq(param_read_long("n", "1.5", 0, 10, &l, &e), -1);
    ck_assert_int_eq(param_read_double("x", ".5", 0, 1, &d, &e), 0);
    ck_assert(d == 0.5);
    ck_assert_int_eq(param_read_double("x", "1e-320", 0, 1, &d, &e), -1);
    ck_assert_msg(strstr(e.msg, "too close to 0") != NULL, "%s", e.msg);
    ck_assert_int_eq(param_read_double("x", "1e400", 0, 1, &d, &e), -1);
    ck_assert_msg(strstr(e.msg, "out of range") != NULL, "%s", e.msg);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("robust");
    TCase *files = tcase_create("files");
    tcase_set_timeout(files, 30);
    tcase_add_test(files, model_parse_small_file_huge_dense);
    tcase_add_test(files, model_parse_small_file_huge_conv);
    tcase_add_test(files, model_parse_small_file_huge_dense_v2);
    tcase_add_test(files, model_load_folder);
    tcase_add_test(files, atomic_failure_keeps_old_file);
    tcase_add_test(files, atomic_missing_folder);
    tcase_add_test(files, atomic_never_replaces_special_files);
    tcase_add_test(files, long_messages_keep_their_advice);
    tcase_add_test(files, one_number_grammar);
    tcase_add_test(files, model_save_failure_keeps_old_file);
    tcase_add_test(files, png_write_failure_keeps_old_file);
    tcase_add_test(files, png_read_hostile_files);
    tcase_add_test(files, idx_load_hostile_files);
    tcase_add_test(files, tsne_absurd_size_refused_first);
    tcase_add_test(files, model_add_absurd_size_refused_first);
    suite_add_tcase(s, files);

    /* A reader that waits for ever is killed after 5 s. */
    TCase *fifo = tcase_create("fifo");
    tcase_set_timeout(fifo, 5);
    tcase_add_test(fifo, model_load_fifo_does_not_hang);
    suite_add_tcase(s, fifo);

    TCase *session = tcase_create("session");
    tcase_set_timeout(session, 60);
    tcase_add_test(session, failed_load_keeps_data);
    tcase_add_test(session, failed_model_commands_keep_model);
    tcase_add_test(session, failed_tsne_keeps_embedding);
    tcase_add_test(session, failed_settings_keep_settings);
    tcase_add_test(session, no_shell_escape);
    tcase_add_test(session, tokenizer_limits);
    tcase_add_test(session, lesson_limits);
    suite_add_tcase(s, session);

    TCase *stop = tcase_create("stop");
    tcase_set_timeout(stop, 60);
    tcase_add_test(stop, fit_interrupted_keeps_last_batch);
    tcase_add_test(stop, evaluate_predict_tsne_interrupted);
    tcase_add_test(stop, fit_nan_loss_keeps_weights);
    tcase_add_test(stop, fit_lr_100_stops_with_advice);
    suite_add_tcase(s, stop);
    return tu_run_suite(s);
}
