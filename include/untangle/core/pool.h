/* pool.h: a small set of worker threads that share the chunks of an index range.
 *
 * Chunks are handed out dynamically, so callers whose results must not depend on
 * the thread count make every index's work depend only on the index and the
 * shared inputs, and form global sums afterwards, serially, in index order.
 * t-SNE (src/embed) and training (src/nn/engine.c) use it. The pool belongs to
 * whoever created it; nothing here is global. */
#ifndef UNTANGLE_POOL_H
#define UNTANGLE_POOL_H

#include <stddef.h>

#define POOL_MAX_THREADS 64

typedef struct Pool Pool;

/* Runs on [begin, end) of the range given to pool_for; worker (0 .. threads-1)
 * names the calling thread, for per-thread scratch buffers only. */
typedef void (*PoolTask)(void *ctx, size_t begin, size_t end, int worker);

/* threads >= 1 (the caller's thread counts as one); never fails: if a thread cannot
 * be started the pool runs with fewer, which changes the speed, not the results. */
Pool *pool_new(int threads);
void pool_free(Pool *pool); /* accepts NULL */
int pool_threads(const Pool *pool); /* threads running tasks (1 for NULL) */

/* Calls fn on chunks of `chunk` indices covering [0, n) and returns when all are done.
 * A NULL pool runs everything on the caller's thread. */
void pool_for(Pool *pool, size_t n, size_t chunk, PoolTask fn, void *ctx);

/* A background job: fn on the chunks of [0, n), taken by the workers whenever no
 * pool_for job has chunks for them, while the caller goes on (and may call pool_for);
 * done when pool_finish(pool) returns, which runs what is left on the caller's thread
 * and waits for the rest. One at a time; the caller's own job until pool_finish. A
 * NULL pool (or one without workers) runs it all within pool_start. */
void pool_start(Pool *pool, size_t n, size_t chunk, PoolTask fn, void *ctx);
void pool_finish(Pool *pool); /* accepts NULL, and no job started */

#endif
