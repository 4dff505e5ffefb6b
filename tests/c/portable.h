/*
 * portable.h - the few POSIX calls the C tests use, on Windows too (MinGW,
 * run under wine by tests/cross/windows.sh), so one source runs everywhere:
 *   poll()      WSAPoll() on the event fd, a SOCKET there (capi/evfd.c)
 *   usleep()    MinGW's <unistd.h>
 *   setenv()    _putenv_s()
 *   strndup()   written out (MinGW's C runtime has none)
 *   tu_reserve()  a large, lazily backed buffer (mmap, VirtualAlloc)
 * What cannot exist on Windows (fork) is skipped by the test itself, with
 * TU_SKIP naming the reason. Include it first, before any system header.
 */
#ifndef SS_PORTABLE_H
#define SS_PORTABLE_H

#ifdef _WIN32
#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0600 /* WSAPoll */
#endif
#include <winsock2.h>
#include <windows.h>
#include <process.h>
#include <stdlib.h>
#include <unistd.h>
#define poll(fds, n, timeout) WSAPoll((fds), (n), (timeout))
static inline int tu_setenv(const char *k, const char *v) { return _putenv_s(k, v) == 0 ? 0 : -1; }
#define setenv(k, v, overwrite) tu_setenv((k), (v))
#include <string.h>
static inline char *tu_strndup(const char *s, size_t n) {
  size_t len = strnlen(s, n);
  char *d = malloc(len + 1);
  if (d != NULL) {
    memcpy(d, s, len);
    d[len] = 0;
  }
  return d;
}
#define strndup tu_strndup
#else
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <poll.h>
#include <unistd.h>
#endif

/* A large buffer whose pages are only touched where used (NULL if the
 * system refuses), and its release. */
#ifdef _WIN32
static inline char *tu_reserve(size_t n) {
  return VirtualAlloc(NULL, n, MEM_RESERVE | MEM_COMMIT, PAGE_READWRITE);
}
static inline void tu_release(char *p, size_t n) {
  (void)n;
  VirtualFree(p, 0, MEM_RELEASE);
}
#else
#include <sys/mman.h>
static inline char *tu_reserve(size_t n) {
  char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}
static inline void tu_release(char *p, size_t n) { munmap(p, n); }
#endif

/* Prints why a test is skipped on this platform; the test then returns. */
#define TU_SKIP(why) printf("     skipped: %s\n", (why))

#endif
