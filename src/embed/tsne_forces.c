/* tsne_forces.c: the t-SNE gradient: a repulsion (Barnes-Hut, FFT interpolation or
 * exact), the normaliser Z, and the attraction along P's entries.
 *
 * The attraction needs nothing of the repulsion: it is started as the pool's
 * background job before the repulsion, so the workers take its rows in the gaps
 * between the repulsion's passes (and while the caller runs their serial parts), and
 * joined after it. Then one pass over the points makes each gradient from the two and
 * Z, and runs the descent's step on it (tsne_forces_step), keeping the positions by
 * place (below) up to date.
 *
 * The attraction reads P from a copy of its own, packed at the first call and again
 * after each renumbering (tsne_forces_p_changed, or tsne_forces_renumbered when the
 * caller renumbered its points but not P), on the pool: each row cut into blocks of 16
 * entries, a block holding the 16 column indices then the 16 values (128 bytes, two
 * cache lines), the row's last block padded with massless entries of the point
 * itself. So every block is whole: no tail to assemble lane by lane (which stalls:
 * narrow stores cannot forward to one wide load), and one stream instead of two.
 *
 * Each block is one 16-lane step, entry a of a block always in lane a: in one 512-bit
 * vector on AVX-512, in two 8-lane halves on AVX2 and in the portable code. Lane a
 * accumulates in float the forces of entries a, a + 16, ... of its row, then the 16
 * lanes are added in double by the same fixed tree on every path; without FMA
 * contraction (ISO C mode) each operation rounds the same everywhere, so every path
 * gives the same bits, and nothing depends on the thread count: Z is summed in index
 * order, each row's sums are its own.
 *
 * The KL (every 50 iterations) is summed in the attraction's own pass, which has
 * each entry's 1 + d^2 at hand: -sum p log q = sum p log(1 + d^2) + log Z sum p, so
 * it needs no Z until the end. The logarithm is a vector one in float (f_log8f; sum
 * p log p, once per phase, in double by f_log4), not libm's scalar log. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tsne_internal.h"
#include "untangle/core/cpu.h"
#include "untangle/core/i18n.h"
#include "untangle/core/xalloc.h"

#define F_LANES 16             /* entries per block, lanes per step */
#define F_HALF 8               /* floats per AVX2 vector */
#define F_CHUNK 256            /* rows per task of the packing */
#define F_BG_CHUNK 128         /* rows per task of the attraction (a background job: a
                                  worker finishes one, some 10 us, before joining the
                                  repulsion's next pass) */
#define F_STEP_CHUNK 1024      /* points per task of the gradient and step */
#define F_TINY 1.17549435e-38  /* float32's smallest normal: floor of p in the KL */
#define F_GRAD_FACTOR 4.0      /* 2 (dof + 1) / dof for the Student-t with dof 1 */

/* The attraction has AVX-512, AVX2 and portable versions chosen by cpu_isa_here()
 * (f_attract); the KL's loops get an AVX2 version chosen at run time. F_AVX512: GCC
 * on x86-64, whose target attributes the wide versions need. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define F_KERNEL __attribute__((target_clones("avx2", "default")))
#define F_AVX512 1
#else
#define F_KERNEL
#define F_AVX512 0
#endif

typedef float v8f __attribute__((vector_size(F_HALF * sizeof(float))));
typedef double v4d __attribute__((vector_size(F_HALF * sizeof(float))));
typedef int32_t v8i __attribute__((vector_size(F_HALF * sizeof(float))));
typedef uint64_t v4u __attribute__((vector_size(F_HALF * sizeof(float))));
typedef int64_t v4l __attribute__((vector_size(F_HALF * sizeof(float))));
typedef uint32_t v8u __attribute__((vector_size(F_HALF * sizeof(float))));

/* Block k + F_AHEAD (both its lines) on its way to the cache while block k is
 * summed, when there is one (of nb): the hardware's stream prefetch stops at each
 * 4 KB page (32 blocks), and the attraction stalled on the first load of a block
 * (some 17 % of its time on Zen 4; 32 blocks ahead took a fifth off it). */
#define F_AHEAD 32
#define F_PREFETCH(blk, k, nb)                                                              \
    do {                                                                                    \
        const char *f_ahead_ = (const char *)((blk) + ((k) + F_AHEAD < (nb) ? (k) + F_AHEAD \
                                                                           : (k)));         \
        __builtin_prefetch(f_ahead_);                                                       \
        __builtin_prefetch(f_ahead_ + 64);                                                  \
    } while (0)

/* One block of a row: entry a is p_{i col[a]} = val[a]. */
typedef struct FBlock {
    uint32_t col[F_LANES];
    float val[F_LANES];
} FBlock;

struct TsneForces {
    size_t n;
    TsneMethod method;
    double angle;
    TsneBh *bh;
    TsneFft *fft;
    double *rep;     /* (n, 2) repulsion, unnormalised */
    double *z;       /* (n) per-point share of Z (Barnes-Hut) */
    double *klrow;   /* (n) per-row KL terms */
    double *attr;    /* (n, 2) attraction sums sum_j p_ij q_ij (y_i - y_j), by point */
    /* P packed in blocks (see the top), its points renumbered along the map: the row
     * at place r is P's row perm[r], its blocks rowblk[r] .. rowblk[r+1]-1, their
     * columns places; place is perm's inverse, yp (n, 2) the positions by place. */
    FBlock *blk;
    size_t *rowblk;  /* (n + 1) */
    size_t blk_cap;  /* blocks allocated */
    uint32_t *perm, *place; /* (n) each */
    float *yp;
    int identity;    /* perm is the identity: yp unused, the caller's y read */
    const float *yp_of; /* the caller's y that yp holds (a step kept it so); NULL: none */
    uint32_t *numbering; /* (n) P's point of each of the caller's, or NULL: the same */
    const uint32_t *packed_col; /* the P arrays blk was made from; NULL: pack again */
    const float *packed_val;
    CpuIsa isa;      /* the attraction's path: AVX-512, AVX2 or portable */
    /* sum p log p over P's entries, P times plogp_exaggeration; valid when plogp_set */
    double plogp, plogp_exaggeration, ptotal; /* ptotal: sum of P, exaggerated */
    int plogp_set;
};

TsneForces *tsne_forces_new(size_t n, TsneMethod method, double angle)
{
    TsneForces *f = xcalloc(1, sizeof *f);
    f->n = n;
    f->method = method;
    f->angle = method == TSNE_METHOD_EXACT ? 0.0 : angle;
    if (method == TSNE_METHOD_FFT)
        f->fft = tsne_fft_new(n);
    else
        f->bh = tsne_bh_new(n);
    f->rep = xmalloc(2 * n * sizeof(double));
    f->z = xmalloc(n * sizeof(double));
    f->klrow = xmalloc(n * sizeof(double));
    f->attr = xmalloc(2 * n * sizeof(double));
    f->rowblk = xmalloc((n + 1) * sizeof(size_t));
    f->perm = xmalloc(n * sizeof(uint32_t));
    f->place = xmalloc(n * sizeof(uint32_t));
    f->yp = xmalloc_floats(2 * n);
    f->isa = cpu_isa_here();
    return f;
}

void tsne_forces_free(TsneForces *f)
{
    if (!f)
        return;
    tsne_bh_free(f->bh);
    tsne_fft_free(f->fft);
    free(f->rep);
    free(f->z);
    free(f->klrow);
    free(f->attr);
    free(f->blk);
    free(f->rowblk);
    free(f->perm);
    free(f->place);
    free(f->numbering);
    free(f->yp);
    free(f);
}

const TsneFft *tsne_forces_fft(const TsneForces *f) { return f->fft; }

void tsne_forces_p_changed(TsneForces *f)
{
    f->packed_col = NULL; /* renumbered: sum p log p stays */
    f->yp_of = NULL;
}

void tsne_forces_renumbered(TsneForces *f, const uint32_t *numbering)
{
    if (!f->numbering)
        f->numbering = xmalloc(f->n * sizeof(uint32_t));
    memcpy(f->numbering, numbering, f->n * sizeof(uint32_t));
    tsne_forces_p_changed(f);
}

CpuIsa tsne_forces_use_isa(TsneForces *f, CpuIsa isa)
{
    CpuIsa here = cpu_isa_here();
    f->isa = isa < here ? isa : here;
    return f->isa;
}

static size_t f_row_blocks(const TsneSparseP *P, size_t i)
{
    return (P->rowptr[i + 1] - P->rowptr[i] + F_LANES - 1) / F_LANES;
}

/* perm and place: the points along a Z-order curve of y (n, 2). */
static void f_renumber(TsneForces *f, const float *y)
{
    size_t n = f->n;
    double *yd = xmalloc(2 * n * sizeof(double));
    for (size_t t = 0; t < 2 * n; t++)
        yd[t] = (double)y[t];
    tsne_spatial_order(yd, n, f->perm);
    free(yd);
    f->identity = 1;
    for (size_t r = 0; r < n; r++) {
        f->place[f->perm[r]] = (uint32_t)r;
        f->identity &= f->perm[r] == r;
    }
}

/* What the packing passes over rows share: P row of each place's point, and the
 * place of each of P's columns. */
typedef struct PackCtx {
    TsneForces *f;
    const TsneSparseP *P;
    const uint32_t *prow;  /* (n) P's row of the point at each place */
    const uint32_t *pcol;  /* (n) the place of each of P's points */
} PackCtx;

/* The blocks of places b .. e-1 (rowblk already set). */
static void f_pack_rows(void *vctx, size_t b, size_t e, int worker)
{
    const PackCtx *c = vctx;
    TsneForces *f = c->f;
    const TsneSparseP *P = c->P;
    (void)worker;
    for (size_t r = b; r < e; r++) {
        size_t i = c->prow[r], t = P->rowptr[i], t1 = P->rowptr[i + 1];
        for (size_t k = f->rowblk[r]; k < f->rowblk[r + 1]; k++) {
            FBlock *q = &f->blk[k];
            for (int a = 0; a < F_LANES; a++, t++) {
                q->col[a] = t < t1 ? c->pcol[P->col[t]] : (uint32_t)r;
                q->val[a] = t < t1 ? P->val[t] : 0.0f;
            }
        }
    }
}

/* blk and rowblk from P, renumbered for y: each row's entries in P's order (so the
 * sums do not depend on the numbering), 16 to a block, the last block filled up with
 * massless entries of the point itself. The caller's point d is P's point
 * f->numbering[d] (the identity when NULL). */
static void f_pack(TsneForces *f, Pool *pool, const TsneSparseP *P, const float *y)
{
    size_t n = f->n, nb = 0;
    f_renumber(f, y);
    uint32_t *prow = xmalloc(n * sizeof(uint32_t)), *pcol = xmalloc(n * sizeof(uint32_t));
    for (size_t r = 0; r < n; r++) {
        uint32_t d = f->perm[r], i = f->numbering ? f->numbering[d] : d;
        prow[r] = i;
        pcol[i] = (uint32_t)r;
    }
    for (size_t r = 0; r < n; r++) {
        f->rowblk[r] = nb;
        nb += f_row_blocks(P, prow[r]);
    }
    f->rowblk[n] = nb;
    if (nb > f->blk_cap) {
        free(f->blk);
        /* 64-byte aligned: a block is two whole cache lines */
        f->blk = (FBlock *)(void *)xmalloc_floats(nb * (sizeof(FBlock) / sizeof(float)));
        f->blk_cap = nb;
    }
    PackCtx c = {f, P, prow, pcol};
    pool_for(pool, n, F_CHUNK, f_pack_rows, &c);
    free(prow);
    free(pcol);
    f->packed_col = P->col;
    f->packed_val = P->val;
    f->yp_of = NULL;
}

typedef struct AttractCtx {
    TsneForces *f;
    const float *y;        /* (n, 2) by place */
    double exaggeration;
    int want_kl;           /* also each row's sum p log(1 + d^2), into klrow */
} AttractCtx;

/* log x for positive normal doubles, 4 at a time: x = 2^e m with m in [sqrt(1/2),
 * sqrt(2)) (the offset added to x's bits carries into the exponent exactly when m
 * would reach sqrt(2)), log m = 2 atanh(s) with s = (m - 1) / (m + 1), |s| < 0.172,
 * by its series to s^15 (relative error below 1e-13). Only shifts, masks and
 * arithmetic that AVX2 has for 64-bit lanes. */
static inline __attribute__((always_inline)) void f_log4(v4d *xp)
{
    v4d x = *xp;
    const uint64_t sqrt_half = 0x3fe6a09e667f3bcdULL; /* bits of sqrt(1/2) */
    v4u bits;
    memcpy(&bits, &x, sizeof bits);
    v4u ix = bits + (0x3ff0000000000000ULL - sqrt_half);
    v4u mb = (ix & 0x000fffffffffffffULL) + sqrt_half;
    /* the biased exponent into the mantissa of 2^52, then 2^52 and the bias taken off */
    v4u eb = (ix >> 52) | 0x4330000000000000ULL;
    v4d m, e;
    memcpy(&m, &mb, sizeof m);
    memcpy(&e, &eb, sizeof e);
    e -= 4503599627370496.0 + 1023.0;
    v4d s = (m - 1.0) / (m + 1.0), z = s * s;
    v4d poly = (v4d){0} + 2.0 / 15;
    poly = 2.0 / 13 + z * poly;
    poly = 2.0 / 11 + z * poly;
    poly = 2.0 / 9 + z * poly;
    poly = 2.0 / 7 + z * poly;
    poly = 2.0 / 5 + z * poly;
    poly = 2.0 / 3 + z * poly;
    poly = 2.0 + z * poly;
    *xp = e * 0.6931471805599453 + s * poly;
}

/* log x for positive normal floats, 8 at a time: f_log4's method in float, with the
 * series to s^9 (relative error below 1e-7, float's own): the KL's terms, whose sum
 * is printed to 4 digits, need no more. */
static inline __attribute__((always_inline)) void f_log8f(v8f *xp)
{
    const uint32_t sqrt_half = 0x3f3504f3u; /* bits of sqrt(1/2) */
    v8u bits;
    memcpy(&bits, xp, sizeof bits);
    v8u ix = bits + (0x3f800000u - sqrt_half);
    v8u mb = (ix & 0x007fffffu) + sqrt_half;
    v8f m, e = __builtin_convertvector((v8i)(ix >> 23) - 127, v8f);
    memcpy(&m, &mb, sizeof m);
    v8f s = (m - 1.0f) / (m + 1.0f), z = s * s;
    v8f poly = (v8f){0} + 2.0f / 9;
    poly = 2.0f / 7 + z * poly;
    poly = 2.0f / 5 + z * poly;
    poly = 2.0f / 3 + z * poly;
    poly = 2.0f + z * poly;
    *xp = e * 0.693147181f + s * poly;
}

/* the low and high four lanes of a v8f, in double */
#define F_LO4(v) __builtin_convertvector(__builtin_shufflevector(v, v, 0, 1, 2, 3), v4d)
#define F_HI4(v) __builtin_convertvector(__builtin_shufflevector(v, v, 4, 5, 6, 7), v4d)

/* The 16 lanes' sum in double, by the tree every path uses: lanes a and a + 8, then
 * a and a + 4, a and a + 2, and the last two. */
static double f_tree16(const float l[F_LANES])
{
    double s8[8], s4[4];
    for (int a = 0; a < 8; a++)
        s8[a] = (double)l[a] + (double)l[a + 8];
    for (int a = 0; a < 4; a++)
        s4[a] = s8[a] + s8[a + 4];
    return (s4[0] + s4[2]) + (s4[1] + s4[3]);
}

/* The attraction sums (sx, sy) of the point at place r. */
static inline void f_finish_row(const AttractCtx *c, size_t r, double sx, double sy)
{
    size_t i = c->f->perm[r];
    c->f->attr[2 * i] = sx;
    c->f->attr[2 * i + 1] = sy;
}

/* The KL's terms of eight entries: p log w (w = 1 + d^2) into kacc[0..1], in double. */
static inline __attribute__((always_inline)) void f_kl_terms(v8f lp, v8f w, v4d kacc[2])
{
    f_log8f(&w);
    kacc[0] += F_LO4(lp) * F_LO4(w);
    kacc[1] += F_HI4(lp) * F_HI4(w);
}

/* Eight entries (columns cj, values pv) of the row at (px, py) into (ax, ay), and with
 * kl their KL terms into kacc[0..1]. */
static inline __attribute__((always_inline)) void f_half(const float *y, const uint32_t *cj,
                                                         const float *pv, v8f px, v8f py,
                                                         v8f *ax, v8f *ay, int kl, v4d *kacc)
{
    /* Each neighbour's (x, y) as one 8-byte load, four to a vector (a: the neighbours
     * 0 1 4 5, b: 2 3 6 7), then split into the x and y lanes in order by one shuffle
     * each: half the loads and inserts of building the two vectors float by float. */
    double q[F_HALF];
    for (int a = 0; a < F_HALF; a++)
        memcpy(&q[a], y + 2 * (size_t)cj[a], sizeof q[a]);
    v8f pa = (v8f)(v4d){q[0], q[1], q[4], q[5]}, pb = (v8f)(v4d){q[2], q[3], q[6], q[7]};
    v8f lx = __builtin_shufflevector(pa, pb, 0, 2, 8, 10, 4, 6, 12, 14);
    v8f ly = __builtin_shufflevector(pa, pb, 1, 3, 9, 11, 5, 7, 13, 15);
    v8f lp;
    memcpy(&lp, pv, sizeof lp);
    v8f dx = px - lx, dy = py - ly;
    v8f w = 1.0f + dx * dx + dy * dy;
    v8f pq = lp / w;
    *ax += pq * dx;
    *ay += pq * dy;
    if (kl)
        f_kl_terms(lp, w, kacc);
}

/* The KL's sum of a row from its accumulators (kacc[0..1] lanes 0-7, kacc[2..3] lanes
 * 8-15), by the same tree on every path. */
static inline double f_kl_sum(const v4d kacc[4])
{
    v4d s4 = (kacc[0] + kacc[2]) + (kacc[1] + kacc[3]);
    return (s4[0] + s4[2]) + (s4[1] + s4[3]);
}

/* The attraction of rows b .. e-1 in two 8-lane halves per block; compiled twice,
 * for AVX2 and portable (f_rows_avx2, f_rows_portable). */
static inline __attribute__((always_inline)) void f_rows_v8_kl(const AttractCtx *c, size_t b,
                                                               size_t e, int kl)
{
    const float *y = c->y;
    const FBlock *blk = c->f->blk;
    const size_t *rowblk = c->f->rowblk;
    const size_t nb = rowblk[c->f->n];
    for (size_t r = b; r < e; r++) {
        const v8f px = (v8f){0} + y[2 * r], py = (v8f){0} + y[2 * r + 1];
        v8f ax0 = {0}, ay0 = {0}, ax1 = {0}, ay1 = {0};
        v4d kacc[4] = {{0}, {0}, {0}, {0}};
        for (size_t k = rowblk[r]; k < rowblk[r + 1]; k++) {
            F_PREFETCH(blk, k, nb);
            f_half(y, blk[k].col, blk[k].val, px, py, &ax0, &ay0, kl, kacc);
            f_half(y, blk[k].col + F_HALF, blk[k].val + F_HALF, px, py, &ax1, &ay1, kl,
                   kacc + 2);
        }
        if (kl)
            c->f->klrow[c->f->perm[r]] = f_kl_sum(kacc);
        float lx[F_LANES], ly[F_LANES];
        memcpy(lx, &ax0, sizeof ax0);
        memcpy(lx + F_HALF, &ax1, sizeof ax1);
        memcpy(ly, &ay0, sizeof ay0);
        memcpy(ly + F_HALF, &ay1, sizeof ay1);
        f_finish_row(c, r, f_tree16(lx), f_tree16(ly));
    }
}

static inline __attribute__((always_inline)) void f_rows_v8(const AttractCtx *c, size_t b,
                                                            size_t e)
{
    if (c->want_kl)
        f_rows_v8_kl(c, b, e, 1);
    else
        f_rows_v8_kl(c, b, e, 0);
}

static void f_rows_portable(const AttractCtx *c, size_t b, size_t e) { f_rows_v8(c, b, e); }

#if F_AVX512
__attribute__((target("avx2"))) static void f_rows_avx2(const AttractCtx *c, size_t b, size_t e)
{
    f_rows_v8(c, b, e);
}
#endif

#if F_AVX512
#include <immintrin.h>

/* Not instrumented by AddressSanitizer: its fake stack frames (detect_stack_use_after_return)
 * are aligned to 32 bytes only, and the 512-bit code keeps 64-byte aligned locals, whose
 * aligned stores then fault in the sanitizer build alone. */
#define F_TARGET_512 __attribute__((target("avx512f"), no_sanitize_address))

/* f_tree16 on one 512-bit vector, the same additions in the same order. */
static inline __attribute__((always_inline)) F_TARGET_512 double f_tree16_512(__m512 v)
{
    __m512d lo = _mm512_cvtps_pd(_mm512_castps512_ps256(v));
    __m512d hi = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
    __m512d s8 = _mm512_add_pd(lo, hi);
    __m256d s4 = _mm256_add_pd(_mm512_castpd512_pd256(s8), _mm512_extractf64x4_pd(s8, 1));
    __m128d s2 = _mm_add_pd(_mm256_castpd256_pd128(s4), _mm256_extractf128_pd(s4, 1));
    return s2[0] + s2[1];
}

/* The attraction of rows b .. e-1, a block per step: the 16 neighbours' (x, y) pairs
 * as 8-byte loads into two vectors of 8, split into x and y lanes by one permute
 * each. Measured on Zen 4, slower: two hardware gathers (vgatherdpd) instead of the
 * loads (1.9 times the time), the pairs merged by masked broadcasts or by
 * load-high instructions, and a reciprocal estimate with a Newton step instead of
 * the division (the loads, not the divider, set the pace). */
static inline __attribute__((always_inline)) F_TARGET_512 void
f_rows_avx512_kl(const AttractCtx *c, size_t b, size_t e, int kl)
{
    const float *y = c->y;
    const FBlock *blk = c->f->blk;
    const size_t *rowblk = c->f->rowblk;
    const size_t nb = rowblk[c->f->n];
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26,
                                           28, 30);
    const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
    const __m512 one = _mm512_set1_ps(1.0f);
    for (size_t r = b; r < e; r++) {
        const __m512 px = _mm512_set1_ps(y[2 * r]), py = _mm512_set1_ps(y[2 * r + 1]);
        __m512 ax = _mm512_setzero_ps(), ay = _mm512_setzero_ps();
        v4d kacc[4] = {{0}, {0}, {0}, {0}};
        for (size_t k = rowblk[r]; k < rowblk[r + 1]; k++) {
            const uint32_t *cj = blk[k].col;
            F_PREFETCH(blk, k, nb);
            double t[F_LANES];
            for (int a = 0; a < F_LANES; a++)
                memcpy(&t[a], y + 2 * (size_t)cj[a], sizeof t[a]);
            __m512d q0 = _mm512_setr_pd(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7]);
            __m512d q1 = _mm512_setr_pd(t[8], t[9], t[10], t[11], t[12], t[13], t[14], t[15]);
            __m512 lx = _mm512_permutex2var_ps(_mm512_castpd_ps(q0), even, _mm512_castpd_ps(q1));
            __m512 ly = _mm512_permutex2var_ps(_mm512_castpd_ps(q0), odd, _mm512_castpd_ps(q1));
            __m512 dx = _mm512_sub_ps(px, lx), dy = _mm512_sub_ps(py, ly);
            __m512 d2 = _mm512_add_ps(_mm512_add_ps(one, _mm512_mul_ps(dx, dx)),
                                      _mm512_mul_ps(dy, dy));
            __m512 lp = _mm512_load_ps(blk[k].val);
            __m512 pq = _mm512_div_ps(lp, d2);
            ax = _mm512_add_ps(ax, _mm512_mul_ps(pq, dx));
            ay = _mm512_add_ps(ay, _mm512_mul_ps(pq, dy));
            if (kl) { /* lanes 0-7 and 8-15 as the two halves of the other paths */
                f_kl_terms((v8f)_mm512_castps512_ps256(lp), (v8f)_mm512_castps512_ps256(d2), kacc);
                f_kl_terms((v8f)_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(lp), 1)),
                           (v8f)_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(d2), 1)),
                           kacc + 2);
            }
        }
        f_finish_row(c, r, f_tree16_512(ax), f_tree16_512(ay));
        if (kl)
            c->f->klrow[c->f->perm[r]] = f_kl_sum(kacc);
    }
}

F_TARGET_512 static void f_rows_avx512(const AttractCtx *c, size_t b, size_t e)
{
    if (c->want_kl)
        f_rows_avx512_kl(c, b, e, 1);
    else
        f_rows_avx512_kl(c, b, e, 0);
}
#endif

/* sum p log p over P's blocks (p times the exaggeration; the padding's zeros, and
 * entries below F_TINY, add nothing), lanes summed by a fixed tree. */
F_KERNEL static double f_plogp(const TsneForces *f, double exaggeration, double *total)
{
    v4d acc = {0}, sum = {0};
    for (size_t k = 0; k < f->rowblk[f->n]; k++)
        for (int h = 0; h < F_LANES; h += F_HALF) {
            v8f lp;
            memcpy(&lp, f->blk[k].val + h, sizeof lp);
            v4d p[2] = {F_LO4(lp) * exaggeration, F_HI4(lp) * exaggeration};
            for (int g = 0; g < 2; g++) {
                v4l tiny = p[g] < F_TINY;
                v4d one = (v4d){0} + 1.0; /* log 1 = 0: no term */
                v4d q = (v4d)(((v4l)one & tiny) | ((v4l)p[g] & ~tiny));
                v4d t = q;
                f_log4(&t);
                acc += q * t;
                sum += p[g];
            }
        }
    *total = (sum[0] + sum[2]) + (sum[1] + sum[3]);
    return (acc[0] + acc[2]) + (acc[1] + acc[3]);
}

/* The attraction sums of rows b .. e-1. */
static void f_attract(void *vctx, size_t b, size_t e, int worker)
{
    const AttractCtx *c = vctx;
    (void)worker;
#if F_AVX512
    if (c->f->isa >= CPU_ISA_AVX512)
        f_rows_avx512(c, b, e);
    else if (c->f->isa == CPU_ISA_AVX2)
        f_rows_avx2(c, b, e);
    else
#endif
        f_rows_portable(c, b, e);
}

/* The last pass over points: the gradient from the attraction, the repulsion and Z,
 * then the caller's step, then the moved points into yp. */
typedef struct CombineCtx {
    TsneForces *f;
    const float *y;        /* (n, 2) the caller's */
    double exaggeration, zinv;
    double *grad;          /* (n, 2) */
    const TsneStep *step;  /* or NULL */
} CombineCtx;

static void f_combine(void *vctx, size_t b, size_t e, int worker)
{
    const CombineCtx *c = vctx;
    const TsneForces *f = c->f;
    (void)worker;
    for (size_t t = 2 * b; t < 2 * e; t++)
        c->grad[t] = F_GRAD_FACTOR * (c->exaggeration * f->attr[t] - f->rep[t] * c->zinv);
    if (!c->step)
        return;
    c->step->fn(c->step->ctx, b, e);
    if (!f->identity)
        for (size_t i = b; i < e; i++) {
            f->yp[2 * (size_t)f->place[i]] = c->y[2 * i];
            f->yp[2 * (size_t)f->place[i] + 1] = c->y[2 * i + 1];
        }
}

/* The positions by place: copied from the caller's y unless the last step kept them. */
static const float *f_positions(TsneForces *f, const float *y)
{
    if (f->identity)
        return y;
    if (f->yp_of != y)
        for (size_t r = 0; r < f->n; r++) {
            f->yp[2 * r] = y[2 * (size_t)f->perm[r]];
            f->yp[2 * r + 1] = y[2 * (size_t)f->perm[r] + 1];
        }
    f->yp_of = NULL;
    return f->yp;
}

int tsne_forces_gradient(TsneForces *f, Pool *pool, const TsneSparseP *P, const float *y,
                         double exaggeration, double *grad, double *kl, Err *e)
{
    return tsne_forces_step(f, pool, P, y, exaggeration, grad, kl, NULL, e);
}

int tsne_forces_step(TsneForces *f, Pool *pool, const TsneSparseP *P, const float *y,
                     double exaggeration, double *grad, double *kl, const TsneStep *step,
                     Err *e)
{
    size_t n = f->n;
    if (f->packed_col != P->col || f->packed_val != P->val)
        f_pack(f, pool, P, y);
    AttractCtx c = {f, f_positions(f, y), exaggeration, kl != NULL};
    /* The attraction needs nothing of the repulsion: the workers take it in the gaps
     * of the repulsion's passes (and while the caller works alone between them). */
    pool_start(pool, n, F_BG_CHUNK, f_attract, &c);
    double zsum = 0;
    int rc = 0;
    if (f->fft) {
        rc = tsne_fft_repulsion(f->fft, pool, y, f->rep, &zsum, e);
    } else {
        tsne_bh_repulsion(f->bh, pool, y, f->angle, f->rep, f->z);
        /* Z summed in index order: the same whatever the threads. */
        for (size_t i = 0; i < n; i++)
            zsum += f->z[i];
    }
    pool_finish(pool);
    if (rc != 0)
        return -1;
    zsum = zsum > 0 ? zsum : F_TINY;
    CombineCtx cc = {f, y, exaggeration, 1.0 / zsum, grad, step};
    pool_for(pool, n, F_STEP_CHUNK, f_combine, &cc);
    if (step && !f->identity)
        f->yp_of = y;
    if (kl) {
        if (!f->plogp_set || f->plogp_exaggeration != exaggeration) {
            /* once per phase: P and the exaggeration are fixed within one */
            f->plogp = f_plogp(f, exaggeration, &f->ptotal);
            f->plogp_exaggeration = exaggeration;
            f->plogp_set = 1;
        }
        /* KL = sum p log p - sum p log q, log q = -log(1 + d^2) - log Z (p exaggerated) */
        double s = 0;
        for (size_t i = 0; i < n; i++)
            s += f->klrow[i];
        *kl = f->plogp + exaggeration * s + f->ptotal * log(zsum);
    }
    return 0;
}
int tsne_gradient_method(const TsneSparseP *P, const float *y, double exaggeration,
                         TsneMethod method, double angle, int threads, double *grad,
                         double *kl, Err *e)
{
    if (!P || P->n < 2 || P->n >= UINT32_MAX)
        return err_set(e, _("t-SNE gradient: need between 2 and %u points"), UINT32_MAX - 1);
    if (!(angle >= 0) || threads < 1 || threads > POOL_MAX_THREADS)
        return err_set(e, _("t-SNE gradient: angle %g must be >= 0 and threads %d between 1 and %d"),
                       angle, threads, POOL_MAX_THREADS);
    if (method == TSNE_METHOD_AUTO)
        method = tsne_method_for(P->n);
    TsneForces *f = tsne_forces_new(P->n, method, angle);
    Pool *pool = threads > 1 ? pool_new(threads) : NULL;
    int rc = tsne_forces_gradient(f, pool, P, y, exaggeration, grad, kl, e);
    pool_free(pool);
    tsne_forces_free(f);
    return rc;
}

int tsne_gradient(const TsneSparseP *P, const float *y, double exaggeration, double angle,
                  int threads, double *grad, double *kl, Err *e)
{
    return tsne_gradient_method(P, y, exaggeration,
                                angle > 0 ? TSNE_METHOD_BH : TSNE_METHOD_EXACT, angle, threads,
                                grad, kl, e);
}
