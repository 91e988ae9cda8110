/* conv_portable.c: the convolution kernels in 4-float vectors of GCC's and
 * clang's vector extensions, for any machine (SSE on x86-64 without AVX2,
 * NEON on ARM, plain code elsewhere): tiles of up to 6 pixels (or kx) x 8
 * filters, as 12 accumulators fit in 16 SSE registers. Without FMA a multiply
 * and an add are two operations. */
#include <string.h>

typedef float v4f __attribute__((vector_size(16)));

static inline v4f v4_load(const float *p)
{
    v4f v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline v4f v4_loadn(const float *p, int n)
{
    v4f v = {0};
    memcpy(&v, p, (size_t)n * sizeof(float));
    return v;
}

static inline void v4_store(float *p, v4f v) { memcpy(p, &v, sizeof v); }
static inline void v4_storen(float *p, v4f v, int n) { memcpy(p, &v, (size_t)n * sizeof(float)); }

#define VT v4f
#define VL 4
#define CONV_TARGET
#define CONV_SUFFIX portable
#define V_ZERO() ((v4f){0})
#define V_LOAD(p) v4_load(p)
#define V_STORE(p, v) v4_store(p, v)
#define V_SET1(x) ((v4f){0} + (x))
#define V_FMA(a, b, c) ((a) * (b) + (c))
#define V_LOADN(p, n) v4_loadn(p, n)
#define V_STOREN(p, v, n) v4_storen(p, v, n)

#define FWD_RMAX 6
#define FWD_NVMAX 2
#define WG_RMAX 6
#define WG_NVMAX 2
#define R_UPTO6(M, NV) M(1, NV) M(2, NV) M(3, NV) M(4, NV) M(5, NV) M(6, NV)
#define FWD_TILES(M) R_UPTO6(M, 1) R_UPTO6(M, 2)
#define WG_TILES(M) R_UPTO6(M, 1) R_UPTO6(M, 2)

#include "conv_body.h"
#include "wino_body.h"
