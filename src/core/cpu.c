/* cpu.c: the processor's family, model, brand and vector features. */
#include <stdio.h>
#include <string.h>

#include "untangle/core/i18n.h"
#include "untangle/core/cpu.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define CPU_X86 1
#else
#define CPU_X86 0
#endif

const char *const cpu_isa_names[] = {"portable C", "AVX2+FMA", "AVX-512", NULL};
/* the kernel path by its source (src/nn/conv_SUFFIX.c), as --version names it */
const char *const cpu_isa_paths[] = {"portable", "avx2", "avx512", NULL};

#if CPU_X86
/* Family and model as Intel's and AMD's manuals combine them (the extended
 * fields count only for family 15, and for the model also family 6). */
static void family_model(CpuFeatures *f)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d))
        return;
    unsigned fam = (a >> 8) & 0xf, mod = (a >> 4) & 0xf;
    if (fam == 0xf)
        fam += (a >> 20) & 0xff;
    if (fam == 6 || fam >= 0xf)
        mod |= ((a >> 16) & 0xf) << 4;
    f->family = (int)fam;
    f->model = (int)mod;
}

static void brand(CpuFeatures *f)
{
    unsigned r[12];
    /* unsigned in GCC's cpuid.h, int in clang's */
    if ((unsigned)__get_cpuid_max(0x80000000u, NULL) < 0x80000004u)
        return;
    for (unsigned i = 0; i < 3; i++)
        __get_cpuid(0x80000002u + i, &r[4 * i], &r[4 * i + 1], &r[4 * i + 2], &r[4 * i + 3]);
    memcpy(f->brand, r, 48);
    f->brand[48] = '\0';
    /* brands are padded with spaces on either side */
    size_t n = strlen(f->brand);
    while (n > 0 && f->brand[n - 1] == ' ')
        f->brand[--n] = '\0';
    size_t lead = strspn(f->brand, " ");
    memmove(f->brand, f->brand + lead, n - lead + 1);
}
#endif

CpuFeatures cpu_features(void)
{
    CpuFeatures f;
    memset(&f, 0, sizeof f);
#if CPU_X86
    family_model(&f);
    brand(&f);
    f.avx2 = __builtin_cpu_supports("avx2") != 0;
    f.fma = __builtin_cpu_supports("fma") != 0;
    f.avx512f = __builtin_cpu_supports("avx512f") != 0;
    f.avx512bw = __builtin_cpu_supports("avx512bw") != 0;
    f.avx512vl = __builtin_cpu_supports("avx512vl") != 0;
    f.avx512dq = __builtin_cpu_supports("avx512dq") != 0;
    f.avx512cd = __builtin_cpu_supports("avx512cd") != 0;
#endif
    return f;
}

CpuIsa cpu_isa_here(void)
{
#if CPU_X86
    CpuFeatures f = {0};
    f.avx2 = __builtin_cpu_supports("avx2") != 0;
    f.fma = __builtin_cpu_supports("fma") != 0;
    f.avx512f = __builtin_cpu_supports("avx512f") != 0;
    return cpu_isa_best(&f);
#else
    return CPU_ISA_PORTABLE;
#endif
}

CpuIsa cpu_isa_best(const CpuFeatures *f)
{
    if (f->avx512f && f->avx2 && f->fma)
        return CPU_ISA_AVX512;
    if (f->avx2 && f->fma)
        return CPU_ISA_AVX2;
    return CPU_ISA_PORTABLE;
}

int cpu_has_avx512_skx(const CpuFeatures *f)
{
    return f->avx512f && f->avx512bw && f->avx512vl && f->avx512dq && f->avx512cd;
}

const char *cpu_describe(const CpuFeatures *f, char *buf, size_t cap)
{
    char isa[48] = "";
    if (f->avx512f)
        snprintf(isa, sizeof isa, "%s", cpu_has_avx512_skx(f) ? "AVX-512" : "AVX-512F");
    if (f->avx2)
        snprintf(isa + strlen(isa), sizeof isa - strlen(isa), "%sAVX2%s", isa[0] ? ", " : "",
                 f->fma ? "+FMA" : "");
    snprintf(buf, cap, _("%s (family %d model %d): %s"), f->brand[0] ? f->brand : _("unknown CPU"),
             f->family, f->model, isa[0] ? isa : _("no AVX2"));
    return buf;
}
