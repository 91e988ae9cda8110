/* conv_avx512.c: the convolution kernels in AVX-512 (32 registers of 16
 * floats): forward tiles of up to 14 pixels x 32 filters, weight-gradient tiles
 * of up to 6 kx x 64 filters. x86-64 only; the rest of the build stays
 * x86-64-v2, these functions carry the target. */
#if defined(__x86_64__)
#include <immintrin.h>

#define VT __m512
#define VL 16
#define CONV_TARGET __attribute__((target("avx512f,avx2,fma")))
#define CONV_SUFFIX avx512
#define V_ZERO() _mm512_setzero_ps()
#define V_LOAD(p) _mm512_loadu_ps(p)
#define V_STORE(p, v) _mm512_storeu_ps(p, v)
#define V_SET1(x) _mm512_set1_ps(x)
#define V_FMA(a, b, c) _mm512_fmadd_ps(a, b, c)
/* a broadcast straight from memory, opaque to the compiler (see V_BCAST) */
static inline __attribute__((always_inline, target("avx512f,avx2,fma"))) __m512
bcast_avx512(const float *p)
{
    __m512 b;
    __asm__("vbroadcastss %1, %0" : "=v"(b) : "m"(*p));
    return b;
}
#define V_BCAST(p) bcast_avx512(p)
#define V_LOADN(p, n) _mm512_maskz_loadu_ps((__mmask16)((1u << (n)) - 1), p)
#define V_STOREN(p, v, n) _mm512_mask_storeu_ps(p, (__mmask16)((1u << (n)) - 1), v)

#define FWD_RMAX 14
#define FWD_NVMAX 2
#define WG_RMAX 6
#define WG_NVMAX 4
#define R_UPTO6(M, NV) M(1, NV) M(2, NV) M(3, NV) M(4, NV) M(5, NV) M(6, NV)
#define R_UPTO14(M, NV) R_UPTO6(M, NV) M(7, NV) M(8, NV) M(9, NV) M(10, NV) M(11, NV) \
    M(12, NV) M(13, NV) M(14, NV)
#define FWD_TILES(M) R_UPTO14(M, 1) R_UPTO14(M, 2)
#define WG_TILES(M) R_UPTO6(M, 1) R_UPTO6(M, 2) R_UPTO6(M, 3) R_UPTO6(M, 4)

#include "conv_body.h"
#include "wino_body.h"
#else
typedef int nn_conv_avx512_empty; /* ISO C wants something in a file */
#endif
