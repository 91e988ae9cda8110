/* kernels.h: untangle's own inner loops for the networks, one set per
 * instruction set (portable C, AVX2+FMA, AVX-512), chosen at run time from the
 * CPU's features (untangle/core/cpu.h). The convolutions run on them, not on
 * OpenBLAS, so that their speed does not depend on whether OpenBLAS knows the
 * CPU; the dense layers keep sgemm.
 *
 * Convolutions are direct, stride 1, on an image padded beforehand, so that
 * the kernels never test a border:
 *
 *   xt  (Hp, C, Wp)      the padded input with each row's channels one after
 *                        another ("HCW"): the R pixels of a row that one tile
 *                        computes read R consecutive floats for each (kx, ky, c)
 *   wp  (kw, kh, C, Fp)  the kernel, packed; Fp is F rounded up to
 *                        NN_CONV_PACK and the extra filters are zero
 *   y   (Ho, Wo, F)      channels-last, Ho = Hp - kh + 1, Wo = Wp - kw + 1
 *
 * A tile keeps R pixels x (a block of Fp) outputs in vector registers through
 * the whole sum over (kx, ky, c): one vector load of weights serves R pixels,
 * one broadcast of an input value serves the block. The gradient of the input
 * is the same convolution of the padded output gradient with the kernel turned
 * by 180 degrees and transposed (nn_conv_pack_turned). The gradient of the
 * weights keeps a block of kx x Fp weight gradients in registers over all the
 * output pixels of an image.
 *
 * A 5x5 convolution can instead run by Winograd (NnWino below), with its own
 * padded layout.
 *
 * Within one instruction set every result depends only on the inputs (no
 * threads here), so training gives the same weights for any thread count. The
 * elementwise kernels give the same bits on every instruction set: they do
 * the portable code's operations in the same order, only wider, and never fuse
 * a multiply and an add. */
#ifndef UNTANGLE_NN_KERNELS_H
#define UNTANGLE_NN_KERNELS_H

#include <stddef.h>
#include <stdint.h>
#include "untangle/core/cpu.h"

#define NN_CONV_PACK 16 /* filters of packed kernels come in multiples of this */

typedef struct NnConvShape {
    size_t Hp, Wp, C;   /* padded input */
    size_t kh, kw;
    size_t F, Fp;       /* filters, and rounded up to NN_CONV_PACK */
    size_t Ho, Wo;      /* Hp - kh + 1, Wp - kw + 1 */
} NnConvShape;

/* A convolution with a 5x5 kernel done by Winograd's F(4x4, 5x5) (winograd.c,
 * wino_body.h): the output in tiles of 4x4 pixels, each read from 8x8 pixels
 * of the input padded channels-last. Fewer multiplications than the direct
 * kernels (64 instead of 400 per 4x4 outputs and channel); the rounding
 * differs, within the bound tests/check_kernels.c holds the direct kernels to. */
typedef struct NnWino {
    NnConvShape s;      /* the convolution (its Hp, Wp: those of the direct kernels) */
    size_t th, tw, T;   /* tiles: ceil(Ho / 4), ceil(Wo / 4), th * tw */
    size_t Hq, Wq;      /* the padded input the tiles read: 4 th + 4, 4 tw + 4 */
} NnWino;

typedef struct NnPoolShape {
    size_t H, W, C, ph, pw, Ho, Wo; /* Ho = H / ph, Wo = W / pw */
} NnPoolShape;

typedef struct NnKernels {
    CpuIsa isa;
    /* y (Ho, Wo, F) = bias (Fp, NULL for none) + the convolution of xt with wp. */
    void (*conv)(const NnConvShape *s, const float *xt, const float *wp, const float *bias,
                 float *y);
    /* dwp (kh, C, kw, Fp) += the sum over the output pixels of each window of xt
     * times dz (Ho, Wo, F) at that pixel. */
    void (*conv_wgrad)(const NnConvShape *s, const float *xt, const float *dz, float *dwp);
    /* The same two by Winograd: y (Ho, Wo, F) = bias (F, NULL for none) + the
     * convolution of xq (Hq, Wq, C) with U (nn_wino_pack); dU (64, C, Fp) +=
     * the transformed weight gradient of xq and dz (Ho, Wo, F), which
     * nn_wino_unpack_add turns into dw. work: nn_wino_work_floats floats. */
    void (*conv_wino)(const NnWino *w, const float *xq, const float *U, const float *bias,
                      float *y, float *work);
    void (*conv_wino_wgrad)(const NnWino *w, const float *xq, const float *dz, float *dU,
                            float *work);
    /* y[i] = f(x[i]) over n values; y may equal x. */
    void (*exp)(const float *x, float *y, size_t n);
    void (*sigmoid)(const float *x, float *y, size_t n);
    void (*tanh)(const float *x, float *y, size_t n);
    void (*relu)(const float *x, float *y, size_t n);
    /* dy[i] *= f'(x[i]) given y[i] = f(x[i]). */
    void (*sigmoid_grad)(const float *y, float *dy, size_t n);
    void (*tanh_grad)(const float *y, float *dy, size_t n);
    void (*relu_grad)(const float *y, float *dy, size_t n);
    /* db (dim) += the sum of the rows of g (rows, dim), row after row. */
    void (*sum_rows)(float *db, const float *g, size_t rows, size_t dim);
    /* One image: y (Ho, Wo, C) = the max of each window of x (H, W, C), and when
     * arg is not NULL the winning cell (ky * pw + kx, the first maximum) in arg
     * (Ho, Wo, C). */
    void (*maxpool)(const NnPoolShape *s, const float *x, float *y, int32_t *arg);
    /* One image: dx (H, W, C) = dy at each window's winning cell, 0 elsewhere
     * (also in rows and columns no window covers). */
    void (*maxpool_grad)(const NnPoolShape *s, const float *dy, const int32_t *arg, float *dx);
    /* w -= lr * g over n values. */
    void (*sgd)(float *w, const float *g, size_t n, float lr);
    /* The momentum and Adam updates of nn_optim.h, over n values. */
    void (*momentum)(float *w, const float *g, float *v, size_t n, float lr, float mu,
                     int nesterov);
    void (*adam)(float *w, const float *g, float *m, float *v, size_t n, float alpha, float b1,
                 float b2, float eps);
    /* y += x over n values. */
    void (*add)(float *y, const float *x, size_t n);
    /* 1 when none of the n values is NaN or infinite. */
    int (*all_finite)(const float *x, size_t n);
} NnKernels;

/* The best kernels this CPU runs. */
const NnKernels *nn_kernels(void);
/* The kernels of one instruction set, or NULL when this build or this CPU lacks it. */
const NnKernels *nn_kernels_for(CpuIsa isa);
/* "untangle's AVX-512 kernels, the best for AMD EPYC (family 25 model 17):
 * AVX-512, AVX2+FMA" into buf; returns buf. */
const char *nn_kernels_describe(char *buf, size_t cap);

/* The convolution of x (H, W, C) with the Keras kernel w (kh, kw, C, F), 'same'
 * padding when `same` is set, else 'valid' (kh <= H, kw <= W). */
NnConvShape nn_conv_shape(size_t H, size_t W, size_t C, size_t kh, size_t kw, size_t F, int same);
/* The shape of the convolution that gives dx (H, W, C) from dz (Ho, Wo, F) of
 * s, H and W the input's unpadded sides: input channels F, filters C. dz goes
 * at row kh - 1 - top, column kw - 1 - left of its padded image, where top and
 * left are the forward padding. */
NnConvShape nn_conv_shape_turned(const NnConvShape *s, size_t H, size_t W);
/* xt (Hp, C, Wp) from x (H, W, C) placed at row top, column left, zeros around
 * (top + H <= Hp, left + W <= Wp). */
void nn_conv_pad(const NnConvShape *s, const float *x, size_t H, size_t W, size_t top,
                 size_t left, float *xt);
/* wp (kw, kh, C, Fp) and bias bp (Fp) from the Keras kernel w (kh, kw, C, F) and b (F). */
void nn_conv_pack(const NnConvShape *s, const float *w, const float *b, float *wp, float *bp);
/* The turned kernel for the input gradient, wt (kw, kh, F, Cp) with
 * wt[kx][ky][f][c] = w[kh-1-ky][kw-1-kx][c][f]; t is nn_conv_shape_turned(s). */
void nn_conv_pack_turned(const NnConvShape *s, const NnConvShape *t, const float *w, float *wt);
/* dw (kh, kw, C, F) += dwp (kh, C, kw, Fp). */
void nn_conv_unpack_add(const NnConvShape *s, const float *dwp, float *dw);


/* Whether s runs on the Winograd kernels: a 5x5 kernel, and enough channels
 * and filters (8 each) for the transforms to cost less than they save. */
int nn_wino_fits(const NnConvShape *s);
NnWino nn_wino(const NnConvShape *s);
/* Floats of xq, of U or dU, and of the kernels' work buffer. */
size_t nn_wino_input_floats(const NnWino *w);
size_t nn_wino_kernel_floats(const NnWino *w);
size_t nn_wino_work_floats(const NnWino *w);
/* xq (Hq, Wq, C) from x (H, W, C) placed at row top, column left, zeros around. */
void nn_wino_pad(const NnWino *w, const float *x, size_t H, size_t W, size_t top, size_t left,
                 float *xq);
/* U (64, C, Fp) = G g G^T of the Keras kernel k (5, 5, C, F) of w, or with
 * `turned`, of the kernel of the input gradient (w is then
 * nn_wino(nn_conv_shape_turned(...)) and k the forward kernel (5, 5, F, C)). */
void nn_wino_pack(const NnWino *w, const float *k, int turned, float *U);
/* dw (5, 5, C, F) += A^T dU A, the weight gradient of the sums in dU. */
void nn_wino_unpack_add(const NnWino *w, const float *dU, float *dw);

#endif
