/* mnist.c: where MNIST and Fashion-MNIST live, and loading them into Datasets. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "untangle/core/i18n.h"
#include "untangle/data/idx.h"
#include "untangle/data/mnist.h"
#include "untangle/core/xalloc.h"

const char *const mnist_set_names[] = {"mnist", "fashion", NULL};

enum { F_TRAIN_IMAGES, F_TRAIN_LABELS, F_TEST_IMAGES, F_TEST_LABELS, F_COUNT };

static const char *const file_names[F_COUNT] = {
    "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
};

/* What differs between the two sets: where to look and how to get the files. */
typedef struct SetInfo {
    const char *name;     /* as typed after `load` */
    const char *title;    /* in messages */
    const char *env_sub;  /* sub-folder of $UNTANGLE_DATA, "" for the folder itself */
    const char *local;    /* folder relative to the working directory */
    const char *system;   /* installed folder */
    const char *get_hint; /* what to do when the files are missing (N_: _() at use) */
    const char *refetch;  /* what to do when a file is damaged (N_) */
} SetInfo;

static const SetInfo sets[] = {
    {"mnist", "MNIST", "", "data/mnist", UNTANGLE_SHARE_DIR "/mnist",
     N_("run `make data` to fetch it"), N_("run `make data` again")},
    {"fashion", "Fashion-MNIST", "/fashion-mnist", "data/fashion-mnist", UNTANGLE_FASHION_DIR,
     N_("install Debian's dataset-fashion-mnist (`apt-get install dataset-fashion-mnist`, or "
        "`make deps`)"),
     N_("`apt-get install --reinstall dataset-fashion-mnist`")},
};

static const SetInfo *set_info(const char *which)
{
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
        if (strcmp(which, sets[i].name) == 0)
            return &sets[i];
    return NULL;
}

static int is_regular(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* dir/NAME, else dir/NAME.gz, into path; 0 when one exists. */
static int find_file(const char *dir, const char *name, char *path, size_t cap)
{
    int w = snprintf(path, cap, "%s/%s", dir, name);
    if (w > 0 && (size_t)w < cap && is_regular(path))
        return 0;
    w = snprintf(path, cap, "%s/%s.gz", dir, name);
    if (w > 0 && (size_t)w < cap && is_regular(path))
        return 0;
    return -1;
}

/* How many of the four files dir holds. */
static int files_present(const char *dir)
{
    char path[1200];
    int k = 0;
    for (int f = 0; f < F_COUNT; f++)
        k += find_file(dir, file_names[f], path, sizeof path) == 0;
    return k;
}

int mnist_find(const char *which, char *dir, size_t cap, Err *e)
{
    const SetInfo *s = set_info(which);
    if (!s)
        return err_set(e, _("unknown data set '%s' (should be mnist or fashion)"), which);

    char candidates[3][1024];
    int n = 0;
    const char *env = getenv("UNTANGLE_DATA");
    if (env && *env)
        snprintf(candidates[n++], sizeof candidates[0], "%s%s", env, s->env_sub);
    snprintf(candidates[n++], sizeof candidates[0], "%s", s->local);
    snprintf(candidates[n++], sizeof candidates[0], "%s", s->system);

    char searched[400] = "", partial[300] = "";
    for (int i = 0; i < n; i++) {
        int k = files_present(candidates[i]);
        if (k == F_COUNT) {
            if (strlen(candidates[i]) >= cap)
                return err_set(e, _("the path %s is too long"), candidates[i]);
            snprintf(dir, cap, "%s", candidates[i]);
            return 0;
        }
        size_t used = strlen(searched);
        /* each folder cut to a third of the list */
        snprintf(searched + used, sizeof searched - used, "%s%.120s", i ? ", " : "",
                 candidates[i]);
        if (k > 0 && !partial[0])
            snprintf(partial, sizeof partial, " (%.200s holds only %d of the 4 files)",
                     candidates[i], k); /* the folder cut to fit the note */
    }
    return err_set(e, _("%s not found: searched %s%s; %s"), s->title, searched, partial,
                   _(s->get_hint));
}

/* Keeps the error of a file but adds how to get good files again. */
static int add_hint(Err *e, const SetInfo *s)
{
    if (e) {
        char msg[ERR_MSG_MAX];
        snprintf(msg, sizeof msg, "%s", e->msg);
        err_set(e, _("%s (for %s: %s)"), msg, s->title, _(s->refetch));
    }
    return -1;
}

/* Reads one part (train or test) into d: images and labels files of dir. */
static int load_part(const SetInfo *s, const char *dir, int f_images, int f_labels,
                     const char *part, size_t max, Dataset *d, Err *e)
{
    char ipath[1200], lpath[1200];
    IdxArray img = {0}, lab = {0};
    int rc = -1;
    if (find_file(dir, file_names[f_images], ipath, sizeof ipath) != 0 ||
        find_file(dir, file_names[f_labels], lpath, sizeof lpath) != 0)
        return err_set(e, _("%s files vanished from %s; %s"), s->title, dir, _(s->get_hint));

    if (idx_load(ipath, max, &img, e) != 0 || idx_load(lpath, max, &lab, e) != 0) {
        add_hint(e, s);
        goto out;
    }
    if (img.ndim != 3) {
        err_set(e, _("%s holds labels where images were expected; %s"), ipath, _(s->refetch));
        goto out;
    }
    if (lab.ndim != 1) {
        err_set(e, _("%s holds images where labels were expected; %s"), lpath, _(s->refetch));
        goto out;
    }
    if (img.count != lab.count) {
        err_set(e, _("%s holds %zu images but %s holds %zu labels: the files do not belong "
                   "together; %s"), ipath, img.count, lpath, lab.count, _(s->refetch));
        goto out;
    }
    for (size_t i = 0; i < lab.n; i++) {
        if (lab.data[i] >= MNIST_CLASSES) {
            err_set(e, _("%s: label %d of item %zu is outside 0..9; the file is damaged, %s"),
                    lpath, lab.data[i], i, _(s->refetch));
            goto out;
        }
    }

    size_t n = img.n, dim = idx_item_size(&img), count, bytes;
    if (size_mul(n, dim, &count) != 0 || size_mul(count, sizeof(float), &bytes) != 0) {
        err_set(e, _("%s: too many pixels for this machine"), ipath);
        goto out;
    }
    char what[64];
    snprintf(what, sizeof what, "%zu %s images", n, part);
    if (mem_check_budget(bytes, what, e) != 0)
        goto out;

    d->n = n;
    d->rows = (int)img.rows;
    d->cols = (int)img.cols;
    d->x = xmalloc_floats(count);
    idx_to_float(&img, 0, n, d->x);
    d->y = xmalloc(n);
    memcpy(d->y, lab.data, n);
    rc = 0;
out:
    idx_free(&img);
    idx_free(&lab);
    return rc;
}

int mnist_load(const char *which, size_t max_train, size_t max_test, Dataset *train,
               Dataset *test, char *where_found, size_t cap, Err *e)
{
    const SetInfo *s = set_info(which);
    if (!s)
        return err_set(e, _("unknown data set '%s' (should be mnist or fashion)"), which);
    char dir[1024];
    if (mnist_find(which, dir, sizeof dir, e) != 0)
        return -1;

    Dataset tr = {0}, te = {0};
    if (load_part(s, dir, F_TRAIN_IMAGES, F_TRAIN_LABELS, "training", max_train, &tr, e) != 0)
        return -1;
    if (load_part(s, dir, F_TEST_IMAGES, F_TEST_LABELS, "test", max_test, &te, e) != 0) {
        dataset_free(&tr);
        return -1;
    }
    if (tr.rows != te.rows || tr.cols != te.cols) {
        err_set(e, _("%s in %s: training images are %dx%d but test images %dx%d; the files do "
                   "not belong together (%s)"), s->title, dir, tr.rows, tr.cols, te.rows, te.cols,
                _(s->refetch));
        dataset_free(&tr);
        dataset_free(&te);
        return -1;
    }
    *train = tr;
    *test = te;
    if (where_found && cap)
        snprintf(where_found, cap, "%s", dir);
    return 0;
}
