/* kernels.c: the one table of kernel sets, the choice among them, and the
 * padding and packing that put a convolution's operands in the kernels' layout. */
#include <stdio.h>
#include <string.h>

#include "kernels_isa.h"

#include "untangle/core/i18n.h"

#define KERNELS(ISA, SUFFIX)                                                                  \
    {ISA,                    nn_conv_##SUFFIX,         nn_conv_wgrad_##SUFFIX,                \
     nn_conv_wino_##SUFFIX,  nn_conv_wino_wgrad_##SUFFIX,                                     \
     nn_exp_##SUFFIX,        nn_sigmoid_##SUFFIX,      nn_tanh_##SUFFIX,                      \
     nn_relu_##SUFFIX,       nn_sigmoid_grad_##SUFFIX, nn_tanh_grad_##SUFFIX,                 \
     nn_relu_grad_##SUFFIX,  nn_sum_rows_##SUFFIX,     nn_maxpool_##SUFFIX,                   \
     nn_maxpool_grad_##SUFFIX, nn_sgd_##SUFFIX,         nn_momentum_##SUFFIX,                  \
     nn_adam_##SUFFIX,       nn_add_##SUFFIX,                                                 \
     nn_all_finite_##SUFFIX}

/* By CpuIsa; the x86 sets exist only in x86-64 builds. */
static const NnKernels kernel_sets[CPU_ISAS] = {
    KERNELS(CPU_ISA_PORTABLE, portable),
#if defined(__x86_64__)
    KERNELS(CPU_ISA_AVX2, avx2),
    KERNELS(CPU_ISA_AVX512, avx512),
#endif
};

const NnKernels *nn_kernels_for(CpuIsa isa)
{
    if ((int)isa < 0 || isa >= CPU_ISAS || !kernel_sets[isa].conv)
        return NULL;
    return isa <= cpu_isa_here() ? &kernel_sets[isa] : NULL;
}

const NnKernels *nn_kernels(void)
{
    for (int isa = (int)cpu_isa_here(); isa > CPU_ISA_PORTABLE; isa--)
        if (kernel_sets[isa].conv)
            return &kernel_sets[isa];
    return &kernel_sets[CPU_ISA_PORTABLE];
}

const char *nn_kernels_describe(char *buf, size_t cap)
{
    CpuFeatures f = cpu_features();
    char cpu[160];
    CpuIsa isa = nn_kernels()->isa;
    snprintf(buf, cap, _("untangle's %s kernels (%s path), the best for %s"), cpu_isa_names[isa],
             cpu_isa_paths[isa], cpu_describe(&f, cpu, sizeof cpu));
    return buf;
}

static size_t round_up(size_t n, size_t m) { return (n + m - 1) / m * m; }

NnConvShape nn_conv_shape(size_t H, size_t W, size_t C, size_t kh, size_t kw, size_t F, int same)
{
    NnConvShape s;
    s.Hp = same ? H + kh - 1 : H;
    s.Wp = same ? W + kw - 1 : W;
    s.C = C;
    s.kh = kh;
    s.kw = kw;
    s.F = F;
    s.Fp = round_up(F, NN_CONV_PACK);
    s.Ho = s.Hp - kh + 1;
    s.Wo = s.Wp - kw + 1;
    return s;
}

NnConvShape nn_conv_shape_turned(const NnConvShape *s, size_t H, size_t W)
{
    /* dz (Ho, Wo, F) padded to (H + kh - 1, W + kw - 1): the 'valid'
     * convolution of that with the turned kernel is (H, W) */
    NnConvShape t;
    t.Hp = H + s->kh - 1;
    t.Wp = W + s->kw - 1;
    t.C = s->F;
    t.kh = s->kh;
    t.kw = s->kw;
    t.F = s->C;
    t.Fp = round_up(s->C, NN_CONV_PACK);
    t.Ho = t.Hp - s->kh + 1;
    t.Wo = t.Wp - s->kw + 1;
    return t;
}

void nn_conv_pad(const NnConvShape *s, const float *x, size_t H, size_t W, size_t top,
                 size_t left, float *xt)
{
    size_t C = s->C, Wp = s->Wp;
    memset(xt, 0, top * C * Wp * sizeof(float));
    for (size_t iy = 0; iy < H; iy++) {
        float *row = xt + (top + iy) * C * Wp;
        const float *xr = x + iy * W * C;
        for (size_t c = 0; c < C; c++) {
            float *dst = row + c * Wp;
            memset(dst, 0, left * sizeof(float));
            for (size_t ix = 0; ix < W; ix++)
                dst[left + ix] = xr[ix * C + c];
            memset(dst + left + W, 0, (Wp - left - W) * sizeof(float));
        }
    }
    memset(xt + (top + H) * C * Wp, 0, (s->Hp - top - H) * C * Wp * sizeof(float));
}

void nn_conv_pack(const NnConvShape *s, const float *w, const float *b, float *wp, float *bp)
{
    size_t C = s->C, F = s->F, Fp = s->Fp, kh = s->kh, kw = s->kw;
    for (size_t ky = 0; ky < kh; ky++)
        for (size_t c = 0; c < C; c++)
            for (size_t kx = 0; kx < kw; kx++) {
                float *dst = wp + ((kx * kh + ky) * C + c) * Fp;
                memcpy(dst, w + ((ky * kw + kx) * C + c) * F, F * sizeof(float));
                memset(dst + F, 0, (Fp - F) * sizeof(float));
            }
    if (bp) {
        memcpy(bp, b, F * sizeof(float));
        memset(bp + F, 0, (Fp - F) * sizeof(float));
    }
}

void nn_conv_pack_turned(const NnConvShape *s, const NnConvShape *t, const float *w, float *wt)
{
    size_t C = s->C, F = s->F, kh = s->kh, kw = s->kw, Cp = t->Fp;
    for (size_t ky = 0; ky < kh; ky++)
        for (size_t f = 0; f < F; f++)
            for (size_t kx = 0; kx < kw; kx++) {
                float *dst = wt + ((kx * kh + ky) * F + f) * Cp;
                const float *src = w + ((kh - 1 - ky) * kw + (kw - 1 - kx)) * C * F + f;
                for (size_t c = 0; c < C; c++)
                    dst[c] = src[c * F];
                memset(dst + C, 0, (Cp - C) * sizeof(float));
            }
}

void nn_conv_unpack_add(const NnConvShape *s, const float *dwp, float *dw)
{
    size_t C = s->C, F = s->F, Fp = s->Fp, kw = s->kw;
    for (size_t ky = 0; ky < s->kh; ky++)
        for (size_t c = 0; c < C; c++)
            for (size_t kx = 0; kx < kw; kx++) {
                const float *src = dwp + ((ky * C + c) * kw + kx) * Fp;
                float *dst = dw + ((ky * kw + kx) * C + c) * F;
                for (size_t f = 0; f < F; f++)
                    dst[f] += src[f];
            }
}
