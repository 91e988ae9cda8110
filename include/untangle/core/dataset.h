/* dataset.h: a labelled image set in memory, as the lab uses it.
 *
 * Images are float32 in [0, 1] (bytes / 255), one row per image. */
#ifndef UNTANGLE_DATASET_H
#define UNTANGLE_DATASET_H

#include <stddef.h>
#include <stdint.h>

typedef struct Dataset {
    size_t n;       /* number of images */
    int rows, cols; /* image height and width (28 x 28 for MNIST) */
    float *x;       /* (n, rows*cols) row-major, values in [0,1]; owned */
    uint8_t *y;     /* (n) labels 0..9; owned */
} Dataset;

static inline size_t dataset_dim(const Dataset *d) { return (size_t)d->rows * (size_t)d->cols; }
void dataset_free(Dataset *d); /* frees the buffers and zeroes the struct; accepts empty */

#endif
