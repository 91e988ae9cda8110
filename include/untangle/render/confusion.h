/* confusion.h: the confusion matrix of a classifier, and its heat map.
 *
 * counts is (k, k) row-major: counts[t * k + p] is the number of images of true
 * class t that were predicted p. The picture draws true classes as rows (0 at the
 * top) and predicted classes as columns (0 at the left), each cell coloured by its
 * share of the true class (white 0 to dark blue 1, as matplotlib's "Blues") with its
 * count written in it (white on dark cells, dark on light ones; empty cells stay
 * blank); a column at the right gives each class's accuracy (its diagonal share),
 * and the title the overall accuracy. */
#ifndef UNTANGLE_CONFUSION_H
#define UNTANGLE_CONFUSION_H

#include <stddef.h>
#include <stdint.h>
#include "untangle/core/canvas.h"
#include "untangle/core/err.h"

#define CONFUSION_MAX_CLASSES 100

/* Index of the largest of the k scores (the first on ties; NaN never wins). */
size_t confusion_argmax(const float *scores, size_t k);

/* Fills counts (k, k), zeroed first, from n rows of k scores (n, k) and n labels:
 * the predicted class is the argmax of each row. When pred is not NULL it receives
 * the n predicted classes. Returns -1 with e set when k is not in
 * 2..CONFUSION_MAX_CLASSES or a label is >= k. */
int confusion_count(const float *scores, size_t n, size_t k, const uint8_t *labels,
                    size_t *counts, uint8_t *pred, Err *e);

/* Share of the diagonal: the accuracy; NaN when counts is all zero. */
double confusion_accuracy(const size_t *counts, size_t k);
/* Accuracy of true class c (its row's diagonal share); NaN when the class is absent. */
double confusion_class_accuracy(const size_t *counts, size_t k, size_t c);

/* Pixel rectangle of cell (true t, predicted p) in the picture for k classes. */
void confusion_cell_rect(size_t k, size_t t, size_t p, int *x, int *y, int *side);
/* The colour of a cell holding `share` (0..1) of its row. */
uint32_t confusion_colour(double share);

/* The heat map; title NULL gives "confusion matrix, accuracy 92.31% (N images)".
 * A new Canvas (caller frees), or NULL with e set. */
Canvas *confusion_picture(const size_t *counts, size_t k, const char *title, Err *e);

#endif
