/* model_io.c: model files (docs/model-format.md).
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

#include "untangle/core/atomic_file.h"
#include "untangle/core/files.h"
#include "untangle/core/interrupt.h"
#include "untangle/nn/nn_layer.h"
#include "untangle/core/xalloc.h"

#define MAGIC "UNTGLMDL"
#define MAGIC_LEN 8
#define VERSION 1
#define LAYER_RECORD (9 * 4 + NN_NAME_MAX)
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

static void put_f64(Buf *b, double f)
{
    uint64_t v;
    memcpy(&v, &f, 8);
    put_u64(b, v);
}

/* Everything before the parameters: header, layers, names, compile settings,
 * history and the parameter count. */
static void put_head(Buf *b, const Model *m)
{
    put(b, MAGIC, MAGIC_LEN);
    put_u32(b, VERSION);
    put_u32(b, (uint32_t)m->n_layers);
    put_u32(b, (uint32_t)m->input.rank);
    for (int i = 0; i < 3; i++)
        put_u32(b, (uint32_t)(i < m->input.rank ? m->input.d[i] : 0));
    for (size_t i = 0; i < m->n_layers; i++) {
        const NnLayerSpec *s = &m->layers[i]->spec;
        put_u32(b, (uint32_t)s->kind);
        put_u32(b, (uint32_t)s->act);
        put_u32(b, (uint32_t)s->units);
        put_u32(b, (uint32_t)s->filters);
        put_u32(b, (uint32_t)s->kh);
        put_u32(b, (uint32_t)s->kw);
        put_u32(b, (uint32_t)s->padding);
        put_u32(b, (uint32_t)s->ph);
        put_u32(b, (uint32_t)s->pw);
        char name[NN_NAME_MAX] = {0};
        snprintf(name, sizeof name, "%s", m->layers[i]->name);
        put(b, name, NN_NAME_MAX);
    }
    for (int k = 0; k < NN_LAYER_KINDS; k++)
        put_u32(b, m->name_count[k]);
    put_u32(b, (uint32_t)m->compile.compiled);
    put_u32(b, (uint32_t)m->compile.loss);
    put_u32(b, (uint32_t)m->compile.accuracy);
    put_f64(b, m->compile.lr);
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

/* The parameters as little-endian floats, from first, n of them, into out. */
static void params_le(const Model *m, size_t first, size_t n, uint8_t *out)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t v;
        memcpy(&v, &m->params[first + i], 4);
        out[4 * i] = (uint8_t)v;
        out[4 * i + 1] = (uint8_t)(v >> 8);
        out[4 * i + 2] = (uint8_t)(v >> 16);
        out[4 * i + 3] = (uint8_t)(v >> 24);
    }
}

void model_serialize(const Model *m, uint8_t **out, size_t *len)
{
    Buf b = {0};
    put_head(&b, m);
    size_t at = b.n;
    if (m->n_params) {
        /* room for the parameters, then the checksum */
        size_t need = b.n + m->n_params * 4;
        if (need > b.cap) {
            b.p = xrealloc(b.p, need + 4);
            b.cap = need + 4;
        }
        params_le(m, 0, m->n_params, b.p + at);
        b.n = need;
    }
    put_u32(&b, (uint32_t)crc32_z(0L, b.p, b.n) & 0xffffffffu);
    *out = b.p;
    *len = b.n;
}

/* Parameters are written in chunks of this many, looking at the stop flag
 * between them: a 1 GiB model stops within a fraction of a second. */
#define SAVE_CHUNK ((size_t)1 << 18)

int model_save(const Model *m, const char *path, Err *e)
{
    if (m->n_layers == 0)
        return err_set(e, "the model has no layer; there is nothing to save");
    Buf b = {0};
    put_head(&b, m);
    AtomicFile af;
    if (atomic_open(&af, path, e) != 0) {
        free(b.p);
        return -1;
    }
    uLong crc = crc32_z(0L, b.p, b.n);
    int failed = fwrite(b.p, 1, b.n, af.f) != b.n;
    free(b.p);
    uint8_t *chunk = xmalloc(SAVE_CHUNK * 4);
    for (size_t at = 0; at < m->n_params && !failed; at += SAVE_CHUNK) {
        if (interrupt_pending()) {
            free(chunk);
            atomic_abort(&af);
            return err_interrupted(e, "model save; the previous file, if any, is unchanged");
        }
        size_t n = m->n_params - at < SAVE_CHUNK ? m->n_params - at : SAVE_CHUNK;
        params_le(m, at, n, chunk);
        crc = crc32_z(crc, chunk, n * 4);
        failed = fwrite(chunk, 1, n * 4, af.f) != n * 4;
    }
    free(chunk);
    uint8_t tail[4] = {(uint8_t)crc, (uint8_t)(crc >> 8), (uint8_t)(crc >> 16),
                       (uint8_t)(crc >> 24)};
    if (failed || fwrite(tail, 1, 4, af.f) != 4) {
        int saved = errno;
        atomic_abort(&af);
        return err_set(e, "cannot write '%s': %s; the previous file, if any, is unchanged", path,
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

static int as_int(uint32_t v, int *out)
{
    if (v > (uint32_t)NN_MAX_DIM)
        return -1;
    *out = (int)v;
    return 0;
}

#define TRUNCATED(what)                                                                      \
    do {                                                                                     \
        err_set(e, "model file is truncated (%zu bytes, ends inside the %s); it cannot be "   \
                   "loaded, save the model again", len, what);                               \
        return NULL;                                                                         \
    } while (0)

/* Reads the layer list into specs[] and follows the shapes through each layer's
 * ops, so that the parameter count is known, and every setting checked, before
 * anything is allocated. */
static int scan_layers(Reader *r, size_t len, uint32_t n_layers, NnShape input,
                       NnLayerSpec *specs, size_t *n_params, Err *e)
{
    NnShape shape = input;
    size_t total = 0;
    for (uint32_t i = 0; i < n_layers; i++) {
        uint32_t f[9];
        NnLayerSpec *s = &specs[i];
        memset(s, 0, sizeof *s);
        for (int k = 0; k < 9; k++)
            if (get_u32(r, &f[k]) != 0)
                return err_set(e, "model file is truncated (%zu bytes, ends inside the layer "
                                  "list); save the model again", len);
        char name[NN_NAME_MAX];
        if (get(r, name, NN_NAME_MAX) != 0)
            return err_set(e, "model file is truncated (%zu bytes, ends inside the layer "
                              "list); save the model again", len);
        if (f[0] >= NN_LAYER_KINDS || f[1] >= NN_ACTS || f[6] > NN_PAD_SAME ||
            as_int(f[2], &s->units) != 0 || as_int(f[3], &s->filters) != 0 ||
            as_int(f[4], &s->kh) != 0 || as_int(f[5], &s->kw) != 0 || as_int(f[7], &s->ph) != 0 ||
            as_int(f[8], &s->pw) != 0 || memchr(name, '\0', NN_NAME_MAX) == NULL)
            return err_set(e, "corrupted model file: layer %u has impossible settings", i + 1);
        s->kind = (NnLayerKind)f[0];
        s->act = (NnAct)f[1];
        s->padding = (NnPadding)f[6];
        memcpy(s->name, name, NN_NAME_MAX);
        const NnLayerOps *ops = nn_layer_ops(s->kind);
        NnShape out;
        size_t nw, nb;
        Err le;
        if (ops->out_shape(s, shape, &out, &le) != 0)
            return err_set(e, "corrupted model file: layer %u: %s", i + 1, le.msg);
        if (ops->param_count(s, shape, &nw, &nb) != 0 || size_add(total, nw, &total) != 0 ||
            size_add(total, nb, &total) != 0 || total > len / 4)
            return err_set(e, "model file is truncated or corrupted: layer %u needs more weights than the file "
                              "holds", i + 1);
        shape = out;
    }
    *n_params = total;
    return 0;
}

Model *model_parse(const uint8_t *buf, size_t len, Err *e)
{
    Reader r = {buf, len, 0};
    Model *m = NULL;
    char magic[MAGIC_LEN];
    uint32_t version, n_layers, rank, dims[3];
    NnLayerSpec specs[NN_MAX_LAYERS];
    size_t n_expected = 0;
    if (len < MAGIC_LEN || memcmp(buf, MAGIC, MAGIC_LEN) != 0) {
        err_set(e, "not an untangle model file (it does not start with \"%s\"); give a file "
                   "written by `model save`", MAGIC);
        return NULL;
    }
    get(&r, magic, MAGIC_LEN);
    if (get_u32(&r, &version) != 0)
        TRUNCATED("header");
    if (version != VERSION) {
        err_set(e, "model file version %u is not supported (this untangle reads version %d); "
                   "save it again with this version", version, VERSION);
        return NULL;
    }
    if (get_u32(&r, &n_layers) != 0 || get_u32(&r, &rank) != 0 || get_u32(&r, &dims[0]) != 0 ||
        get_u32(&r, &dims[1]) != 0 || get_u32(&r, &dims[2]) != 0)
        TRUNCATED("header");
    if (n_layers < 1 || n_layers > NN_MAX_LAYERS) {
        err_set(e, "corrupted model file: %u layers (should be 1..%d)", n_layers, NN_MAX_LAYERS);
        return NULL;
    }
    NnShape input = {0, {0, 0, 0}};
    if ((rank != 1 && rank != 3) || as_int(dims[0], &input.d[0]) != 0 ||
        as_int(dims[1], &input.d[1]) != 0 || as_int(dims[2], &input.d[2]) != 0 ||
        input.d[0] < 1 || (rank == 3 && (input.d[1] < 1 || input.d[2] < 1)) ||
        (rank == 1 && (input.d[1] != 0 || input.d[2] != 0))) {
        err_set(e, "corrupted model file: bad input shape (rank %u)", rank);
        return NULL;
    }
    input.rank = (int)rank;
    if (scan_layers(&r, len, n_layers, input, specs, &n_expected, e) != 0)
        return NULL;

    uint32_t counts[NN_LAYER_KINDS];
    for (int k = 0; k < NN_LAYER_KINDS; k++)
        if (get_u32(&r, &counts[k]) != 0)
            TRUNCATED("layer names");
    uint32_t compiled, loss, acc, n_hist;
    double lr;
    uint64_t epochs, n_params;
    if (get_u32(&r, &compiled) != 0 || get_u32(&r, &loss) != 0 || get_u32(&r, &acc) != 0 ||
        get_f64(&r, &lr) != 0 || get_u64(&r, &epochs) != 0 || get_u32(&r, &n_hist) != 0)
        TRUNCATED("compile settings");
    if (compiled > 1 || loss != NN_LOSS_CCE || acc > 1 || !isfinite(lr) || lr <= 0 || lr > 1e6 ||
        epochs > (uint64_t)1 << 40 || n_hist > MAX_HISTORY) {
        err_set(e, "corrupted model file: impossible compile settings or history");
        return NULL;
    }
    if ((size_t)n_hist * 16 > r.n - r.at)
        TRUNCATED("history");
    size_t hist_at = r.at;
    r.at += (size_t)n_hist * 16;
    if (get_u64(&r, &n_params) != 0)
        TRUNCATED("weights");
    if (n_params != (uint64_t)n_expected) {
        err_set(e, "corrupted model file: it holds %llu weights but its layers need %zu",
                (unsigned long long)n_params, n_expected);
        return NULL;
    }
    size_t need = n_expected * 4 + 4; /* n_expected <= len / 4: no overflow */
    if (r.n - r.at < need)
        TRUNCATED("weights");
    if (r.n - r.at > need) {
        err_set(e, "model file has %zu unexpected bytes after its end; it is not a file "
                   "`model save` wrote", r.n - r.at - need);
        return NULL;
    }
    size_t body = len - 4, params_at = r.at;
    r.at = body;
    uint32_t stored, actual = (uint32_t)crc32_z(0L, buf, body) & 0xffffffffu;
    get_u32(&r, &stored);
    if (stored != actual) {
        err_set(e, "model file is corrupted (checksum %08x, expected %08x); it cannot be "
                   "trusted, save the model again", actual, stored);
        return NULL;
    }

    /* Everything checked: build through model_add, which checks the shapes again. */
    m = model_new();
    for (uint32_t i = 0; i < n_layers; i++) {
        Err le;
        if (model_add(m, &specs[i], i == 0 ? &input : NULL, NULL, &le) != 0) {
            err_set(e, "corrupted model file: layer %u: %s", i + 1, le.msg);
            goto fail;
        }
    }
    for (int k = 0; k < NN_LAYER_KINDS; k++)
        if (counts[k] > m->name_count[k])
            m->name_count[k] = counts[k];
    m->compile.compiled = (int)compiled;
    m->compile.loss = (NnLoss)loss;
    m->compile.accuracy = (int)acc;
    m->compile.lr = lr;
    m->epochs_trained = (long)epochs;
    NnHistory *h = &m->history;
    size_t cap = n_hist ? n_hist : 1;
    h->loss = xmalloc(cap * sizeof(float));
    h->accuracy = xmalloc(cap * sizeof(float));
    h->val_loss = xmalloc(cap * sizeof(float));
    h->val_accuracy = xmalloc(cap * sizeof(float));
    h->cap = cap;
    r.at = hist_at;
    for (uint32_t i = 0; i < n_hist; i++) {
        get_f32(&r, &h->loss[i]);
        get_f32(&r, &h->accuracy[i]);
        get_f32(&r, &h->val_loss[i]);
        get_f32(&r, &h->val_accuracy[i]);
    }
    h->n = n_hist;
    r.at = params_at;
    for (size_t i = 0; i < m->n_params; i++)
        get_f32(&r, &m->params[i]);
    return m;
fail:
    model_free(m);
    return NULL;
}

Model *model_load(const char *path, Err *e)
{
    size_t size;
    FILE *f = file_open_read(path, "model file",
                             "give the NAME.model file that `model save NAME` wrote", &size, e);
    if (!f)
        return NULL;
    Model *m = NULL;
    uint8_t *buf = NULL;
    if (size > MAX_FILE_BYTES) {
        err_set(e, "model file '%s' is %zu bytes, more than any model untangle builds; is it "
                   "really a model file?",
                path, size);
        goto out;
    }
    if (mem_check_budget(size, "reading this model file", e) != 0)
        goto out;
    buf = xmalloc(size);
    if (size > 0 && fread(buf, 1, size, f) != size) {
        err_set(e, "cannot read model file '%s': %s", path,
                ferror(f) ? strerror(errno) : "it ended early");
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
            err_set(e, "%s: %s; the file is damaged: save the model again with `model save`",
                    path, msg);
    }
out:
    free(buf);
    fclose(f);
    return m;
}
