/* digit.h: a person's own handwritten digit, normalised as MNIST's were.
 *
 * MNIST's digits were size-normalised to fit a 20x20 box keeping their aspect ratio
 * (anti-aliased, hence grey levels), then placed in a 28x28 field so that their
 * centre of mass is at the field's centre; ink is bright (1) on a black (0)
 * background. digit_normalize does the same to any picture:
 *
 *  1. grey: luminance 0.299 R + 0.587 G + 0.114 B, alpha composited on white;
 *  2. polarity: the mean of the border pixels (a ring DIGIT_BORDER_SHARE of the
 *     smaller side thick, at least 1 px) above 0.5 means a light background: the
 *     picture is inverted so that ink is bright;
 *  3. contrast: the background level (median of the border) becomes 0 and the
 *     brightest ink 1; what stays below DIGIT_NOISE is set to 0 (paper grain);
 *  4. crop to the bounding box of the pixels above DIGIT_INK_THRESHOLD;
 *  5. scale the box so that its larger side is DIGIT_BOX px, keeping the aspect
 *     ratio, by area averaging (each output pixel is the mean of the source area
 *     it covers, fractions of pixels included: anti-aliased both ways);
 *  6. place it in DIGIT_SIDE x DIGIT_SIDE at the whole-pixel offset that brings its
 *     centre of mass nearest pixel (14, 14), kept inside the field.
 *
 * Coordinates: the centre of mass is sum(v * x) / sum(v) over pixel indices x (and
 * the same for y). MNIST's digits have theirs at index (14, 14): over the 60000
 * training digits the mean is (14.007, 13.996); a digit centred at index 13.5 (the
 * geometric middle) sits half a pixel off what the network learnt, which costs
 * correlation on thin strokes. */
#ifndef UNTANGLE_DIGIT_H
#define UNTANGLE_DIGIT_H

#include "untangle/core/canvas.h"
#include "untangle/core/err.h"

#define DIGIT_SIDE 28
#define DIGIT_BOX 20
#define DIGIT_CENTRE 14          /* pixel index of MNIST's centres of mass */
#define DIGIT_PIXELS (DIGIT_SIDE * DIGIT_SIDE)
#define DIGIT_BORDER_SHARE 0.02
#define DIGIT_INK_THRESHOLD 0.25
#define DIGIT_NOISE 0.08
#define DIGIT_MIN_CONTRAST 0.1   /* ink must differ this much from the background */

/* What normalisation found, for messages and tests. */
typedef struct DigitInfo {
    int inverted;            /* the background was light */
    double border_mean;      /* mean grey of the border before inversion, in [0, 1] */
    int box_x, box_y, box_w, box_h; /* ink bounding box in the source picture */
    int scaled_w, scaled_h;  /* its size after scaling (larger side DIGIT_BOX) */
    int off_x, off_y;        /* where the scaled box sits in the field */
    double com_x, com_y;     /* centre of mass of the result, in pixel indices */
} DigitInfo;

/* out: DIGIT_PIXELS floats, (28, 28) row-major, values in [0, 1]; written only on
 * success. info may be NULL. Returns -1 with e set when the picture has no ink (it
 * is uniform, or nothing stands out from the background). */
int digit_normalize(const Canvas *img, float *out, DigitInfo *info, Err *e);

#endif
