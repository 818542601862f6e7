// A small fork-join pool for the engine's parallel regions (see Parallel.swift and
// morph_kernels.h). libdispatch's concurrentPerform wakes its worker threads on demand, which
// on this project's 2-core VM took ~60 µs: a region of 80 µs of work ran slower split than
// whole, and one of 330 µs took 220 instead of 165. Here the helpers spin for a while after a
// region before they sleep, so the next region starts on all cores within a microsecond.
#include "morph_kernels.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#if defined(__x86_64__) || defined(__i386__)
#define CPU_RELAX() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define CPU_RELAX() __asm__ __volatile__("yield")
#else
#define CPU_RELAX() ((void)0)
#endif

enum { MAX_HELPERS = 63 };
// Pause iterations a helper spins for new work before it sleeps (a pause is ~10-140 cycles,
// so this is roughly 0.1-1 ms).
enum { SPIN_LIMIT = 20000 };

static pthread_mutex_t pool_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_wake = PTHREAD_COND_INITIALIZER;
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;
static int pool_helpers = 0;
static int pool_requested = 1;
static int pool_sleepers = 0;  // under pool_mutex
static int pool_busy = 0;      // under pool_mutex: a region is running

// The current region. Written under pool_mutex while no helper is engaged; read by helpers
// under pool_mutex when they engage.
static morph_task_fn job_fn;
static void *job_ctx;
static long job_total;
static atomic_ulong job_generation;
static atomic_long job_next;
static atomic_long job_done;
static atomic_int job_engaged;

static _Thread_local int inside_task = 0;

static void run_claims(morph_task_fn fn, void *ctx, long total) {
  for (;;) {
    long i = atomic_fetch_add_explicit(&job_next, 1, memory_order_relaxed);
    if (i >= total) return;
    fn(ctx, i);
    atomic_fetch_add_explicit(&job_done, 1, memory_order_release);
  }
}

static void *helper_main(void *unused) {
  (void)unused;
  inside_task = 1;  // a region's task that starts another runs it in place
  unsigned long seen = atomic_load_explicit(&job_generation, memory_order_acquire);
  for (;;) {
    int spins = 0;
    while (atomic_load_explicit(&job_generation, memory_order_acquire) == seen) {
      if (++spins < SPIN_LIMIT) {
        CPU_RELAX();
        continue;
      }
      pthread_mutex_lock(&pool_mutex);
      pool_sleepers++;
      while (atomic_load_explicit(&job_generation, memory_order_acquire) == seen) pthread_cond_wait(&pool_wake, &pool_mutex);
      pool_sleepers--;
      pthread_mutex_unlock(&pool_mutex);
    }
    pthread_mutex_lock(&pool_mutex);
    seen = atomic_load_explicit(&job_generation, memory_order_acquire);
    morph_task_fn fn = job_fn;
    void *ctx = job_ctx;
    long total = job_total;
    atomic_fetch_add_explicit(&job_engaged, 1, memory_order_acq_rel);
    pthread_mutex_unlock(&pool_mutex);
    run_claims(fn, ctx, total);
    atomic_fetch_sub_explicit(&job_engaged, 1, memory_order_acq_rel);
  }
  return NULL;
}

static void start_helpers(void) {
  int n = pool_requested - 1;
  if (n > MAX_HELPERS) n = MAX_HELPERS;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  // Tasks call OpenBLAS and the kernels above, never deep recursion: 8 MiB like the main thread.
  pthread_attr_setstacksize(&attr, 8u << 20);
  for (int i = 0; i < n; i++) {
    pthread_t t;
    if (pthread_create(&t, &attr, helper_main, NULL) != 0) break;
    pool_helpers++;
  }
  pthread_attr_destroy(&attr);
}

void morph_pool_configure(int workers) {
  if (workers < 1) workers = 1;
  pool_requested = workers;
}

void morph_pool_run(long iterations, morph_task_fn fn, void *ctx) {
  if (iterations <= 0) return;
  int serial = iterations == 1 || inside_task || pool_requested <= 1;
  if (!serial) {
    pthread_once(&pool_once, start_helpers);
    pthread_mutex_lock(&pool_mutex);
    // Another thread's region is running (several engines at once): this one runs in place.
    serial = pool_busy || pool_helpers == 0;
    if (!serial) {
      pool_busy = 1;
      // Helpers still leaving the previous region read its fields; wait for them.
      while (atomic_load_explicit(&job_engaged, memory_order_acquire) != 0) CPU_RELAX();
      job_fn = fn;
      job_ctx = ctx;
      job_total = iterations;
      atomic_store_explicit(&job_next, 0, memory_order_relaxed);
      atomic_store_explicit(&job_done, 0, memory_order_relaxed);
      atomic_fetch_add_explicit(&job_generation, 1, memory_order_acq_rel);
      if (pool_sleepers > 0) pthread_cond_broadcast(&pool_wake);
    }
    pthread_mutex_unlock(&pool_mutex);
  }
  if (serial) {
    int was = inside_task;
    inside_task = 1;
    for (long i = 0; i < iterations; i++) fn(ctx, i);
    inside_task = was;
    return;
  }
  inside_task = 1;
  run_claims(fn, ctx, iterations);
  inside_task = 0;
  int spins = 0;
  while (atomic_load_explicit(&job_done, memory_order_acquire) < iterations) {
    if (++spins < SPIN_LIMIT) CPU_RELAX();
    else sched_yield();
  }
  pthread_mutex_lock(&pool_mutex);
  pool_busy = 0;
  pthread_mutex_unlock(&pool_mutex);
}
