/* common/pool.c: worker threads taking an owner's tasks (common/pool.h). */
#include <stdalign.h>
#include <string.h>

#include "common/alloc.h"
#include "common/pool.h"

enum { CACHE_LINE = 64 };

/* One thread: its handle, its pool, then its local state (max-aligned). */
typedef struct entry {
    pthread_t thread;
    prts__pool *pool;
    alignas(max_align_t) unsigned char local[];
} entry;

static entry *entry_at(const prts__pool *p, int i)
{
    return (entry *)(p->entries + (size_t)i * p->entry_size);
}

/* Take, run and finish tasks until `stop`, or (`until_idle`) until there
 * is none; called and returns with the lock held. */
static void serve(prts__pool *p, void *local, int until_idle)
{
    const prts__pool_work *w = &p->w;
    for (;;) {
        void *task = NULL;
        while (!p->stop && !(task = w->take(w->owner))) {
            if (until_idle)
                return;
            /* out of tasks: an owner waiting for the workers to have
             * nothing left (a cancelled batch) hears of it */
            pthread_cond_broadcast(&p->done);
            pthread_cond_wait(&p->work, &p->lock);
        }
        if (!task)
            return;
        pthread_mutex_unlock(&p->lock);
        w->run(w->owner, task, local);
        pthread_mutex_lock(&p->lock);
        if (w->finish(w->owner, task))
            pthread_cond_broadcast(&p->done);
    }
}

static void *thread_main(void *arg)
{
    entry *t = arg;
    prts__pool *p = t->pool;
    if (p->w.begin)
        p->w.begin(p->w.owner, t->local);
    pthread_mutex_lock(&p->lock);
    serve(p, t->local, 0);
    pthread_mutex_unlock(&p->lock);
    if (p->w.end)
        p->w.end(p->w.owner, t->local);
    return NULL;
}

int prts__pool_start(prts__pool *p, const prts_allocator *a, const prts__pool_work *w, int n)
{
    memset(p, 0, sizeof *p);
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    p->ready = 1;
    p->w = *w;
    p->alloc = a;
    /* a cache line between one thread's state and the next: a deflater's
     * z_stream is written all the time, and shared lines would ping-pong */
    p->entry_size = (sizeof(entry) + w->local_size + 2 * CACHE_LINE - 1) / CACHE_LINE * CACHE_LINE;
    p->entries = prts__calloc(a, (size_t)n, p->entry_size);
    if (!p->entries)
        return -1;
    for (int i = 0; i < n; i++) {
        entry *t = entry_at(p, i);
        t->pool = p;
        if (pthread_create(&t->thread, NULL, thread_main, t) != 0)
            break;
        p->nthreads++; /* read by the owner only (stop) */
    }
    return p->nthreads;
}

void prts__pool_lock(prts__pool *p)
{
    pthread_mutex_lock(&p->lock);
}

void prts__pool_unlock(prts__pool *p)
{
    pthread_mutex_unlock(&p->lock);
}

void prts__pool_post(prts__pool *p)
{
    pthread_cond_signal(&p->work);
}

void prts__pool_wait(prts__pool *p)
{
    pthread_cond_wait(&p->done, &p->lock);
}

void prts__pool_run_here(prts__pool *p)
{
    void *local = entry_at(p, 0)->local;
    if (p->w.begin)
        p->w.begin(p->w.owner, local);
    pthread_mutex_lock(&p->lock);
    serve(p, local, 1);
    pthread_mutex_unlock(&p->lock);
    if (p->w.end)
        p->w.end(p->w.owner, local);
}

void prts__pool_stop(prts__pool *p)
{
    if (!p->ready)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = 1;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->nthreads; i++)
        pthread_join(entry_at(p, i)->thread, NULL);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
    prts__free(p->alloc, p->entries);
    memset(p, 0, sizeof *p);
}

uint32_t prts__pool_slots(int nthreads, uint64_t tasks)
{
    return (tasks <= PRTS__POOL_SHORT_RUN ? 1 : 2) * (uint32_t)nthreads + 1;
}
