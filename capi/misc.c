/*
 * misc.c - the small C-only parts of the ABI: memory, version, interned
 * strings, and the fork guard.
 */
#include <stdlib.h>
#include <string.h>

#include "capi.h" /* and compat.h: pthread_* everywhere */

volatile int ssi_forked;

#ifndef _WIN32
/* After fork() the child has only the forking thread: the Go runtime's
 * threads are gone and anything that needs its scheduler would hang forever
 * (docs/ffi-notes.md, "fork()"). A flag lets every entry point fail fast.
 * Windows has no fork(): ssi_forked stays 0 there. */
static void on_fork_child(void) { ssi_forked = 1; }

__attribute__((constructor)) static void ssi_init(void) {
  pthread_atfork(NULL, NULL, on_fork_child);
}
#endif

void ss_free(void *p) { free(p); }

void ssi_go_wrote(void *p, size_t n) {
  SSI_GO_ARG(p);
  SSI_GO_ARG(n);
  SSI_GO_MEMORY(p, n);
  (void)p, (void)n;
}

const char *ss_version(void) { return SS_VERSION; }

int ss_version_number(void) { return SS_VERSION_NUMBER; }

const char ssi_text_nomem[] = "securesocket: out of memory";

char *ssi_dup(const char *p, size_t n) {
  SSI_GO_ARG(p);
  SSI_GO_ARG(n);
  if (n == SIZE_MAX) return NULL;
  char *d = malloc(n + 1);
  if (d == NULL) return NULL;
  if (n > 0) {
    /* Marked right before the read, and the copy marked after it: under
     * memcheck, another thread's goroutine switch can repaint Go's heap
     * (capi.h) at any moment, but never C's malloc'd copy. */
    SSI_GO_MEMORY(p, n);
    memcpy(d, p, n);
    SSI_GO_MEMORY(d, n);
  }
  d[n] = 0;
  return d;
}

/* A list is enough: only a handful of distinct strings are ever interned. */
typedef struct interned {
  struct interned *next;
  size_t len;
  char s[];
} interned;

static pthread_mutex_t intern_mu = PTHREAD_MUTEX_INITIALIZER;
static interned *intern_list;

const char *ssi_intern(const char *p, size_t n) {
  SSI_GO_ARG(p);
  SSI_GO_ARG(n);
  if (n == 0) return "";
  const char *res = NULL;
  pthread_mutex_lock(&intern_mu);
  /* After the lock, which may block: see ssi_dup. */
  SSI_GO_MEMORY(p, n);
  for (interned *i = intern_list; i != NULL; i = i->next) {
    if (i->len == n && memcmp(i->s, p, n) == 0) {
      res = i->s;
      break;
    }
  }
  if (res == NULL) {
    interned *i = malloc(sizeof *i + n + 1);
    if (i != NULL) {
      i->len = n;
      memcpy(i->s, p, n);
      SSI_GO_MEMORY(i->s, n);
      i->s[n] = 0;
      i->next = intern_list;
      intern_list = i;
      res = i->s;
    }
  }
  pthread_mutex_unlock(&intern_mu);
  return res;
}
