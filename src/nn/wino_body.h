/* wino_body.h: the Winograd convolution kernels (untangle/nn/kernels.h,
 * NnWino), included by conv_portable.c, conv_avx2.c and conv_avx512.c after
 * conv_body.h, whose vector operations, tile limits and helpers they use.
 *
 * F(4x4, 5x5) on the points 0, 1, -1, 2, -2, 1/2, -1/2 and infinity: each 8x8
 * tile d of the padded input gives 4x4 outputs, Y = A^T [U (.) V] A, with
 * V = B^T d B and U = G g G^T (winograd.c) for each pair of channels, summed
 * over the input channels in the transformed domain: 64 products of
 * (tiles x C) by (C x F), 64 multiplications per 4x4 outputs and channel where
 * the direct convolution does 400. The weight gradient is the same with the
 * roles swapped, F(5x5, 4x4): the 4x4 block of dz that a tile's outputs hold
 * is the filter, the 5x5 weight gradient its output, B^T the same matrix, so
 * V is the same.
 *
 *   B^T = | 4   0 -21   0  21   0  -4   0 |   A^T of F(4x4, 5x5) =
 *         | 0  -4  -4  17  17  -4  -4   0 |   | 1 1  1 1  1  1    1    0 |
 *         | 0   4  -4 -17  17   4  -4   0 |   | 0 1 -1 2 -2  1/2 -1/2  0 |
 *         | 0   2   1 -10  -5   8   4   0 |   | 0 1  1 4  4  1/4  1/4  0 |
 *         | 0  -2   1  10  -5  -8   4   0 |   | 0 1 -1 8 -8  1/8 -1/8  1 |
 *         | 0   4   8  -5 -10   1   2   0 |
 *         | 0  -4   8   5 -10  -1   2   0 |   G of F(5x5, 4x4): rows
 *         | 0  -4   0  21   0 -21   0   4 |   (1/4 0 0 0), (1 1 1 1)/18,
 *   (1 -1 1 -1)/18, (1/360 1/180 1/90 1/45), (1/360 -1/180 1/90 -1/45),
 *   (16 8 4 2)/45, (16 -8 4 -2)/45, (0 0 0 1/4)
 *
 * (the G of the forward pass and the A^T of the weight gradient, in
 * winograd.c, are the other halves of these). The transforms add and
 * multiply, never fuse (the build's -ffp-contract=off), in the same order on
 * every instruction set; the sums over channels are FMA tiles as conv_body.h's. */

#define WA 8                /* the tile's side */
#define WM 4                /* its outputs' side */
#define WAA (WA * WA)       /* planes of the transformed domain */

/* d0..d7 -> B^T d, in place */
static ALWAYS_INLINE CONV_TARGET void wino_bt(VT d[WA])
{
    const VT c2 = V_SET1(2.0f), c4 = V_SET1(4.0f), c5 = V_SET1(5.0f), c8 = V_SET1(8.0f),
             c10 = V_SET1(10.0f), c17 = V_SET1(17.0f), c21 = V_SET1(21.0f);
    VT v0 = c4 * (d[0] - d[6]) + c21 * (d[4] - d[2]);
    VT v7 = c4 * (d[7] - d[1]) + c21 * (d[3] - d[5]);
    VT e1 = c17 * d[4] - c4 * (d[2] + d[6]), o1 = c17 * d[3] - c4 * (d[1] + d[5]);
    VT e3 = (d[2] - c5 * d[4]) + c4 * d[6], o3 = (c2 * d[1] - c10 * d[3]) + c8 * d[5];
    VT e5 = (c8 * d[2] - c10 * d[4]) + c2 * d[6], o5 = (c4 * d[1] - c5 * d[3]) + d[5];
    d[0] = v0, d[1] = e1 + o1, d[2] = e1 - o1, d[3] = e3 + o3;
    d[4] = e3 - o3, d[5] = e5 + o5, d[6] = e5 - o5, d[7] = v7;
}

/* m0..m7 -> A^T m (4 values) */
static ALWAYS_INLINE CONV_TARGET void wino_at(const VT m[WA], VT o[WM])
{
    VT s12 = m[1] + m[2], d12 = m[1] - m[2], s34 = m[3] + m[4], d34 = m[3] - m[4];
    VT s56 = m[5] + m[6], d56 = m[5] - m[6];
    o[0] = m[0] + s12 + s34 + s56;
    o[1] = d12 + V_SET1(2.0f) * d34 + V_SET1(0.5f) * d56;
    o[2] = s12 + V_SET1(4.0f) * s34 + V_SET1(0.25f) * s56;
    o[3] = d12 + V_SET1(8.0f) * d34 + V_SET1(0.125f) * d56 + m[7];
}

/* g0..g3 -> G g (8 values) of F(5x5, 4x4) */
static ALWAYS_INLINE CONV_TARGET void wino_g4(const VT g[WM], VT u[WA])
{
    const VT q = V_SET1(0.25f), c18 = V_SET1(1.0f / 18), c360 = V_SET1(1.0f / 360),
             c180 = V_SET1(1.0f / 180), c90 = V_SET1(1.0f / 90), c45 = V_SET1(1.0f / 45),
             c2 = V_SET1(2.0f), c4 = V_SET1(4.0f), c8 = V_SET1(8.0f), c16 = V_SET1(16.0f);
    VT e1 = g[0] + g[2], o1 = g[1] + g[3];
    VT e3 = c360 * g[0] + c90 * g[2], o3 = c180 * g[1] + c45 * g[3];
    VT e5 = c45 * (c16 * g[0] + c4 * g[2]), o5 = c45 * (c8 * g[1] + c2 * g[3]);
    u[0] = q * g[0];
    u[1] = c18 * (e1 + o1);
    u[2] = c18 * (e1 - o1);
    u[3] = e3 + o3;
    u[4] = e3 - o3;
    u[5] = e5 + o5;
    u[6] = e5 - o5;
    u[7] = q * g[3];
}

/* One tile's V for channels c0.. (nc of them; all of a vector when `full`). */
static ALWAYS_INLINE CONV_TARGET void wino_input_tile(const float *base, size_t Wq, size_t C,
                                                      float *vt, size_t plane, ptrdiff_t nc,
                                                      const int full)
{
    VT tmp[WA][WA];
#pragma GCC unroll 8
    for (int j = 0; j < WA; j++) {
        VT d[WA];
#pragma GCC unroll 8
        for (int i = 0; i < WA; i++) {
            const float *p = base + ((size_t)i * Wq + (size_t)j) * C;
            d[i] = full ? V_LOAD(p) : load_part(p, nc);
        }
        wino_bt(d);
#pragma GCC unroll 8
        for (int i = 0; i < WA; i++)
            tmp[i][j] = d[i];
    }
#pragma GCC unroll 8
    for (int i = 0; i < WA; i++) {
        wino_bt(tmp[i]);
#pragma GCC unroll 8
        for (int j = 0; j < WA; j++) {
            float *p = vt + (size_t)(i * WA + j) * plane;
            if (full)
                V_STORE(p, tmp[i][j]);
            else
                store_part(p, tmp[i][j], nc);
        }
    }
}

/* V (64, T, C) = B^T d B of every tile of xq (Hq, Wq, C). */
static CONV_TARGET TILE_ATTR void wino_input(const NnWino *w, const float *xq, float *V)
{
    const size_t C = w->s.C, Wq = w->Wq, T = w->T, plane = T * C;
    for (size_t ty = 0; ty < w->th; ty++)
        for (size_t tx = 0; tx < w->tw; tx++) {
            const float *base = xq + (WM * ty * Wq + WM * tx) * C;
            float *vt = V + (ty * w->tw + tx) * C;
            size_t c0 = 0;
            for (; c0 + VL <= C; c0 += VL)
                wino_input_tile(base + c0, Wq, C, vt + c0, plane, VL, 1);
            if (c0 < C)
                wino_input_tile(base + c0, Wq, C, vt + c0, plane, (ptrdiff_t)(C - c0), 0);
        }
}

/* R rows x NV vectors of c (row pitch cr) = (add ? c : 0) + the sum over k < K
 * of a[k * ak + r * ar] times b[k * bk + v * VL ...]; nf columns stored. */
static ALWAYS_INLINE CONV_TARGET void gemm_tile(size_t K, const float *a, size_t ak, size_t ar,
                                                const float *b, size_t bk, float *c, size_t cr,
                                                ptrdiff_t nf, int add, const int R, const int NV)
{
    VT acc[FWD_RMAX][FWD_NVMAX];
#pragma GCC unroll 16
    for (int r = 0; r < R; r++)
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++)
            acc[r][v] = add ? load_part(c + (size_t)r * cr + (size_t)v * VL, nf - v * VL)
                            : V_ZERO();
    for (size_t k = 0; k < K; k++, a += ak, b += bk) {
        VT bv[FWD_NVMAX];
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++)
            bv[v] = V_LOAD(b + v * VL);
#pragma GCC unroll 16
        for (int r = 0; r < R; r++) {
            VT xb = V_BCAST(a + (size_t)r * ar);
#pragma GCC unroll 4
            for (int v = 0; v < NV; v++)
                acc[r][v] = V_FMA(xb, bv[v], acc[r][v]);
        }
    }
#pragma GCC unroll 16
    for (int r = 0; r < R; r++)
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++)
            store_part(c + (size_t)r * cr + (size_t)v * VL, acc[r][v], nf - v * VL);
}

typedef void (*GemmTile)(size_t K, const float *a, size_t ak, size_t ar, const float *b,
                         size_t bk, float *c, size_t cr, ptrdiff_t nf, int add);
#define GEMM_INSTANCE(R, NV)                                                                  \
    static CONV_TARGET TILE_ATTR void gemm_##R##_##NV(size_t K, const float *a, size_t ak,    \
                                                      size_t ar, const float *b, size_t bk,   \
                                                      float *c, size_t cr, ptrdiff_t nf,      \
                                                      int add)                                \
    {                                                                                         \
        gemm_tile(K, a, ak, ar, b, bk, c, cr, nf, add, R, NV);                                \
    }
FWD_TILES(GEMM_INSTANCE)
#define GEMM_ENTRY(R, NV) [NV - 1][R - 1] = gemm_##R##_##NV,
static const GemmTile gemm_tiles[FWD_NVMAX][FWD_RMAX] = {FWD_TILES(GEMM_ENTRY)};

/* c (rows, n of pitch cr) (+)= a (rows x K, as gemm_tile) b (K, n of pitch bk);
 * b's pitch holds whole vectors (zeros past n). */
static CONV_TARGET void gemm(size_t rows, size_t n, size_t K, const float *a, size_t ak, size_t ar,
                 const float *b, size_t bk, float *c, size_t cr, int add)
{
    size_t nb = block_count(rows, FWD_RMAX), nvec = (n + VL - 1) / VL;
    for (size_t i = 0; i < nb; i++) {
        size_t r0, R;
        block_at(rows, nb, i, &r0, &R);
        for (size_t q = 0; q < nvec; q += FWD_NVMAX) {
            size_t nv = nvec - q < FWD_NVMAX ? nvec - q : FWD_NVMAX, f0 = q * VL;
            gemm_tiles[nv - 1][R - 1](K, a + r0 * ar, ak, ar, b + f0, bk, c + r0 * cr + f0, cr,
                                      (ptrdiff_t)n - (ptrdiff_t)f0, add);
        }
    }
}

CONV_TARGET TILE_ATTR void CONV_NAME(nn_conv_wino)(const NnWino *w, const float *xq, const float *U,
                                                  const float *bias, float *y, float *work)
{
    const size_t C = w->s.C, F = w->s.F, Fp = w->s.Fp, T = w->T, Ho = w->s.Ho, Wo = w->s.Wo;
    float *V = work, *M = work + WAA * T * C;
    conv_check_region(xq, w->Hq * w->Wq * C, "padded input");
    conv_check_region(U, WAA * C * Fp, "transformed kernel");
    conv_check_region(y, Ho * Wo * F, "output");
    wino_input(w, xq, V);
    /* M (64, T, Fp) = V (64, T, C) U (64, C, Fp) */
    for (size_t e = 0; e < WAA; e++)
        gemm(T, Fp, C, V + e * T * C, 1, C, U + e * C * Fp, Fp, M + e * T * Fp, Fp, 0);
    for (size_t ty = 0; ty < w->th; ty++)
        for (size_t tx = 0; tx < w->tw; tx++) {
            const float *mt = M + (ty * w->tw + tx) * Fp;
            size_t oy = WM * ty, ox = WM * tx;
            for (size_t f0 = 0; f0 < Fp; f0 += VL) {
                VT tmp[WM][WA];
#pragma GCC unroll 8
                for (int j = 0; j < WA; j++) {
                    VT m[WA], o[WM];
#pragma GCC unroll 8
                    for (int i = 0; i < WA; i++)
                        m[i] = V_LOAD(mt + (size_t)(i * WA + j) * T * Fp + f0);
                    wino_at(m, o);
#pragma GCC unroll 4
                    for (int a = 0; a < WM; a++)
                        tmp[a][j] = o[a];
                }
                ptrdiff_t nf = (ptrdiff_t)(F - f0);
                VT b = bias ? load_part(bias + f0, nf) : V_ZERO();
                for (size_t a = 0; a < WM && oy + a < Ho; a++) {
                    VT o[WM];
                    wino_at(tmp[a], o);
                    float *yr = y + ((oy + a) * Wo + ox) * F + f0;
                    for (size_t c = 0; c < WM && ox + c < Wo; c++)
                        store_part(yr + c * F, o[c] + b, nf);
                }
            }
        }
}

CONV_TARGET TILE_ATTR void CONV_NAME(nn_conv_wino_wgrad)(const NnWino *w, const float *xq,
                                                        const float *dz, float *dU, float *work)
{
    const size_t C = w->s.C, F = w->s.F, Fp = w->s.Fp, T = w->T, Ho = w->s.Ho, Wo = w->s.Wo;
    float *V = work, *D = work + WAA * T * C;
    conv_check_region(xq, w->Hq * w->Wq * C, "padded input");
    conv_check_region(dz, Ho * Wo * F, "output gradient");
    conv_check_region(dU, WAA * C * Fp, "transformed kernel gradient");
    wino_input(w, xq, V);
    /* D (64, T, Fp) = G g G^T of each tile's 4x4 block of dz (zeros past the edges) */
    for (size_t ty = 0; ty < w->th; ty++)
        for (size_t tx = 0; tx < w->tw; tx++) {
            float *dt = D + (ty * w->tw + tx) * Fp;
            size_t oy = WM * ty, ox = WM * tx;
            for (size_t f0 = 0; f0 < Fp; f0 += VL) {
                ptrdiff_t nf = (ptrdiff_t)(F - f0);
                VT tmp[WA][WM];
                for (size_t b = 0; b < WM; b++) {
                    VT g[WM], u[WA];
                    for (size_t a = 0; a < WM; a++)
                        g[a] = oy + a < Ho && ox + b < Wo
                                   ? load_part(dz + ((oy + a) * Wo + ox + b) * F + f0, nf)
                                   : V_ZERO();
                    wino_g4(g, u);
#pragma GCC unroll 8
                    for (int i = 0; i < WA; i++)
                        tmp[i][b] = u[i];
                }
#pragma GCC unroll 8
                for (int i = 0; i < WA; i++) {
                    VT u[WA];
                    wino_g4(tmp[i], u);
#pragma GCC unroll 8
                    for (int j = 0; j < WA; j++)
                        V_STORE(dt + (size_t)(i * WA + j) * T * Fp + f0, u[j]);
                }
            }
        }
    /* dU (64, C, Fp) += V^T (64, C, T) D (64, T, Fp) */
    for (size_t e = 0; e < WAA; e++)
        gemm(C, Fp, T, V + e * T * C, C, 1, D + e * T * Fp, Fp, dU + e * C * Fp, Fp, 1);
}

#undef WA
#undef WM
#undef WAA
#undef ALWAYS_INLINE
