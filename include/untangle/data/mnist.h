/* mnist.h: finding and loading MNIST and Fashion-MNIST as two Datasets.
 *
 * Both sets are four IDX files, each raw or gzip (NAME or NAME.gz):
 *     train-images-idx3-ubyte  train-labels-idx1-ubyte
 *     t10k-images-idx3-ubyte   t10k-labels-idx1-ubyte
 *
 * Where each set is searched, in order (the first folder holding all four wins):
 *     mnist:   $UNTANGLE_DATA, ./data/mnist, UNTANGLE_SHARE_DIR/mnist
 *     fashion: $UNTANGLE_DATA/fashion-mnist, ./data/fashion-mnist, UNTANGLE_FASHION_DIR
 * `make data` fetches MNIST into data/mnist; Fashion-MNIST comes from Debian's
 * dataset-fashion-mnist package (in UNTANGLE_FASHION_DIR). */
#ifndef UNTANGLE_MNIST_H
#define UNTANGLE_MNIST_H

#include <stddef.h>
#include "untangle/core/dataset.h"
#include "untangle/core/err.h"

#ifndef UNTANGLE_SHARE_DIR
#define UNTANGLE_SHARE_DIR "/usr/local/share/untangle"
#endif
#ifndef UNTANGLE_FASHION_DIR
#define UNTANGLE_FASHION_DIR "/usr/share/datasets/fashion-mnist"
#endif

#define MNIST_CLASSES 10

/* The sets `load` knows, NULL-terminated: "mnist", "fashion". */
extern const char *const mnist_set_names[];

/* Finds the folder holding the four files of set `which` ("mnist" or "fashion").
 * Returns 0 with the folder in dir, or -1 with e naming the folders searched and
 * what to do (`make data`, or installing dataset-fashion-mnist). */
int mnist_find(const char *which, char *dir, size_t cap, Err *e);

/* Loads set `which` into two fresh Datasets (pixels / 255, labels 0..9).
 * max_train / max_test > 0 keep at most the first N images of each part (all of
 * them when the part holds fewer: compare train->n with what you asked); 0 keeps
 * all. where_found (may be NULL, cap bytes) gets the folder read.
 * Checks that images and labels agree in number, that labels are 0..9 and that
 * train and test images have one shape. train and test are written only on
 * success (the caller owns them then: dataset_free); on failure they are left
 * untouched and e says why. */
int mnist_load(const char *which, size_t max_train, size_t max_test, Dataset *train,
               Dataset *test, char *where_found, size_t cap, Err *e);

#endif
