/* tsne_p.c: the input similarities: perplexity calibration and the symmetric P. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsne_internal.h"
#include "untangle/core/i18n.h"
#include "untangle/core/interrupt.h"
#include "untangle/core/xalloc.h"

#define P_MAX_STEPS 100          /* binary search steps per row */
#define P_ENTROPY_TOL 1e-5       /* |entropy - ln(perplexity)| to stop */
#define P_ZERO_SUM 1e-8          /* replaces a row sum that underflowed */
#define P_LOG_EVERY 1000         /* progress line every this many rows */

void tsne_sparse_free(TsneSparseP *P)
{
    if (!P)
        return;
    free(P->rowptr);
    free(P->col);
    free(P->val);
    memset(P, 0, sizeof *P);
}

size_t tsne_neighbours(size_t n, double perplexity)
{
    double k = floor(3.0 * perplexity + 1.0);
    if (n < 2)
        return 0;
    if (!(k < (double)(n - 1)))
        return n - 1;
    return k < 1 ? 1 : (size_t)k;
}

/* One row: finds beta so that the entropy of p_j ~ exp(-beta d_j) is `target`.
 * Distances are shifted by their minimum, which leaves p and the entropy unchanged
 * but keeps exp() from underflowing on data with large distances. Returns beta.
 *
 * The entropy H(beta) = log sum_j e^(-beta d_j) + beta E[d] falls with beta, its slope
 * being -beta Var[d] (both under p), so each step is Newton's, beta + (H - target) /
 * (beta Var[d]), kept positive and inside the bracket that the steps so far have set; when Newton
 * leaves it, or before there is one, the step is the plain search's (double, halve, or
 * the bracket's middle). Same stopping test as the plain search (|H - target| <= 1e-5),
 * reached in about 5 steps instead of 25. */
static double p_calibrate_row(const float *dist, size_t k, double target, double *p)
{
    double dmin = dist[0];
    for (size_t j = 1; j < k; j++)
        if (dist[j] < dmin)
            dmin = dist[j];
    double beta = 1.0, lo = -INFINITY, hi = INFINITY;
    for (int step = 0; step < P_MAX_STEPS; step++) {
        double sum = 0;
        for (size_t j = 0; j < k; j++) {
            p[j] = exp(-((double)dist[j] - dmin) * beta);
            sum += p[j];
        }
        if (sum == 0.0)
            sum = P_ZERO_SUM;
        double wsum = 0, w2sum = 0;
        for (size_t j = 0; j < k; j++) {
            double dj = (double)dist[j] - dmin;
            p[j] /= sum;
            wsum += dj * p[j];
            w2sum += dj * dj * p[j];
        }
        double diff = log(sum) + beta * wsum - target;
        if (fabs(diff) <= P_ENTROPY_TOL)
            break;
        if (diff > 0) /* too flat: sharpen */
            lo = beta;
        else
            hi = beta;
        double var = w2sum - wsum * wsum;
        double newton = var > 0 ? beta + diff / (beta * var) : NAN;
        if (newton > fmax(lo, 0.0) && newton < hi && isfinite(newton))
            beta = newton;
        else if (diff > 0)
            beta = hi == INFINITY ? beta * 2.0 : (beta + hi) / 2.0;
        else
            beta = lo == -INFINITY ? beta / 2.0 : (beta + lo) / 2.0;
    }
    return beta;
}

typedef struct PCtx {
    const float *dist2;
    size_t k;
    double target;
    double *pcond, *beta;
} PCtx;

static void p_rows(void *vctx, size_t b, size_t end, int worker)
{
    (void)worker;
    PCtx *c = vctx;
    for (size_t i = b; i < end; i++)
        c->beta[i] = p_calibrate_row(c->dist2 + i * c->k, c->k, c->target, c->pcond + i * c->k);
}

int tsne_conditional_p(const float *dist2, size_t n, size_t k, double perplexity,
                       double *pcond, double *beta, int threads, TsneLog log_fn, void *log_ctx,
                       Err *e)
{
    if (n < 1 || k < 1)
        return err_set(e, _("perplexity search needs at least one point and one neighbour"));
    if (!(perplexity > 0) || !isfinite(perplexity))
        return err_set(e, _("perplexity %g must be a positive number"), perplexity);
    double *own_beta = beta ? NULL : xmalloc(n * sizeof(double));
    PCtx c = {dist2, k, log(perplexity), pcond, beta ? beta : own_beta};
    Pool *pool = threads > 1 ? pool_new(threads) : NULL;
    int rc = -1;
    char line[160];
    /* Blocks of P_LOG_EVERY rows, so progress lines come in order whatever the threads. */
    for (size_t b = 0; b < n; b += P_LOG_EVERY) {
        if (interrupt_pending()) {
            err_interrupted(e, _("the perplexity search"));
            goto out;
        }
        size_t end = n - b < P_LOG_EVERY ? n : b + P_LOG_EVERY;
        PCtx sub = c;
        sub.dist2 += b * k;
        sub.pcond += b * k;
        sub.beta += b;
        pool_for(pool, end - b, 32, p_rows, &sub);
        if (log_fn) {
            snprintf(line, sizeof line,
                     "[t-SNE] Computed conditional probabilities for sample %zu / %zu", end, n);
            log_fn(log_ctx, line);
        }
    }
    if (log_fn) {
        double bsum = 0;
        for (size_t i = 0; i < n; i++)
            bsum += c.beta[i];
        snprintf(line, sizeof line, "[t-SNE] Mean sigma: %f", sqrt((double)n / bsum));
        log_fn(log_ctx, line);
    }
    rc = 0;
out:
    pool_free(pool);
    free(own_beta);
    return rc;
}

/* Sorts a row's (column, value) pairs by column; k is small (3 perplexity + 1). */
static void p_sort_row(uint32_t *col, double *val, size_t k)
{
    for (size_t a = 1; a < k; a++) {
        uint32_t cc = col[a];
        double vv = val[a];
        size_t b = a;
        while (b > 0 && col[b - 1] > cc) {
            col[b] = col[b - 1];
            val[b] = val[b - 1];
            b--;
        }
        col[b] = cc;
        val[b] = vv;
    }
}

void tsne_joint_p(const uint32_t *nbr, const double *pcond, size_t n, size_t k,
                  TsneSparseP *P)
{
    size_t nk = n * k; /* the caller checked this product against the budget */
    /* C: rows sorted by column. */
    uint32_t *ccol = xmalloc(nk * sizeof(uint32_t));
    double *cval = xmalloc(nk * sizeof(double));
    memcpy(ccol, nbr, nk * sizeof(uint32_t));
    memcpy(cval, pcond, nk * sizeof(double));
    for (size_t i = 0; i < n; i++)
        p_sort_row(ccol + i * k, cval + i * k, k);

    /* C^T by counting sort: filled in increasing source row, so its rows are sorted too. */
    size_t *tptr = xcalloc(n + 1, sizeof(size_t));
    uint32_t *tcol = xmalloc(nk * sizeof(uint32_t));
    double *tval = xmalloc(nk * sizeof(double));
    for (size_t t = 0; t < nk; t++)
        tptr[ccol[t] + 1]++;
    for (size_t i = 0; i < n; i++)
        tptr[i + 1] += tptr[i];
    size_t *fill = xmalloc(n * sizeof(size_t));
    memcpy(fill, tptr, n * sizeof(size_t));
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < k; j++) {
            size_t t = i * k + j, dst = fill[ccol[t]]++;
            tcol[dst] = (uint32_t)i;
            tval[dst] = cval[t];
        }

    /* Merge row i of C with row i of C^T: first count, then fill. */
    P->n = n;
    P->rowptr = xmalloc((n + 1) * sizeof(size_t));
    P->rowptr[0] = 0;
    for (size_t i = 0; i < n; i++) {
        size_t a = i * k, ae = a + k, b = tptr[i], be = tptr[i + 1], cnt = 0;
        while (a < ae || b < be) {
            if (b >= be || (a < ae && ccol[a] < tcol[b]))
                a++;
            else if (a >= ae || tcol[b] < ccol[a])
                b++;
            else
                a++, b++;
            cnt++;
        }
        P->rowptr[i + 1] = P->rowptr[i] + cnt;
    }
    size_t nnz = P->rowptr[n];
    P->col = xmalloc(nnz * sizeof(uint32_t));
    P->val = xmalloc(nnz * sizeof(float));
    double *merged = xmalloc(nnz * sizeof(double));
    double total = 0;
    for (size_t i = 0; i < n; i++) {
        size_t a = i * k, ae = a + k, b = tptr[i], be = tptr[i + 1], o = P->rowptr[i];
        while (a < ae || b < be) {
            if (b >= be || (a < ae && ccol[a] < tcol[b])) {
                P->col[o] = ccol[a];
                merged[o] = cval[a++];
            } else if (a >= ae || tcol[b] < ccol[a]) {
                P->col[o] = tcol[b];
                merged[o] = tval[b++];
            } else {
                P->col[o] = ccol[a];
                merged[o] = cval[a++] + tval[b++];
            }
            total += merged[o++];
        }
    }
    if (total < DBL_EPSILON)
        total = DBL_EPSILON;
    for (size_t t = 0; t < nnz; t++)
        P->val[t] = (float)(merged[t] / total);

    free(merged);
    free(ccol);
    free(cval);
    free(tptr);
    free(tcol);
    free(tval);
    free(fill);
}
