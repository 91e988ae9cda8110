/* ellipse.c: one Gaussian per class (mean, maximum-likelihood covariance) and the
 * ellipse the lab draws for it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "untangle/geom/geom.h"
#include "untangle/core/xalloc.h"

void geom_sym2_eigen(double sxx, double sxy, double syy, double eig[2], double *angle_deg)
{
    /* Eigenvalues m +- r with m the half trace and r the half distance between them;
     * hypot avoids overflow and keeps r >= |sxy|. */
    double m = 0.5 * (sxx + syy);
    double r = hypot(0.5 * (sxx - syy), sxy);
    double l1 = m + r;
    /* The small one from the determinant when possible: m - r cancels badly for a
     * long thin ellipse. */
    double l2 = l1 > 0 ? (sxx * syy - sxy * sxy) / l1 : m - r;
    eig[0] = l1 > 0 ? l1 : 0;
    eig[1] = l2 > 0 ? l2 : 0;
    if (eig[1] > eig[0])
        eig[1] = eig[0];
    /* The major axis makes the angle 0.5 * atan2(2 sxy, sxx - syy) with +x, in
     * (-90, 90]; a circle has angle 0. */
    double a = (sxy == 0 && sxx >= syy) ? 0 : 0.5 * atan2(2 * sxy, sxx - syy) * (180 / M_PI);
    if (a <= -90)
        a += 180;
    *angle_deg = a;
}

void geom_ellipse_fit(const float *xy, const size_t *idx, size_t m, GeomEllipse *out)
{
    memset(out, 0, sizeof *out);
    out->count = m;
    if (m == 0)
        return;
    double mx = 0, my = 0;
    for (size_t j = 0; j < m; j++) {
        size_t i = idx ? idx[j] : j;
        mx += xy[2 * i];
        my += xy[2 * i + 1];
    }
    mx /= (double)m;
    my /= (double)m;
    /* Second pass on centred values: no cancellation for clusters far from 0. */
    double sxx = 0, sxy = 0, syy = 0;
    for (size_t j = 0; j < m; j++) {
        size_t i = idx ? idx[j] : j;
        double dx = xy[2 * i] - mx, dy = xy[2 * i + 1] - my;
        sxx += dx * dx;
        sxy += dx * dy;
        syy += dy * dy;
    }
    out->mean[0] = mx;
    out->mean[1] = my;
    out->cov[0] = sxx / (double)m + GEOM_COV_EPS;
    out->cov[1] = sxy / (double)m;
    out->cov[2] = syy / (double)m + GEOM_COV_EPS;
    geom_sym2_eigen(out->cov[0], out->cov[1], out->cov[2], out->eig, &out->angle);
    out->major = 2 * sqrt(2.0) * sqrt(out->eig[0]);
    out->minor = 2 * sqrt(2.0) * sqrt(out->eig[1]);
}

int geom_ellipses(const float *xy, const uint8_t *labels, size_t n, GeomEllipses *out,
                  Err *e)
{
    memset(out, 0, sizeof *out);
    if (geom_check_finite(xy, n, e) < 0)
        return -1;
    int nc = geom_n_classes(labels, n);
    out->n_classes = nc;
    if (nc == 0)
        return 0;
    out->cls = xcalloc((size_t)nc, sizeof *out->cls);

    size_t *count = xcalloc((size_t)nc, sizeof *count);
    for (size_t i = 0; i < n; i++)
        count[labels[i]]++;
    size_t *idx = xmalloc(n * sizeof *idx);
    for (int c = 0; c < nc; c++) {
        size_t m = 0;
        for (size_t i = 0; i < n && m < count[c]; i++)
            if (labels[i] == c)
                idx[m++] = i;
        geom_ellipse_fit(xy, idx, m, &out->cls[c]);
    }
    free(idx);
    free(count);
    return 0;
}

void geom_ellipses_free(GeomEllipses *el)
{
    if (!el)
        return;
    free(el->cls);
    memset(el, 0, sizeof *el);
}
