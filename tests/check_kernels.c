/* check_kernels.c: untangle's own kernels (untangle/nn/kernels.h), each
 * instruction set this CPU runs, against the definitions: the convolution's
 * forward pass, weight gradient and input gradient computed naively in double
 * on odd shapes (both paddings, kernel sides 1 to 7 in each direction, channel
 * and filter counts that are no multiple of any vector width, rows wider than
 * one tile); the elementwise kernels bit for bit against the portable ones. An
 * instruction set this CPU lacks is reported as skipped. */
#include <math.h>
#include <string.h>

#include "testutil.h"
#include "untangle/core/rng.h"
#include "untangle/core/xalloc.h"
#include "untangle/nn/kernels.h"

/* One convolution problem in Keras' layout, with the naive results. */
typedef struct Problem {
    size_t H, W, C, kh, kw, F;
    int same;
    size_t Ho, Wo, top, left;
    float *x, *w, *b, *dz;        /* (H, W, C), (kh, kw, C, F), (F), (Ho, Wo, F) */
    double *y, *dw, *dx;          /* naive forward, weight gradient, input gradient */
} Problem;

static void problem_new(Problem *p, size_t H, size_t W, size_t C, size_t kh, size_t kw, size_t F,
                        int same, Rng *rng)
{
    memset(p, 0, sizeof *p);
    p->H = H, p->W = W, p->C = C, p->kh = kh, p->kw = kw, p->F = F, p->same = same;
    p->Ho = same ? H : H - kh + 1;
    p->Wo = same ? W : W - kw + 1;
    p->top = same ? (kh - 1) / 2 : 0;
    p->left = same ? (kw - 1) / 2 : 0;
    size_t nx = H * W * C, nw = kh * kw * C * F, ny = p->Ho * p->Wo * F;
    p->x = xmalloc_floats(nx);
    p->w = xmalloc_floats(nw);
    p->b = xmalloc_floats(F);
    p->dz = xmalloc_floats(ny);
    for (size_t i = 0; i < nx; i++)
        p->x[i] = rng_uniform_range(rng, -1, 1);
    for (size_t i = 0; i < nw; i++)
        p->w[i] = rng_uniform_range(rng, -1, 1);
    for (size_t i = 0; i < F; i++)
        p->b[i] = rng_uniform_range(rng, -1, 1);
    for (size_t i = 0; i < ny; i++)
        p->dz[i] = rng_uniform_range(rng, -1, 1);
    p->y = xcalloc(ny, sizeof(double));
    p->dw = xcalloc(nw, sizeof(double));
    p->dx = xcalloc(nx, sizeof(double));
    /* y[oy][ox][f] = b[f] + sum x[oy+ky-top][ox+kx-left][c] w[ky][kx][c][f]; the
     * two gradients are the same sum read the other ways */
    for (size_t oy = 0; oy < p->Ho; oy++)
        for (size_t ox = 0; ox < p->Wo; ox++)
            for (size_t f = 0; f < F; f++) {
                size_t o = (oy * p->Wo + ox) * F + f;
                double acc = p->b[f];
                for (size_t ky = 0; ky < kh; ky++)
                    for (size_t kx = 0; kx < kw; kx++) {
                        long iy = (long)(oy + ky) - (long)p->top;
                        long ix = (long)(ox + kx) - (long)p->left;
                        if (iy < 0 || ix < 0 || iy >= (long)H || ix >= (long)W)
                            continue;
                        for (size_t c = 0; c < C; c++) {
                            size_t xi = ((size_t)iy * W + (size_t)ix) * C + c;
                            size_t wi = ((ky * kw + kx) * C + c) * F + f;
                            acc += (double)p->x[xi] * p->w[wi];
                            p->dw[wi] += (double)p->x[xi] * p->dz[o];
                            p->dx[xi] += (double)p->w[wi] * p->dz[o];
                        }
                    }
                p->y[o] = acc;
            }
}

static void problem_free(Problem *p)
{
    free(p->x), free(p->w), free(p->b), free(p->dz), free(p->y), free(p->dw), free(p->dx);
}

/* Largest |got - want| relative to the size of the sum (K terms of |a b| <= 1). */
static double worst(const float *got, const double *want, size_t n, double scale)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)got[i] - want[i]) / scale;
        if (!(d <= m))
            m = isnan(d) ? INFINITY : d;
    }
    return m;
}

/* Runs the three passes of p on kernels k, through the padding and packing a
 * layer uses, and compares them with the naive results. */
static void check_problem(const NnKernels *k, const Problem *p)
{
    NnConvShape s = nn_conv_shape(p->H, p->W, p->C, p->kh, p->kw, p->F, p->same);
    NnConvShape t = nn_conv_shape_turned(&s, p->H, p->W);
    ck_assert_uint_eq(s.Ho, p->Ho);
    ck_assert_uint_eq(s.Wo, p->Wo);
    ck_assert_uint_eq(t.Ho, p->H);
    ck_assert_uint_eq(t.Wo, p->W);
    size_t nx = p->H * p->W * p->C, nw = p->kh * p->kw * p->C * p->F;
    size_t ny = p->Ho * p->Wo * p->F;
    size_t packed = p->kh * p->kw * s.C * s.Fp, turned = p->kh * p->kw * t.C * t.Fp;
    /* one float past every buffer: a kernel writing beyond its end changes it */
    const float guard = 12345.0f;
    float *xt = xmalloc_floats(s.Hp * s.Wp * s.C), *dzt = xmalloc_floats(t.Hp * t.Wp * t.C);
    float *wp = xmalloc_floats(packed), *bp = xmalloc_floats(s.Fp), *wt = xmalloc_floats(turned);
    float *dwp = xmalloc_floats(packed), *dw = xmalloc_floats(nw);
    float *y = xmalloc_floats(ny + 1), *dx = xmalloc_floats(nx + 1);
    y[ny] = dx[nx] = guard;
    nn_conv_pad(&s, p->x, p->H, p->W, p->top, p->left, xt);
    nn_conv_pack(&s, p->w, p->b, wp, bp);
    k->conv(&s, xt, wp, bp, y);
    memset(dwp, 0, packed * sizeof(float));
    k->conv_wgrad(&s, xt, p->dz, dwp);
    memset(dw, 0, nw * sizeof(float));
    nn_conv_unpack_add(&s, dwp, dw);
    nn_conv_pad(&t, p->dz, p->Ho, p->Wo, p->kh - 1 - p->top, p->kw - 1 - p->left, dzt);
    nn_conv_pack_turned(&s, &t, p->w, wt);
    k->conv(&t, dzt, wt, NULL, dx);
    double K = (double)(p->kh * p->kw * p->C), tol = 2e-6;
    const char *isa = cpu_isa_names[k->isa];
    ck_assert_msg(y[ny] == guard && dx[nx] == guard, "%s: wrote past the output", isa);
    double ey = worst(y, p->y, ny, K + 1), ew = worst(dw, p->dw, nw, (double)ny);
    double ex = worst(dx, p->dx, nx, (double)(p->kh * p->kw * p->F));
    ck_assert_msg(ey < tol && ew < tol && ex < tol,
                  "%s: %zux%zux%zu, kernel %zux%zu, %zu filters, %s: relative errors forward "
                  "%g, weights %g, input %g",
                  isa, p->H, p->W, p->C, p->kh, p->kw, p->F, p->same ? "same" : "valid", ey, ew,
                  ex);
    free(xt), free(dzt), free(wp), free(bp), free(wt), free(dwp), free(dw), free(y), free(dx);
}

/* Every instruction set this CPU runs; the others are reported as skipped. */
static int for_each_isa(void (*fn)(const NnKernels *k))
{
    int ran = 0;
    for (int isa = 0; isa < CPU_ISAS; isa++) {
        const NnKernels *k = nn_kernels_for((CpuIsa)isa);
        if (!k) {
            printf("  skip %s kernels: not on this CPU or build\n", cpu_isa_names[isa]);
            continue;
        }
        fn(k);
        ran++;
    }
    return ran;
}

static void every_kernel_size(const NnKernels *k)
{
    Rng rng;
    rng_seed(&rng, 11);
    for (int same = 0; same < 2; same++)
        for (size_t kh = 1; kh <= 7; kh++)
            for (size_t kw = 1; kw <= 7; kw++) {
                Problem p;
                problem_new(&p, 9, 11, 3, kh, kw, 17, same, &rng);
                check_problem(k, &p);
                problem_free(&p);
            }
}

START_TEST(conv_every_kernel_size_and_padding)
{
    ck_assert_int_ge(for_each_isa(every_kernel_size), 1);
}
END_TEST

static void odd_channels(const NnKernels *k)
{
    /* channels and filters around every vector width (4, 8, 16 floats, tiles of
     * 32 or 64 filters), rows wider than the widest tile (14 pixels) */
    static const size_t shapes[][6] = {
        /* H, W, C, kh, kw, F */
        {5, 30, 1, 3, 5, 1},   {6, 29, 2, 5, 3, 5},  {4, 31, 7, 1, 7, 15},
        {7, 16, 19, 3, 3, 16}, {3, 45, 4, 2, 2, 33}, {8, 8, 33, 5, 5, 67},
        {2, 3, 5, 1, 1, 100},  {14, 14, 32, 5, 5, 64},
    };
    Rng rng;
    rng_seed(&rng, 12);
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        for (int same = 0; same < 2; same++) {
            const size_t *s = shapes[i];
            Problem p;
            problem_new(&p, s[0], s[1], s[2], s[3], s[4], s[5], same, &rng);
            check_problem(k, &p);
            problem_free(&p);
        }
}

START_TEST(conv_odd_channels_and_wide_rows)
{
    ck_assert_int_ge(for_each_isa(odd_channels), 1);
}
END_TEST

/* The Winograd kernels on p (a 5x5 kernel), through the padding and packing
 * a layer uses, against the naive results: relative errors within wtol, the
 * direct kernels' bound (measured: below 3e-7 on these shapes). */
static const double wtol = 2e-6;
static void check_wino(const NnKernels *k, const Problem *p, double errs[3])
{
    NnConvShape s = nn_conv_shape(p->H, p->W, p->C, p->kh, p->kw, p->F, p->same);
    NnConvShape ts = nn_conv_shape_turned(&s, p->H, p->W);
    NnWino w = nn_wino(&s), t = nn_wino(&ts);
    size_t nx = p->H * p->W * p->C, nw = p->kh * p->kw * p->C * p->F;
    size_t ny = p->Ho * p->Wo * p->F;
    const float guard = 12345.0f;
    size_t work = nn_wino_work_floats(&w) > nn_wino_work_floats(&t) ? nn_wino_work_floats(&w)
                                                                      : nn_wino_work_floats(&t);
    float *xq = xmalloc_floats(nn_wino_input_floats(&w)), *dzq = xmalloc_floats(nn_wino_input_floats(&t));
    float *U = xmalloc_floats(nn_wino_kernel_floats(&w)), *Ut = xmalloc_floats(nn_wino_kernel_floats(&t));
    float *dU = xcalloc(nn_wino_kernel_floats(&w), sizeof(float)), *dw = xcalloc(nw, sizeof(float));
    float *wk = xmalloc_floats(work), *y = xmalloc_floats(ny + 1), *dx = xmalloc_floats(nx + 1);
    y[ny] = dx[nx] = guard;
    nn_wino_pad(&w, p->x, p->H, p->W, p->top, p->left, xq);
    nn_wino_pack(&w, p->w, 0, U);
    k->conv_wino(&w, xq, U, p->b, y, wk);
    k->conv_wino_wgrad(&w, xq, p->dz, dU, wk);
    nn_wino_unpack_add(&w, dU, dw);
    nn_wino_pad(&t, p->dz, p->Ho, p->Wo, p->kh - 1 - p->top, p->kw - 1 - p->left, dzq);
    nn_wino_pack(&t, p->w, 1, Ut);
    k->conv_wino(&t, dzq, Ut, NULL, dx, wk);
    const char *isa = cpu_isa_names[k->isa];
    ck_assert_msg(y[ny] == guard && dx[nx] == guard, "%s: Winograd wrote past the output", isa);
    errs[0] = worst(y, p->y, ny, (double)(p->kh * p->kw * p->C) + 1);
    errs[1] = worst(dw, p->dw, nw, (double)ny);
    errs[2] = worst(dx, p->dx, nx, (double)(p->kh * p->kw * p->F));
    ck_assert_msg(errs[0] < wtol && errs[1] < wtol && errs[2] < wtol,
                  "%s Winograd: %zux%zux%zu, %zu filters, %s: relative errors forward %g, "
                  "weights %g, input %g",
                  isa, p->H, p->W, p->C, p->F, p->same ? "same" : "valid", errs[0], errs[1],
                  errs[2]);
    free(xq), free(dzq), free(U), free(Ut), free(dU), free(dw), free(wk), free(y), free(dx);
}

static void winograd_odd_shapes(const NnKernels *k)
{
    /* odd and even sides (a last tile half outside), sides down to the kernel,
     * channels and filters around every vector width, the lab's conv2 */
    static const size_t shapes[][4] = {
        /* H, W, C, F */
        {5, 5, 1, 1},    {6, 7, 3, 5},    {9, 8, 8, 8},     {7, 13, 17, 15},
        {11, 6, 33, 16}, {8, 31, 16, 67}, {14, 14, 32, 64}, {13, 15, 64, 32},
    };
    Rng rng;
    rng_seed(&rng, 15);
    double most[3] = {0, 0, 0};
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        for (int same = 0; same < 2; same++) {
            const size_t *d = shapes[i];
            Problem p;
            double e[3];
            problem_new(&p, d[0], d[1], d[2], 5, 5, d[3], same, &rng);
            check_wino(k, &p, e);
            for (int j = 0; j < 3; j++)
                most[j] = e[j] > most[j] ? e[j] : most[j];
            problem_free(&p);
        }
    printf("  %s Winograd, worst relative errors: forward %.2g, weights %.2g, input %.2g "
           "(bound %.0e)\n", cpu_isa_names[k->isa], most[0], most[1], most[2], wtol);
}

START_TEST(winograd_matches_definition)
{
    ck_assert_int_ge(for_each_isa(winograd_odd_shapes), 1);
}
END_TEST

/* Values that reach every branch of the elementwise kernels: both clamps of
 * exp, zero and negative zero, NaN, large and tiny magnitudes. */
static void fill_special(float *x, size_t n, Rng *rng)
{
    static const float special[] = {0.0f, -0.0f, 1e30f, -1e30f, 88.5f, -87.5f, 1e-30f, NAN};
    for (size_t i = 0; i < n; i++)
        x[i] = i < 8 ? special[i] : rng_uniform_range(rng, -20, 20);
}

static int same_bits(const float *a, const float *b, size_t n)
{
    return memcmp(a, b, n * sizeof(float)) == 0;
}

static void elementwise_as_portable(const NnKernels *k)
{
    const NnKernels *p = nn_kernels_for(CPU_ISA_PORTABLE);
    Rng rng;
    rng_seed(&rng, 13);
    const char *isa = cpu_isa_names[k->isa];
    /* every tail length of every width, and a long run */
    for (size_t n = 1; n <= 1003; n = n < 40 ? n + 1 : n + 963) {
        float *x = xmalloc_floats(n), *a = xmalloc_floats(n), *b = xmalloc_floats(n);
        float *ga = xmalloc_floats(n), *gb = xmalloc_floats(n);
        fill_special(x, n, &rng);
        void (*const fwd[][2])(const float *, float *, size_t) = {
            {k->exp, p->exp}, {k->sigmoid, p->sigmoid}, {k->tanh, p->tanh}, {k->relu, p->relu}};
        void (*const grad[][2])(const float *, float *, size_t) = {
            {k->sigmoid_grad, p->sigmoid_grad}, {k->tanh_grad, p->tanh_grad},
            {k->relu_grad, p->relu_grad}};
        for (size_t f = 0; f < sizeof fwd / sizeof fwd[0]; f++) {
            fwd[f][0](x, a, n);
            fwd[f][1](x, b, n);
            ck_assert_msg(same_bits(a, b, n), "%s: elementwise function %zu, n %zu", isa, f, n);
        }
        k->sigmoid(x, a, n);
        for (size_t g = 0; g < sizeof grad / sizeof grad[0]; g++) {
            for (size_t i = 0; i < n; i++)
                ga[i] = gb[i] = rng_uniform_range(&rng, -2, 2);
            grad[g][0](a, ga, n);
            grad[g][1](a, gb, n);
            ck_assert_msg(same_bits(ga, gb, n), "%s: gradient %zu, n %zu", isa, g, n);
        }
        memcpy(ga, x, n * sizeof(float));
        memcpy(gb, x, n * sizeof(float));
        k->sgd(ga, a, n, 0.37f);
        p->sgd(gb, a, n, 0.37f);
        ck_assert_msg(same_bits(ga, gb, n), "%s: sgd, n %zu", isa, n);
        /* the optimisers' updates: weights, velocities and moments alike */
        for (int nesterov = 0; nesterov < 2; nesterov++) {
            float *va = xmalloc_floats(n), *vb = xmalloc_floats(n);
            for (size_t i = 0; i < n; i++)
                va[i] = vb[i] = rng_uniform_range(&rng, -1, 1);
            k->momentum(ga, a, va, n, 0.1f, 0.9f, nesterov);
            p->momentum(gb, a, vb, n, 0.1f, 0.9f, nesterov);
            ck_assert_msg(same_bits(ga, gb, n) && same_bits(va, vb, n), "%s: momentum, n %zu",
                          isa, n);
            float *ma = xmalloc_floats(n), *mb = xmalloc_floats(n);
            for (size_t i = 0; i < n; i++) {
                ma[i] = mb[i] = rng_uniform_range(&rng, -1, 1);
                va[i] = vb[i] = rng_uniform_range(&rng, 0, 1);
            }
            k->adam(ga, a, ma, va, n, 0.01f, 0.9f, 0.999f, 1e-7f);
            p->adam(gb, a, mb, vb, n, 0.01f, 0.9f, 0.999f, 1e-7f);
            ck_assert_msg(same_bits(ga, gb, n) && same_bits(ma, mb, n) && same_bits(va, vb, n),
                          "%s: adam, n %zu", isa, n);
            free(va), free(vb), free(ma), free(mb);
        }
        k->add(ga, a, n);
        p->add(gb, a, n);
        ck_assert_msg(same_bits(ga, gb, n), "%s: add, n %zu", isa, n);
        /* a NaN or an infinity anywhere, the tail included, is seen */
        for (size_t i = 0; i < n; i++)
            ga[i] = rng_uniform_range(&rng, -1e30f, 1e30f);
        ck_assert_msg(k->all_finite(ga, n), "%s: all_finite, n %zu", isa, n);
        for (size_t at = 0; at < n; at += 1 + at / 3) {
            float keep = ga[at];
            ga[at] = at % 2 ? NAN : -INFINITY;
            ck_assert_msg(!k->all_finite(ga, n), "%s: all_finite misses %zu of %zu", isa, at, n);
            ga[at] = keep;
        }
        /* rows of n values, dim 1..n: sums in the same order */
        size_t rows = 1003 / n + 1, dim = n;
        float *g = xmalloc_floats(rows * dim);
        for (size_t i = 0; i < rows * dim; i++)
            g[i] = rng_uniform_range(&rng, -1, 1);
        for (size_t i = 0; i < dim; i++)
            ga[i] = gb[i] = (float)i * 0.25f;
        k->sum_rows(ga, g, rows, dim);
        p->sum_rows(gb, g, rows, dim);
        ck_assert_msg(same_bits(ga, gb, dim), "%s: sum_rows, dim %zu", isa, dim);
        free(g), free(x), free(a), free(b), free(ga), free(gb);
    }
}

START_TEST(elementwise_same_bits_every_isa)
{
    ck_assert_int_ge(for_each_isa(elementwise_as_portable), 1);
}
END_TEST

static void maxpool_definition(const NnKernels *k)
{
    /* odd sides (a row and a column no window covers), channels with tails,
     * ties: the first maximum of a window wins */
    static const size_t shapes[][5] = {{5, 7, 3, 2, 2}, {7, 5, 17, 3, 2}, {4, 4, 33, 2, 2},
                                       {6, 9, 64, 2, 3}, {3, 3, 1, 3, 3}};
    Rng rng;
    rng_seed(&rng, 14);
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        const size_t *d = shapes[i];
        NnPoolShape s = {d[0], d[1], d[2], d[3], d[4], d[0] / d[3], d[1] / d[4]};
        size_t nx = s.H * s.W * s.C, ny = s.Ho * s.Wo * s.C;
        float *x = xmalloc_floats(nx), *y = xmalloc_floats(ny), *dy = xmalloc_floats(ny);
        float *dx = xmalloc_floats(nx);
        int32_t *arg = xmalloc(ny * sizeof(int32_t));
        for (size_t j = 0; j < nx; j++)
            x[j] = (float)(int)rng_uniform_range(&rng, 0, 4); /* many ties */
        for (size_t j = 0; j < ny; j++)
            dy[j] = rng_uniform_range(&rng, 1, 2);
        k->maxpool(&s, x, y, arg);
        k->maxpool_grad(&s, dy, arg, dx);
        float *want = xcalloc(nx, sizeof(float));
        for (size_t oy = 0; oy < s.Ho; oy++)
            for (size_t ox = 0; ox < s.Wo; ox++)
                for (size_t c = 0; c < s.C; c++) {
                    size_t o = (oy * s.Wo + ox) * s.C + c, best = 0;
                    float mx = -INFINITY;
                    for (size_t ky = 0; ky < s.ph; ky++)
                        for (size_t kx = 0; kx < s.pw; kx++) {
                            size_t xi = ((oy * s.ph + ky) * s.W + ox * s.pw + kx) * s.C + c;
                            if (x[xi] > mx) {
                                mx = x[xi];
                                best = xi;
                            }
                        }
                    ck_assert_msg(y[o] == mx, "%s: maxpool %zu at %zu", cpu_isa_names[k->isa],
                                  i, o);
                    want[best] = dy[o];
                }
        ck_assert_msg(tu_max_abs_diff(dx, want, nx) == 0, "%s: maxpool gradient %zu",
                      cpu_isa_names[k->isa], i);
        /* without arg (evaluation), the same maxima */
        float *y2 = xmalloc_floats(ny);
        k->maxpool(&s, x, y2, NULL);
        ck_assert(same_bits(y, y2, ny));
        free(x), free(y), free(y2), free(dy), free(dx), free(arg), free(want);
    }
}

START_TEST(maxpool_matches_definition)
{
    ck_assert_int_ge(for_each_isa(maxpool_definition), 1);
}
END_TEST

START_TEST(best_kernels_run_here)
{
    /* the dispatch picks the widest set the CPU runs, and describes it */
    CpuFeatures f = cpu_features();
    const NnKernels *k = nn_kernels();
    ck_assert_int_eq(k->isa, cpu_isa_best(&f));
    ck_assert_int_eq(cpu_isa_here(), cpu_isa_best(&f));
    char buf[320];
    nn_kernels_describe(buf, sizeof buf);
    ck_assert_msg(strstr(buf, cpu_isa_names[k->isa]) != NULL, "%s", buf);
    printf("  %s\n", buf);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kernels");
    TCase *t = tcase_create("core");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, conv_every_kernel_size_and_padding);
    tcase_add_test(t, conv_odd_channels_and_wide_rows);
    tcase_add_test(t, winograd_matches_definition);
    tcase_add_test(t, elementwise_same_bits_every_isa);
    tcase_add_test(t, maxpool_matches_definition);
    tcase_add_test(t, best_kernels_run_here);
    suite_add_tcase(s, t);
    return tu_run_suite(s);
}
