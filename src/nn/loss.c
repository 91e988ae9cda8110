/* loss.c: softmax and categorical cross-entropy as one step.
 *
 * The loss reported is Keras' mean of -log(clip(p_label, 1e-7, 1 - 1e-7)); the
 * gradient with respect to the logits is p - onehot, which never divides by a
 * small probability: the pair is stable where a separate softmax backward and
 * log-loss gradient (1 / p) would overflow. */
/* -O2 in GCC 12 vectorises only loops of known trip count; the loops over
 * channels and rows here have run-time lengths and are the hot path. Clang
 * has no such pragma (and vectorises them at -O2). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("vect-cost-model=dynamic")
#endif
#include <math.h>

#include "untangle/nn/nn_layer.h"

#define PROB_EPS 1e-7

double nn_softmax_ce(const float *p, const uint8_t *labels, size_t n, size_t k, float *dz,
                     float scale, size_t *correct)
{
    double total = 0;
    size_t right = 0;
    for (size_t i = 0; i < n; i++) {
        const float *pi = p + i * k;
        size_t label = labels[i];
        size_t best = 0;
        for (size_t j = 1; j < k; j++)
            if (pi[j] > pi[best])
                best = j;
        right += best == label;
        double pl = label < k ? (double)pi[label] : 0.0;
        /* NaN stays NaN so that fit notices a diverged model */
        if (pl < PROB_EPS)
            pl = PROB_EPS;
        if (pl > 1.0 - PROB_EPS)
            pl = 1.0 - PROB_EPS;
        total += -log(pl);
        if (dz) {
            float *di = dz + i * k;
            for (size_t j = 0; j < k; j++)
                di[j] = (pi[j] - (j == label ? 1.0f : 0.0f)) * scale;
        }
    }
    if (correct)
        *correct = right;
    return total;
}
