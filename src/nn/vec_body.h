/* vec_body.h: the elementwise kernels, written once for vectors of VEC_LANES
 * floats and compiled once per instruction set by vec_portable.c (4 lanes, any
 * machine), vec_avx2.c (8) and vec_avx512.c (16), each defining
 *
 *   VEC_LANES   floats per vector
 *   VEC_TARGET  the function attribute that enables the instruction set
 *   VEC_SUFFIX  the names' suffix (nn_sigmoid_avx2, ...)
 *
 * before including it. GCC and clang vector extensions, not intrinsics: every
 * lane does the same IEEE operations in the same order whatever the width, and
 * C11 mode never contracts a multiply and an add into an FMA, so all three give
 * the same bits. Tails go through a padded copy with the same arithmetic.
 *
 * exp: x = n ln2 + r with |r| <= ln2 / 2, e^r by its degree-6 Taylor
 * polynomial (truncation below 1.3e-7 relative, about one float ulp), and 2^n
 * built in the exponent bits. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "kernels_isa.h"

#define VEC_CAT2(a, b) a##_##b
#define VEC_CAT(a, b) VEC_CAT2(a, b)
#define VEC_NAME(name) VEC_CAT(nn_##name, VEC_SUFFIX)

typedef float vf __attribute__((vector_size(VEC_LANES * sizeof(float))));
typedef int32_t vi __attribute__((vector_size(VEC_LANES * sizeof(int32_t))));

#define L VEC_LANES

static inline VEC_TARGET vf splat(float v) { return (vf){0} + v; }

static inline VEC_TARGET vf load(const float *p)
{
    vf v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline VEC_TARGET void store(float *p, vf v) { memcpy(p, &v, sizeof v); }

static inline VEC_TARGET vi loadi(const int32_t *p)
{
    vi v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline VEC_TARGET void storei(int32_t *p, vi v) { memcpy(p, &v, sizeof v); }

/* Lane-wise select without branches: mask lanes are all ones or all zeros. */
static inline VEC_TARGET vf vselect(vi mask, vf a, vf b)
{
    vi ai, bi;
    memcpy(&ai, &a, sizeof ai);
    memcpy(&bi, &b, sizeof bi);
    vi r = (mask & ai) | (~mask & bi);
    vf out;
    memcpy(&out, &r, sizeof out);
    return out;
}

/* Square roots, correctly rounded on every instruction set: VEC_SQRT when the
 * including file has a vector instruction for it, else lane by lane. */
#if defined(VEC_SQRT)
static inline VEC_TARGET vf vsqrt(vf x) { return VEC_SQRT(x); }
#else
static inline VEC_TARGET vf vsqrt(vf x)
{
    vf r;
    for (int j = 0; j < VEC_LANES; j++)
        r[j] = sqrtf(x[j]);
    return r;
}
#endif

static inline VEC_TARGET vf vmin(vf a, vf b) { return vselect(a < b, a, b); }
static inline VEC_TARGET vf vmax(vf a, vf b) { return vselect(a > b, a, b); }

/* e^x for x in any range: clamped to [-87, 88] so that 2^n stays a normal float
 * (e^-87 is 1.6e-38, e^88 is 1.7e38); callers never need more. */
static inline VEC_TARGET vf vexp(vf x)
{
    const float log2e = 1.44269504088896341f;
    /* ln 2 split in a part exact in few bits and a correction, so n * hi is exact */
    const float ln2_hi = 0.693145751953125f, ln2_lo = 1.428606765330187e-06f;
    const float round_magic = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer */
    x = vmax(vmin(x, splat(88.0f)), splat(-87.0f));
    vf n = (x * splat(log2e) + splat(round_magic)) - splat(round_magic);
    vf r = (x - n * splat(ln2_hi)) - n * splat(ln2_lo);
    vf p = splat(1.0f / 720.0f);
    p = p * r + splat(1.0f / 120.0f);
    p = p * r + splat(1.0f / 24.0f);
    p = p * r + splat(1.0f / 6.0f);
    p = p * r + splat(0.5f);
    p = p * r + splat(1.0f);
    p = p * r + splat(1.0f);
    vi ni = __builtin_convertvector(n, vi);
    vi bits = (ni + 127) << 23;
    vf scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

static inline VEC_TARGET vf vsigmoid(vf x) { return splat(1.0f) / (splat(1.0f) + vexp(-x)); }

/* tanh(x) = 1 - 2 / (e^{2x} + 1): no cancellation for large |x|, and near 0 an
 * absolute error of a few 1e-8, enough for training. */
static inline VEC_TARGET vf vtanh(vf x)
{
    return splat(1.0f) - splat(2.0f) / (vexp(x + x) + splat(1.0f));
}

static inline VEC_TARGET vf vrelu(vf x) { return vselect(x > splat(0.0f), x, splat(0.0f)); }

/* Applies f to n values a vector at a time. The last n % L values go to the
 * portable kernel `tail` (the same lane arithmetic, so the same bits), whose own
 * last n % 4 go through a padded copy of 16 bytes: a wider buffer would be
 * aligned to its size, which AddressSanitizer's fake stack frames (where
 * detect_stack_use_after_return puts it) are not, and GCC's aligned stores to
 * it fault there. */
#define MAP(f, tail, x, y, n)                                              \
    do {                                                                   \
        size_t i_ = 0;                                                     \
        for (; i_ + L <= (n); i_ += L)                                     \
            store((y) + i_, f(load((x) + i_)));                            \
        if (i_ < (n) && L > 4) {                                           \
            tail((x) + i_, (y) + i_, (n) - i_);                            \
        } else if (i_ < (n)) {                                             \
            float tmp_[4] = {0};                                           \
            memcpy(tmp_, (x) + i_, ((n) - i_) * sizeof(float));            \
            store(tmp_, f(load(tmp_)));                                    \
            memcpy((y) + i_, tmp_, ((n) - i_) * sizeof(float));            \
        }                                                                  \
    } while (0)

#define DEFINE_MAP(name, f)                                                \
    VEC_TARGET void VEC_NAME(name)(const float *x, float *y, size_t n)      \
    {                                                                      \
        MAP(f, nn_##name##_portable, x, y, n);                             \
    }
DEFINE_MAP(exp, vexp)
DEFINE_MAP(sigmoid, vsigmoid)
DEFINE_MAP(tanh, vtanh)
DEFINE_MAP(relu, vrelu)

/* dy <- dy * g(y) over n values, the tail as MAP's. */
#define MAP_GRAD(g, tail, y, dy, n)                                        \
    do {                                                                   \
        size_t i_ = 0;                                                     \
        for (; i_ + L <= (n); i_ += L)                                     \
            store((dy) + i_, g(load((y) + i_), load((dy) + i_)));          \
        if (i_ < (n) && L > 4) {                                           \
            tail((y) + i_, (dy) + i_, (n) - i_);                           \
        } else if (i_ < (n)) {                                             \
            float ty_[4] = {0}, td_[4] = {0};                              \
            memcpy(ty_, (y) + i_, ((n) - i_) * sizeof(float));             \
            memcpy(td_, (dy) + i_, ((n) - i_) * sizeof(float));            \
            store(td_, g(load(ty_), load(td_)));                           \
            memcpy((dy) + i_, td_, ((n) - i_) * sizeof(float));            \
        }                                                                  \
    } while (0)

static inline VEC_TARGET vf gsigmoid(vf y, vf d) { return d * (y * (splat(1.0f) - y)); }
static inline VEC_TARGET vf gtanh(vf y, vf d) { return d * (splat(1.0f) - y * y); }
static inline VEC_TARGET vf grelu(vf y, vf d) { return vselect(y > splat(0.0f), d, splat(0.0f)); }

#define DEFINE_GRAD(name, g)                                               \
    VEC_TARGET void VEC_NAME(name)(const float *y, float *dy, size_t n)     \
    {                                                                      \
        MAP_GRAD(g, nn_##name##_portable, y, dy, n);                       \
    }
DEFINE_GRAD(sigmoid_grad, gsigmoid)
DEFINE_GRAD(tanh_grad, gtanh)
DEFINE_GRAD(relu_grad, grelu)

VEC_TARGET void VEC_NAME(sum_rows)(float *db, const float *g, size_t rows, size_t dim)
{
    size_t j = 0;
    for (; j + L <= dim; j += L) {
        vf acc = load(db + j);
        for (size_t r = 0; r < rows; r++)
            acc = acc + load(g + r * dim + j);
        store(db + j, acc);
    }
    for (; j < dim; j++) {
        float acc = db[j];
        for (size_t r = 0; r < rows; r++)
            acc += g[r * dim + j];
        db[j] = acc;
    }
}

VEC_TARGET void VEC_NAME(sgd)(float *w, const float *g, size_t n, float lr)
{
    size_t i = 0;
    for (; i + L <= n; i += L)
        store(w + i, load(w + i) - splat(lr) * load(g + i));
    for (; i < n; i++)
        w[i] -= lr * g[i];
}

/* The optimisers' updates as nn_optim.h writes them, operation for operation. */
VEC_TARGET void VEC_NAME(momentum)(float *w, const float *g, float *v, size_t n, float lr,
                                   float mu, int nesterov)
{
    size_t i = 0;
    for (; i + L <= n; i += L) {
        vf vi_ = splat(mu) * load(v + i) - splat(lr) * load(g + i);
        store(v + i, vi_);
        if (nesterov)
            store(w + i, load(w + i) + (splat(mu) * vi_ - splat(lr) * load(g + i)));
        else
            store(w + i, load(w + i) + vi_);
    }
    for (; i < n; i++) {
        v[i] = mu * v[i] - lr * g[i];
        if (nesterov)
            w[i] += mu * v[i] - lr * g[i];
        else
            w[i] += v[i];
    }
}

VEC_TARGET void VEC_NAME(adam)(float *w, const float *g, float *m, float *v, size_t n,
                               float alpha, float b1, float b2, float eps)
{
    size_t i = 0;
    for (; i + L <= n; i += L) {
        vf gi = load(g + i);
        vf mi = load(m + i) + (gi - load(m + i)) * (splat(1.0f) - splat(b1));
        vf vi_ = load(v + i) + (gi * gi - load(v + i)) * (splat(1.0f) - splat(b2));
        store(m + i, mi);
        store(v + i, vi_);
        store(w + i, load(w + i) - splat(alpha) * mi / (vsqrt(vi_) + splat(eps)));
    }
    for (; i < n; i++) {
        m[i] += (g[i] - m[i]) * (1 - b1);
        v[i] += (g[i] * g[i] - v[i]) * (1 - b2);
        w[i] -= alpha * m[i] / (sqrtf(v[i]) + eps);
    }
}

VEC_TARGET void VEC_NAME(add)(float *y, const float *x, size_t n)
{
    size_t i = 0;
    for (; i + L <= n; i += L)
        store(y + i, load(y + i) + load(x + i));
    for (; i < n; i++)
        y[i] += x[i];
}

/* A sum of x * 0 is NaN exactly when some x is NaN or infinite, in any order. */
VEC_TARGET int VEC_NAME(all_finite)(const float *x, size_t n)
{
    vf acc = splat(0.0f);
    size_t i = 0;
    for (; i + L <= n; i += L)
        acc = acc + load(x + i) * splat(0.0f);
    float s = 0.0f;
    for (; i < n; i++)
        s += x[i] * 0.0f;
    for (int j = 0; j < L; j++)
        s += acc[j];
    return s == 0.0f;
}

/* Comparisons select instead of branching; the first maximum of a window wins
 * (a later cell must be strictly greater), as TensorFlow. */
VEC_TARGET void VEC_NAME(maxpool)(const NnPoolShape *s, const float *x, float *y, int32_t *arg)
{
    size_t W = s->W, C = s->C, ph = s->ph, pw = s->pw;
    for (size_t oy = 0; oy < s->Ho; oy++)
        for (size_t ox = 0; ox < s->Wo; ox++) {
            size_t o = (oy * s->Wo + ox) * C;
            const float *first = x + ((oy * ph) * W + ox * pw) * C;
            size_t c = 0;
            for (; c + L <= C; c += L) {
                vf best = load(first + c);
                vi win = (vi){0};
                for (size_t ky = 0; ky < ph; ky++)
                    for (size_t kx = 0; kx < pw; kx++) {
                        vf v = load(first + (ky * W + kx) * C + c);
                        vi gt = v > best;
                        win = (gt & (int32_t)(ky * pw + kx)) | (~gt & win);
                        best = vselect(gt, v, best);
                    }
                store(y + o + c, best);
                if (arg)
                    storei(arg + o + c, win);
            }
            for (; c < C; c++) {
                float best = first[c];
                int32_t win = 0;
                for (size_t ky = 0; ky < ph; ky++)
                    for (size_t kx = 0; kx < pw; kx++) {
                        float v = first[(ky * W + kx) * C + c];
                        if (v > best) {
                            best = v;
                            win = (int32_t)(ky * pw + kx);
                        }
                    }
                y[o + c] = best;
                if (arg)
                    arg[o + c] = win;
            }
        }
}

VEC_TARGET void VEC_NAME(maxpool_grad)(const NnPoolShape *s, const float *dy, const int32_t *arg,
                                       float *dx)
{
    size_t W = s->W, C = s->C, ph = s->ph, pw = s->pw;
    if (s->Ho * ph != s->H || s->Wo * pw != W)
        memset(dx, 0, s->H * W * C * sizeof(float));
    for (size_t oy = 0; oy < s->Ho; oy++)
        for (size_t ox = 0; ox < s->Wo; ox++) {
            size_t o = (oy * s->Wo + ox) * C;
            float *first = dx + ((oy * ph) * W + ox * pw) * C;
            for (size_t ky = 0; ky < ph; ky++)
                for (size_t kx = 0; kx < pw; kx++) {
                    float *d = first + (ky * W + kx) * C;
                    int32_t k = (int32_t)(ky * pw + kx);
                    size_t c = 0;
                    for (; c + L <= C; c += L)
                        store(d + c, vselect(loadi(arg + o + c) == k, load(dy + o + c),
                                            splat(0.0f)));
                    for (; c < C; c++)
                        d[c] = arg[o + c] == k ? dy[o + c] : 0.0f;
                }
        }
}

#undef L
#undef DEFINE_MAP
#undef DEFINE_GRAD
#undef MAP
#undef MAP_GRAD
