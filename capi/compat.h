/*
 * compat.h - what the C half of the library needs from the platform, in one
 * place, so that queue.c and misc.c are written once, with POSIX names, for
 * every target.
 *
 *   POSIX (Linux, macOS, the BSDs): <pthread.h> as is.
 *   Windows: the small subset of POSIX threads the C half uses (a mutex with
 *   a static initializer, pthread_once, thread-specific data with a
 *   destructor) under its POSIX names, on the Win32 primitives made for the
 *   job: SRWLOCK, InitOnceExecuteOnce, and fiber-local storage, whose
 *   callback runs when a thread exits like a pthread key's destructor. The
 *   DLL then needs no winpthreads DLL next to it. Anything else from
 *   <pthread.h> fails to compile there, which is the point: add it here.
 *
 * And, everywhere: SSI_HIDDEN, ssi_now_ms() (a monotonic clock in
 * milliseconds), and the event descriptor of evfd.c.
 *
 * Not installed; every name it defines is internal to capi/.
 */
#ifndef SECURESOCKET_COMPAT_H
#define SECURESOCKET_COMPAT_H

#include <stdint.h>

#if defined(_WIN32)
#define SSI_HIDDEN
#else
#define SSI_HIDDEN __attribute__((visibility("hidden")))
#endif

#ifdef _WIN32

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <winsock2.h> /* before windows.h, which would pull in winsock 1 */
#include <windows.h>

/* Mutex: a slim reader/writer lock taken exclusively; not recursive, like
 * the default pthread mutex, and statically initialisable. */
typedef SRWLOCK ssi_mutex_t;
static inline int ssi_mutex_lock(ssi_mutex_t *m) {
  AcquireSRWLockExclusive(m);
  return 0;
}
static inline int ssi_mutex_unlock(ssi_mutex_t *m) {
  ReleaseSRWLockExclusive(m);
  return 0;
}

/* Once: one-time initialisation; the other callers wait until it is done. */
typedef INIT_ONCE ssi_once_t;
static BOOL CALLBACK ssi_once_tramp(PINIT_ONCE once, PVOID fn, PVOID *ctx) {
  (void)once, (void)ctx;
  ((void (*)(void))(uintptr_t)fn)();
  return TRUE;
}
static inline int ssi_once(ssi_once_t *o, void (*fn)(void)) {
  return InitOnceExecuteOnce(o, ssi_once_tramp, (PVOID)(uintptr_t)fn, NULL) ? 0 : -1;
}

/* Thread-specific data: fiber-local storage, whose callback Windows calls
 * with the slot's value when a thread exits, like a pthread key's destructor
 * (and also for a NULL value: the destructors here accept NULL). */
typedef DWORD ssi_key_t;
static inline int ssi_key_create(ssi_key_t *k, void (*destructor)(void *)) {
  /* PFLS_CALLBACK_FUNCTION is void (WINAPI *)(PVOID): WINAPI is the only
   * calling convention of x64 and arm64, so a plain C function fits. */
  DWORD i = FlsAlloc((PFLS_CALLBACK_FUNCTION)(void (*)(void))destructor);
  if (i == FLS_OUT_OF_INDEXES) return -1;
  *k = i;
  return 0;
}
static inline void *ssi_key_get(ssi_key_t k) { return FlsGetValue(k); }
static inline int ssi_key_set(ssi_key_t k, const void *v) {
  return FlsSetValue(k, (PVOID)v) ? 0 : -1;
}

/* The POSIX spellings the C half is written with. */
#define pthread_mutex_t ssi_mutex_t
#define PTHREAD_MUTEX_INITIALIZER SRWLOCK_INIT
#define pthread_mutex_lock ssi_mutex_lock
#define pthread_mutex_unlock ssi_mutex_unlock
#define pthread_once_t ssi_once_t
#define PTHREAD_ONCE_INIT INIT_ONCE_STATIC_INIT
#define pthread_once ssi_once
#define pthread_key_t ssi_key_t
#define pthread_key_create ssi_key_create
#define pthread_getspecific ssi_key_get
#define pthread_setspecific ssi_key_set

static inline int64_t ssi_now_ms(void) { return (int64_t)GetTickCount64(); }
static inline int64_t ssi_now_us(void) {
  LARGE_INTEGER c, f;
  QueryPerformanceCounter(&c);
  QueryPerformanceFrequency(&f);
  return (int64_t)(c.QuadPart / f.QuadPart * 1000000 + c.QuadPart % f.QuadPart * 1000000 / f.QuadPart);
}

#else /* POSIX */

#include <pthread.h>
#include <time.h>

static inline int64_t ssi_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
static inline int64_t ssi_now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

#endif

/* ---- the event descriptor (evfd.c) ---------------------------------------
 *
 * A descriptor a host can poll for "readable", set and cleared by the queue:
 *   Linux       an eventfd (one descriptor), unless built with
 *               -DSS_EVENTFD_PIPE (capi/build.sh --pipe), which takes the
 *               pipe path below so that it is tested on Linux too;
 *   POSIX       a non-blocking, close-on-exec pipe: the host polls the read
 *               end, the queue writes one byte to the write end;
 *   Windows     a connected pair of loopback TCP sockets: the host polls the
 *               reading socket (WSAPoll, select, koffi, asyncio's selector
 *               loop all need a socket there; a pipe or event handle cannot
 *               be polled).
 * The queue signals only on its empty -> non-empty transition and drains only
 * on the non-empty -> empty one (both under its mutex), so at most one byte
 * ever waits in a pipe or socket. */
typedef struct ssi_evfd {
  intptr_t rd; /* what the host polls; -1 when not open */
  intptr_t wr; /* what signal writes to (== rd for an eventfd) */
} ssi_evfd;
#define SSI_EVFD_NONE {-1, -1}

/* Opens e. 0, or an errno-like code (Windows: a WSA error) on failure, when
 * e stays {-1, -1}. */
SSI_HIDDEN int ssi_evfd_open(ssi_evfd *e);
/* Closes e's descriptors; e becomes {-1, -1}. */
SSI_HIDDEN void ssi_evfd_close(ssi_evfd *e);
/* Makes e readable (idempotent while it is). */
SSI_HIDDEN void ssi_evfd_signal(const ssi_evfd *e);
/* Makes e not readable. */
SSI_HIDDEN void ssi_evfd_drain(const ssi_evfd *e);
/* Waits up to timeout_ms (negative: no limit) until a or b is readable:
 * > 0 readable, 0 timed out or interrupted by a signal, < 0 failed. */
SSI_HIDDEN int ssi_evfd_wait2(const ssi_evfd *a, const ssi_evfd *b, int timeout_ms);

#endif
