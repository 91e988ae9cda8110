/* vec_avx512.c: the elementwise kernels in 16-lane AVX-512 vectors (x86-64
 * only; the rest of the build stays x86-64-v2, these functions carry the target). */
#if defined(__x86_64__)
#define VEC_LANES 16
#define VEC_TARGET __attribute__((target("avx512f,avx2,fma")))
#include <immintrin.h>
#define VEC_SQRT(x) _mm512_sqrt_ps(x)
#define VEC_SUFFIX avx512
#include "vec_body.h"
#else
typedef int nn_vec_avx512_empty; /* ISO C wants something in a file */
#endif
