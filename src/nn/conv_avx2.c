/* conv_avx2.c: the convolution kernels in AVX2 with FMA (16 registers of 8
 * floats): tiles of up to 6 pixels (or kx) x 16 filters. x86-64 only; the rest
 * of the build stays x86-64-v2, these functions carry the target. */
#if defined(__x86_64__)
#include <immintrin.h>

#define VT __m256
#define VL 8
#define CONV_TARGET __attribute__((target("avx2,fma")))
#define CONV_SUFFIX avx2
#define V_ZERO() _mm256_setzero_ps()
#define V_LOAD(p) _mm256_loadu_ps(p)
#define V_STORE(p, v) _mm256_storeu_ps(p, v)
#define V_SET1(x) _mm256_set1_ps(x)
#define V_FMA(a, b, c) _mm256_fmadd_ps(a, b, c)
/* a broadcast straight from memory, opaque to the compiler (see V_BCAST) */
static inline __attribute__((always_inline, target("avx2,fma"))) __m256 bcast_avx2(const float *p)
{
    __m256 b;
    __asm__("vbroadcastss %1, %0" : "=x"(b) : "m"(*p));
    return b;
}
#define V_BCAST(p) bcast_avx2(p)
/* lanes below n: all ones, as maskload and maskstore want */
#define LANES_BELOW(n) _mm256_cmpgt_epi32(_mm256_set1_epi32(n), \
                                          _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))
#define V_LOADN(p, n) _mm256_maskload_ps(p, LANES_BELOW(n))
#define V_STOREN(p, v, n) _mm256_maskstore_ps(p, LANES_BELOW(n), v)

#define FWD_RMAX 6
#define FWD_NVMAX 2
#define WG_RMAX 6
#define WG_NVMAX 2
#define R_UPTO6(M, NV) M(1, NV) M(2, NV) M(3, NV) M(4, NV) M(5, NV) M(6, NV)
#define FWD_TILES(M) R_UPTO6(M, 1) R_UPTO6(M, 2)
#define WG_TILES(M) R_UPTO6(M, 1) R_UPTO6(M, 2)

#include "conv_body.h"
#include "wino_body.h"
#else
typedef int nn_conv_avx2_empty; /* ISO C wants something in a file */
#endif
