/* vec_avx2.c: the elementwise kernels in 8-lane AVX2 vectors (x86-64 only; the
 * rest of the build stays x86-64-v2, these functions carry the target). */
#if defined(__x86_64__)
#define VEC_LANES 8
#define VEC_TARGET __attribute__((target("avx2,fma")))
#include <immintrin.h>
#define VEC_SQRT(x) _mm256_sqrt_ps(x)
#define VEC_SUFFIX avx2
#include "vec_body.h"
#else
typedef int nn_vec_avx2_empty; /* ISO C wants something in a file */
#endif
