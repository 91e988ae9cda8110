/* tsne_fft.c: the repulsive forces by FFT-accelerated interpolation (Linderman et al.,
 * FIt-SNE; openTSNE's "fft" method).
 *
 * The repulsion on point i is sum_j K_ij^2 (y_i - y_j) with K_ij = 1 / (1 + |y_i - y_j|^2),
 * and the normaliser is Z = sum_{i != j} K_ij: sums over all j of a kernel of
 * d = y_i - y_j (K^2 d_x, K^2 d_y and K) times the unit charge of j. The plane around
 * the embedding is cut into square intervals ("boxes") of width h, each holding
 * FFT_POINTS x FFT_POINTS interpolation nodes, equispaced across the whole grid. Each
 * point spreads its unit charge on the nodes of its box by Lagrange interpolation, the
 * node charges are convolved with the kernels sampled at the node offsets (a Toeplitz
 * sum, done as a circular convolution of twice the size by FFT), and each point reads
 * the two force potentials back from its nodes with the same weights. Z needs no
 * potential: it is sum_i (K * C)(node of i) interpolated, i.e. sum over the nodes of
 * C (K * C), which by Parseval is a sum over the spectrum of K^ |C^|^2. So one forward
 * transform and two backward ones per call, where FIt-SNE's charges 1, x, y through
 * K^2 and 1 through K take three and four. The kernels K^2 d are about as smooth as
 * K^2 (once the near field takes the pairs closer than a few intervals): on the same
 * grid the force's error against the exact sums is some 15 % larger (1.7e-3 against
 * 1.5e-3 on a final 10 000-point MNIST map), for less than half the transforms.
 * Cost O(N + M log M) for M nodes.
 *
 * The grid: intervals of FFT_PURE_WIDTH units of the embedding once it is wide enough
 * for FFT_PURE_MIN of them, and at least FFT_PURE_MIN intervals otherwise,
 * with h taken from a geometric ladder so that it changes rarely; the interval count
 * is rounded up to a 7-smooth number, so the transform length 2 * 3 * count suits
 * FFTW. The kernels' spectra depend only on (h, count) and are kept until one changes
 * (the count also steps inside a rung; holding it at the rung's widest count saves
 * about half the recomputations, ~1 % of a run's CPU, but the larger grids cost as
 * much in every iteration);
 * FFTW plans are made once per transform length (FFTW_ESTIMATE: no timing, the same
 * plan every run).
 *
 * The 2-D transforms: the rows holding charges (the first half; the others are zero)
 * real to complex; then each batch of FFT_COLS columns is transposed into rows of the
 * spectrum (zeros for the empty half) and transformed there, where FFTW would copy
 * strided columns; the products with the kernels (stored transposed too), the sum for
 * Z and the backward column transforms run on these rows, and only their first half,
 * the rows of nodes, is transposed back for the complex-to-real row transforms.
 *
 * Determinism: the 2-D transforms are done as batches of 1-D transforms of FFT_ROWS
 * rows, or FFT_COLS columns, each batch always run by the same single-threaded plan,
 * whichever thread takes it; charges are spread box row by box row, points in index
 * order (the sort by box row is a stable counting sort done by fixed chunks of
 * FFT_POINT_CHUNK points: each chunk counts its rows, then places its points from its
 * own offsets, the order of one pass in index order); the extent is a minimum and a
 * maximum, the same in any order; every per-point sum, and Z's sum over the column
 * batches, is in a fixed order. So the result is the same bit for bit whatever the
 * number of threads. */
#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tsne_internal.h"
#include "untangle/core/i18n.h"
#include "untangle/core/xalloc.h"

#define FFT_POINTS 3           /* interpolation nodes per interval and axis */
#define FFT_MIN_INTERVALS 40   /* intervals per axis of the split grid, at least */
#define FFT_PURE_MIN 24        /* of the grid alone, at least: the compact embedding of
                                  the exaggeration phase gets a force error of about
                                  5e-5 relative (1e-5 with 50, at twice the side) */
#define FFT_PURE_WIDTH 0.5     /* widest interval that needs no near field */
#define FFT_SPLIT_RATIO 2.0    /* near-field radius / interval width; 1.75 moves the
                                  KL of all 70 000 MNIST images by 0.006 (2.8222 ->
                                  2.8278) for about 3 % less CPU at 10 000 */
#define FFT_SPLIT_C 0.4        /* intervals per axis with a near field: C sqrt(n) */
#define FFT_LADDER 8           /* rungs per octave of the interval widths */
#define FFT_ROWS 8             /* rows per batch of row transforms */
#define FFT_COLS 8             /* columns per batch of column transforms */
#define FFT_KERNELS 3          /* K^2 d_x, K^2 d_y (the force), K (Z) */
#define FFT_OUTPUTS 2          /* potentials: K^2 d_x * 1, K^2 d_y * 1 */
#define FFT_MAX_PLANS 16       /* transform lengths kept */
#define FFT_PAD_FLOATS 16      /* row strides are multiples of 64 bytes */
#define FFT_POINT_CHUNK 1024   /* points per task (10 000 points: 10 tasks, where 4096 gave
                                  3, two for one thread and one for the other) */
#define FFT_KERNEL_ROWS 8      /* offset rows per task of the kernels' sampling */

/* The plans for one transform length L (the grid of L x L nodes, N1 = L / 2 of them
 * holding charges): batches of rows (r2c, c2r) and of the columns, transposed into
 * rows (complex, both ways), full batches and the shorter last one. */
typedef struct FftPlans {
    int len;                                  /* L; 0 for an unused slot */
    fftwf_plan r2c[FFT_ROWS + 1];             /* [h]: h rows, for h = 1 .. FFT_ROWS */
    fftwf_plan c2r[FFT_ROWS + 1];
    fftwf_plan fwd[FFT_COLS + 1];             /* [h]: h transposed columns */
    fftwf_plan bwd[FFT_COLS + 1];
} FftPlans;

struct TsneFft {
    size_t n;
    /* the current grid */
    int nb;                 /* intervals per axis */
    int n1;                 /* nodes per axis: FFT_POINTS * nb */
    int len;                /* transform length: 2 * n1 */
    size_t rs, cs;          /* row strides of the real (floats) and complex grids */
    size_t ts;              /* row stride of the transposed spectra (complex) */
    double h;               /* interval width */
    double lo[2];           /* lower corner of the grid */
    double radius;          /* of the near field; 0: none */
    int kernel_nb;          /* (nb, h, radius) the kernel spectra were computed for; 0: none */
    double kernel_h, kernel_r;
    TsneNear *near;
    float *real[FFT_OUTPUTS];          /* (len, rs): the charges in the first, then the
                                          potentials (n1 rows used) */
    fftwf_complex *spec;               /* (len, cs): the charges' rows transformed */
    fftwf_complex *tspec;              /* (len/2 + 1, ts): their columns, transposed, then
                                          transformed: the spectrum, [kx][ky] */
    fftwf_complex *twork[FFT_OUTPUTS]; /* (len/2 + 1, ts): a kernel times the spectrum,
                                          for each potential, then transformed back */
    fftwf_complex *work[FFT_OUTPUTS];  /* (n1, cs): the same transposed back, then the
                                          potentials' rows */
    float *kern[FFT_KERNELS];          /* (len/2 + 1, ts) kernel spectra, [kx][ky], scaled
                                          by 1 / len^2: imaginary parts of the odd
                                          K^2 d_x, K^2 d_y, the real part of the even K
                                          (the other parts are 0) */
    double *zpart;          /* (column batches) Z's share of each batch of the spectrum */
    size_t cap;             /* complex cells allocated per grid buffer */
    /* per point */
    uint32_t *box;          /* (n, 2) box column, box row (kept apart: no division by nb
                               in the passes over the points) */
    float *wt;              /* (n, 6) Lagrange weights: 3 along x, then 3 along y */
    double *znear;          /* (n) the near field's shares of Z */
    uint32_t *order;        /* (n) points sorted by box row, by index within a row */
    uint32_t *row_start;    /* (nb + 1) the box rows' ranges in order */
    uint32_t *row_count;    /* (point chunks, nb) the points of each chunk in each box
                               row, then where the chunk's next one goes in order */
    double *extent;         /* (point chunks, 4) each chunk's lower and upper corners */
    FftPlans plans[FFT_MAX_PLANS];
    int next_plan;          /* the slot replaced when all are used */
};

static size_t fft_point_chunks(size_t n) { return (n + FFT_POINT_CHUNK - 1) / FFT_POINT_CHUNK; }

TsneFft *tsne_fft_new(size_t n)
{
    TsneFft *f = xcalloc(1, sizeof *f);
    f->n = n;
    f->box = xmalloc(2 * n * sizeof(uint32_t));
    f->wt = xmalloc_floats(6 * n);
    f->order = xmalloc(n * sizeof(uint32_t));
    f->extent = xmalloc(4 * fft_point_chunks(n) * sizeof(double));
    return f;
}

static void fft_plans_destroy(FftPlans *p)
{
    for (int h = 0; h <= FFT_ROWS; h++) {
        if (p->r2c[h])
            fftwf_destroy_plan(p->r2c[h]);
        if (p->c2r[h])
            fftwf_destroy_plan(p->c2r[h]);
    }
    for (int h = 0; h <= FFT_COLS; h++) {
        if (p->fwd[h])
            fftwf_destroy_plan(p->fwd[h]);
        if (p->bwd[h])
            fftwf_destroy_plan(p->bwd[h]);
    }
    memset(p, 0, sizeof *p);
}

static void fft_grid_free(TsneFft *f)
{
    for (int q = 0; q < FFT_OUTPUTS; q++) {
        free(f->real[q]);
        f->real[q] = NULL;
    }
    free(f->spec);
    f->spec = NULL;
    free(f->zpart);
    f->zpart = NULL;
    for (int q = 0; q < FFT_OUTPUTS; q++) {
        free(f->work[q]);
        f->work[q] = NULL;
    }
    for (int k = 0; k < FFT_KERNELS; k++) {
        free(f->kern[k]);
        f->kern[k] = NULL;
    }
    free(f->tspec);
    f->tspec = NULL;
    for (int q = 0; q < FFT_OUTPUTS; q++) {
        free(f->twork[q]);
        f->twork[q] = NULL;
    }
    f->cap = 0;
}

void tsne_fft_free(TsneFft *f)
{
    if (!f)
        return;
    for (int i = 0; i < FFT_MAX_PLANS; i++)
        fft_plans_destroy(&f->plans[i]);
    fft_grid_free(f);
    free(f->box);
    free(f->wt);
    free(f->znear);
    free(f->order);
    free(f->row_start);
    free(f->row_count);
    free(f->extent);
    tsne_near_free(f->near);
    free(f);
}

/* The smallest 7-smooth number (2^a 3^b 5^c 7^d) at least m. */
static int fft_smooth(int m)
{
    static const int primes[] = {2, 3, 5, 7};
    for (int v = m > 1 ? m : 1;; v++) {
        int r = v;
        for (int p = 0; p < 4; p++)
            while (r % primes[p] == 0)
                r /= primes[p];
        if (r == 1)
            return v;
    }
}

/* The largest interval width 2^(j / FFT_LADDER) at most v: widths change by steps, so
 * the kernels' spectra can be kept for many iterations. */
static double fft_rung(double v)
{
    int j = (int)floor(FFT_LADDER * log2(v > 1e-30 ? v : 1e-30));
    double h = exp2((double)j / FFT_LADDER);
    while (h > v) /* log2's rounding */
        h = exp2((double)--j / FFT_LADDER);
    return h;
}

/* Picks the grid for an embedding of extent w (the larger side) starting at lo. While
 * intervals of at most FFT_PURE_WIDTH take fewer than the split's count, the grid alone
 * (at least FFT_PURE_MIN intervals); beyond, FFT_SPLIT_C sqrt(n) intervals for the
 * far parts and a near field of FFT_SPLIT_RATIO intervals (which balances the cost of
 * the transforms against that of the near pairs, both growing with n). Returns 1 when
 * the transform length changed (buffers and plans to set up). */
static int fft_choose_grid(TsneFft *f, double w, const double lo[2])
{
    double m_split = fmax(FFT_MIN_INTERVALS, ceil(FFT_SPLIT_C * sqrt((double)f->n)));
    double m_pure = fmax(FFT_PURE_MIN, ceil(w / FFT_PURE_WIDTH));
    double h;
    int least;
    if (m_pure <= m_split) {
        h = fft_rung(fmin(FFT_PURE_WIDTH, w / FFT_PURE_MIN));
        f->radius = 0;
        least = FFT_PURE_MIN;
    } else {
        h = fft_rung(w / m_split);
        f->radius = FFT_SPLIT_RATIO * h;
        least = FFT_MIN_INTERVALS;
    }
    /* Every point strictly inside: one interval more than the extent needs. */
    double need = floor(w / h) + 1;
    int nb = fft_smooth(need > least ? (int)need : least);
    int len = 2 * FFT_POINTS * nb;
    int changed = len != f->len;
    f->nb = nb;
    f->n1 = FFT_POINTS * nb;
    f->len = len;
    f->h = h;
    for (int a = 0; a < 2; a++)
        f->lo[a] = lo[a];
    return changed;
}

static size_t fft_round_up(size_t v, size_t m) { return (v + m - 1) / m * m; }

static fftwf_complex *fft_alloc_complex(size_t cells)
{
    /* 64-byte aligned, so every batch of rows or columns starts as aligned as the one
     * the plans were made on (FFTW's condition for reusing a plan on other arrays). */
    return (fftwf_complex *)xmalloc_floats(2 * cells);
}

/* Buffers for the current length, zeroed; plans for it, made or found (NULL when
 * FFTW cannot plan, which it does not for these sizes). */
static FftPlans *fft_setup(TsneFft *f)
{
    int len = f->len;
    f->rs = fft_round_up((size_t)len, FFT_PAD_FLOATS);
    f->cs = fft_round_up((size_t)len / 2 + 1, FFT_PAD_FLOATS / 2);
    f->ts = fft_round_up((size_t)len, FFT_PAD_FLOATS / 2);
    /* len * cs >= (len/2 + 1) * ts: the transposed spectra fit the same cells */
    size_t cells = fft_round_up((size_t)len / 2 + 1, FFT_COLS) * f->ts;
    cells = cells > (size_t)len * f->cs ? cells : (size_t)len * f->cs;
    if (cells > f->cap) {
        fft_grid_free(f);
        for (int q = 0; q < FFT_OUTPUTS; q++)
            f->real[q] = xmalloc_floats(2 * cells); /* len * rs <= 2 * len * cs */
        f->spec = fft_alloc_complex(cells);
        f->tspec = fft_alloc_complex(cells);
        for (int q = 0; q < FFT_OUTPUTS; q++) {
            f->work[q] = fft_alloc_complex(cells);
            f->twork[q] = fft_alloc_complex(cells);
        }
        for (int k = 0; k < FFT_KERNELS; k++)
            f->kern[k] = xmalloc_floats(cells);
        f->cap = cells;
    }
    for (int q = 0; q < FFT_OUTPUTS; q++)
        memset(f->real[q], 0, (size_t)len * f->rs * sizeof(float));
    free(f->zpart);
    f->zpart = xmalloc(((size_t)len / 2 + 1 + FFT_COLS - 1) / FFT_COLS * sizeof(double));
    f->kernel_nb = 0;

    for (int i = 0; i < FFT_MAX_PLANS; i++)
        if (f->plans[i].len == len)
            return &f->plans[i];
    FftPlans *p = &f->plans[f->next_plan];
    f->next_plan = (f->next_plan + 1) % FFT_MAX_PLANS;
    fft_plans_destroy(p);
    p->len = len;
    int n[1] = {len};
    int rs = (int)f->rs, cs = (int)f->cs, ts = (int)f->ts;
    /* FFTW_ESTIMATE: the plan comes from FFTW's model, not from timings, so it is the
     * same every run (and the arrays are not touched while planning). */
    for (int h = 1; h <= FFT_ROWS; h++) {
        p->r2c[h] = fftwf_plan_many_dft_r2c(1, n, h, f->real[0], NULL, 1, rs, f->spec, NULL,
                                           1, cs, FFTW_ESTIMATE);
        p->c2r[h] = fftwf_plan_many_dft_c2r(1, n, h, f->work[0], NULL, 1, cs, f->real[0], NULL, 1,
                                           rs, FFTW_ESTIMATE);
    }
    for (int h = 1; h <= FFT_COLS; h++) {
        p->fwd[h] = fftwf_plan_many_dft(1, n, h, f->tspec, NULL, 1, ts, f->tspec, NULL, 1, ts,
                                       FFTW_FORWARD, FFTW_ESTIMATE);
        p->bwd[h] = fftwf_plan_many_dft(1, n, h, f->twork[0], NULL, 1, ts, f->twork[0], NULL, 1,
                                       ts, FFTW_BACKWARD, FFTW_ESTIMATE);
    }
    int ok = 1;
    for (int h = 1; h <= FFT_ROWS; h++)
        ok = ok && p->r2c[h] && p->c2r[h];
    for (int h = 1; h <= FFT_COLS; h++)
        ok = ok && p->fwd[h] && p->bwd[h];
    if (!ok) {
        fft_plans_destroy(p);
        f->len = 0;
        return NULL;
    }
    return p;
}

/* ---- the passes, each a pool task over the batches of several grids ---- */

/* One pass over `grids` grids at once (one hand-off to the threads for all of them):
 * the tasks are the batches of grid 0, then those of grid 1, and so on. */
typedef struct FftPass {
    TsneFft *f;
    const FftPlans *p;
    int grids;
    int rows;                          /* rows holding data: transformed (the others
                                          are zeros) */
    float *real[FFT_OUTPUTS];          /* each grid's real array */
    fftwf_complex *spec[FFT_OUTPUTS];  /* each grid's rows transformed */
    fftwf_complex *tspec[FFT_OUTPUTS]; /* each grid's spectrum, transposed */
    const float *kern[FFT_OUTPUTS];    /* backward: each grid's kernel */
    fftwf_complex *work[FFT_OUTPUTS];  /* backward: each grid's product */
    const float *y;                    /* (n, 2) */
    double *rep;                       /* gather: the repulsion (n, 2) out */
} FftPass;

static size_t fft_row_batches(size_t rows) { return (rows + FFT_ROWS - 1) / FFT_ROWS; }
static size_t fft_col_batches(const TsneFft *f)
{
    return ((size_t)f->len / 2 + 1 + FFT_COLS - 1) / FFT_COLS;
}

/* Batches b .. e-1 of FFT_ROWS rows over the rows holding data: real -> complex. */
static void fft_rows_forward(void *vctx, size_t b, size_t e, int worker)
{
    (void)worker;
    const FftPass *c = vctx;
    const TsneFft *f = c->f;
    size_t per = fft_row_batches((size_t)c->rows);
    for (size_t t = b; t < e; t++) {
        size_t g = t / per, r0 = t % per * FFT_ROWS;
        int h = c->rows - (int)r0 < FFT_ROWS ? c->rows - (int)r0 : FFT_ROWS;
        fftwf_execute_dft_r2c(c->p->r2c[h], c->real[g] + r0 * f->rs, c->spec[g] + r0 * f->cs);
    }
}

/* Column batches b .. e-1: the columns c0 .. c0+h-1 of the rows transformed (rows
 * 0 .. rows-1; zeros below), transposed into rows of tspec, then transformed there:
 * FFTW reads contiguous rows where it would copy strided columns. */
static void fft_cols_forward(void *vctx, size_t b, size_t e, int worker)
{
    (void)worker;
    const FftPass *c = vctx;
    const TsneFft *f = c->f;
    int ncols = f->len / 2 + 1;
    size_t rows = (size_t)c->rows, len = (size_t)f->len, per = fft_col_batches(f);
    for (size_t t = b; t < e; t++) {
        size_t g = t / per, c0 = t % per * FFT_COLS;
        int h = ncols - (int)c0 < FFT_COLS ? ncols - (int)c0 : FFT_COLS;
        fftwf_complex *dst = c->tspec[g] + c0 * f->ts;
        for (size_t r = 0; r < rows; r++) {
            const fftwf_complex *src = c->spec[g] + r * f->cs + c0;
            for (int j = 0; j < h; j++) {
                dst[(size_t)j * f->ts + r][0] = src[j][0];
                dst[(size_t)j * f->ts + r][1] = src[j][1];
            }
        }
        for (int j = 0; j < h; j++)
            memset(dst + (size_t)j * f->ts + rows, 0, (len - rows) * sizeof(fftwf_complex));
        fftwf_execute_dft(c->p->fwd[h], dst, dst);
    }
}

/* Z's grid part over the frequency kx (a row of the transposed spectrum s): sum of
 * K^ |s|^2 in 8 lanes; the columns 1 .. len/2 - 1 twice (they stand for their mirror
 * images too). */
static double fft_z_row(const TsneFft *f, const fftwf_complex *s, size_t kx)
{
    size_t len = (size_t)f->len;
    const float *k = f->kern[FFT_KERNELS - 1] + kx * f->ts;
    const fftwf_complex *v = s + kx * f->ts;
    double acc[8] = {0};
    for (size_t r = 0; r < len; r++)
        acc[r % 8] += (double)k[r] * ((double)v[r][0] * v[r][0] + (double)v[r][1] * v[r][1]);
    double z = 0;
    for (int a = 0; a < 8; a++)
        z += acc[a];
    return (kx == 0 || kx == len / 2 ? 1.0 : 2.0) * z;
}

/* Column batches b .. e-1: twork = kernel * spectrum (the kernels being imaginary,
 * i k s), backward in place, then its first n1 entries transposed back into the
 * columns of work; the batches of the first grid also take their share of Z. */
static void fft_cols_backward(void *vctx, size_t b, size_t e, int worker)
{
    (void)worker;
    const FftPass *c = vctx;
    const TsneFft *f = c->f;
    int ncols = f->len / 2 + 1;
    size_t len = (size_t)f->len, n1 = (size_t)f->n1, per = fft_col_batches(f);
    for (size_t t = b; t < e; t++) {
        size_t g = t / per, c0 = t % per * FFT_COLS;
        int h = ncols - (int)c0 < FFT_COLS ? ncols - (int)c0 : FFT_COLS;
        if (g == 0) {
            double z = 0;
            for (int j = 0; j < h; j++)
                z += fft_z_row(f, f->tspec, c0 + (size_t)j);
            f->zpart[t % per] = z;
        }
        for (int j = 0; j < h; j++) {
            size_t off = (c0 + (size_t)j) * f->ts;
            const float *k = c->kern[g] + off;
            const fftwf_complex *s = f->tspec + off;
            fftwf_complex *w = f->twork[g] + off;
            for (size_t r = 0; r < len; r++) {
                w[r][0] = -k[r] * s[r][1];
                w[r][1] = k[r] * s[r][0];
            }
        }
        fftwf_complex *tw = f->twork[g] + c0 * f->ts;
        fftwf_execute_dft(c->p->bwd[h], tw, tw);
        for (size_t r = 0; r < n1; r++) {
            fftwf_complex *dst = c->work[g] + r * f->cs + c0;
            for (int j = 0; j < h; j++) {
                dst[j][0] = tw[(size_t)j * f->ts + r][0];
                dst[j][1] = tw[(size_t)j * f->ts + r][1];
            }
        }
    }
}

/* Row batches b .. e-1 of the rows holding data: work rows -> real rows (the
 * potentials). */
static void fft_rows_backward(void *vctx, size_t b, size_t e, int worker)
{
    (void)worker;
    const FftPass *c = vctx;
    const TsneFft *f = c->f;
    size_t per = fft_row_batches((size_t)c->rows);
    for (size_t t = b; t < e; t++) {
        size_t g = t / per, r0 = t % per * FFT_ROWS;
        int h = c->rows - (int)r0 < FFT_ROWS ? c->rows - (int)r0 : FFT_ROWS;
        fftwf_execute_dft_c2r(c->p->c2r[h], c->work[g] + r0 * f->cs, c->real[g] + r0 * f->rs);
    }
}

/* The forward transforms of the pass's grids: rows, then columns. */
static void fft_forward(Pool *pool, FftPass *c)
{
    pool_for(pool, (size_t)c->grids * fft_row_batches((size_t)c->rows), 1, fft_rows_forward, c);
    pool_for(pool, (size_t)c->grids * fft_col_batches(c->f), 1, fft_cols_forward, c);
}

/* One kernel sampled on the grid of node offsets (fft_kernel_rows): kernel k, its far
 * part's polynomial (with a near field) computed once. */
typedef struct FftKernelFill {
    const TsneFft *f;
    int k;
    int power;           /* of g: 2 for the force kernels, 1 for Z's */
    double rho0;         /* R^2; 0: no near field */
    double c[3];         /* far polynomial below rho0 (tsne_far_coefficients) */
    double spacing;      /* of the nodes */
    double scale;        /* 1 / len^2 */
} FftKernelFill;

/* The kernel at the node offset (dx, dy): K^2 d_x, K^2 d_y or K, their far parts with a
 * near field (the values of tsne_far_kernel, its coefficients taken from kf). */
static double fft_kernel_at(const FftKernelFill *kf, double dx, double dy)
{
    double rho = dx * dx + dy * dy, g;
    if (kf->rho0 > 0 && rho < kf->rho0) {
        double t = rho - kf->rho0;
        g = kf->c[0] + t * (kf->c[1] + t * kf->c[2]);
    } else {
        g = 1.0 / (1.0 + rho);
        g = kf->power == 2 ? g * g : g;
    }
    return kf->k == 0 ? g * dx : kf->k == 1 ? g * dy : g;
}

/* Offset rows b .. e-1 (of 0 .. n1) of the kernel, into real[0] with their mirror images.
 * Circulant layout: offset a for a < n1, a - len above (the signed offsets -n1 < a < n1
 * are all that the charges' products reach). Offset n1, its own mirror image, is
 * reached by none: 0 there keeps the odd kernels odd. The kernels being even or odd
 * along each axis, the quadrant of offsets 0 .. n1 is computed and mirrored (with the
 * sign of the odd axis), exactly. Row r writes rows r and len - r only: tasks never
 * share a row. */
static void fft_kernel_rows(void *vctx, size_t b, size_t e, int worker)
{
    (void)worker;
    const FftKernelFill *kf = vctx;
    const TsneFft *f = kf->f;
    int len = f->len, n1 = f->n1, k = kf->k;
    float sx = k == 0 ? -1.0f : 1.0f, sy = k == 1 ? -1.0f : 1.0f;
    for (int r = (int)b; r < (int)e; r++) {
        float *row = f->real[0] + (size_t)r * f->rs;
        int mirrored = r > 0 && r < n1;
        float *mirror = mirrored ? f->real[0] + (size_t)(len - r) * f->rs : row; /* -r */
        for (int q = 0; q <= n1; q++) {
            int edge = (k == 0 && q == n1) || (k == 1 && r == n1);
            double v = edge ? 0.0 : fft_kernel_at(kf, kf->spacing * q, kf->spacing * r);
            float fv = (float)(v * kf->scale);
            row[q] = fv;
            if (q > 0 && q < n1)
                row[len - q] = sx * fv;
            if (mirrored) {
                mirror[q] = sy * fv;
                if (q > 0 && q < n1)
                    mirror[len - q] = sx * sy * fv;
            }
        }
    }
}

/* The spectra of the kernels (their far parts with a near field) on the node offsets
 * of the current grid, scaled by 1 / len^2 (FFTW's transforms are unnormalised). */
static void fft_kernels(TsneFft *f, Pool *pool, const FftPlans *p)
{
    int len = f->len, n1 = f->n1;
    FftPass c = {.f = f, .p = p, .grids = 1, .rows = len, .real = {f->real[0]},
                 .spec = {f->spec}, .tspec = {f->tspec}};
    for (int k = 0; k < FFT_KERNELS; k++) {
        FftKernelFill kf = {.f = f, .k = k, .power = k == FFT_KERNELS - 1 ? 1 : 2,
                            .rho0 = f->radius > 0 ? f->radius * f->radius : 0,
                            .spacing = f->h / FFT_POINTS,
                            .scale = 1.0 / ((double)len * (double)len)};
        if (kf.rho0 > 0)
            tsne_far_coefficients(kf.rho0, kf.power, kf.c);
        pool_for(pool, (size_t)n1 + 1, FFT_KERNEL_ROWS, fft_kernel_rows, &kf);
        fft_forward(pool, &c);
        /* An odd kernel's spectrum is imaginary, an even one's real: the other parts
         * are rounding only. */
        size_t cells = ((size_t)len / 2 + 1) * f->ts;
        int part = k == FFT_KERNELS - 1 ? 0 : 1;
        for (size_t t = 0; t < cells; t++)
            f->kern[k][t] = f->tspec[t][part];
    }
    memset(f->real[0], 0, (size_t)len * f->rs * sizeof(float));
    f->kernel_nb = f->nb;
    f->kernel_h = f->h;
    f->kernel_r = f->radius;
}

/* Lagrange weights of the FFT_POINTS nodes of an interval at local coordinate u (in
 * node spacings from the first node: u in [-1/2, FFT_POINTS - 1/2]). */
static void fft_lagrange(double u, float w[FFT_POINTS])
{
    w[0] = (float)((u - 1.0) * (u - 2.0) * 0.5);
    w[1] = (float)(-u * (u - 2.0));
    w[2] = (float)(u * (u - 1.0) * 0.5);
}

/* Points b .. e-1 (one chunk of FFT_POINT_CHUNK): box and weights, and the chunk's
 * count of points in each box row. */
static void fft_locate(void *vctx, size_t b, size_t e, int worker)
{
    (void)worker;
    const FftPass *c = vctx;
    TsneFft *f = c->f;
    uint32_t *count = f->row_count + b / FFT_POINT_CHUNK * (size_t)f->nb;
    memset(count, 0, (size_t)f->nb * sizeof(uint32_t));
    double inv = FFT_POINTS / f->h; /* node spacings per unit */
    for (size_t i = b; i < e; i++) {
        int cell[2];
        for (int a = 0; a < 2; a++) {
            double u = ((double)c->y[2 * i + a] - f->lo[a]) * inv;
            int bx = (int)floor(u / FFT_POINTS);
            bx = bx < 0 ? 0 : bx >= f->nb ? f->nb - 1 : bx;
            cell[a] = bx;
            fft_lagrange(u - 0.5 - (double)(FFT_POINTS * bx), f->wt + 6 * i + 3 * a);
        }
        f->box[2 * i] = (uint32_t)cell[0];
        f->box[2 * i + 1] = (uint32_t)cell[1];
        count[cell[1]]++;
    }
}

/* Box rows b .. e-1: each point's unit charge into the nodes of its box. A box row
 * owns its FFT_POINTS node rows, so tasks never write the same cell. */
static void fft_spread(void *vctx, size_t b, size_t e, int worker)
{
    (void)worker;
    const FftPass *c = vctx;
    TsneFft *f = c->f;
    for (size_t br = b; br < e; br++)
        for (uint32_t t = f->row_start[br]; t < f->row_start[br + 1]; t++) {
            uint32_t i = f->order[t];
            size_t bx = f->box[2 * (size_t)i];
            const float *wx = f->wt + 6 * (size_t)i, *wy = wx + 3;
            for (int a = 0; a < FFT_POINTS; a++) {
                float *node = f->real[0] + (br * FFT_POINTS + (size_t)a) * f->rs + bx * FFT_POINTS;
                for (int k = 0; k < FFT_POINTS; k++)
                    node[k] += wy[a] * wx[k];
            }
        }
}

/* Points b .. e-1: the FFT_OUTPUTS potentials, their repulsion, interpolated back from
 * their box. */
static void fft_gather(void *vctx, size_t b, size_t e, int worker)
{
    (void)worker;
    const FftPass *c = vctx;
    const TsneFft *f = c->f;
    for (size_t i = b; i < e; i++) {
        size_t bx = f->box[2 * i], by = f->box[2 * i + 1];
        const float *wx = f->wt + 6 * i, *wy = wx + 3;
        size_t off = by * FFT_POINTS * f->rs + bx * FFT_POINTS;
        /* in float: the potentials are floats, and the 9 weights are at most 9/8 */
        for (int s = 0; s < FFT_OUTPUTS; s++) {
            float v = 0;
            for (int a = 0; a < FFT_POINTS; a++) {
                const float *row = f->real[s] + off + (size_t)a * f->rs;
                v += wy[a] * (wx[0] * row[0] + wx[1] * row[1] + wx[2] * row[2]);
            }
            c->rep[2 * i + (size_t)s] = v;
        }
    }
}

/* Points b .. e-1 (one chunk of FFT_POINT_CHUNK): their place in order, the chunk's
 * next places in row_count. */
static void fft_place(void *vctx, size_t b, size_t e, int worker)
{
    (void)worker;
    const FftPass *c = vctx;
    TsneFft *f = c->f;
    uint32_t *next = f->row_count + b / FFT_POINT_CHUNK * (size_t)f->nb;
    for (size_t i = b; i < e; i++)
        f->order[next[f->box[2 * i + 1]]++] = (uint32_t)i;
}

/* The points sorted by box row, by index within a row (a stable counting sort, the
 * same order as one pass in index order): the chunks' counts (fft_locate) give each
 * chunk its first place in each row, then the chunks place their points at once. */
static void fft_sort_rows(TsneFft *f, Pool *pool, FftPass *c)
{
    size_t nb = (size_t)f->nb, chunks = fft_point_chunks(f->n);
    uint32_t at = 0;
    for (size_t r = 0; r < nb; r++) {
        f->row_start[r] = at;
        for (size_t k = 0; k < chunks; k++) {
            uint32_t count = f->row_count[k * nb + r];
            f->row_count[k * nb + r] = at;
            at += count;
        }
    }
    f->row_start[nb] = at;
    pool_for(pool, f->n, FFT_POINT_CHUNK, fft_place, c);
}

/* Points b .. e-1 (one chunk of FFT_POINT_CHUNK): their lower and upper corners. */
static void fft_extent_chunk(void *vctx, size_t b, size_t e, int worker)
{
    (void)worker;
    const FftPass *c = vctx;
    double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
    for (size_t i = b; i < e; i++)
        for (int a = 0; a < 2; a++) {
            double v = c->y[2 * i + a];
            lo[a] = v < lo[a] ? v : lo[a];
            hi[a] = v > hi[a] ? v : hi[a];
        }
    double *out = c->f->extent + 4 * (b / FFT_POINT_CHUNK);
    out[0] = lo[0];
    out[1] = lo[1];
    out[2] = hi[0];
    out[3] = hi[1];
}

/* The embedding's lower and upper corners (minima and maxima: the same in any order),
 * by chunks on the pool. Infinite when there are no points. */
static void fft_extent(TsneFft *f, Pool *pool, const float *y, double lo[2], double hi[2])
{
    FftPass c = {.f = f, .y = y};
    pool_for(pool, f->n, FFT_POINT_CHUNK, fft_extent_chunk, &c);
    lo[0] = lo[1] = INFINITY;
    hi[0] = hi[1] = -INFINITY;
    for (size_t k = 0; k < fft_point_chunks(f->n); k++)
        for (int a = 0; a < 2; a++) {
            const double *v = f->extent + 4 * k;
            lo[a] = v[a] < lo[a] ? v[a] : lo[a];
            hi[a] = v[2 + a] > hi[a] ? v[2 + a] : hi[a];
        }
}

int tsne_fft_repulsion(TsneFft *f, Pool *pool, const float *y, double *rep, double *zsum,
                       Err *e)
{
    size_t n = f->n;
    double lo[2], hi[2], lo_near[2];
    fft_extent(f, pool, y, lo, hi);
    lo_near[0] = lo[0];
    lo_near[1] = lo[1];
    double w = fmax(hi[0] - lo[0], hi[1] - lo[1]);
    if (!(w > 0) || !isfinite(w))
        w = 1e-6; /* all points at one place (or diverged): any grid does */
    if (!isfinite(lo[0]) || !isfinite(lo[1]))
        lo[0] = lo[1] = 0;
    int changed = fft_choose_grid(f, w, lo);
    FftPlans *p = NULL;
    if (changed || !f->real[0]) {
        p = fft_setup(f);
        free(f->row_start);
        f->row_start = xmalloc(((size_t)f->nb + 1) * sizeof(uint32_t));
        free(f->row_count);
        f->row_count = xmalloc(fft_point_chunks(n) * (size_t)f->nb * sizeof(uint32_t));
    } else {
        for (int s = 0; s < FFT_MAX_PLANS; s++)
            if (f->plans[s].len == f->len)
                p = &f->plans[s];
    }
    if (!p)
        return err_set(e, _("FFTW could not plan transforms of length %d; use method bh"), f->len);
    if (f->kernel_nb != f->nb || f->kernel_h != f->h || f->kernel_r != f->radius)
        fft_kernels(f, pool, p);
    FftPass c = {.f = f, .p = p, .y = y, .rep = rep};

    /* Boxes and weights, then the points sorted by box row. */
    pool_for(pool, n, FFT_POINT_CHUNK, fft_locate, &c);
    fft_sort_rows(f, pool, &c);
    size_t nb = (size_t)f->nb;

    /* Charges on the nodes: the first n1 x n1 corner of a zero grid (the backward pass
     * of the last call left potentials in its first n1 rows). */
    memset(f->real[0], 0, (size_t)f->n1 * f->rs * sizeof(float));
    pool_for(pool, nb, 1, fft_spread, &c);
    /* Forward: the rows holding charges (rows n1 .. len-1 of the spectrum hold none:
     * zeroed), then every column. */
    c.grids = 1;
    c.rows = f->n1;
    c.real[0] = f->real[0];
    c.spec[0] = f->spec;
    c.tspec[0] = f->tspec;
    fft_forward(pool, &c);
    /* Backward, the two force kernels at once: product and columns (and Z's shares),
     * then the n1 rows of nodes, each into its own grid (the charges' grid is free
     * now); then both read at the points at once. */
    c.grids = FFT_OUTPUTS;
    for (int s = 0; s < FFT_OUTPUTS; s++) {
        c.kern[s] = f->kern[s];
        c.work[s] = f->work[s];
        c.real[s] = f->real[s];
    }
    pool_for(pool, (size_t)FFT_OUTPUTS * fft_col_batches(f), 1, fft_cols_backward, &c);
    pool_for(pool, (size_t)FFT_OUTPUTS * fft_row_batches((size_t)f->n1), 1, fft_rows_backward, &c);
    pool_for(pool, n, FFT_POINT_CHUNK, fft_gather, &c);
    /* Z: the grid's sum over the pairs, every point counting itself (K(0) = 1, from the
     * grid alone or, with a near field, from the grid's far(0) and the near field's
     * 1 - far(0)), so less n; the near field's shares summed in index order. */
    double zs = 0;
    for (size_t t = 0; t < fft_col_batches(f); t++)
        zs += f->zpart[t];
    zs -= (double)n;
    if (f->radius > 0) {
        if (!f->near)
            f->near = tsne_near_new(n);
        if (!f->znear)
            f->znear = xmalloc(n * sizeof(double));
        memset(f->znear, 0, n * sizeof(double));
        tsne_near_add(f->near, pool, y, lo_near, hi, f->radius, rep, f->znear);
        for (size_t i = 0; i < n; i++)
            zs += f->znear[i];
    }
    *zsum = zs;
    return 0;
}

void tsne_fft_grid(const TsneFft *f, int *intervals, double *width, double *radius)
{
    *intervals = f->nb;
    *width = f->h;
    *radius = f->radius;
}
