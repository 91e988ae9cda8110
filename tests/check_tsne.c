/* check_tsne.c: t-SNE step by step (perplexity search, symmetric P, Barnes-Hut against
 * the exact gradient) and whole runs (separated clusters, reproducibility whatever the
 * thread count, Ctrl-C, refused parameters, progress lines). */
#include "tsne_fixtures.h"
#include "../src/embed/tsne_internal.h"

/* ---- the steps ---- */

static void check_entropy(double scale, size_t n, size_t k, double perplexity, int threads)
{
    Rng r;
    rng_seed(&r, 3);
    float *dist = malloc(n * k * sizeof(float));
    for (size_t t = 0; t < n * k; t++)
        dist[t] = (float)(scale * (0.5 + 40.0 * rng_uniform(&r)));
    double *p = malloc(n * k * sizeof(double)), *beta = malloc(n * sizeof(double));
    Err e = {{0}, 0};
    ck_assert_int_eq(tsne_conditional_p(dist, n, k, perplexity, p, beta, threads, NULL, NULL, &e), 0);
    for (size_t i = 0; i < n; i++) {
        double sum = 0, h = 0;
        for (size_t j = 0; j < k; j++) {
            double v = p[i * k + j];
            ck_assert(v >= 0);
            sum += v;
            if (v > 0)
                h -= v * log(v);
        }
        ck_assert_double_eq_tol(sum, 1.0, 1e-12);
        ck_assert_double_eq_tol(h, log(perplexity), 1e-4);
        ck_assert_double_gt(beta[i], 0);
    }
    free(dist);
    free(p);
    free(beta);
}

START_TEST(test_perplexity_calibration)
{
    check_entropy(1.0, 57, 23, 7.5, 1);    /* distances like MNIST's (0.5 .. 40) */
    check_entropy(1e4, 31, 17, 5.0, 2);    /* huge distances: exp() must not underflow */
    check_entropy(1e-3, 29, 91, 30.0, 3);  /* tiny ones */
}
END_TEST

START_TEST(test_perplexity_lines_and_threads)
{
    const size_t n = 2101, k = 11;
    Rng r;
    rng_seed(&r, 8);
    float *dist = malloc(n * k * sizeof(float));
    for (size_t t = 0; t < n * k; t++)
        dist[t] = (float)(1.0 + 9.0 * rng_uniform(&r));
    double *p1 = malloc(n * k * sizeof(double)), *p3 = malloc(n * k * sizeof(double));
    Lines l = {0};
    Err e = {{0}, 0};
    ck_assert_int_eq(tsne_conditional_p(dist, n, k, 4.0, p1, NULL, 1, keep_line, &l, &e), 0);
    ck_assert_int_eq(l.count, 4);
    ck_assert_str_eq(l.line[0], "[t-SNE] Computed conditional probabilities for sample 1000 / 2101");
    ck_assert_str_eq(l.line[1], "[t-SNE] Computed conditional probabilities for sample 2000 / 2101");
    ck_assert_str_eq(l.line[2], "[t-SNE] Computed conditional probabilities for sample 2101 / 2101");
    ck_assert_int_eq(lines_find(&l, "[t-SNE] Mean sigma: "), 3);
    lines_free(&l);
    ck_assert_int_eq(tsne_conditional_p(dist, n, k, 4.0, p3, NULL, 3, NULL, NULL, &e), 0);
    ck_assert_int_eq(memcmp(p1, p3, n * k * sizeof(double)), 0);
    free(dist);
    free(p1);
    free(p3);
}
END_TEST

START_TEST(test_joint_p)
{
    const size_t n = 41, k = 6;
    Rng r;
    rng_seed(&r, 21);
    uint32_t *nbr = malloc(n * k * sizeof(uint32_t));
    double *pc = malloc(n * k * sizeof(double));
    double *dense = calloc(n * n, sizeof(double)); /* (n, n) C + C^T */
    for (size_t i = 0; i < n; i++) {
        double s = 0;
        for (size_t j = 0; j < k; j++) {
            uint32_t c;
            int again;
            do { /* distinct, not i */
                c = (uint32_t)rng_below(&r, n);
                again = c == i;
                for (size_t t = 0; t < j; t++)
                    again |= nbr[i * k + t] == c;
            } while (again);
            nbr[i * k + j] = c;
            pc[i * k + j] = 0.1 + rng_uniform(&r);
            s += pc[i * k + j];
        }
        for (size_t j = 0; j < k; j++)
            pc[i * k + j] /= s;
    }
    double total = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < k; j++) {
            dense[i * n + nbr[i * k + j]] += pc[i * k + j];
            dense[nbr[i * k + j] * n + i] += pc[i * k + j];
            total += 2 * pc[i * k + j];
        }
    TsneSparseP P = {0};
    tsne_joint_p(nbr, pc, n, k, &P);
    ck_assert_uint_eq(P.n, n);
    size_t nonzero = 0;
    for (size_t t = 0; t < n * n; t++)
        nonzero += dense[t] != 0;
    ck_assert_uint_eq(P.rowptr[n], nonzero);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t t = P.rowptr[i]; t < P.rowptr[i + 1]; t++) {
            uint32_t j = P.col[t];
            if (t > P.rowptr[i])
                ck_assert_uint_gt(j, P.col[t - 1]);
            ck_assert_double_eq_tol(P.val[t], dense[i * n + j] / total, 1e-7 * P.val[t]);
            /* symmetric, bit for bit: find (j, i) */
            int found = 0;
            for (size_t u = P.rowptr[j]; u < P.rowptr[j + 1]; u++)
                if (P.col[u] == i) {
                    ck_assert_float_eq(P.val[u], P.val[t]);
                    found = 1;
                }
            ck_assert(found);
            sum += P.val[t];
        }
    ck_assert_double_eq_tol(sum, 1.0, 1e-6);
    tsne_sparse_free(&P);
    ck_assert_ptr_null(P.val);
    tsne_sparse_free(NULL);
    free(nbr);
    free(pc);
    free(dense);
}
END_TEST

static void check_gradient(size_t n, uint64_t seed, double spread)
{
    TsneSparseP P = {0};
    make_p(n, 10.0, seed, &P);
    Rng r;
    rng_seed(&r, seed + 100);
    float *y = malloc(2 * n * sizeof(float));
    for (size_t t = 0; t < 2 * n; t++)
        y[t] = (float)(spread * rng_normal(&r));
    double *ge = malloc(2 * n * sizeof(double)), *g = malloc(2 * n * sizeof(double));
    double *g3 = malloc(2 * n * sizeof(double));
    double kle, kl;
    Err e = {{0}, 0};
    for (int ex = 0; ex < 2; ex++) {
        double exag = ex ? 12.0 : 1.0;
        tsne_gradient_exact(&P, y, exag, ge, &kle);
        /* angle 0: exact, up to float rounding */
        ck_assert_int_eq(tsne_gradient(&P, y, exag, 0.0, 1, g, &kl, &e), 0);
        ck_assert_double_lt(rel_error(g, ge, 2 * n), 1e-5);
        ck_assert_double_eq_tol(kl, kle, 1e-5 * fabs(kle) + 1e-9);
        /* a tiny angle walks the tree but takes almost everything exactly */
        ck_assert_int_eq(tsne_gradient(&P, y, exag, 0.02, 1, g, &kl, &e), 0);
        ck_assert_double_lt(rel_error(g, ge, 2 * n), 1e-4);
        /* the lab's angle: a small error */
        ck_assert_int_eq(tsne_gradient(&P, y, exag, 0.5, 1, g, &kl, &e), 0);
        ck_assert_double_lt(rel_error(g, ge, 2 * n), 1e-2);
        ck_assert_double_eq_tol(kl, kle, 3e-3 * fabs(kle) + 1e-6);
        /* and the same numbers on 3 threads */
        ck_assert_int_eq(tsne_gradient(&P, y, exag, 0.5, 3, g3, NULL, &e), 0);
        ck_assert_int_eq(memcmp(g, g3, 2 * n * sizeof(double)), 0);
    }
    free(y);
    free(ge);
    free(g);
    free(g3);
    tsne_sparse_free(&P);
}

/* The reference for the forces' own renumbering: P (symmetric) renumbered, new row r
 * being old row order[r], its columns renumbered the same way and kept increasing. */
static void sparse_reorder(TsneSparseP *P, const uint32_t *order)
{
    size_t n = P->n, nnz = P->rowptr[n];
    uint32_t *inv = malloc(n * sizeof(uint32_t));
    for (size_t r = 0; r < n; r++)
        inv[order[r]] = (uint32_t)r;
    size_t *rowptr = malloc((n + 1) * sizeof(size_t));
    uint32_t *col = malloc(nnz * sizeof(uint32_t));
    float *val = malloc(nnz * sizeof(float));
    /* P is symmetric with the same pattern: new row r holds as many entries as old row
     * order[r]. Filling the rows of the entries' columns while walking the new rows in
     * increasing order leaves every new row sorted by column; by symmetry what lands
     * in new row inv[j] from new row r is p_{order[r] j} = p_{j order[r]}. */
    rowptr[0] = 0;
    for (size_t r = 0; r < n; r++)
        rowptr[r + 1] = rowptr[r] + (P->rowptr[order[r] + 1] - P->rowptr[order[r]]);
    size_t *fill = malloc(n * sizeof(size_t));
    memcpy(fill, rowptr, n * sizeof(size_t));
    for (size_t r = 0; r < n; r++) {
        size_t i = order[r];
        for (size_t t = P->rowptr[i]; t < P->rowptr[i + 1]; t++) {
            size_t dst = fill[inv[P->col[t]]]++;
            col[dst] = (uint32_t)r;
            val[dst] = P->val[t];
        }
    }
    free(fill);
    free(inv);
    free(P->rowptr);
    free(P->col);
    free(P->val);
    P->rowptr = rowptr;
    P->col = col;
    P->val = val;
}

/* The attraction's kernels (AVX-512, AVX2, portable: those this processor runs) give
 * the same gradient and KL to the bit, on rows of every length modulo 16; after P
 * is renumbered in place the same forces follow it (their packed copy is made
 * again). */
START_TEST(test_attraction_paths)
{
    size_t n = 733;
    TsneSparseP P = {0};
    make_p(n, 7.0, 5, &P);
    Rng r;
    rng_seed(&r, 55);
    float *y = malloc(2 * n * sizeof(float));
    double *yd = malloc(2 * n * sizeof(double)), *scratch = malloc(2 * n * sizeof(double));
    for (size_t t = 0; t < 2 * n; t++)
        yd[t] = 5.0 * rng_normal(&r);
    for (size_t t = 0; t < 2 * n; t++)
        y[t] = (float)yd[t];
    double *g0 = malloc(2 * n * sizeof(double)), *g = malloc(2 * n * sizeof(double));
    double kl0 = 0, kl = 0;
    Err e = {{0}, 0};
    int lengths = 0; /* the row lengths modulo 16 seen */
    for (size_t i = 0; i < n; i++)
        lengths |= 1 << ((P.rowptr[i + 1] - P.rowptr[i]) % 16);
    ck_assert_int_gt(__builtin_popcount((unsigned)lengths), 12);
    for (int isa = CPU_ISA_PORTABLE; isa <= (int)cpu_isa_here(); isa++) {
        TsneForces *f = tsne_forces_new(n, TSNE_METHOD_BH, 0.5);
        ck_assert_int_eq(tsne_forces_use_isa(f, (CpuIsa)isa), isa);
        ck_assert_int_eq(tsne_forces_gradient(f, NULL, &P, y, 12.0, isa ? g : g0, isa ? &kl : &kl0,
                                              &e), 0);
        if (isa) {
            ck_assert_int_eq(memcmp(g, g0, 2 * n * sizeof(double)), 0);
            ck_assert(kl == kl0);
        }
        tsne_forces_free(f);
    }
    /* renumbered: the same forces in the new order (up to the order of the sums) */
    TsneForces *f = tsne_forces_new(n, TSNE_METHOD_BH, 0.5);
    ck_assert_int_eq(tsne_forces_gradient(f, NULL, &P, y, 12.0, g0, &kl0, &e), 0);
    uint32_t *order = malloc(n * sizeof(uint32_t));
    tsne_spatial_order(yd, n, order);
    sparse_reorder(&P, order);
    tsne_forces_p_changed(f);
    tsne_permute_pairs(yd, n, order, scratch);
    for (size_t t = 0; t < 2 * n; t++)
        y[t] = (float)yd[t];
    ck_assert_int_eq(tsne_forces_gradient(f, NULL, &P, y, 12.0, g, &kl, &e), 0);
    tsne_permute_pairs(g0, n, order, scratch);
    ck_assert_double_lt(rel_error(g, g0, 2 * n), 1e-6);
    ck_assert_double_eq_tol(kl, kl0, 1e-9 * fabs(kl0));
    tsne_forces_free(f);
    /* the points renumbered but not P (the forces told the numbering): the same forces
     * as with P renumbered (up to the order of each row's sums) */
    TsneSparseP P0 = {0};
    make_p(n, 7.0, 5, &P0);
    double *g2 = malloc(2 * n * sizeof(double)), kl2 = 0;
    f = tsne_forces_new(n, TSNE_METHOD_BH, 0.5);
    tsne_forces_renumbered(f, order);
    ck_assert_int_eq(tsne_forces_gradient(f, NULL, &P0, y, 12.0, g2, &kl2, &e), 0);
    ck_assert_double_lt(rel_error(g2, g0, 2 * n), 1e-6);
    ck_assert_double_lt(rel_error(g2, g, 2 * n), 1e-6);
    ck_assert_double_eq_tol(kl2, kl0, 1e-9 * fabs(kl0));
    tsne_forces_free(f);
    tsne_sparse_free(&P0);
    free(g2);
    free(order);
    free(y);
    free(yd);
    free(scratch);
    free(g0);
    free(g);
    tsne_sparse_free(&P);
}
END_TEST

/* The pool's background job: every index run exactly once, whether the workers take
 * it between the ordinary jobs the caller runs meanwhile or the caller finishes it. */
static void count_task(void *ctx, size_t b, size_t e, int worker)
{
    (void)worker;
    unsigned *hits = ctx;
    for (size_t i = b; i < e; i++)
        hits[i]++;
}

START_TEST(test_pool_background)
{
    size_t nb = 5000, nf = 700;
    unsigned *bg = calloc(nb, sizeof *bg), *fg = calloc(nf, sizeof *fg);
    for (int threads = 1; threads <= 3; threads++) {
        Pool *pool = threads > 1 ? pool_new(threads) : NULL;
        for (int round = 0; round < 20; round++) {
            pool_start(pool, nb, 7, count_task, bg);
            for (int k = 0; k < round % 4; k++)
                pool_for(pool, nf, 13, count_task, fg);
            pool_finish(pool);
        }
        pool_finish(pool); /* none started: nothing */
        pool_free(pool);
    }
    unsigned want_fg = 3 * (5 * (0 + 1 + 2 + 3));
    for (size_t i = 0; i < nb; i++)
        ck_assert_uint_eq(bg[i], 60);
    for (size_t i = 0; i < nf; i++)
        ck_assert_uint_eq(fg[i], want_fg);
    free(bg);
    free(fg);
}
END_TEST

/* A plain step for the test below: y -= grad / 1000, in float. */
typedef struct TestStep {
    float *y;
    const double *grad;
} TestStep;

static void test_step_fn(void *ctx, size_t b, size_t e)
{
    TestStep *t = ctx;
    for (size_t c = 2 * b; c < 2 * e; c++)
        t->y[c] = (float)(t->y[c] - t->grad[c] / 1000.0);
}

/* tsne_forces_step: the same gradients, to the bit, as tsne_forces_gradient followed
 * by the step, over iterations where the step moves the points (the forces keeping
 * their renumbered copy of the positions up to date), with 1 and 3 threads. */
START_TEST(test_forces_step)
{
    size_t n = 611;
    TsneSparseP P = {0};
    make_p(n, 7.0, 9, &P);
    Rng r;
    rng_seed(&r, 56);
    float *y0 = malloc(2 * n * sizeof(float)), *y1 = malloc(2 * n * sizeof(float));
    for (size_t t = 0; t < 2 * n; t++)
        y0[t] = y1[t] = (float)(5.0 * rng_normal(&r));
    double *g0 = malloc(2 * n * sizeof(double)), *g1 = malloc(2 * n * sizeof(double));
    Err e = {{0}, 0};
    for (int m = 0; m < 2; m++) {
        TsneMethod method = m ? TSNE_METHOD_FFT : TSNE_METHOD_BH;
        TsneForces *f0 = tsne_forces_new(n, method, 0.5), *f1 = tsne_forces_new(n, method, 0.5);
        Pool *pool = pool_new(3);
        TestStep st = {y1, g1};
        TsneStep hook = {test_step_fn, &st};
        for (int it = 0; it < 6; it++) {
            double kl0 = 0, kl1 = 0;
            ck_assert_int_eq(tsne_forces_gradient(f0, NULL, &P, y0, 12.0, g0, &kl0, &e), 0);
            TestStep st0 = {y0, g0};
            test_step_fn(&st0, 0, n);
            ck_assert_int_eq(tsne_forces_step(f1, pool, &P, y1, 12.0, g1, it % 2 ? &kl1 : NULL,
                                              &hook, &e), 0);
            ck_assert_int_eq(memcmp(g0, g1, 2 * n * sizeof(double)), 0);
            ck_assert_int_eq(memcmp(y0, y1, 2 * n * sizeof(float)), 0);
            if (it % 2)
                ck_assert(kl0 == kl1);
        }
        pool_free(pool);
        tsne_forces_free(f0);
        tsne_forces_free(f1);
    }
    free(y0);
    free(y1);
    free(g0);
    free(g1);
    tsne_sparse_free(&P);
}
END_TEST

START_TEST(test_gradient_small)
{
    check_gradient(203, 1, 4.0);
}
END_TEST

START_TEST(test_gradient_deep_tree)
{
    /* more points, and a compact start (as after the PCA init) */
    check_gradient(1207, 2, 30.0);
    check_gradient(611, 3, 1e-3);
}
END_TEST

/* ---- whole runs ---- */

static const int cluster_sizes[5] = {53, 61, 67, 59, 61}; /* 301 points */

START_TEST(test_clusters_separate)
{
    size_t n;
    int *lab;
    float *x = clusters(cluster_sizes, 5, 20, 4, &n, &lab);
    float *y = malloc(2 * n * sizeof(float));
    TsneParams p;
    tsne_params_default(&p);
    p.verbose = 2;
    p.threads = 2;
    TsneResult res;
    Lines l = {0};
    Err e = {{0}, 0};
    ck_assert_int_eq(tsne_run(x, n, 20, &p, y, &res, keep_line, &l, &e), 0);
    ck_assert(all_finite(y, 2 * n));
    ck_assert_double_eq(neighborhood_hit(y, lab, n, 6), 1.0);
    ck_assert_int_gt(res.iterations, 250);
    ck_assert_int_le(res.iterations, 1000);
    ck_assert(res.kl > 0 && res.kl < 2.0);
    /* the lines, in scikit-learn's words and order, after untangle's summary */
    ck_assert_int_eq(lines_find(&l, "[t-SNE] 301 points of 20 values: method bh"), 0);
    ck_assert_str_eq(l.line[1], "[t-SNE] Computing 91 nearest neighbors...");
    int a = lines_find(&l, "[t-SNE] Indexed 301 samples in ");
    int b = lines_find(&l, "[t-SNE] Computed neighbors for 301 samples in ");
    int c = lines_find(&l, "[t-SNE] Computed conditional probabilities for sample 301 / 301");
    int d = lines_find(&l, "[t-SNE] Mean sigma: ");
    int f = lines_find(&l, "[t-SNE] Computed conditional probabilities in ");
    int g = lines_find(&l, "[t-SNE] Iteration 50: error = ");
    int h = lines_find(&l, "[t-SNE] KL divergence after 250 iterations with early exaggeration: ");
    int i300 = lines_find(&l, "[t-SNE] Iteration 300: error = ");
    char last[128];
    snprintf(last, sizeof last, "[t-SNE] KL divergence after %d iterations: ", res.iterations);
    int z = lines_find(&l, last);
    ck_assert(a == 2 && b == 3 && c == 4 && d == 5 && f == 6 && g == 7);
    ck_assert(h > g && i300 > h && z == l.count - 1);
    ck_assert_ptr_nonnull(strstr(l.line[g], ", gradient norm = "));
    ck_assert_ptr_nonnull(strstr(l.line[g], " (50 iterations in "));
    /* the KL goes down in the second phase */
    double kl300 = atof(strstr(l.line[i300], "error = ") + 8);
    ck_assert_double_lt(res.kl, kl300);
    ck_assert_double_eq_tol(atof(strstr(l.line[z], ": ") + 2), res.kl, 1e-6);
    lines_free(&l);
    free(x);
    free(lab);
    free(y);
}
END_TEST

START_TEST(test_exact_run)
{
    size_t n;
    int *lab;
    float *x = clusters(cluster_sizes, 5, 20, 9, &n, &lab);
    float *y = malloc(2 * n * sizeof(float));
    TsneParams p;
    tsne_params_default(&p);
    p.angle = 0;
    p.n_iter = 500;
    TsneResult res;
    Err e = {{0}, 0};
    ck_assert_int_eq(tsne_run(x, n, 20, &p, y, &res, NULL, NULL, &e), 0);
    ck_assert_double_eq(neighborhood_hit(y, lab, n, 6), 1.0);
    free(x);
    free(lab);
    free(y);
}
END_TEST

START_TEST(test_reproducible_any_threads)
{
    size_t n;
    int *lab;
    float *x = clusters(cluster_sizes, 5, 20, 5, &n, &lab);
    float *y1 = malloc(2 * n * sizeof(float)), *y2 = malloc(2 * n * sizeof(float));
    TsneParams p;
    tsne_params_default(&p);
    p.n_iter = 400;
    p.verbose = 1;
    TsneResult r1, r2;
    Lines l = {0};
    Err e = {{0}, 0};
    ck_assert_int_eq(tsne_run(x, n, 20, &p, y1, &r1, keep_line, &l, &e), 0);
    /* verbose 1: what runs, each stage with its time, the time left, the two KLs */
    ck_assert_int_eq(l.count, 7);
    ck_assert_int_eq(lines_find(&l, "[t-SNE] 301 points of 20 values: method bh (Barnes-Hut"), 0);
    ck_assert_int_eq(lines_find(&l, "[t-SNE] stage neighbours (91 per point, exact) and start: "), 1);
    ck_assert_int_eq(lines_find(&l, "[t-SNE] stage P (perplexity 30, "), 2);
    ck_assert_int_eq(lines_find(&l, "[t-SNE] KL divergence after 250 iterations with early exaggeration: "), 3);
    ck_assert_int_eq(lines_find(&l, "[t-SNE] stage exaggeration (250 iterations): "), 4);
    ck_assert_ptr_nonnull(strstr(l.line[4], " s left"));
    ck_assert_int_eq(lines_find(&l, "[t-SNE] stage the rest (150 iterations): "), 5);
    ck_assert_int_eq(lines_find(&l, "[t-SNE] KL divergence after 400 iterations: "), 6);
    lines_free(&l);
    p.threads = 2;
    p.verbose = 0;
    ck_assert_int_eq(tsne_run(x, n, 20, &p, y2, &r2, keep_line, &l, &e), 0);
    ck_assert_int_eq(l.count, 0);
    ck_assert_int_eq(memcmp(y1, y2, 2 * n * sizeof(float)), 0);
    ck_assert_double_eq(r1.kl, r2.kl);
    p.threads = 3;
    ck_assert_int_eq(tsne_run(x, n, 20, &p, y2, &r2, NULL, NULL, &e), 0);
    ck_assert_int_eq(memcmp(y1, y2, 2 * n * sizeof(float)), 0);
    /* random init: the seed decides */
    p.init_pca = 0;
    p.seed = 77;
    ck_assert_int_eq(tsne_run(x, n, 20, &p, y1, &r1, NULL, NULL, &e), 0);
    p.threads = 1;
    ck_assert_int_eq(tsne_run(x, n, 20, &p, y2, &r2, NULL, NULL, &e), 0);
    ck_assert_int_eq(memcmp(y1, y2, 2 * n * sizeof(float)), 0);
    p.seed = 78;
    ck_assert_int_eq(tsne_run(x, n, 20, &p, y2, &r2, NULL, NULL, &e), 0);
    ck_assert_int_ne(memcmp(y1, y2, 2 * n * sizeof(float)), 0);
    ck_assert_double_eq(neighborhood_hit(y2, lab, n, 6), 1.0);
    free(x);
    free(lab);
    free(y1);
    free(y2);
}
END_TEST

START_TEST(test_interrupt)
{
    size_t n;
    int *lab;
    float *x = clusters(cluster_sizes, 5, 20, 6, &n, &lab);
    float *y = malloc(2 * n * sizeof(float));
    for (size_t t = 0; t < 2 * n; t++)
        y[t] = NAN;
    TsneParams p;
    tsne_params_default(&p);
    p.verbose = 2;
    p.threads = 2;
    TsneResult res = {0};
    Lines l = {0};
    l.interrupt_at = "[t-SNE] Iteration 100:";
    Err e = {{0}, 0};
    interrupt_clear();
    ck_assert_int_eq(tsne_run(x, n, 20, &p, y, &res, keep_line, &l, &e), -1);
    ck_assert_int_eq(e.interrupted, 1);
    ck_assert(interrupt_pending());
    interrupt_clear();
    ck_assert(all_finite(y, 2 * n));
    ck_assert_int_eq(lines_find(&l, "[t-SNE] Iteration 150:"), -1);
    ck_assert_int_eq(res.iterations, 0); /* untouched on failure */
    lines_free(&l);
    /* Ctrl-C before anything was computed: refused at once, y left alone */
    float *y2 = malloc(2 * n * sizeof(float));
    for (size_t t = 0; t < 2 * n; t++)
        y2[t] = -7.0f;
    interrupt_flag = 1;
    ck_assert_int_eq(tsne_run(x, n, 20, &p, y2, &res, NULL, NULL, &e), -1);
    interrupt_clear();
    ck_assert_int_eq(e.interrupted, 1);
    for (size_t t = 0; t < 2 * n; t++)
        ck_assert_float_eq(y2[t], -7.0f);
    free(y2);
    free(x);
    free(lab);
    free(y);
}
END_TEST

START_TEST(test_refusals)
{
    float x[40 * 3];
    float y[2 * 40];
    for (int i = 0; i < 40 * 3; i++)
        x[i] = (float)((i * 37) % 11);
    TsneParams p;
    tsne_params_default(&p);
    Err e = {{0}, 0};
    /* perplexity >= n */
    ck_assert_int_eq(tsne_run(x, 20, 3, &p, y, NULL, NULL, NULL, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "perplexity 30"));
    ck_assert_ptr_nonnull(strstr(e.msg, "(20)"));
    p.perplexity = 2;
    /* n < 4 */
    ck_assert_int_eq(tsne_run(x, 3, 3, &p, y, NULL, NULL, NULL, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "at least 4 points"));
    /* NaN */
    x[7 * 3 + 2] = NAN;
    ck_assert_int_eq(tsne_run(x, 40, 3, &p, y, NULL, NULL, NULL, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "point 7"));
    ck_assert_ptr_nonnull(strstr(e.msg, "column 2"));
    x[7 * 3 + 2] = INFINITY;
    ck_assert_int_eq(tsne_run(x, 40, 3, &p, y, NULL, NULL, NULL, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "non-finite"));
    x[7 * 3 + 2] = 1;
    /* absurd sizes: refused before anything is read or allocated */
    ck_assert_int_eq(tsne_run(x, (size_t)1 << 40, 784, &p, y, NULL, NULL, NULL, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "memory"));
    ck_assert_int_eq(tsne_run(x, SIZE_MAX / 2, SIZE_MAX / 4, &p, y, NULL, NULL, NULL, &e), -1);
    ck_assert_int_eq(e.msg[0] != 0, 1);
    /* other parameters */
    p.angle = 1.5;
    ck_assert_int_eq(tsne_run(x, 40, 3, &p, y, NULL, NULL, NULL, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "angle"));
    p.angle = 0.5;
    p.threads = 0;
    ck_assert_int_eq(tsne_run(x, 40, 3, &p, y, NULL, NULL, NULL, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "threads"));
    p.threads = 1;
    p.perplexity = NAN;
    ck_assert_int_eq(tsne_run(x, 40, 3, &p, y, NULL, NULL, NULL, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "perplexity"));
    p.perplexity = 2;
    p.exploration_iter = 2000;
    ck_assert_int_eq(tsne_run(x, 40, 3, &p, y, NULL, NULL, NULL, &e), -1);
    p.exploration_iter = 250;
    /* and all identical points: nothing to embed */
    float same[12 * 2];
    for (int i = 0; i < 24; i++)
        same[i] = 0.25f;
    ck_assert_int_eq(tsne_run(same, 12, 2, &p, y, NULL, NULL, NULL, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "identical"));
    /* while a valid small run works */
    TsneResult res;
    ck_assert_int_eq(tsne_run(x, 40, 3, &p, y, &res, NULL, NULL, &e), 0);
    ck_assert(all_finite(y, 80));
}
END_TEST

static Suite *tsne_suite(void)
{
    Suite *s = suite_create("tsne");
    TCase *tc = tcase_create("steps");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_perplexity_calibration);
    tcase_add_test(tc, test_perplexity_lines_and_threads);
    tcase_add_test(tc, test_joint_p);
    tcase_add_test(tc, test_attraction_paths);
    tcase_add_test(tc, test_pool_background);
    tcase_add_test(tc, test_forces_step);
    tcase_add_test(tc, test_gradient_small);
    tcase_add_test(tc, test_gradient_deep_tree);
    suite_add_tcase(s, tc);
    TCase *tr = tcase_create("runs");
    tcase_set_timeout(tr, 60);
    tcase_add_test(tr, test_clusters_separate);
    tcase_add_test(tr, test_exact_run);
    tcase_add_test(tr, test_reproducible_any_threads);
    tcase_add_test(tr, test_interrupt);
    tcase_add_test(tr, test_refusals);
    suite_add_tcase(s, tr);
    return s;
}

int main(void) { return tu_run_suite(tsne_suite()); }
