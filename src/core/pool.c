/* pool.c: a fixed set of worker threads that share chunks of an index range. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "untangle/core/pool.h"
#include "untangle/core/xalloc.h"

struct PoolArg {
    Pool *pool;
    int worker;
};
typedef struct PoolArg PoolArg;

struct Pool {
    pthread_mutex_t mu;
    pthread_cond_t wake;     /* workers wait here for a new job (or the stop) */
    pthread_cond_t done;     /* the caller waits here for the workers to finish */
    pthread_t tid[POOL_MAX_THREADS];
    PoolArg args[POOL_MAX_THREADS];
    int workers;             /* threads started besides the caller's */
    unsigned long generation;/* bumped for every job */
    int busy;                /* workers still inside the current job */
    int stop;
    /* The current job. */
    PoolTask fn;
    void *ctx;
    size_t n, chunk;
    atomic_size_t next;      /* first index not yet handed out */
};

/* Takes chunks until none are left; shared by the workers and the caller. */
static void pool_drain(Pool *p, int worker)
{
    for (;;) {
        size_t b = atomic_fetch_add(&p->next, p->chunk);
        if (b >= p->n)
            return;
        size_t end = p->n - b < p->chunk ? p->n : b + p->chunk;
        p->fn(p->ctx, b, end, worker);
    }
}


static void *pool_worker(void *arg)
{
    Pool *p = ((PoolArg *)arg)->pool;
    int worker = ((PoolArg *)arg)->worker;
    unsigned long seen = 0;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->generation == seen)
            pthread_cond_wait(&p->wake, &p->mu);
        if (p->stop)
            break;
        seen = p->generation;
        pthread_mutex_unlock(&p->mu);
        pool_drain(p, worker);
        pthread_mutex_lock(&p->mu);
        if (--p->busy == 0)
            pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

Pool *pool_new(int threads)
{
    Pool *p = xcalloc(1, sizeof *p);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->wake, NULL);
    pthread_cond_init(&p->done, NULL);
    atomic_init(&p->next, 0);
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
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->workers; i++)
        pthread_join(p->tid[i], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->wake);
    pthread_cond_destroy(&p->done);
    free(p);
}

void pool_for(Pool *p, size_t n, size_t chunk, PoolTask fn, void *ctx)
{
    if (n == 0)
        return;
    if (chunk < 1)
        chunk = 1;
    if (!p || p->workers == 0 || n <= chunk) {
        for (size_t b = 0; b < n; b += chunk)
            fn(ctx, b, n - b < chunk ? n : b + chunk, 0);
        return;
    }
    pthread_mutex_lock(&p->mu);
    p->fn = fn;
    p->ctx = ctx;
    p->n = n;
    p->chunk = chunk;
    atomic_store(&p->next, 0);
    p->busy = p->workers;
    p->generation++;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);

    pool_drain(p, 0);

    pthread_mutex_lock(&p->mu);
    while (p->busy > 0)
        pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
}

int pool_threads(const Pool *p)
{
    return p ? p->workers + 1 : 1;
}
