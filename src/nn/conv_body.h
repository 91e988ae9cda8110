/* conv_body.h: the convolution kernels (layout in untangle/nn/kernels.h),
 * written once over a few vector operations and compiled once per instruction
 * set by conv_portable.c, conv_avx2.c and conv_avx512.c, each defining before
 * including it:
 *
 *   VT, VL          the vector type and its floats
 *   CONV_TARGET     the function attribute that enables the instruction set
 *   CONV_SUFFIX     the names' suffix (nn_conv_avx512, ...)
 *   V_ZERO() V_LOAD(p) V_STORE(p, v) V_SET1(x) V_FMA(a, b, c) (a * b + c)
 *   V_LOADN(p, n) V_STOREN(p, v, n)   the first n lanes only (0 < n < VL;
 *                                     lanes past n neither read nor written)
 *   V_BCAST(p)      optional: V_SET1(*p) as one load that the compiler cannot
 *                   carry from one pixel to the next (default V_SET1(*p))
 *   FWD_RMAX FWD_NVMAX  the largest forward tile: pixels x vectors of filters
 *   WG_RMAX WG_NVMAX    the largest weight-gradient tile: kx x vectors
 *   FWD_TILES(M) WG_TILES(M)   M(R, NV) for every tile shape up to those
 *
 * A tile's accumulators are an array indexed by constants only once its loops
 * over R and NV are unrolled (R and NV are literal in each instance), so the
 * compiler keeps them in registers: FWD_RMAX * FWD_NVMAX of them plus the
 * weight vectors must fit in the register file. */
#include <stddef.h>
#include <stdint.h>

#include "kernels_isa.h"

#ifndef V_BCAST
#define V_BCAST(p) V_SET1(*(p))
#endif

#define CONV_CAT2(a, b) a##_##b
#define CONV_CAT(a, b) CONV_CAT2(a, b)
#define CONV_NAME(name) CONV_CAT(name, CONV_SUFFIX)

/* The sanitizers' checks on every broadcast and weight load (and UBSan's on
 * every address computed) make the tiles 30 to 80 times slower, and a sanitized
 * `make check` would train for minutes: the tiles go uninstrumented, and under
 * AddressSanitizer the drivers instead check once per call that every buffer
 * spans what the shape says (conv_check_region). Whether the tiles stay inside
 * their rows is what check_kernels tests, with guards, and valgrind. */
#define TILE_ATTR __attribute__((no_sanitize("address", "undefined")))
#if defined(__SANITIZE_ADDRESS__)
#define CONV_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CONV_ASAN 1
#endif
#endif
#if defined(CONV_ASAN)
#include <sanitizer/asan_interface.h>
#include <stdio.h>
#include <stdlib.h>
static void conv_check_region(const float *p, size_t floats, const char *what)
{
    void *bad = __asan_region_is_poisoned((void *)(uintptr_t)p, floats * sizeof(float));
    if (bad) {
        fprintf(stderr, "convolution kernel: %s [%p, +%zu floats) is not all addressable\n",
                what, (const void *)p, floats);
        __asan_describe_address(bad);
        abort();
    }
}
#else
#define conv_check_region(p, floats, what) ((void)0)
#endif
/* the tiles' helpers, inlined into them: uninstrumented too */
#define ALWAYS_INLINE inline __attribute__((always_inline)) TILE_ATTR

/* Stores lanes [0, nf) of v at p (nf may be <= 0 or >= VL). */
static ALWAYS_INLINE CONV_TARGET void store_part(float *p, VT v, ptrdiff_t nf)
{
    if (nf >= VL)
        V_STORE(p, v);
    else if (nf > 0)
        V_STOREN(p, v, (int)nf);
}

static ALWAYS_INLINE CONV_TARGET VT load_part(const float *p, ptrdiff_t nf)
{
    if (nf >= VL)
        return V_LOAD(p);
    return nf > 0 ? V_LOADN(p, (int)nf) : V_ZERO();
}

/* R pixels of one output row, NV vectors of filters from f0:
 *   xr0  xt at row oy, channel 0, column ox0
 *   wp0  wp + f0; b bias + f0 (NULL: none)
 *   y0   y at (oy, ox0, f0); nf = F - f0 filters are stored */
static ALWAYS_INLINE CONV_TARGET void fwd_tile(const NnConvShape *s, const float *xr0,
                                               const float *wp0, const float *b, float *y0,
                                               ptrdiff_t nf, const int R, const int NV)
{
    const size_t kc_end = s->kh * s->C, kw = s->kw, Wp = s->Wp, Fp = s->Fp, F = s->F;
    VT acc[FWD_RMAX][FWD_NVMAX];
#pragma GCC unroll 16
    for (int r = 0; r < R; r++)
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++)
            acc[r][v] = b ? V_LOAD(b + v * VL) : V_ZERO();
    /* kc = ky * C + c: row (oy + ky) * C + c of xt. kx outside: with kx inside,
     * GCC carries x values from one kx to the next in registers the tile needs. */
    const float *wr = wp0;
    for (size_t kx = 0; kx < kw; kx++) {
        const float *xr = xr0 + kx;
        for (size_t kc = 0; kc < kc_end; kc++, xr += Wp, wr += Fp) {
            VT w[FWD_NVMAX];
#pragma GCC unroll 4
            for (int v = 0; v < NV; v++)
                w[v] = V_LOAD(wr + v * VL);
#pragma GCC unroll 16
            for (int r = 0; r < R; r++) {
                VT xb = V_SET1(xr[r]);
#pragma GCC unroll 4
                for (int v = 0; v < NV; v++)
                    acc[r][v] = V_FMA(xb, w[v], acc[r][v]);
            }
        }
    }
#pragma GCC unroll 16
    for (int r = 0; r < R; r++)
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++)
            store_part(y0 + (size_t)r * F + (size_t)v * VL, acc[r][v], nf - v * VL);
}

/* The weight gradients of R consecutive kx, NV vectors of filters from f0, for
 * one (ky, c), summed over every output pixel:
 *   xr0  xt at row ky, channel c, column kx0 (row oy adds oy * C * Wp)
 *   dz0  dz + f0, with nf = F - f0 filters read
 *   dw0  dwp at (ky, c, kx0, f0) */
/* Adds into acc the products of every output pixel for wg_tile; `full` says
 * whether all NV vectors of dz hold filters (else the last ones are partial). */
static ALWAYS_INLINE CONV_TARGET void wg_pixels(const NnConvShape *s, const float *xr0,
                                                const float *dz0, ptrdiff_t nf,
                                                VT acc[WG_RMAX][WG_NVMAX], const int full,
                                                const int R, const int NV)
{
    const size_t Ho = s->Ho, Wo = s->Wo, row = s->C * s->Wp, F = s->F;
    for (size_t oy = 0; oy < Ho; oy++) {
        const float *xr = xr0 + oy * row;
        const float *dzr = dz0 + oy * Wo * F;
        for (size_t ox = 0; ox < Wo; ox++, dzr += F) {
            VT d[WG_NVMAX];
#pragma GCC unroll 4
            for (int v = 0; v < NV; v++)
                d[v] = full ? V_LOAD(dzr + v * VL) : load_part(dzr + v * VL, nf - v * VL);
#pragma GCC unroll 16
            for (int r = 0; r < R; r++) {
                /* pixel ox + 1 reads the x values of ox shifted by one: GCC keeps
                 * them in registers and broadcasts from there, a shuffle on the
                 * FMA ports (Zen 3: 65 instead of 90 GFLOP/s); V_BCAST loads */
                VT xb = V_BCAST(xr + ox + (size_t)r);
#pragma GCC unroll 4
                for (int v = 0; v < NV; v++)
                    acc[r][v] = V_FMA(xb, d[v], acc[r][v]);
            }
        }
    }
}

/* The weight gradients of R consecutive kx, NV vectors of filters from f0, for
 * one (ky, c), summed over every output pixel:
 *   xr0  xt at row ky, channel c, column kx0 (row oy adds oy * C * Wp)
 *   dz0  dz + f0, with nf = F - f0 filters read
 *   dw0  dwp at (ky, c, kx0, f0) */
static ALWAYS_INLINE CONV_TARGET void wg_tile(const NnConvShape *s, const float *xr0,
                                              const float *dz0, float *dw0, ptrdiff_t nf,
                                              const int R, const int NV)
{
    const size_t Fp = s->Fp;
    VT acc[WG_RMAX][WG_NVMAX];
#pragma GCC unroll 16
    for (int r = 0; r < R; r++)
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++)
            acc[r][v] = V_LOAD(dw0 + (size_t)r * Fp + (size_t)v * VL);
    if (nf >= NV * VL)
        wg_pixels(s, xr0, dz0, nf, acc, 1, R, NV);
    else
        wg_pixels(s, xr0, dz0, nf, acc, 0, R, NV);
#pragma GCC unroll 16
    for (int r = 0; r < R; r++)
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++)
            V_STORE(dw0 + (size_t)r * Fp + (size_t)v * VL, acc[r][v]);
}

typedef void (*FwdTile)(const NnConvShape *s, const float *xr0, const float *wp0,
                        const float *b, float *y0, ptrdiff_t nf);
typedef void (*WgTile)(const NnConvShape *s, const float *xr0, const float *dz0, float *dw0,
                       ptrdiff_t nf);

#define FWD_INSTANCE(R, NV)                                                                   \
    static CONV_TARGET TILE_ATTR void fwd_##R##_##NV(const NnConvShape *s, const float *xr0,            \
                                           const float *wp0, const float *b, float *y0,       \
                                           ptrdiff_t nf)                                      \
    {                                                                                         \
        fwd_tile(s, xr0, wp0, b, y0, nf, R, NV);                                              \
    }
#define WG_INSTANCE(R, NV)                                                                    \
    static CONV_TARGET TILE_ATTR void wg_##R##_##NV(const NnConvShape *s, const float *xr0,             \
                                          const float *dz0, float *dw0, ptrdiff_t nf)         \
    {                                                                                         \
        wg_tile(s, xr0, dz0, dw0, nf, R, NV);                                                 \
    }
FWD_TILES(FWD_INSTANCE)
WG_TILES(WG_INSTANCE)

#define FWD_ENTRY(R, NV) [NV - 1][R - 1] = fwd_##R##_##NV,
#define WG_ENTRY(R, NV) [NV - 1][R - 1] = wg_##R##_##NV,
static const FwdTile fwd_tiles[FWD_NVMAX][FWD_RMAX] = {FWD_TILES(FWD_ENTRY)};
static const WgTile wg_tiles[WG_NVMAX][WG_RMAX] = {WG_TILES(WG_ENTRY)};

/* Splits n into the fewest blocks of at most max, as even as possible: block
 * i of *count starts at *start and has *len. */
static size_t block_count(size_t n, size_t max) { return (n + max - 1) / max; }
static void block_at(size_t n, size_t count, size_t i, size_t *start, size_t *len)
{
    size_t base = n / count, extra = n % count;
    *start = i * base + (i < extra ? i : extra);
    *len = base + (i < extra);
}

void CONV_NAME(nn_conv)(const NnConvShape *s, const float *xt, const float *wp, const float *bias,
                        float *y)
{
    size_t nvec = s->Fp / VL, nb = block_count(s->Wo, FWD_RMAX);
    conv_check_region(xt, s->Hp * s->C * s->Wp, "padded input");
    conv_check_region(wp, s->kw * s->kh * s->C * s->Fp, "packed kernel");
    if (bias)
        conv_check_region(bias, s->Fp, "packed bias");
    conv_check_region(y, s->Ho * s->Wo * s->F, "output");
    for (size_t oy = 0; oy < s->Ho; oy++)
        for (size_t b = 0; b < nb; b++) {
            size_t ox0, R;
            block_at(s->Wo, nb, b, &ox0, &R);
            const float *xr0 = xt + oy * s->C * s->Wp + ox0;
            float *y0 = y + (oy * s->Wo + ox0) * s->F;
            for (size_t q = 0; q < nvec; q += FWD_NVMAX) {
                size_t nv = nvec - q < FWD_NVMAX ? nvec - q : FWD_NVMAX, f0 = q * VL;
                fwd_tiles[nv - 1][R - 1](s, xr0, wp + f0, bias ? bias + f0 : NULL, y0 + f0,
                                         (ptrdiff_t)s->F - (ptrdiff_t)f0);
            }
        }
}

void CONV_NAME(nn_conv_wgrad)(const NnConvShape *s, const float *xt, const float *dz, float *dwp)
{
    size_t nvec = s->Fp / VL, nb = block_count(s->kw, WG_RMAX);
    conv_check_region(xt, s->Hp * s->C * s->Wp, "padded input");
    conv_check_region(dz, s->Ho * s->Wo * s->F, "output gradient");
    conv_check_region(dwp, s->kh * s->C * s->kw * s->Fp, "packed kernel gradient");
    for (size_t ky = 0; ky < s->kh; ky++)
        for (size_t c = 0; c < s->C; c++)
            for (size_t b = 0; b < nb; b++) {
                size_t kx0, R;
                block_at(s->kw, nb, b, &kx0, &R);
                const float *xr0 = xt + (ky * s->C + c) * s->Wp + kx0;
                float *dw0 = dwp + ((ky * s->C + c) * s->kw + kx0) * s->Fp;
                for (size_t q = 0; q < nvec; q += WG_NVMAX) {
                    size_t nv = nvec - q < WG_NVMAX ? nvec - q : WG_NVMAX, f0 = q * VL;
                    wg_tiles[nv - 1][R - 1](s, xr0, dz + f0, dw0 + f0,
                                            (ptrdiff_t)s->F - (ptrdiff_t)f0);
                }
            }
}

