/* fuzz_cmd.c: the tokenizer and the command dispatcher on hostile lines.
 *
 * Each input is a few lines of commands run through shell_run_line on a fresh
 * session, as a lesson would run them (depth 1: writes confined to the output
 * folder, a temporary folder here). `load` finds a tiny MNIST look-alike (24 train,
 * 20 test images: enough for a t-SNE of perplexity 5) through UNTANGLE_DATA,
 * --quick caps the work, and UNTANGLE_MAX_BYTES a small memory budget, so that the
 * fuzzer reaches the model, training and t-SNE commands in milliseconds per input.
 * The folders are in /dev/shm when there is one: every save fsyncs its file and
 * folder, which costs milliseconds on a disk and nothing in memory.
 *
 * Contract checked: nothing crashes or leaks; every failed command recorded a
 * one-line message; nothing is written outside the output folder (the working
 * directory, an empty temporary folder, must stay empty). `set output` is
 * skipped (it would move the output folder), and so is `set threads` (OpenBLAS
 * threads outlive the input and only slow the fuzzer down). */
#include "fuzz.h"
#include "fuzz_util.h"
#include "untangle/core/interrupt.h"
#include "untangle/frontend/run.h"
#include "untangle/frontend/tokenizer.h"
#include "untangle/session/report.h"

#define FZ_CMD_MAX_INPUT 2048
#define FZ_CMD_MAX_LINES 16

static char fz_cmd_root[256];    /* holds data/, out/ and cwd/ */
static char fz_cmd_out[300];
static char fz_cmd_cwd[300];
static FILE *fz_cmd_null;
/* A fresh session as shell_init leaves it, report aside, made once per process:
 * shell_init asks the system for its cores (a read of /sys) and for the
 * terminals, which took 3% of the target's time when done for every input. Each
 * input starts from a copy of it and a report of its own (see fz_cmd_fresh_shell). */
static Shell fz_cmd_fresh;

/* Removes the temporary folders (at exit: libFuzzer and Check children exit). */
static void fz_cmd_cleanup(void)
{
    if (!fz_cmd_root[0])
        return;
    if (chdir("/") != 0)
        return;
    fz_empty_dir(fz_cmd_root);
    rmdir(fz_cmd_root);
    fz_cmd_root[0] = '\0';
    if (fz_cmd_null)
        fclose(fz_cmd_null);
    fz_cmd_null = NULL;
}

static void fz_cmd_setup(void)
{
    if (fz_cmd_root[0])
        return;
    atexit(fz_cmd_cleanup);
    struct stat st;
    const char *base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) &&
                               access("/dev/shm", W_OK) == 0
                           ? "/dev/shm"
                           : "/tmp";
    snprintf(fz_cmd_root, sizeof fz_cmd_root, "%s/untangle-fuzz-cmd-XXXXXX", base);
    if (!mkdtemp(fz_cmd_root))
        fz_fail("cannot create a temporary folder");
    char data[300], fashion[320];
    snprintf(data, sizeof data, "%s/data", fz_cmd_root);
    snprintf(fashion, sizeof fashion, "%s/data/fashion-mnist", fz_cmd_root);
    snprintf(fz_cmd_out, sizeof fz_cmd_out, "%s/out", fz_cmd_root);
    snprintf(fz_cmd_cwd, sizeof fz_cmd_cwd, "%s/cwd", fz_cmd_root);
    if (mkdir(data, 0700) != 0 || mkdir(fashion, 0700) != 0 || mkdir(fz_cmd_out, 0700) != 0 ||
        mkdir(fz_cmd_cwd, 0700) != 0 || fz_make_mnist(data, 24, 20) != 0 ||
        fz_make_mnist(fashion, 16, 12) != 0)
        fz_fail("cannot prepare the fuzzing folders in %s", fz_cmd_root);
    setenv("UNTANGLE_DATA", data, 1);
    /* 64 MiB: room for the tiny data and models, not for a picture of 10^8
     * pixels that would take the fuzzer seconds to paint. */
    setenv("UNTANGLE_MAX_BYTES", "67108864", 1);
    setenv("UNTANGLE_HISTORY", "/dev/null", 1);
    /* Pictures stored, not compressed: deflate took a fifth of the target's time
     * (png.h), and libz is not what is fuzzed here. */
    setenv("UNTANGLE_PNG_LEVEL", "0", 1);
    if (chdir(fz_cmd_cwd) != 0)
        fz_fail("cannot enter %s", fz_cmd_cwd);
    fz_cmd_null = fopen("/dev/null", "w");
    if (!fz_cmd_null)
        fz_fail("cannot open /dev/null");

    /* A copy is a fresh session only if shell_init owns nothing but the report:
     * two sessions it made, reports set aside, must then be the same bytes (it
     * zeroes the whole struct first, padding included). A new allocation in
     * shell_init would differ here and stop the fuzzer at once, rather than be
     * shared by every input. */
    Shell a, b;
    shell_init(&a);
    shell_init(&b);
    report_free(a.report);
    report_free(b.report);
    a.report = b.report = NULL;
    if (memcmp(&a, &b, sizeof a) != 0)
        fz_fail("shell_init made two different sessions: a copy would not be fresh");
    fz_cmd_fresh = a;
}

/* The session for one input: the fresh one with its own report, quiet, quick,
 * at depth 1 (a lesson's rules) and writing into the output folder. */
static void fz_cmd_fresh_shell(Shell *sh)
{
    *sh = fz_cmd_fresh;
    sh->report = report_new();
    sh->out = fz_cmd_null;
    sh->err = fz_cmd_null;
    sh->tty_out = 0;
    sh->term = TERM_NONE;
    sh->quick = 1;
    sh->depth = 1;
    sh->where_file = "fuzz";
    snprintf(sh->output_dir, sizeof sh->output_dir, "%s", fz_cmd_out);
}

/* 1 when the line holds a command the fuzzer must not run, -1 when it does not
 * split into words (the dispatcher then reports the tokenizer's error), 0 else. */
static int fz_cmd_skip(const char *line)
{
    /* Without a quote the words are pieces of the line, so neither word can be
     * there unless its letters are; and a line fails to split only at an open
     * quote or past TOK_MAX_WORDS words, which take 2 * TOK_MAX_WORDS - 1 bytes.
     * Other lines need no second split (it was 6% of the target's time). */
    if (!strpbrk(line, "'\"") && strlen(line) < 2 * TOK_MAX_WORDS - 1 &&
        !strstr(line, "output") && !strstr(line, "threads"))
        return 0;
    TokLine t;
    Err e;
    if (tok_split(line, &t, &e) != 0)
        return -1; /* the error path is worth running */
    int skip = 0;
    for (size_t i = 0; i < t.ncmds; i++) {
        const TokCommand *c = &t.cmds[i];
        if (strcmp(c->argv[0], "set") == 0 && c->argc >= 2 &&
            (strcmp(c->argv[1], "output") == 0 || strcmp(c->argv[1], "threads") == 0))
            skip = 1;
    }
    tok_free(&t);
    return skip;
}

int fuzz_cmd_one(const uint8_t *data, size_t size)
{
    fz_cmd_setup();
    if (size > FZ_CMD_MAX_INPUT)
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0'; /* a NUL inside ends the input, as it would end a C string */

    Shell sh;
    fz_cmd_fresh_shell(&sh);

    char *p = text;
    int lines = 0;
    while (p && *p && lines < FZ_CMD_MAX_LINES) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        lines++;
        sh.where_line = lines;
        interrupt_clear();
        int skip = fz_cmd_skip(p);
        if (skip <= 0) {
            sh.errmsg[0] = '\0';
            int rc = shell_run_line(&sh, p);
            if (rc == CMD_ERR && skip == 0)
                fz_check_msg(p, sh.errmsg); /* a failed command says why, in one line */
            if (rc == CMD_EXIT)
                break;
        }
        p = nl ? nl + 1 : NULL;
    }
    shell_free(&sh);
    free(text);

    if (fz_dir_entries(fz_cmd_cwd) != 0)
        fz_fail("a command wrote into the working folder, outside the output folder");
    if (fz_dir_entries(fz_cmd_out) != 0)
        fz_empty_dir(fz_cmd_out); /* nftw costs more than a look when there is nothing */
    return 0;
}

#ifdef FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_cmd_one(data, size);
}
#endif
