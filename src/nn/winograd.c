/* winograd.c: the parts of the Winograd convolution (untangle/nn/kernels.h,
 * NnWino) that do not depend on the instruction set: its shape, the padding
 * of its input, and the kernel's transforms, done once per batch.
 * The tiles' transforms and the sums over channels are in wino_body.h, with
 * the matrices B^T and A^T of the forward pass.
 *
 * Forward, F(4x4, 5x5), U = G g G^T with
 *   G = | 1/4    0      0     0      0    |
 *       | 1/18   1/18   1/18  1/18   1/18 |
 *       | 1/18  -1/18   1/18 -1/18   1/18 |
 *       | 1/360  1/180  1/90  1/45   2/45 |
 *       | 1/360 -1/180  1/90 -1/45   2/45 |
 *       | 16/45  8/45   4/45  2/45   1/45 |
 *       | 16/45 -8/45   4/45 -2/45   1/45 |
 *       | 0      0      0     0      1/4  |
 * Weight gradient, F(5x5, 4x4): dw = A^T dU A with
 *   A^T = | 1  1  1  1  1  1     1     0 |
 *         | 0  1 -1  2 -2  1/2  -1/2   0 |
 *         | 0  1  1  4  4  1/4   1/4   0 |
 *         | 0  1 -1  8 -8  1/8  -1/8   0 |
 *         | 0  1  1 16 16  1/16  1/16  1 |
 * Both from the Cook-Toom construction on the points 0, 1, -1, 2, -2, 1/2,
 * -1/2 and infinity, B^T's rows scaled to small integers and G's by the
 * inverse. */
#include <string.h>

#include "untangle/nn/kernels.h"

#define WK 5 /* the kernel's side */
#define WA 8 /* the tile's side */
#define WM 4 /* its outputs' side */

static const float wino_g[WA][WK] = {
    {1.0f / 4, 0, 0, 0, 0},
    {1.0f / 18, 1.0f / 18, 1.0f / 18, 1.0f / 18, 1.0f / 18},
    {1.0f / 18, -1.0f / 18, 1.0f / 18, -1.0f / 18, 1.0f / 18},
    {1.0f / 360, 1.0f / 180, 1.0f / 90, 1.0f / 45, 2.0f / 45},
    {1.0f / 360, -1.0f / 180, 1.0f / 90, -1.0f / 45, 2.0f / 45},
    {16.0f / 45, 8.0f / 45, 4.0f / 45, 2.0f / 45, 1.0f / 45},
    {16.0f / 45, -8.0f / 45, 4.0f / 45, -2.0f / 45, 1.0f / 45},
    {0, 0, 0, 0, 1.0f / 4},
};

static const float wino_at5[WK][WA] = {
    {1, 1, 1, 1, 1, 1, 1, 0},
    {0, 1, -1, 2, -2, 0.5f, -0.5f, 0},
    {0, 1, 1, 4, 4, 0.25f, 0.25f, 0},
    {0, 1, -1, 8, -8, 0.125f, -0.125f, 0},
    {0, 1, 1, 16, 16, 0.0625f, 0.0625f, 1},
};

int nn_wino_fits(const NnConvShape *s)
{
    return s->kh == WK && s->kw == WK && s->C >= 8 && s->F >= 8;
}

NnWino nn_wino(const NnConvShape *s)
{
    NnWino w;
    w.s = *s;
    w.th = (s->Ho + WM - 1) / WM;
    w.tw = (s->Wo + WM - 1) / WM;
    w.T = w.th * w.tw;
    w.Hq = WM * w.th + WK - 1;
    w.Wq = WM * w.tw + WK - 1;
    return w;
}

size_t nn_wino_input_floats(const NnWino *w) { return w->Hq * w->Wq * w->s.C; }
size_t nn_wino_kernel_floats(const NnWino *w) { return WA * WA * w->s.C * w->s.Fp; }
size_t nn_wino_work_floats(const NnWino *w) { return WA * WA * w->T * (w->s.C + w->s.Fp); }

void nn_wino_pad(const NnWino *w, const float *x, size_t H, size_t W, size_t top, size_t left,
                 float *xq)
{
    size_t C = w->s.C, row = w->Wq * C;
    memset(xq, 0, nn_wino_input_floats(w) * sizeof(float));
    for (size_t iy = 0; iy < H; iy++)
        memcpy(xq + (top + iy) * row + left * C, x + iy * W * C, W * C * sizeof(float));
}

/* Filters in chunks of FB, the innermost loops over them, which the
 * compiler makes vector operations. */
#define FB NN_CONV_PACK

/* U for channel c, filters f0..f0+FB, from g (WK, WK, FB). */
static void pack_chunk(const float g[WK][WK][FB], float *U, size_t C, size_t Fp, size_t c,
                       size_t f0)
{
    float t[WA][WK][FB];
    for (size_t i = 0; i < WA; i++)
        for (size_t kx = 0; kx < WK; kx++) {
            for (size_t f = 0; f < FB; f++)
                t[i][kx][f] = 0;
            for (size_t ky = 0; ky < WK; ky++)
                for (size_t f = 0; f < FB; f++)
                    t[i][kx][f] += wino_g[i][ky] * g[ky][kx][f];
        }
    for (size_t i = 0; i < WA; i++)
        for (size_t j = 0; j < WA; j++) {
            float u[FB] = {0};
            for (size_t kx = 0; kx < WK; kx++)
                for (size_t f = 0; f < FB; f++)
                    u[f] += t[i][kx][f] * wino_g[j][kx];
            memcpy(U + ((i * WA + j) * C + c) * Fp + f0, u, sizeof u);
        }
}

void nn_wino_pack(const NnWino *w, const float *k, int turned, float *U)
{
    size_t C = w->s.C, F = w->s.F, Fp = w->s.Fp;
    /* k's own channel and filter counts: those of the forward convolution */
    size_t kc = turned ? F : C, kf = turned ? C : F;
    for (size_t c = 0; c < C; c++)
        for (size_t f0 = 0; f0 < Fp; f0 += FB) {
            float g[WK][WK][FB];
            size_t n = F - f0 < FB ? F - f0 : FB;
            for (size_t ky = 0; ky < WK; ky++)
                for (size_t kx = 0; kx < WK; kx++) {
                    float *d = g[ky][kx];
                    if (turned) {
                        /* k[4 - ky][4 - kx][f][c]: filters of the turned kernel are
                         * channels of k, a stride apart */
                        const float *src = k + (((WK - 1 - ky) * WK + WK - 1 - kx) * kc + f0) * kf + c;
                        for (size_t f = 0; f < n; f++)
                            d[f] = src[f * kf];
                    } else {
                        memcpy(d, k + ((ky * WK + kx) * kc + c) * kf + f0, n * sizeof(float));
                    }
                    for (size_t f = n; f < FB; f++)
                        d[f] = 0;
                }
            pack_chunk((const float(*)[WK][FB])g, U, C, Fp, c, f0);
        }
}

void nn_wino_unpack_add(const NnWino *w, const float *dU, float *dw)
{
    size_t C = w->s.C, F = w->s.F, Fp = w->s.Fp;
    for (size_t c = 0; c < C; c++)
        for (size_t f0 = 0; f0 < F; f0 += FB) {
            float t[WK][WA][FB];
            for (size_t ky = 0; ky < WK; ky++)
                for (size_t j = 0; j < WA; j++) {
                    for (size_t f = 0; f < FB; f++)
                        t[ky][j][f] = 0;
                    for (size_t i = 0; i < WA; i++) {
                        const float *src = dU + ((i * WA + j) * C + c) * Fp + f0;
                        for (size_t f = 0; f < FB; f++)
                            t[ky][j][f] += wino_at5[ky][i] * src[f];
                    }
                }
            size_t n = F - f0 < FB ? F - f0 : FB;
            for (size_t ky = 0; ky < WK; ky++)
                for (size_t kx = 0; kx < WK; kx++) {
                    float s[FB] = {0};
                    for (size_t j = 0; j < WA; j++)
                        for (size_t f = 0; f < FB; f++)
                            s[f] += t[ky][j][f] * wino_at5[kx][j];
                    float *d = dw + ((ky * WK + kx) * C + c) * F + f0;
                    for (size_t f = 0; f < n; f++)
                        d[f] += s[f];
                }
        }
}
