/* vec_portable.c: the elementwise kernels in 4-lane vectors, for any machine
 * (SSE on x86-64, NEON on ARM, plain code elsewhere). */
#define VEC_LANES 4
#define VEC_TARGET
#define VEC_SUFFIX portable
#include "vec_body.h"
