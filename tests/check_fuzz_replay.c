/* check_fuzz_replay.c: every fuzz target replayed on its seed corpus, on the corpus
 * the fuzzer kept (tests/fuzz/corpus/<target>/) and on every input that ever
 * broke it (tests/fuzz/regress/<target>/), so that a crash the
 * fuzzer found stays fixed. Under `make check SAN=1` (and the sanitizer pass of
 * `make check`) this is the same check as the fuzzer's, on known inputs. */
#include <dirent.h>
#include <limits.h>
#include <sys/stat.h>

#include "testutil.h"

#include "fuzz/fuzz.h"
#include "fuzz/fuzz_cmd.c"
#include "fuzz/fuzz_idx.c"
#include "fuzz/fuzz_lesson.c"
#include "fuzz/fuzz_line.c"
#include "fuzz/fuzz_model.c"
#include "fuzz/fuzz_png.c"
#include "fuzz/fuzz_progress.c"

static char fuzz_dir[PATH_MAX]; /* absolute tests/fuzz: fuzz_cmd changes the folder */

/* Feeds every file of tests/fuzz/<kind>/<target>/ to fn; returns how many. */
static int replay_dir(const char *kind, const char *target,
                      int (*fn)(const uint8_t *, size_t))
{
    char dir[PATH_MAX + 64];
    snprintf(dir, sizeof dir, "%s/%s/%s", fuzz_dir, kind, target);
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char path[PATH_MAX + 400];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        FILE *f = fopen(path, "rb");
        ck_assert_msg(f != NULL, "cannot open %s", path);
        fseek(f, 0, SEEK_END);
        long len = ftell(f);
        fseek(f, 0, SEEK_SET);
        uint8_t *buf = malloc(len > 0 ? (size_t)len : 1);
        ck_assert_uint_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
        fclose(f);
        fprintf(stderr, "replay %s/%s/%s\n", kind, target, de->d_name); /* names a crash */
        fn(buf, (size_t)len);
        free(buf);
        n++;
    }
    closedir(d);
    return n;
}

static void replay(const char *target, int (*fn)(const uint8_t *, size_t))
{
    int seeds = replay_dir("seeds", target, fn);
    replay_dir("corpus", target, fn); /* what `make fuzz` with FUZZ_KEEP=1 kept */
    replay_dir("regress", target, fn);
    ck_assert_msg(seeds > 0, "no seed for fuzz target %s in %s/seeds", target, fuzz_dir);
    fn((const uint8_t *)"", 0); /* the empty input */
}

START_TEST(replay_idx) { replay("idx", fuzz_idx_one); }
END_TEST
START_TEST(replay_png) { replay("png", fuzz_png_one); }
END_TEST
START_TEST(replay_lesson) { replay("lesson", fuzz_lesson_one); }
END_TEST
START_TEST(replay_model) { replay("model", fuzz_model_one); }
END_TEST
START_TEST(replay_progress) { replay("progress", fuzz_progress_one); }
END_TEST
START_TEST(replay_line)
{
    replay("line", fuzz_line_one);
    replay_dir("seeds", "cmd", fuzz_line_one); /* the command target's lines too */
    replay_dir("seeds", "lesson", fuzz_line_one);
}
END_TEST
START_TEST(replay_cmd)
{
    replay("cmd", fuzz_cmd_one);
    /* The lessons are command lines too (prose lines fail as unknown commands). */
    replay_dir("seeds", "lesson", fuzz_cmd_one);
}
END_TEST

int main(void)
{
    if (!realpath("tests/fuzz", fuzz_dir)) {
        fprintf(stderr, "check_fuzz_replay: run from the top of the source tree\n");
        return EXIT_FAILURE;
    }
    Suite *s = suite_create("fuzz_replay");
    TCase *tc = tcase_create("targets");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, replay_idx);
    tcase_add_test(tc, replay_png);
    tcase_add_test(tc, replay_lesson);
    tcase_add_test(tc, replay_model);
    tcase_add_test(tc, replay_progress);
    tcase_add_test(tc, replay_line);
    tcase_add_test(tc, replay_cmd);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
