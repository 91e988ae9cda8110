/* pool.c: a fixed set of worker threads that share chunks of an index range.
 *
 * A job is published under the mutex (its task, range and a new generation); the
 * chunks are then claimed without it, by a compare-and-swap on one ticket holding the
 * generation and the next chunk, so that a worker that comes late, after the job is
 * done, claims nothing (it cannot take a chunk of a later job either: the generation
 * differs). The caller returns when every chunk is finished, counted by the chunks
 * themselves: it does not wait for a worker that was not scheduled in time to check
 * in, which on a busy machine costs a time slice per job. Between jobs the workers,
 * and the caller while the last chunks finish, spin briefly before sleeping, since
 * the jobs of one t-SNE iteration or training step follow each other within
 * microseconds.
 *
 * A background job (pool_start .. pool_finish) is a second range whose chunks the
 * workers take whenever no ordinary job has chunks left for them: in the gaps between
 * the ordinary jobs and while the caller works alone between them. A worker checks for
 * a new ordinary job after each background chunk, so one waits at most a chunk for it;
 * the caller, waiting for the last chunks of an ordinary job, takes background chunks
 * too; pool_finish has the caller run what is left and wait for the rest. It claims its
 * chunks by its own ticket, as the ordinary jobs do. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "untangle/core/pool.h"
#include "untangle/core/xalloc.h"

/* Spins (each a pause of some tens of cycles) before sleeping: some tens of
 * microseconds, the gap between the jobs of one iteration. */
#define POOL_SPIN 2000
#define POOL_MAX_CHUNKS UINT32_MAX /* chunk numbers fit the ticket's low half */

struct PoolArg {
    Pool *pool;
    int worker;
};
typedef struct PoolArg PoolArg;

/* What a job is, as the caller published it (copied under the mutex). */
typedef struct PoolJob {
    PoolTask fn;
    void *ctx;
    size_t n, chunk, chunks;
    uint32_t generation;
} PoolJob;

/* A job's claims and completions. */
typedef struct PoolSlot {
    PoolJob job;                  /* under mu */
    atomic_uint_least64_t ticket; /* generation << 32 | next chunk to claim */
    atomic_size_t finished;       /* chunks of the job done */
} PoolSlot;

struct Pool {
    pthread_mutex_t mu;
    pthread_cond_t wake;     /* workers sleep here for a new job (or the stop) */
    pthread_cond_t done;     /* the caller sleeps here for the last chunks */
    pthread_t tid[POOL_MAX_THREADS];
    PoolArg args[POOL_MAX_THREADS];
    int workers;             /* threads started besides the caller's */
    int sleepers;            /* workers waiting on wake (under mu) */
    int caller_sleeping;     /* the caller waits on done (under mu) */
    int stop;                /* under mu */
    PoolSlot fg;             /* the current ordinary job */
    PoolSlot bg;             /* the background job */
    atomic_uint generation;  /* bumped for every ordinary job, and by the stop */
    atomic_size_t bg_chunks; /* the background job's chunks; 0: none */
    unsigned bg_generation;  /* of the last background job (the caller's) */
};

static inline void pool_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Claims chunk c of job j in slot s: 0 when none is left or j is not the slot's job any
 * more. */
static int pool_claim(PoolSlot *s, const PoolJob *j, size_t *c)
{
    uint_least64_t mine = (uint_least64_t)j->generation << 32;
    for (;;) {
        uint_least64_t v = atomic_load(&s->ticket);
        if ((v & ~(uint_least64_t)UINT32_MAX) != mine || (size_t)(v & UINT32_MAX) >= j->chunks)
            return 0;
        if (atomic_compare_exchange_weak(&s->ticket, &v, v + 1)) {
            *c = (size_t)(v & UINT32_MAX);
            return 1;
        }
    }
}

/* Runs chunk c of job j in slot s, waking the caller if it was the last. */
static void pool_chunk(Pool *p, PoolSlot *s, const PoolJob *j, size_t c, int worker)
{
    size_t b = c * j->chunk;
    size_t end = j->n - b < j->chunk ? j->n : b + j->chunk;
    j->fn(j->ctx, b, end, worker);
    if (atomic_fetch_add(&s->finished, 1) + 1 == j->chunks) {
        pthread_mutex_lock(&p->mu);
        if (p->caller_sleeping)
            pthread_cond_signal(&p->done);
        pthread_mutex_unlock(&p->mu);
    }
}

/* Claims and runs chunks of job j until none is left (or the job is not the current
 * one any more); shared by the workers and the caller. */
static void pool_run(Pool *p, PoolSlot *s, const PoolJob *j, int worker)
{
    size_t c;
    while (pool_claim(s, j, &c))
        pool_chunk(p, s, j, c, worker);
}

/* The background job has chunks left to claim (a hint: the claim decides). */
static int pool_bg_waiting(Pool *p)
{
    size_t chunks = atomic_load(&p->bg_chunks);
    return chunks > 0 && (size_t)(atomic_load(&p->bg.ticket) & UINT32_MAX) < chunks;
}

/* A worker's background chunks, one at a time, until none is left or an ordinary job
 * newer than `seen` is published. */
static void pool_run_background(Pool *p, const PoolJob *j, unsigned seen, int worker)
{
    size_t c;
    while (atomic_load(&p->generation) == seen && pool_claim(&p->bg, j, &c))
        pool_chunk(p, &p->bg, j, c, worker);
}

static void *pool_worker(void *arg)
{
    Pool *p = ((PoolArg *)arg)->pool;
    int worker = ((PoolArg *)arg)->worker;
    unsigned seen = 0;
    for (;;) {
        for (int s = 0; s < POOL_SPIN && atomic_load(&p->generation) == seen && !pool_bg_waiting(p);
             s++)
            pool_relax();
        pthread_mutex_lock(&p->mu);
        while (!p->stop && atomic_load(&p->generation) == seen && !pool_bg_waiting(p)) {
            p->sleepers++;
            pthread_cond_wait(&p->wake, &p->mu);
            p->sleepers--;
        }
        if (p->stop) {
            pthread_mutex_unlock(&p->mu);
            return NULL;
        }
        if (atomic_load(&p->generation) != seen) {
            PoolJob j = p->fg.job;
            seen = atomic_load(&p->generation);
            pthread_mutex_unlock(&p->mu);
            pool_run(p, &p->fg, &j, worker);
        } else {
            PoolJob j = p->bg.job;
            pthread_mutex_unlock(&p->mu);
            pool_run_background(p, &j, seen, worker);
        }
    }
}

Pool *pool_new(int threads)
{
    Pool *p = xcalloc(1, sizeof *p);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->wake, NULL);
    pthread_cond_init(&p->done, NULL);
    atomic_init(&p->generation, 0);
    atomic_init(&p->fg.ticket, 0);
    atomic_init(&p->fg.finished, 0);
    atomic_init(&p->bg.ticket, 0);
    atomic_init(&p->bg.finished, 0);
    atomic_init(&p->bg_chunks, 0);
    int want = threads - 1;
    if (want > POOL_MAX_THREADS)
        want = POOL_MAX_THREADS;
    for (int i = 0; i < want; i++) {
        p->args[p->workers].pool = p;
        p->args[p->workers].worker = p->workers + 1;
        if (pthread_create(&p->tid[p->workers], NULL, pool_worker, &p->args[p->workers]) != 0)
            break; /* fewer threads: slower, same results */
        p->workers++;
    }
    return p;
}

void pool_free(Pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    atomic_fetch_add(&p->generation, 1); /* ends the spinning */
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->workers; i++)
        pthread_join(p->tid[i], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->wake);
    pthread_cond_destroy(&p->done);
    free(p);
}

/* The caller's wait for the last chunks of slot s's job (run by workers): background
 * chunks meanwhile when help_bg, a short spin, then sleep. */
static void pool_wait(Pool *p, PoolSlot *s, size_t chunks, int help_bg)
{
    if (help_bg && atomic_load(&p->bg_chunks) > 0) {
        PoolJob j = p->bg.job; /* only the caller writes it */
        size_t c;
        while (atomic_load(&s->finished) < chunks && pool_claim(&p->bg, &j, &c))
            pool_chunk(p, &p->bg, &j, c, 0);
    }
    for (int k = 0; k < POOL_SPIN && atomic_load(&s->finished) < chunks; k++)
        pool_relax();
    if (atomic_load(&s->finished) < chunks) {
        pthread_mutex_lock(&p->mu);
        p->caller_sleeping = 1;
        while (atomic_load(&s->finished) < chunks)
            pthread_cond_wait(&p->done, &p->mu);
        p->caller_sleeping = 0;
        pthread_mutex_unlock(&p->mu);
    }
}

/* Whether pool_for and pool_start run the range on the caller's thread alone. */
static int pool_serial(const Pool *p, size_t chunks)
{
    return !p || p->workers == 0 || chunks == 1 || chunks > POOL_MAX_CHUNKS;
}

static void pool_serial_run(size_t n, size_t chunk, PoolTask fn, void *ctx)
{
    for (size_t b = 0; b < n; b += chunk)
        fn(ctx, b, n - b < chunk ? n : b + chunk, 0);
}

/* The number of chunks of [0, n) for the pool; 0 when the range ran on the caller's
 * thread alone (empty, no workers, or a single chunk). chunk: raised to 1 at least. */
static size_t pool_prepare(Pool *p, size_t n, size_t *chunk, PoolTask fn, void *ctx)
{
    if (n == 0)
        return 0;
    if (*chunk < 1)
        *chunk = 1;
    size_t chunks = n / *chunk + (n % *chunk != 0);
    if (pool_serial(p, chunks)) {
        pool_serial_run(n, *chunk, fn, ctx);
        return 0;
    }
    return chunks;
}

/* Publishes job in slot s (under mu): its claims start at chunk 0 of its generation. */
static void pool_publish(PoolSlot *s, PoolJob job)
{
    s->job = job;
    atomic_store(&s->finished, 0);
    atomic_store(&s->ticket, (uint_least64_t)job.generation << 32);
}

void pool_for(Pool *p, size_t n, size_t chunk, PoolTask fn, void *ctx)
{
    size_t chunks = pool_prepare(p, n, &chunk, fn, ctx);
    if (chunks == 0)
        return;
    pthread_mutex_lock(&p->mu);
    unsigned g = atomic_load(&p->generation) + 1;
    pool_publish(&p->fg, (PoolJob){fn, ctx, n, chunk, chunks, (uint32_t)g});
    atomic_store(&p->generation, g);
    if (p->sleepers > 0)
        pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);

    PoolJob j = p->fg.job; /* only the caller writes it */
    pool_run(p, &p->fg, &j, 0);
    pool_wait(p, &p->fg, chunks, 1);
}

void pool_start(Pool *p, size_t n, size_t chunk, PoolTask fn, void *ctx)
{
    size_t chunks = pool_prepare(p, n, &chunk, fn, ctx);
    if (chunks == 0)
        return;
    pthread_mutex_lock(&p->mu);
    unsigned g = ++p->bg_generation;
    pool_publish(&p->bg, (PoolJob){fn, ctx, n, chunk, chunks, (uint32_t)g});
    atomic_store(&p->bg_chunks, chunks);
    if (p->sleepers > 0)
        pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
}

void pool_finish(Pool *p)
{
    if (!p || atomic_load(&p->bg_chunks) == 0)
        return;
    PoolJob j = p->bg.job; /* only the caller writes it */
    pool_run(p, &p->bg, &j, 0);
    pool_wait(p, &p->bg, j.chunks, 0);
    atomic_store(&p->bg_chunks, 0);
}

int pool_threads(const Pool *p)
{
    return p ? p->workers + 1 : 1;
}
