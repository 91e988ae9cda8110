/* model_io.c: model files (docs/model-format.md), version 2 written, versions 1
 * and 2 read. Version 2 records each layer and the optimiser as words (the kind,
 * then its fields as the registry describes them), read back by the parser
 * `model add` uses, so that a new layer type needs nothing here.
 *
 * Everything is little-endian and written field by field, so a file means the
 * same on every machine. Loading goes through model_parse, which trusts nothing:
 * it bounds every count, rebuilds the layers through model_add (which checks
 * every shape), compares the parameter count the layers imply with the file's,
 * requires the exact length, and checks the CRC-32 of everything before it. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <zlib.h>

#include "untangle/core/i18n.h"
#include "untangle/core/atomic_file.h"
#include "untangle/core/files.h"
#include "untangle/core/interrupt.h"
#include "untangle/nn/nn_layer.h"
#include "untangle/nn/nn_optim.h"
#include "untangle/core/xalloc.h"

#define MAGIC "UNTGLMDL"
#define MAGIC_LEN 8
#define VERSION 2
#define V1_LAYER_KINDS 5       /* version 1: dense, activation, conv2d, maxpool, flatten */
#define RECORD_MAX 512         /* bytes of one layer's or the optimiser's words */
#define MAX_HISTORY 1000000u
#define MAX_FILE_BYTES ((size_t)1 << 34)

/* ---- writing ---- */

typedef struct Buf {
    uint8_t *p;
    size_t n, cap;
} Buf;

static void put(Buf *b, const void *src, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n)
            cap *= 2;
        b->p = xrealloc(b->p, cap);
        b->cap = cap;
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
}

static void put_u32(Buf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(b, x, 4);
}

static void put_u64(Buf *b, uint64_t v)
{
    put_u32(b, (uint32_t)v);
    put_u32(b, (uint32_t)(v >> 32));
}

static void put_f32(Buf *b, float f)
{
    uint32_t v;
    memcpy(&v, &f, 4);
    put_u32(b, v);
}

/* A record: its length, then its words (ASCII, one space between words). */
static void put_record(Buf *b, const char *words)
{
    size_t n = strlen(words);
    put_u32(b, (uint32_t)n);
    put(b, words, n);
}

/* A model file is written in four parts: the head up to the optimiser state's
 * count, that state, the middle up to the parameter count, the parameters; then
 * the CRC-32 of all. The two float arrays may each be a gigabyte: they are
 * written in chunks (see write_floats), the rest is built in memory. */
static void put_head(Buf *b, const Model *m)
{
    put(b, MAGIC, MAGIC_LEN);
    put_u32(b, VERSION);
    put_u32(b, (uint32_t)m->n_layers);
    put_u32(b, (uint32_t)m->input.rank);
    for (int i = 0; i < 3; i++)
        put_u32(b, (uint32_t)(i < m->input.rank ? m->input.d[i] : 0));
    for (size_t i = 0; i < m->n_layers; i++) {
        /* "conv2d name conv2d_1 filters 32 kernel 5x5 activation sigmoid padding same":
         * the kind, the name, then every field its description lists */
        const NnLayer *l = m->layers[i];
        char words[RECORD_MAX];
        snprintf(words, sizeof words, "%s name %s", l->ops->about.name, l->name);
        params_format(l->ops->about.fields, &l->spec, 0, words, sizeof words);
        put_record(b, words);
    }
    put_u32(b, (uint32_t)m->compile.compiled);
    put_u32(b, (uint32_t)m->compile.loss);
    put_u32(b, (uint32_t)m->compile.accuracy);
    char opt[RECORD_MAX];
    nn_optimizer_words(&m->compile.opt, opt, sizeof opt);
    put_record(b, opt);
    put_u64(b, m->opt_steps);
    put_u64(b, (uint64_t)m->n_opt_state);
}

static void put_middle(Buf *b, const Model *m)
{
    put_u64(b, (uint64_t)m->epochs_trained);
    put_u32(b, (uint32_t)m->history.n);
    for (size_t i = 0; i < m->history.n; i++) {
        put_f32(b, m->history.loss[i]);
        put_f32(b, m->history.accuracy[i]);
        put_f32(b, m->history.val_loss[i]);
        put_f32(b, m->history.val_accuracy[i]);
    }
    put_u64(b, (uint64_t)m->n_params);
}

/* n floats as little-endian words into out. */
static void floats_le(const float *f, size_t n, uint8_t *out)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t v;
        memcpy(&v, &f[i], 4);
        out[4 * i] = (uint8_t)v;
        out[4 * i + 1] = (uint8_t)(v >> 8);
        out[4 * i + 2] = (uint8_t)(v >> 16);
        out[4 * i + 3] = (uint8_t)(v >> 24);
    }
}

static void put_floats(Buf *b, const float *f, size_t n)
{
    if (!n)
        return;
    size_t need = b->n + n * 4;
    if (need > b->cap) {
        b->p = xrealloc(b->p, need);
        b->cap = need;
    }
    floats_le(f, n, b->p + b->n);
    b->n = need;
}

void model_serialize(const Model *m, uint8_t **out, size_t *len)
{
    Buf b = {0};
    put_head(&b, m);
    put_floats(&b, m->opt_state, m->n_opt_state);
    put_middle(&b, m);
    put_floats(&b, m->params, m->n_params);
    put_u32(&b, (uint32_t)crc32_z(0L, b.p, b.n) & 0xffffffffu);
    *out = b.p;
    *len = b.n;
}

/* Floats are written in chunks of this many, looking at the stop flag between
 * them: a 1 GiB model stops within a fraction of a second. */
#define SAVE_CHUNK ((size_t)1 << 18)

/* Writes n floats to f in chunks, updating *crc: 0, 1 after a failed write, 2
 * when interrupted. chunk holds min(n, SAVE_CHUNK) * 4 bytes. */
static int write_floats(FILE *f, const float *x, size_t n, uLong *crc, uint8_t *chunk)
{
    for (size_t at = 0; at < n; at += SAVE_CHUNK) {
        if (interrupt_pending())
            return 2;
        size_t k = n - at < SAVE_CHUNK ? n - at : SAVE_CHUNK;
        floats_le(x + at, k, chunk);
        *crc = crc32_z(*crc, chunk, k * 4);
        if (fwrite(chunk, 1, k * 4, f) != k * 4)
            return 1;
    }
    return 0;
}

static int write_buf(FILE *f, Buf *b, uLong *crc)
{
    *crc = crc32_z(*crc, b->p, b->n);
    int failed = fwrite(b->p, 1, b->n, f) != b->n;
    free(b->p);
    memset(b, 0, sizeof *b);
    return failed;
}

int model_save(const Model *m, const char *path, Err *e)
{
    if (m->n_layers == 0)
        return err_set(e, _("the model has no layer; there is nothing to save"));
    AtomicFile af;
    if (atomic_open(&af, path, e) != 0)
        return -1;
    uLong crc = crc32_z(0L, NULL, 0);
    /* The chunk is no larger than the larger float block: a small model's save
     * then takes a few KiB instead of a fixed MiB. */
    size_t most = m->n_opt_state > m->n_params ? m->n_opt_state : m->n_params;
    uint8_t *chunk = xmalloc((most < SAVE_CHUNK ? (most ? most : 1) : SAVE_CHUNK) * 4);
    Buf b = {0};
    put_head(&b, m);
    int rc = write_buf(af.f, &b, &crc);
    if (!rc)
        rc = write_floats(af.f, m->opt_state, m->n_opt_state, &crc, chunk);
    if (!rc) {
        put_middle(&b, m);
        rc = write_buf(af.f, &b, &crc);
    }
    if (!rc)
        rc = write_floats(af.f, m->params, m->n_params, &crc, chunk);
    free(chunk);
    uint8_t tail[4] = {(uint8_t)crc, (uint8_t)(crc >> 8), (uint8_t)(crc >> 16),
                       (uint8_t)(crc >> 24)};
    if (!rc && fwrite(tail, 1, 4, af.f) != 4)
        rc = 1;
    if (rc == 2) {
        atomic_abort(&af);
        return err_interrupted(e, _("model save; the previous file, if any, is unchanged"));
    }
    if (rc) {
        int saved = errno;
        atomic_abort(&af);
        return err_set(e, _("cannot write '%s': %s; the previous file, if any, is unchanged"), path,
                       strerror(saved));
    }
    return atomic_commit(&af, e);
}

/* ---- reading ---- */

typedef struct Reader {
    const uint8_t *p;
    size_t n, at;
} Reader;

static int get(Reader *r, void *dst, size_t n)
{
    if (r->n - r->at < n)
        return -1;
    memcpy(dst, r->p + r->at, n);
    r->at += n;
    return 0;
}

static int get_u32(Reader *r, uint32_t *v)
{
    uint8_t x[4];
    if (get(r, x, 4) != 0)
        return -1;
    *v = (uint32_t)x[0] | (uint32_t)x[1] << 8 | (uint32_t)x[2] << 16 | (uint32_t)x[3] << 24;
    return 0;
}

static int get_u64(Reader *r, uint64_t *v)
{
    uint32_t lo, hi;
    if (get_u32(r, &lo) != 0 || get_u32(r, &hi) != 0)
        return -1;
    *v = (uint64_t)hi << 32 | lo;
    return 0;
}

static int get_f32(Reader *r, float *f)
{
    uint32_t v;
    if (get_u32(r, &v) != 0)
        return -1;
    memcpy(f, &v, 4);
    return 0;
}

static int get_f64(Reader *r, double *f)
{
    uint64_t v;
    if (get_u64(r, &v) != 0)
        return -1;
    memcpy(f, &v, 8);
    return 0;
}

/* What the reader gathers before it builds anything. */
typedef struct Parsed {
    uint32_t version, n_layers;
    NnShape input;
    NnLayerSpec specs[NN_MAX_LAYERS];
    unsigned counts[NN_MAX_LAYER_TYPES]; /* version 1's name counters */
    uint32_t compiled, loss, accuracy;
    NnOptimizer opt;
    uint64_t opt_steps, n_state;
    size_t state_at;                     /* offset of the optimiser's state */
    uint64_t epochs;
    uint32_t n_hist;
    size_t hist_at;
    size_t n_params, params_at;
} Parsed;

#define TRUNCATED(what)                                                                      \
    err_set(e, "model file is truncated (%zu bytes, ends inside the %s); it cannot be "       \
               "loaded, save the model again", r->n, what)

static int as_int(uint32_t v, int *out)
{
    if (v > (uint32_t)NN_MAX_DIM)
        return -1;
    *out = (int)v;
    return 0;
}

/* Version 1's fixed layer record: nine u32 (kind, activation, units, filters, kh,
 * kw, padding, ph, pw) and a 32-byte name; kinds by number. */
static int read_v1_layer(Reader *r, uint32_t i, NnLayerSpec *s, Err *e)
{
    uint32_t f[9];
    char name[NN_NAME_MAX];
    for (int k = 0; k < 9; k++)
        if (get_u32(r, &f[k]) != 0)
            return TRUNCATED("layer list");
    if (get(r, name, NN_NAME_MAX) != 0)
        return TRUNCATED("layer list");
    const NnLayerAbout *type = NULL;
    for (size_t t = 0; nn_layer_type(t); t++)
        if (nn_layer_type(t)->v1_kind >= 0 && (uint32_t)nn_layer_type(t)->v1_kind == f[0])
            type = nn_layer_type(t);
    if (!type || f[1] >= NN_ACTS || f[6] > NN_PAD_SAME || as_int(f[2], &s->units) != 0 ||
        as_int(f[3], &s->filters) != 0 || as_int(f[4], &s->kh) != 0 ||
        as_int(f[5], &s->kw) != 0 || as_int(f[7], &s->ph) != 0 || as_int(f[8], &s->pw) != 0 ||
        memchr(name, '\0', NN_NAME_MAX) == NULL)
        return err_set(e, _("corrupted model file: layer %u has impossible settings"), i + 1);
    s->kind = type->name;
    s->act = (NnAct)f[1];
    s->padding = (NnPadding)f[6];
    memcpy(s->name, name, NN_NAME_MAX);
    return 0;
}

/* A record of words into words[] (pointing into buf, RECORD_MAX + 1 bytes);
 * returns the count, or -1. Only printable ASCII and single spaces are allowed,
 * so nothing read from a file can reach a message unprintable. */
static int read_record(Reader *r, const char *what, char *buf, char **words, int max, Err *e)
{
    uint32_t n;
    if (get_u32(r, &n) != 0)
        return TRUNCATED(what);
    if (n == 0 || n > RECORD_MAX)
        return err_set(e, _("corrupted model file: a %s record of %u bytes (should be 1..%d)"),
                       what, n, RECORD_MAX);
    if (get(r, buf, n) != 0)
        return TRUNCATED(what);
    buf[n] = '\0';
    int count = 0;
    for (uint32_t k = 0; k < n; k++) {
        unsigned char ch = (unsigned char)buf[k];
        if (ch == ' ' && k > 0 && buf[k - 1] != '\0' && k + 1 < n) {
            buf[k] = '\0';
            continue;
        }
        if (ch <= ' ' || ch > '~')
            return err_set(e, _("corrupted model file: a %s record holds byte 0x%02x"), what, ch);
        if (k == 0 || buf[k - 1] == '\0') {
            if (count == max)
                return err_set(e, _("corrupted model file: a %s record has too many words"), what);
            words[count++] = buf + k;
        }
    }
    return count;
}

static const Param name_field[] = {
    {.name = "name", .type = PARAM_WORD, .place = PARAM_POS, .what = N_("layer name")},
    {0},
};

/* Version 2's layer record: "KIND name NAME FIELD VALUE...", read by the same
 * parser `model add` uses, against the fields the layer type describes. */
static int read_v2_layer(Reader *r, uint32_t i, NnLayerSpec *s, Err *e)
{
    char buf[RECORD_MAX + 1], *words[2 * PARAMS_MAX + 2];
    int n = read_record(r, "layer", buf, words, (int)(sizeof words / sizeof words[0]), e);
    if (n < 0)
        return -1;
    const NnLayerAbout *type = nn_layer_find(words[0]);
    if (!type)
        return err_set(e, _("corrupted model file: layer %u is of an unknown kind '%.40s'; this "
                          "untangle knows no such layer"), i + 1, words[0]);
    const Param *lists[2] = {name_field, type->fields};
    ParamValues pv;
    Err pe;
    if (params_parse(lists, 2, n - 1, words + 1, 1, type->name, &pv, &pe) != 0)
        return err_set(e, _("corrupted model file: layer %u: %s"), i + 1, pe.msg);
    const char *name = params_get(&pv, "name")->text;
    if (strlen(name) >= NN_NAME_MAX)
        return err_set(e, _("corrupted model file: layer %u: bad layer name (at most %d "
                          "characters)"), i + 1, NN_NAME_MAX - 1);
    s->kind = type->name;
    params_store(&pv, s);
    snprintf(s->name, sizeof s->name, "%s", name);
    return 0;
}

/* Follows the shapes through each layer's ops, so that the parameter count is
 * known, and every setting checked, before anything is allocated. */
static int check_layers(const Parsed *p, size_t len, size_t *n_params, Err *e)
{
    NnShape shape = p->input;
    size_t total = 0;
    for (uint32_t i = 0; i < p->n_layers; i++) {
        const NnLayerOps *ops = nn_layer_ops(p->specs[i].kind);
        NnShape out;
        size_t nw = 0, nb = 0;
        Err le;
        if (ops->out_shape(&p->specs[i], shape, &out, &le) != 0)
            return err_set(e, _("corrupted model file: layer %u: %s"), i + 1, le.msg);
        if ((ops->param_count && ops->param_count(&p->specs[i], shape, &nw, &nb) != 0) ||
            size_add(total, nw, &total) != 0 || size_add(total, nb, &total) != 0 ||
            total > len / 4)
            return err_set(e, _("model file is truncated or corrupted: layer %u needs more "
                              "weights than the file holds"), i + 1);
        shape = out;
    }
    *n_params = total;
    return 0;
}

static int read_header(Reader *r, Parsed *p, Err *e)
{
    uint32_t rank, dims[3];
    if (get_u32(r, &p->n_layers) != 0 || get_u32(r, &rank) != 0 || get_u32(r, &dims[0]) != 0 ||
        get_u32(r, &dims[1]) != 0 || get_u32(r, &dims[2]) != 0)
        return TRUNCATED("header");
    if (p->n_layers < 1 || p->n_layers > NN_MAX_LAYERS)
        return err_set(e, _("corrupted model file: %u layers (should be 1..%d)"), p->n_layers,
                       NN_MAX_LAYERS);
    NnShape in = {0, {0, 0, 0}};
    if ((rank != 1 && rank != 3) || as_int(dims[0], &in.d[0]) != 0 ||
        as_int(dims[1], &in.d[1]) != 0 || as_int(dims[2], &in.d[2]) != 0 || in.d[0] < 1 ||
        (rank == 3 && (in.d[1] < 1 || in.d[2] < 1)) ||
        (rank == 1 && (in.d[1] != 0 || in.d[2] != 0)))
        return err_set(e, _("corrupted model file: bad input shape (rank %u)"), rank);
    in.rank = (int)rank;
    p->input = in;
    return 0;
}

/* Version 1 after the layers: name counters, compile settings (plain SGD), epochs,
 * history. */
static int read_v1_compile(Reader *r, Parsed *p, Err *e)
{
    for (int k = 0; k < V1_LAYER_KINDS; k++) {
        uint32_t c;
        if (get_u32(r, &c) != 0)
            return TRUNCATED("layer names");
        for (size_t t = 0; nn_layer_type(t); t++)
            if (nn_layer_type(t)->v1_kind == k)
                p->counts[t] = c;
    }
    double lr;
    if (get_u32(r, &p->compiled) != 0 || get_u32(r, &p->loss) != 0 ||
        get_u32(r, &p->accuracy) != 0 || get_f64(r, &lr) != 0 || get_u64(r, &p->epochs) != 0 ||
        get_u32(r, &p->n_hist) != 0)
        return TRUNCATED("compile settings");
    nn_optimizer_defaults("sgd", &p->opt, NULL);
    p->opt.lr = lr;
    return 0;
}

/* Version 2 after the layers: compile settings, the optimiser's record and state,
 * epochs, history. */
static int read_v2_compile(Reader *r, Parsed *p, Err *e)
{
    if (get_u32(r, &p->compiled) != 0 || get_u32(r, &p->loss) != 0 ||
        get_u32(r, &p->accuracy) != 0)
        return TRUNCATED("compile settings");
    char buf[RECORD_MAX + 1], *words[2 * PARAMS_MAX + 1];
    int n = read_record(r, "optimizer", buf, words, (int)(sizeof words / sizeof words[0]), e);
    if (n < 0)
        return -1;
    const NnOptimizerAbout *type = nn_optimizer_find(words[0]);
    if (!type)
        return err_set(e, _("corrupted model file: unknown optimizer '%.40s'"), words[0]);
    const Param *lists[1] = {type->hyper};
    ParamValues pv;
    Err pe;
    if (params_parse(lists, 1, n - 1, words + 1, 1, type->name, &pv, &pe) != 0)
        return err_set(e, _("corrupted model file: optimizer: %s"), pe.msg);
    nn_optimizer_defaults(type->name, &p->opt, NULL);
    params_store(&pv, &p->opt);
    if (get_u64(r, &p->opt_steps) != 0 || get_u64(r, &p->n_state) != 0)
        return TRUNCATED("optimizer state");
    if (p->n_state > (r->n - r->at) / 4)
        return TRUNCATED("optimizer state");
    p->state_at = r->at;
    r->at += (size_t)p->n_state * 4;
    if (get_u64(r, &p->epochs) != 0 || get_u32(r, &p->n_hist) != 0)
        return TRUNCATED("compile settings");
    return 0;
}

/* The automatic-name counters from the names: `dense_7` means dense has counted
 * to 7 at least, so the next automatic name is new. */
static void counters_from_names(Model *m)
{
    for (size_t i = 0; i < m->n_layers; i++)
        for (size_t t = 0; nn_layer_types[t]; t++) {
            const char *prefix = nn_layer_types[t]->about.prefix, *name = m->layers[i]->name;
            size_t k = strlen(prefix);
            if (strncmp(name, prefix, k) != 0 || name[k] != '_' || !name[k + 1] ||
                strspn(name + k + 1, "0123456789") != strlen(name + k + 1) ||
                strlen(name + k + 1) > 9)
                continue;
            unsigned v = (unsigned)strtoul(name + k + 1, NULL, 10);
            if (v > m->name_count[t])
                m->name_count[t] = v;
        }
}

Model *model_parse(const uint8_t *buf, size_t len, Err *e)
{
    Reader rd = {buf, len, 0}, *r = &rd;
    Parsed p;
    memset(&p, 0, sizeof p);
    if (len < MAGIC_LEN || memcmp(buf, MAGIC, MAGIC_LEN) != 0) {
        err_set(e, _("not an untangle model file (it does not start with \"%s\"); give a file "
                   "written by `model save`"), MAGIC);
        return NULL;
    }
    r->at = MAGIC_LEN;
    if (get_u32(r, &p.version) != 0) {
        TRUNCATED("header");
        return NULL;
    }
    if (p.version != 1 && p.version != VERSION) {
        err_set(e, _("model file version %u is not supported (this untangle reads versions 1 and "
                   "%d); save it again with this version"), p.version, VERSION);
        return NULL;
    }
    if (read_header(r, &p, e) != 0)
        return NULL;
    for (uint32_t i = 0; i < p.n_layers; i++)
        if ((p.version == 1 ? read_v1_layer(r, i, &p.specs[i], e)
                            : read_v2_layer(r, i, &p.specs[i], e)) != 0)
            return NULL;
    size_t n_expected = 0;
    if (check_layers(&p, len, &n_expected, e) != 0)
        return NULL;
    if ((p.version == 1 ? read_v1_compile(r, &p, e) : read_v2_compile(r, &p, e)) != 0)
        return NULL;
    const NnOptimizerOps *opt = nn_optimizer_ops(p.opt.name);
    if (p.compiled > 1 || p.loss != NN_LOSS_CCE || p.accuracy > 1 || !isfinite(p.opt.lr) ||
        p.opt.lr < PARAM_NUMBER_MIN || p.opt.lr > 1e6 || p.epochs > (uint64_t)1 << 40 ||
        p.n_hist > MAX_HISTORY ||
        (p.n_state != 0 && p.n_state != (uint64_t)opt->state_per_param * n_expected)) {
        err_set(e, _("corrupted model file: impossible compile settings, optimizer state or "
                   "history"));
        return NULL;
    }
    if ((size_t)p.n_hist * 16 > r->n - r->at) {
        TRUNCATED("history");
        return NULL;
    }
    p.hist_at = r->at;
    r->at += (size_t)p.n_hist * 16;
    uint64_t n_params;
    if (get_u64(r, &n_params) != 0) {
        TRUNCATED("weights");
        return NULL;
    }
    if (n_params != (uint64_t)n_expected) {
        err_set(e, _("corrupted model file: it holds %llu weights but its layers need %zu"),
                (unsigned long long)n_params, n_expected);
        return NULL;
    }
    size_t need = n_expected * 4 + 4; /* n_expected <= len / 4: no overflow */
    if (r->n - r->at < need) {
        TRUNCATED("weights");
        return NULL;
    }
    if (r->n - r->at > need) {
        err_set(e, _("model file has %zu unexpected bytes after its end; it is not a file "
                   "`model save` wrote"), r->n - r->at - need);
        return NULL;
    }
    p.params_at = r->at;
    r->at = len - 4;
    uint32_t stored = 0, actual = (uint32_t)crc32_z(0L, buf, len - 4) & 0xffffffffu;
    if (get_u32(r, &stored) != 0 || stored != actual) { /* the 4 bytes are there (len >= need) */
        err_set(e, _("model file is corrupted (checksum %08x, expected %08x); it cannot be "
                   "trusted, save the model again"), actual, stored);
        return NULL;
    }

    /* Everything checked: build through model_add, which checks the shapes again. */
    Model *m = model_new();
    for (uint32_t i = 0; i < p.n_layers; i++) {
        Err le;
        if (model_add(m, &p.specs[i], i == 0 ? &p.input : NULL, NULL, &le) != 0) {
            err_set(e, _("corrupted model file: layer %u: %s"), i + 1, le.msg);
            model_free(m);
            return NULL;
        }
    }
    for (size_t t = 0; t < NN_MAX_LAYER_TYPES; t++)
        if (p.counts[t] > m->name_count[t])
            m->name_count[t] = p.counts[t];
    counters_from_names(m);
    m->compile.compiled = (int)p.compiled;
    m->compile.loss = (NnLoss)p.loss;
    m->compile.accuracy = (int)p.accuracy;
    m->compile.opt = p.opt;
    m->epochs_trained = (long)p.epochs;
    if (p.n_state) {
        m->n_opt_state = (size_t)p.n_state;
        m->opt_state = xmalloc_floats(m->n_opt_state);
        r->at = p.state_at;
        for (size_t i = 0; i < m->n_opt_state; i++)
            get_f32(r, &m->opt_state[i]);
        m->opt_steps = p.opt_steps;
    }
    NnHistory *h = &m->history;
    size_t cap = p.n_hist ? p.n_hist : 1;
    h->loss = xmalloc(cap * sizeof(float));
    h->accuracy = xmalloc(cap * sizeof(float));
    h->val_loss = xmalloc(cap * sizeof(float));
    h->val_accuracy = xmalloc(cap * sizeof(float));
    h->cap = cap;
    r->at = p.hist_at;
    for (uint32_t i = 0; i < p.n_hist; i++) {
        get_f32(r, &h->loss[i]);
        get_f32(r, &h->accuracy[i]);
        get_f32(r, &h->val_loss[i]);
        get_f32(r, &h->val_accuracy[i]);
    }
    h->n = p.n_hist;
    r->at = p.params_at;
    for (size_t i = 0; i < m->n_params; i++)
        get_f32(r, &m->params[i]);
    return m;
}

Model *model_load(const char *path, Err *e)
{
    size_t size;
    FILE *f = file_open_read(path, _("model file"),
                             _("give the NAME.model file that `model save NAME` wrote"), &size, e);
    if (!f)
        return NULL;
    Model *m = NULL;
    uint8_t *buf = NULL;
    if (size > MAX_FILE_BYTES) {
        err_set(e, _("model file '%s' is %zu bytes, more than any model untangle builds; is it "
                   "really a model file?"),
                path, size);
        goto out;
    }
    if (mem_check_budget(size, _("reading this model file"), e) != 0)
        goto out;
    buf = xmalloc(size);
    if (size > 0 && fread(buf, 1, size, f) != size) {
        err_set(e, _("cannot read model file '%s': %s"), path,
                ferror(f) ? strerror(errno) : _("it ended early"));
        goto out;
    }
    m = model_parse(buf, size, e);
    if (!m && e) {
        /* The file name first; the parser's sentences may lack the remedy. */
        char msg[ERR_MSG_MAX];
        snprintf(msg, sizeof msg, "%s", e->msg);
        if (strchr(msg, ';'))
            err_set(e, "%s: %s", path, msg);
        else
            err_set(e, _("%s: %s; the file is damaged: save the model again with `model save`"),
                    path, msg);
    }
out:
    free(buf);
    fclose(f);
    return m;
}
