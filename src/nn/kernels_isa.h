/* kernels_isa.h: the functions behind each instruction set's NnKernels table,
 * private to src/nn (kernels.c builds the tables from them). SUFFIX is
 * portable, avx2 or avx512; conv_*.c and vec_*.c define them. */
#ifndef UNTANGLE_NN_KERNELS_ISA_H
#define UNTANGLE_NN_KERNELS_ISA_H

#include "untangle/nn/kernels.h"

#define NN_KERNEL_DECLS(SUFFIX)                                                               \
    void nn_conv_##SUFFIX(const NnConvShape *s, const float *xt, const float *wp,             \
                          const float *bias, float *y);                                       \
    void nn_conv_wgrad_##SUFFIX(const NnConvShape *s, const float *xt, const float *dz,       \
                                float *dwp);                                                  \
    void nn_conv_wino_##SUFFIX(const NnWino *w, const float *xq, const float *U,              \
                               const float *bias, float *y, float *work);                     \
    void nn_conv_wino_wgrad_##SUFFIX(const NnWino *w, const float *xq, const float *dz,       \
                                     float *dU, float *work);                                 \
    void nn_exp_##SUFFIX(const float *x, float *y, size_t n);                                 \
    void nn_sigmoid_##SUFFIX(const float *x, float *y, size_t n);                             \
    void nn_tanh_##SUFFIX(const float *x, float *y, size_t n);                                \
    void nn_relu_##SUFFIX(const float *x, float *y, size_t n);                                \
    void nn_sigmoid_grad_##SUFFIX(const float *y, float *dy, size_t n);                       \
    void nn_tanh_grad_##SUFFIX(const float *y, float *dy, size_t n);                          \
    void nn_relu_grad_##SUFFIX(const float *y, float *dy, size_t n);                          \
    void nn_sum_rows_##SUFFIX(float *db, const float *g, size_t rows, size_t dim);            \
    void nn_maxpool_##SUFFIX(const NnPoolShape *s, const float *x, float *y, int32_t *arg);   \
    void nn_maxpool_grad_##SUFFIX(const NnPoolShape *s, const float *dy, const int32_t *arg,  \
                                  float *dx);                                                 \
    void nn_sgd_##SUFFIX(float *w, const float *g, size_t n, float lr);                     \
    void nn_momentum_##SUFFIX(float *w, const float *g, float *v, size_t n, float lr,         \
                              float mu, int nesterov);                                        \
    void nn_adam_##SUFFIX(float *w, const float *g, float *m, float *v, size_t n, float alpha,\
                          float b1, float b2, float eps);                                     \
    void nn_add_##SUFFIX(float *y, const float *x, size_t n);                                 \
    int nn_all_finite_##SUFFIX(const float *x, size_t n);

NN_KERNEL_DECLS(portable)
#if defined(__x86_64__)
NN_KERNEL_DECLS(avx2)
NN_KERNEL_DECLS(avx512)
#endif

#endif
