/* cpu.h: what this processor can run, read once per question from cpuid.
 *
 * untangle is built for x86-64-v2 (SSE4.2), so that one binary runs on every
 * x86-64 machine of a class; the kernels that need more (AVX2 with FMA,
 * AVX-512) are compiled with target attributes per function and chosen at run
 * time from these features. Nothing here is cached: GCC's and clang's
 * __builtin_cpu_supports reads what libgcc found at start-up, which also checks
 * that the operating system saves the wide registers (XGETBV). The family,
 * model and brand come from the cpuid instruction, which a virtual machine
 * traps (microseconds each): cpu_features is for start-up and descriptions,
 * cpu_isa_here for the kernels' dispatch. On other processors every feature
 * reads as absent and the portable kernels run. */
#ifndef UNTANGLE_CPU_H
#define UNTANGLE_CPU_H

#include <stddef.h>

typedef struct CpuFeatures {
    int family, model;        /* as OpenBLAS reads them: family 6 model 207, family 25 model 17 */
    int avx2, fma;            /* AVX2 and FMA3 */
    int avx512f, avx512bw, avx512vl, avx512dq, avx512cd; /* the set Skylake-SP introduced */
    char brand[49];           /* "AMD EPYC" or "Intel(R) Xeon(R) ..." ("" when unknown) */
} CpuFeatures;

/* The instruction sets untangle has kernels for, weakest first. */
typedef enum { CPU_ISA_PORTABLE, CPU_ISA_AVX2, CPU_ISA_AVX512, CPU_ISAS } CpuIsa;

extern const char *const cpu_isa_names[]; /* "portable C", "AVX2+FMA", "AVX-512" */
extern const char *const cpu_isa_paths[]; /* "portable", "avx2", "avx512" */

/* This processor's features. */
CpuFeatures cpu_features(void);
/* cpu_isa_best(&features) of this processor, without cpuid: cheap enough for
 * every kernel call. */
CpuIsa cpu_isa_here(void);
/* The best kernels these features run: AVX-512 needs F (untangle's kernels use
 * nothing else of it), AVX2 needs FMA too. */
CpuIsa cpu_isa_best(const CpuFeatures *f);
/* Whether the AVX-512 set OpenBLAS's SkylakeX kernels assume (F, BW, VL, DQ, CD) is there. */
int cpu_has_avx512_skx(const CpuFeatures *f);
/* "AMD EPYC (family 25 model 17): AVX-512, AVX2+FMA" into buf; returns buf. */
const char *cpu_describe(const CpuFeatures *f, char *buf, size_t cap);

#endif
