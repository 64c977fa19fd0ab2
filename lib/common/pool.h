/* common/pool.h: the one pool of worker threads (the PNG writer's deflate
 * workers, the segment reader's inflate workers, a batch's file workers).
 *
 * The owner keeps its tasks wherever it likes (slots, a job list) and tells
 * the pool, through the hooks below, how to take the next one and how to
 * run it.  The pool holds the threads, the lock over the owner's task state,
 * a condition the workers wait on for tasks and one the owner waits on for
 * finished tasks, and each thread's private state (a deflater, an inflater,
 * an encoder): the scaffolding every user used to write by hand.
 *
 * A worker loops: under the lock, take() a task (waiting on `work` while
 * there is none); without the lock, run() it; under the lock, finish() it
 * and wake the owner (`done`) if finish() asks (an owner may gather a few
 * quick tasks per wake-up).  A worker that finds no task wakes the owner
 * too before it waits, so that an owner can wait for "nothing left to take
 * and nothing running".  Stopping wakes every worker and joins them: a task
 * not taken yet is never run. */
#ifndef PRTS__POOL_H
#define PRTS__POOL_H

#include <pthread.h>
#include <stddef.h>

#include "common/common.h"

typedef struct prts__pool_work {
    void *owner;                                        /* passed to every hook */
    size_t local_size;                                  /* each thread's state, zeroed */
    void (*begin)(void *owner, void *local);            /* optional: a thread starts */
    void *(*take)(void *owner);                         /* locked: next task, or NULL: wait */
    void (*run)(void *owner, void *task, void *local);  /* unlocked */
    int (*finish)(void *owner, void *task);             /* locked, after run; nonzero: wake
                                                         * the owner (`done`) */
    void (*end)(void *owner, void *local);              /* optional: a thread stops */
} prts__pool_work;

/* Embedded in its owner; zeroed, it is a pool that was never started. */
typedef struct prts__pool {
    pthread_mutex_t lock;
    pthread_cond_t work, done;
    int ready;               /* lock and conditions initialised */
    int stop;
    int nthreads;            /* threads running */
    prts__pool_work w;
    unsigned char *entries;  /* per thread: its handle and its local state */
    size_t entry_size;
    const prts_allocator *alloc;
} prts__pool;

/* Start `n` (>= 1) threads running `w` (copied).  Returns how many started: `n`,
 * fewer when pthread_create failed (the owner decides whether that is an
 * error, or enough), or -1 when there was no memory for them.  Whatever it
 * returns, the pool is released with prts__pool_stop. */
int prts__pool_start(prts__pool *p, const prts_allocator *a, const prts__pool_work *w, int n);

void prts__pool_lock(prts__pool *p);
void prts__pool_unlock(prts__pool *p);
/* Locked: a task can be taken (wakes one worker). */
void prts__pool_post(prts__pool *p);
/* Locked: wait until a task finishes or a worker runs out of tasks (and
 * spuriously: wait in a loop on the owner's own condition). */
void prts__pool_wait(prts__pool *p);

/* When no thread could start (prts__pool_start returned 0): the caller's
 * thread takes and runs every task until take() has none, with the first
 * thread's local state, begun and ended here. */
void prts__pool_run_here(prts__pool *p);

/* Stop and join every worker, release the pool; a zeroed (never started)
 * or already stopped pool is left as it is. */
void prts__pool_stop(prts__pool *p);

/* Slots (tasks in flight, each with its buffers) for `nthreads` workers over
 * `tasks` tasks of one image: 2T+1 keep every worker busy ahead of the owner
 * over a long run (1 GiB: T+1 made encoding 10 % slower); a short run, of at
 * most PRTS__POOL_SHORT_RUN tasks, takes T+1, its slack worth less than the
 * fresh pages of two more slots' buffers (10 and 48 MiB, tmpfs: encode and
 * decode 3-11 % faster). */
#define PRTS__POOL_SHORT_RUN 128
uint32_t prts__pool_slots(int nthreads, uint64_t tasks);

#endif
