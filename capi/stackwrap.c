/*
 * stackwrap.c - the link-time fix for the cost of entering Go from a stack
 * the runtime does not know (docs/ffi-notes.md).
 *
 * Each time C calls an export on a stack outside the thread's known bounds
 * (koffi runs every call on its own stack), the runtime asks
 * pthread_getattr_np(pthread_self()). For the main thread glibc answers by
 * parsing /proc/self/maps: ~50 us per call. The library is linked with
 * -Wl,--wrap=pthread_getattr_np, so the runtime's call lands here. The main
 * thread's answer depends only on its stack mapping and RLIMIT_STACK, which
 * do not change while the process runs, so the first answer is cached; other
 * threads are cheap in glibc and go straight through.
 */
#ifdef __linux__
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "capi.h"

/* Linux with glibc only: capi/build.sh passes --wrap there and nowhere else
 * (macOS's runtime asks pthread_get_stackaddr_np, Windows has no pthreads,
 * musl's pthread_getattr_np does not parse /proc/self/maps). */
#if defined(__linux__) && defined(__GLIBC__)

int __real_pthread_getattr_np(pthread_t th, pthread_attr_t *attr);
SSI_HIDDEN int __wrap_pthread_getattr_np(pthread_t th, pthread_attr_t *attr);

/* What this thread is: 0 not known yet, 1 the process's main thread (pid ==
 * tid), 2 another thread. Found once per thread (two system calls), so the
 * runtime's query costs nothing extra afterwards. */
static __thread int thread_kind __attribute__((tls_model("initial-exec")));

/* The main thread's stack. Only the main thread reads or writes these, so
 * they need no lock. */
static int main_known;
static void *main_addr;
static size_t main_size;

int __wrap_pthread_getattr_np(pthread_t th, pthread_attr_t *attr) {
  if (!pthread_equal(th, pthread_self())) return __real_pthread_getattr_np(th, attr);
  if (thread_kind == 0) thread_kind = getpid() == (pid_t)syscall(SYS_gettid) ? 1 : 2;
  if (thread_kind != 1) return __real_pthread_getattr_np(th, attr);

  if (!main_known) {
    pthread_attr_t a;
    int rc = __real_pthread_getattr_np(th, &a);
    if (rc != 0) return rc;
    rc = pthread_attr_getstack(&a, &main_addr, &main_size);
    pthread_attr_destroy(&a);
    if (rc != 0) return __real_pthread_getattr_np(th, attr);
    main_known = 1;
  }
  /* The caller may pass an initialised attr (the runtime does); glibc's
   * pthread_getattr_np re-initialises it too, and init allocates nothing. */
  int rc = pthread_attr_init(attr);
  if (rc == 0) rc = pthread_attr_setstack(attr, main_addr, main_size);
  return rc;
}
#else
/* ISO C wants at least one declaration in a translation unit. */
typedef int ssi_stackwrap_unused;
#endif
