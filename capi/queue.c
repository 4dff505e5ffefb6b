/*
 * queue.c - the event queue and the per-handle records, in plain C.
 *
 * Why C: the host's hot path (waiting, taking events, running callbacks,
 * reading the last error) must not enter the Go runtime. Entering Go costs
 * ~50 ns from an ordinary thread and, without the stack wrap in stackwrap.c,
 * ~50 us from Node's main thread (docs/ffi-notes.md). Go reaches
 * this file only through ssi_push / ssi_set_error / ssi_register /
 * ssi_unregister (Go -> C is ~25 ns).
 *
 * One mutex guards everything here: the record table, the queue, the node
 * pool and the state of both eventfds. It is never held while host code runs
 * or while Go code runs, so callbacks may call anything and Go may push from
 * inside the socket's own lock.
 *
 * The event fd (an eventfd, a pipe or a socket pair: evfd.c) is kept
 * readable exactly while the queue is non-empty: it is
 * written on the empty -> non-empty transition and drained on the
 * non-empty -> empty one, both under the mutex. No wake-up can be lost and a
 * level-triggered poller never spins on an empty queue.
 *
 * Host-driven input (Linux, eventfd build): ss_event_fd() is an epoll set
 * holding that event fd and the TCP descriptor of every connection whose
 * input waits to be read (core's hostread.go; ssi_watch/ssi_unwatch). The
 * host's poll of it, or ss_dispatch's own wait, then wakes when a reply
 * arrives, and ss_dispatch / ss_next_event call the socket's pump (Go,
 * ssgo_pump) on the host's thread before they look at the queue: a reply
 * reaches the callback with one thread woken, the host's. The pump posts
 * the events here like any other. It is readable while events wait or
 * input waits to be pumped; a pump reads until the kernel has nothing more
 * (or the socket's input limit stops it, which unwatches the descriptor),
 * so a level-triggered poller never spins on it either.
 */
/* For glibc's adaptive mutex (see mu); must precede every include. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capi.h" /* and compat.h: pthread_* and the event fds everywhere */

#if defined(__linux__) && !defined(SS_EVENTFD_PIPE)
#define SSI_EPOLL 1
#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>
/* capi/events.go's //export (declared here rather than through cgo's
 * _cgo_export.h, so that this file also compiles alone: tests/cross). */
extern int ssgo_pump(void *h);
extern int ssgo_run_offer(void *h);
#else
#define SSI_EPOLL 0
#endif

typedef struct ssi_rec ssi_rec;
typedef struct ssi_node ssi_node;

/* A queued event. Strings are owned by the node. */
struct ssi_node {
  ssi_node *next;
  ssi_rec *rec; /* valid while queued: unregister purges a record's nodes */
  void *sock;
  int32_t type;
  int32_t error_id;
  const char *type_name; /* static or interned */
  char *text;
  size_t text_len;
  char *detail;
  size_t detail_len;
  uint64_t loaded, pending, total;
};

/* The C side of a live handle. */
struct ssi_rec {
  void *key;
  ss_callback cb;
  void *user;
  int err_id;
  char *err_msg;
  size_t err_len;
  /* The socket's waiting socketData / outputProgress that later ones of the
   * same kind merge into; cleared by the socket's other events, so merging
   * never moves data across a connect, close or error. */
  ssi_node *pend_data;
  ssi_node *pend_progress;
  int fd; /* TCP descriptor watched in epfd for the socket, or -1 */
};

/* The host's thread, woken by the event fd that a push writes under this
 * mutex, often asks for it while the pushing thread still holds it. Where
 * glibc has them, an adaptive mutex spins for that moment instead of
 * putting the host to sleep and waking it again: two context switches per
 * connect event in the bench's reconnect loop (strace). */
#ifdef PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP
static pthread_mutex_t mu = PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP;
#else
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
#endif

/* Open-addressing table of live records, linear probing, backward-shift
 * deletion (no tombstones, so it never fills with dead slots). */
static ssi_rec **tab;
static size_t tab_cap; /* power of two, or 0 */
static size_t tab_len;

static ssi_node *q_head, *q_tail;
static size_t q_len;

/* Recycled nodes: a busy queue allocates nothing per event. */
#define POOL_MAX 4096
static ssi_node *pool;
static size_t pool_len;

static ssi_evfd efd = SSI_EVFD_NONE; /* readable while q_len > 0 */
static ssi_evfd wfd = SSI_EVFD_NONE; /* readable while wakes > 0; private to ss_dispatch */
static unsigned wakes;  /* pending ss_wake() calls */
/* efd_set: the event fd was signalled for the waiting events. A pump run
 * by the thread that takes the events right after (pump_ready) posts
 * quietly: this thread's quiet is set, the event fd is not written, and
 * settle_locked signals for what that thread leaves waiting. Two system
 * calls fewer per message. */
static int efd_set;
#if SSI_EPOLL
static __thread int quiet;
#else
enum { quiet = 0 };
#endif
static int fd_err;      /* error of a failed ssi_evfd_open() */
#if SSI_EPOLL
static int epfd = -1; /* efd + watched connections; ss_event_fd() */
static int n_watched; /* records with fd >= 0; written under mu, read atomically */
#endif
static pthread_once_t fd_once = PTHREAD_ONCE_INIT;

static const char *const type_names[] = {
    "", "connect", "close", "socketData", "ioError", "securityError",
    "outputProgress",
};

/* ---- eventfds (evfd.c: an eventfd, a pipe or a socket pair) -------------- */

static void fd_init(void) {
  fd_err = ssi_evfd_open(&efd);
  if (fd_err == 0) {
    fd_err = ssi_evfd_open(&wfd);
    if (fd_err != 0) ssi_evfd_close(&efd);
  }
#if SSI_EPOLL
  if (fd_err == 0) {
    /* Without the set, sockets read with goroutines (ssi_watch says 0). */
    epfd = epoll_create1(EPOLL_CLOEXEC);
    /* Like the event fd: a host's read of it never blocks. */
    if (epfd >= 0) fcntl(epfd, F_SETFL, fcntl(epfd, F_GETFL) | O_NONBLOCK);
    struct epoll_event ev = {0};
    ev.events = EPOLLIN;
    ev.data.ptr = NULL; /* the event fd; a socket's entry holds its handle */
    if (epfd >= 0 && epoll_ctl(epfd, EPOLL_CTL_ADD, (int)efd.rd, &ev) != 0) {
      close(epfd);
      epfd = -1;
    }
  }
#endif
}

static ssi_rec *rec_find(const void *key);
static int fds_ready(void);

/* The descriptor the host polls: the epoll set, or the event fd itself. */
static int host_fd(void) {
#if SSI_EPOLL
  if (epfd >= 0) return epfd;
#endif
  return (int)efd.rd;
}

/* The newest connect attempt offered to the host (core's offer.go, capi's
 * sink.OfferConnect): a wait of ss_dispatch that would block for it runs it
 * on this thread instead (wait_events). Under mu. */
static void *offer_h;
static int64_t offer_end; /* now_ms() when the attempt's timeout ends */
/* ss_wake() was called: the host wakes waits from other threads, and a wait
 * that runs a connect cannot be woken before the connect ends. Such a host
 * keeps its prompt wakes: no wait runs a connect from then on. Under mu. */
static int woke_ever;
static int64_t now_ms(void);

void ssi_offer(void *h, int64_t left_ms) {
  SSI_GO_ARG(h);
  int64_t end = now_ms() + (left_ms > 0 ? left_ms : 0);
  pthread_mutex_lock(&mu);
  offer_h = h;
  offer_end = end;
  pthread_mutex_unlock(&mu);
}

/* Whether a wait that ends at deadline (0: never) may run the offered
 * attempt now: nothing waits, no other socket exists (its events would wait
 * behind the handshake), the offer's socket has no connection, and the
 * attempt ends before the wait does. Takes the offer when so. */
#if SSI_EPOLL
static void *offer_take_locked(int64_t deadline) {
  if (offer_h == NULL || q_len > 0 || wakes > 0 || woke_ever || tab_len != 1) return NULL;
  ssi_rec *r = rec_find(offer_h);
  if (r == NULL || r->fd >= 0 || (deadline != 0 && offer_end > deadline)) return NULL;
  void *h = offer_h;
  offer_h = NULL;
  return h;
}
#endif

int ssi_watch(void *h, int fd) {
  SSI_GO_ARG(h);
  SSI_GO_ARG(fd);
#if SSI_EPOLL
  if (!fds_ready() || epfd < 0 || fd < 0) return 0;
  int ok = 0;
  pthread_mutex_lock(&mu);
  ssi_rec *r = rec_find(h);
  if (r != NULL) {
    if (r->fd >= 0 && r->fd != fd) epoll_ctl(epfd, EPOLL_CTL_DEL, r->fd, NULL);
    struct epoll_event ev = {0};
    ev.events = EPOLLIN;
    ev.data.ptr = h;
    int rc = epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
    if (rc != 0 && errno == EEXIST) rc = epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
    if (r->fd < 0 && rc == 0) __atomic_add_fetch(&n_watched, 1, __ATOMIC_RELAXED);
    if (r->fd >= 0 && rc != 0) __atomic_sub_fetch(&n_watched, 1, __ATOMIC_RELAXED);
    r->fd = rc == 0 ? fd : -1;
    ok = rc == 0;
  }
  pthread_mutex_unlock(&mu);
  return ok;
#else
  (void)h;
  (void)fd;
  return 0;
#endif
}

#if SSI_EPOLL
static void unwatch_locked(ssi_rec *r) {
  if (r->fd >= 0) {
    epoll_ctl(epfd, EPOLL_CTL_DEL, r->fd, NULL);
    r->fd = -1;
    __atomic_sub_fetch(&n_watched, 1, __ATOMIC_RELAXED);
  }
}
#endif

void ssi_unwatch(void *h) {
  SSI_GO_ARG(h);
#if SSI_EPOLL
  pthread_mutex_lock(&mu);
  ssi_rec *r = rec_find(h);
  if (r != NULL) unwatch_locked(r);
  pthread_mutex_unlock(&mu);
#else
  (void)h;
#endif
}

/* Pumps every watched connection whose descriptor is readable, on this
 * thread, without waiting; never called with mu held (the pump posts).
 * Returns how many it pumped; *stream is set when a pump decrypted a
 * stream's batch (a full TLS record or more). */
#if SSI_EPOLL
static void note_streamed(int stream);
#endif

static int pump_ready(int *stream) {
  *stream = 0;
#if SSI_EPOLL
  if (epfd < 0 || __atomic_load_n(&n_watched, __ATOMIC_RELAXED) == 0) return 0;
  struct epoll_event evs[64];
  int n = epoll_wait(epfd, evs, 64, 0);
  int pumped = 0;
  for (int i = 0; i < n; i++) {
    if (evs[i].data.ptr == NULL) continue; /* the event fd: the queue decides */
    quiet = 1;
    if (ssgo_pump(evs[i].data.ptr) == 2) *stream = 1;
    quiet = 0;
    pumped++;
  }
  if (pumped > 0) note_streamed(*stream);
  return pumped;
#else
  return 0;
#endif
}

static int fds_ready(void) {
  pthread_once(&fd_once, fd_init);
  return efd.rd >= 0;
}

static void fd_signal(const ssi_evfd *fd) { ssi_evfd_signal(fd); }

static void fd_drain(const ssi_evfd *fd) { ssi_evfd_drain(fd); }

/* ---- record table (callers hold mu) -------------------------------------- */

static size_t slot_of(const void *key, size_t cap) {
  uint64_t x = (uint64_t)(uintptr_t)key;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return (size_t)x & (cap - 1);
}

static ssi_rec *rec_find(const void *key) {
  if (tab_cap == 0 || key == NULL) return NULL;
  for (size_t i = slot_of(key, tab_cap);; i = (i + 1) & (tab_cap - 1)) {
    ssi_rec *r = tab[i];
    if (r == NULL) return NULL;
    if (r->key == key) return r;
  }
}

static int tab_grow(void) {
  size_t ncap = tab_cap ? tab_cap * 2 : 64;
  ssi_rec **nt = calloc(ncap, sizeof *nt);
  if (nt == NULL) return -1;
  for (size_t i = 0; i < tab_cap; i++) {
    ssi_rec *r = tab[i];
    if (r == NULL) continue;
    size_t j = slot_of(r->key, ncap);
    while (nt[j] != NULL) j = (j + 1) & (ncap - 1);
    nt[j] = r;
  }
  free(tab);
  tab = nt;
  tab_cap = ncap;
  return 0;
}

static void rec_remove(const void *key) {
  if (tab_cap == 0) return;
  size_t i = slot_of(key, tab_cap);
  while (tab[i] != NULL && tab[i]->key != key) i = (i + 1) & (tab_cap - 1);
  if (tab[i] == NULL) return;
  tab[i] = NULL;
  tab_len--;
  /* Shift later members of the probe run back so lookups never stop early. */
  for (size_t j = (i + 1) & (tab_cap - 1); tab[j] != NULL;
       j = (j + 1) & (tab_cap - 1)) {
    size_t home = slot_of(tab[j]->key, tab_cap);
    /* Move tab[j] to the hole i if i lies cyclically in [home, j). */
    if (((j - home) & (tab_cap - 1)) >= ((j - i) & (tab_cap - 1))) {
      tab[i] = tab[j];
      tab[j] = NULL;
      i = j;
    }
  }
}

/* ---- nodes --------------------------------------------------------------- */

static ssi_node *node_get_locked(void) {
  ssi_node *n = pool;
  if (n != NULL) {
    pool = n->next;
    pool_len--;
    return n;
  }
  return malloc(sizeof *n);
}

/* Frees a node's strings; no lock needed, the node belongs to the caller. */
static void node_clear(ssi_node *n) {
  free(n->text);
  free(n->detail);
  n->text = n->detail = NULL;
}

static void node_put_locked(ssi_node *n) {
  if (pool_len < POOL_MAX) {
    n->next = pool;
    pool = n;
    pool_len++;
  } else {
    free(n);
  }
}

static void queue_append_locked(ssi_node *n) {
  n->next = NULL;
  if (q_tail != NULL)
    q_tail->next = n;
  else
    q_head = n;
  q_tail = n;
  if (q_len++ == 0 && !quiet) {
    fd_signal(&efd);
    efd_set = 1;
  }
}

/* After a quiet pump: events that still wait make the event fd readable,
 * for every other thread and poller. */
static void settle_locked(void) {
  if (q_len > 0 && !efd_set) {
    fd_signal(&efd);
    efd_set = 1;
  }
}

static void after_remove_locked(ssi_node *n) {
  if (n->rec->pend_data == n) n->rec->pend_data = NULL;
  if (n->rec->pend_progress == n) n->rec->pend_progress = NULL;
  if (--q_len == 0 && efd_set) {
    fd_drain(&efd);
    efd_set = 0;
  }
}

static ssi_node *queue_pop_locked(void) {
  ssi_node *n = q_head;
  if (n == NULL) return NULL;
  q_head = n->next;
  if (q_head == NULL) q_tail = NULL;
  after_remove_locked(n);
  return n;
}

/* Removes every waiting event of rec; their nodes go to *freed. */
static void queue_purge_locked(ssi_rec *rec, ssi_node **freed) {
  ssi_node **pp = &q_head, *prev = NULL;
  while (*pp != NULL) {
    ssi_node *n = *pp;
    if (n->rec == rec) {
      *pp = n->next;
      if (q_tail == n) q_tail = prev;
      after_remove_locked(n);
      n->next = *freed;
      *freed = n;
    } else {
      prev = n;
      pp = &n->next;
    }
  }
}

static void fill_event(ss_event *ev, const ssi_node *n, size_t queued) {
  memset(ev, 0, sizeof *ev);
  ev->queued = queued;
  ev->type = n->type;
  ev->error_id = n->error_id;
  ev->socket = (ss_socket *)n->sock;
  ev->type_name = n->type_name;
  ev->text = n->text != NULL ? n->text : "";
  ev->text_len = n->text_len;
  ev->detail = n->detail != NULL ? n->detail : "";
  ev->detail_len = n->detail_len;
  ev->bytes_loaded = n->loaded;
  ev->bytes_pending = n->pending;
  ev->bytes_total = n->total;
}

/* ---- per-thread state ---------------------------------------------------- */

/* What a thread holds between calls: the event last returned by
 * ss_next_event and the copy of the last ss_error_message. Freed at thread
 * exit by the key's destructor. */
typedef struct ssi_tls {
  ssi_node *cur;
  int batch; /* ss_next_event hands out a stream's batch (pump_ready):
                the next empty queue returns 0 first */
  char *msg;
  size_t msg_cap;
  int streamed;          /* this thread's last pump decrypted a stream's batch */
  unsigned spin_skip;    /* waits left before this thread spins again */
  unsigned spin_backoff; /* the skip after the next spin that finds nothing */
  unsigned pause_skip;    /* waits left before this thread pauses in a stream again */
  unsigned pause_backoff; /* the skip after the next pause that finds nothing */
} ssi_tls;

static pthread_key_t tls_key;
static pthread_once_t tls_once = PTHREAD_ONCE_INIT;
static int tls_ok;

static void tls_free(void *p) {
  ssi_tls *t = p;
  if (t->cur != NULL) {
    node_clear(t->cur);
    free(t->cur);
  }
  free(t->msg);
  free(t);
}

static void tls_init(void) { tls_ok = pthread_key_create(&tls_key, tls_free) == 0; }

static ssi_tls *tls_get(void) {
  pthread_once(&tls_once, tls_init);
  if (!tls_ok) return NULL;
  ssi_tls *t = pthread_getspecific(tls_key);
  if (t == NULL) {
    t = calloc(1, sizeof *t);
    if (t == NULL) return NULL;
    if (pthread_setspecific(tls_key, t) != 0) {
      free(t);
      return NULL;
    }
  }
  return t;
}

/* ---- internal interface (capi.h) ------------------------------------------ */

int ssi_register(void *h) {
  SSI_GO_ARG(h);
  ssi_rec *r = calloc(1, sizeof *r);
  if (r == NULL) return -1;
  r->key = h;
  r->fd = -1;
  pthread_mutex_lock(&mu);
  if ((tab_len + 1) * 4 > tab_cap * 3 && tab_grow() != 0) {
    pthread_mutex_unlock(&mu);
    free(r);
    return -1;
  }
  size_t i = slot_of(h, tab_cap);
  while (tab[i] != NULL) i = (i + 1) & (tab_cap - 1);
  tab[i] = r;
  tab_len++;
  pthread_mutex_unlock(&mu);
  return 0;
}

void ssi_purge(void *h) {
  SSI_GO_ARG(h);
  ssi_node *freed = NULL;
  pthread_mutex_lock(&mu);
  ssi_rec *r = rec_find(h);
  if (r != NULL) queue_purge_locked(r, &freed);
  pthread_mutex_unlock(&mu);
  while (freed != NULL) {
    ssi_node *n = freed;
    freed = n->next;
    node_clear(n);
    free(n);
  }
}

void ssi_unregister(void *h) {
  SSI_GO_ARG(h);
  ssi_node *freed = NULL;
  pthread_mutex_lock(&mu);
  ssi_rec *r = rec_find(h);
  if (r != NULL) {
    queue_purge_locked(r, &freed);
#if SSI_EPOLL
    unwatch_locked(r);
#endif
    rec_remove(h);
  }
  if (offer_h == h) offer_h = NULL;
  pthread_mutex_unlock(&mu);
  if (r == NULL) return;
  free(r->err_msg);
  free(r);
  while (freed != NULL) {
    ssi_node *n = freed;
    freed = n->next;
    node_clear(n);
    free(n);
  }
}

void ssi_set_error(void *h, int id, const char *msg, size_t len) {
  SSI_GO_ARG(h);
  SSI_GO_ARG(id);
  SSI_GO_ARG(msg);
  SSI_GO_ARG(len);
  char *copy = ssi_dup(msg, len); /* outside the lock; NULL keeps "" */
  pthread_mutex_lock(&mu);
  ssi_rec *r = rec_find(h);
  char *old = NULL;
  if (r != NULL) {
    old = r->err_msg;
    r->err_msg = copy;
    r->err_len = copy != NULL ? len : 0;
    r->err_id = id;
    copy = NULL;
  }
  pthread_mutex_unlock(&mu);
  free(old);
  free(copy);
}

void ssi_push(void *h, int type, const char *name, size_t name_len,
              const char *text, size_t text_len, const char *detail,
              size_t detail_len, int32_t error_id, uint64_t loaded,
              uint64_t pending, uint64_t total) {
  SSI_GO_ARG(h);
  SSI_GO_ARG(type);
  SSI_GO_ARG(name);
  SSI_GO_ARG(name_len);
  SSI_GO_ARG(text);
  SSI_GO_ARG(text_len);
  SSI_GO_ARG(detail);
  SSI_GO_ARG(detail_len);
  SSI_GO_ARG(error_id);
  SSI_GO_ARG(loaded);
  SSI_GO_ARG(pending);
  SSI_GO_ARG(total);
  if (!fds_ready()) return; /* nobody could ever be told about it */
  const char *tname;
  if (type >= SS_EVENT_CONNECT && type <= SS_EVENT_OUTPUT_PROGRESS) {
    tname = type_names[type];
  } else {
    /* An event type newer than this file: pass its AS3 name through. */
    tname = ssi_intern(name, name_len);
    type = 0;
    if (tname == NULL) return;
  }
  /* Copy strings before taking the lock; data events have none. */
  char *t = NULL, *d = NULL;
  if (text_len > 0 && (t = ssi_dup(text, text_len)) == NULL) return;
  if (detail_len > 0 && (d = ssi_dup(detail, detail_len)) == NULL) {
    free(t);
    return;
  }

  pthread_mutex_lock(&mu);
  ssi_rec *r = rec_find(h);
  if (r == NULL) { /* freed: its events are never delivered */
    pthread_mutex_unlock(&mu);
    free(t);
    free(d);
    return;
  }
  if (type == SS_EVENT_SOCKET_DATA && r->pend_data != NULL) {
    r->pend_data->loaded += loaded;
    pthread_mutex_unlock(&mu);
    return;
  }
  if (type == SS_EVENT_OUTPUT_PROGRESS && r->pend_progress != NULL) {
    r->pend_progress->pending = pending;
    r->pend_progress->total = total;
    pthread_mutex_unlock(&mu);
    return;
  }
  ssi_node *n = node_get_locked();
  if (n == NULL) { /* out of memory: the event is lost, nothing else */
    pthread_mutex_unlock(&mu);
    free(t);
    free(d);
    return;
  }
  n->rec = r;
  n->sock = h;
  n->type = type;
  n->error_id = error_id;
  n->type_name = tname;
  n->text = t;
  n->text_len = t != NULL ? text_len : 0;
  n->detail = d;
  n->detail_len = d != NULL ? detail_len : 0;
  n->loaded = loaded;
  n->pending = pending;
  n->total = total;
  if (type == SS_EVENT_SOCKET_DATA) {
    r->pend_data = n;
  } else if (type == SS_EVENT_OUTPUT_PROGRESS) {
    r->pend_progress = n;
  } else {
    r->pend_data = r->pend_progress = NULL;
  }
  queue_append_locked(n);
  pthread_mutex_unlock(&mu);
}

/* ---- public: errors ------------------------------------------------------ */

static const char msg_bad_handle[] =
    "securesocket: invalid handle (NULL, freed, or not from ss_socket_new)";
static const char msg_forked[] =
    "securesocket: unusable in a child created by fork()";
static const char msg_nomem[] = "securesocket: out of memory";

const char *ss_error_message(const ss_socket *s) {
  if (ssi_forked) return msg_forked;
  if (s == NULL) return msg_bad_handle;
  ssi_tls *t = tls_get();
  if (t == NULL) return msg_nomem;
  const char *res = msg_bad_handle;
  pthread_mutex_lock(&mu);
  ssi_rec *r = rec_find(s);
  if (r != NULL) {
    size_t n = r->err_len;
    if (n + 1 > t->msg_cap) {
      char *nb = realloc(t->msg, n + 1);
      if (nb == NULL) {
        pthread_mutex_unlock(&mu);
        return msg_nomem;
      }
      t->msg = nb;
      t->msg_cap = n + 1;
    }
    if (n > 0) memcpy(t->msg, r->err_msg, n);
    t->msg[n] = 0;
    res = t->msg;
  }
  pthread_mutex_unlock(&mu);
  return res;
}

int ss_error_id(const ss_socket *s) {
  if (ssi_forked || s == NULL) return 0;
  pthread_mutex_lock(&mu);
  ssi_rec *r = rec_find(s);
  int id = r != NULL ? r->err_id : 0;
  pthread_mutex_unlock(&mu);
  return id;
}

/* ---- public: events ------------------------------------------------------ */

int ss_set_callback(ss_socket *s, ss_callback cb, void *user) {
  if (ssi_forked) return SS_ERR_FORKED;
  pthread_mutex_lock(&mu);
  ssi_rec *r = rec_find(s);
  if (r != NULL) {
    r->cb = cb;
    r->user = user;
  }
  pthread_mutex_unlock(&mu);
  return r != NULL ? SS_OK : SS_ERR_HANDLE;
}

int ss_event_fd(void) {
  if (ssi_forked) return SS_ERR_FORKED;
  /* On Windows a SOCKET, which fits an int: only the low 32 bits of a
   * kernel handle are significant, so that 32- and 64-bit processes can share
   * them (Microsoft's "Interprocess Communication Between 32-bit and 64-bit
   * Applications"). */
  return fds_ready() ? host_fd() : SS_ERR_NOMEM;
}

int ss_next_event(ss_event *out) {
  if (ssi_forked) return SS_ERR_FORKED;
  if (out == NULL) return SS_ERR_NULL;
  if (!fds_ready()) return SS_ERR_NOMEM;
  ssi_tls *t = tls_get();
  if (t == NULL) return SS_ERR_NOMEM;
  ssi_node *old = t->cur;
  t->cur = NULL;
  if (old != NULL) node_clear(old);
  pthread_mutex_lock(&mu);
  if (old != NULL) node_put_locked(old);
  ssi_node *n = queue_pop_locked();
  size_t queued = q_len;
  pthread_mutex_unlock(&mu);
  /* An empty queue: pump the input that waits, unless this thread's last
   * pump decrypted a stream's batch and this run of calls has been handing
   * out its events since. A host that takes events until none are left (a
   * drain loop) thus gets one batch of a stream, then 0, and reads it
   * before more is decrypted: a stream is not pulled in up to the input
   * limit ahead of the host's reads. The next call after the 0 pumps again
   * (the descriptor stays readable meanwhile). Replies smaller than a
   * record never wait for that 0. */
  int stream = 0;
  if (n == NULL && !t->batch && pump_ready(&stream) > 0) {
    pthread_mutex_lock(&mu);
    n = queue_pop_locked();
    queued = q_len;
    settle_locked();
    pthread_mutex_unlock(&mu);
    t->batch = stream && n != NULL;
  }
  if (n == NULL) {
    t->batch = 0;
    return 0;
  }
  fill_event(out, n, queued);
  t->cur = n; /* its strings live until this thread's next call */
  return 1;
}

static int64_t now_ms(void) { return ssi_now_ms(); }

#if SSI_EPOLL
/* Remembers whether this thread's last pump decrypted a stream's batch. */
static void note_streamed(int stream) {
  ssi_tls *t = tls_get();
  if (t != NULL) t->streamed = stream;
}
#endif

/* ---- spinning before a wait ------------------------------------------------
 * A reply on loopback or a LAN comes back in tens of microseconds; a thread
 * that sleeps for it pays the wake-up of an idle processor, which in a
 * virtual machine costs more than the round trip itself (the C client's 64-byte
 * round trips: 14,000-16,000 per second when it sleeps, 24,000-27,000 when it
 * polls for 50 us first; docs/benchmarks.md, "Waiting"). So a wait first polls
 * (pump_ready without waiting) for up to spin_us, as Linux's busy_poll does
 * for sockets (its documented value: 50). A spin that finds nothing makes the
 * thread's next waits skip it, 1, 2, 4 ... up to 64 waits (a peer slower than
 * the spin costs at most one spin in that many waits); one that finds an event
 * resets that. There is no spin with one processor online (it would hold the
 * peer's), or with SECURESOCKET_SPIN_US=0.
 *
 * A thread whose last pump decrypted a stream's batch does not spin: it
 * pauses (stream_pause). */
static int spin_us = -1;

static void spin_init(void) {
  const char *e = getenv("SECURESOCKET_SPIN_US");
  long v = e != NULL && *e != '\0' ? strtol(e, NULL, 10) : 50;
  if (v < 0) v = 0;
  if (v > 1000) v = 1000;
#if SSI_EPOLL
  if (sysconf(_SC_NPROCESSORS_ONLN) < 2) v = 0;
#else
  v = 0; /* no host-driven input to poll here */
#endif
  spin_us = (int)v;
}

static pthread_once_t spin_once = PTHREAD_ONCE_INIT;

/* Whether events wait in the queue; with woken, whether a wake does. */
static int events_waiting(int *woken) {
  pthread_mutex_lock(&mu);
  int got = q_len > 0;
  if (woken != NULL) *woken = wakes > 0;
  pthread_mutex_unlock(&mu);
  return got;
}

/* Pumps the input that waits, quietly; what it posted then makes the event fd
 * readable, for the host's poll (Node's loop, asyncio) as for this thread. */
static void pump_settle(void) {
  int stream;
  if (pump_ready(&stream) > 0) {
    pthread_mutex_lock(&mu);
    settle_locked();
    pthread_mutex_unlock(&mu);
  }
}

/* After a spin or pause that found nothing: the thread's next waits skip
 * it, 1, 2, 4 ... up to 64 of them. */
static void back_off(unsigned *skip, unsigned *backoff) {
  *backoff = *backoff == 0 ? 1 : *backoff < 64 ? 2 * *backoff : 64;
  *skip = *backoff;
}

/* ---- pausing in a stream ------------------------------------------------------
 * A stream arrives as one TLS record after another, each in a send of its own
 * by most servers (OpenSSL, crypto/tls). A host that reads faster than the
 * server sends finds the kernel empty after nearly every record, and a wait
 * that sleeps on the descriptor is woken once per record: on loopback the
 * sender's processor pays for each of those wake-ups (an interprocessor
 * interrupt, costly in a virtual machine), and the receiver for its sleep, its
 * wake-up and a pump of one record (docs/benchmarks.md, "Pausing in a
 * stream"). So after a pump that decrypted a stream's batch, the thread's
 * next wait first sleeps for the spin time without watching any descriptor
 * (the sender wakes nobody meanwhile), then pumps what arrived in one batch.
 * A pause that finds nothing makes the thread's next waits skip it, 1, 2, 4
 * ... up to 64 waits (a stream that ended, or one slower than the pause, costs
 * at most one pause in that many waits); one that finds an event resets that.
 * A wake (ss_wake) or an event of another thread waits for the pause's end. */
static int stream_pause(ssi_tls *t) {
#if SSI_EPOLL
  if (t->pause_skip > 0) {
    t->pause_skip--;
    return 0;
  }
  struct timespec ts = {0, (long)spin_us * 1000L};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
  int woken;
  if (!events_waiting(&woken) && !woken) {
    pump_settle();
  }
  if (events_waiting(NULL)) {
    t->pause_backoff = 0;
    return 1;
  }
  back_off(&t->pause_skip, &t->pause_backoff);
#else
  (void)t;
#endif
  return 0;
}

/* Polls until an event waits (1), or the spin time passes or ss_wake() was
 * called (0). Sleeps only in a stream's pause. */
static int spin_events(void) {
  pthread_once(&spin_once, spin_init);
  if (events_waiting(NULL)) return 1;
  if (spin_us <= 0) return 0;
  ssi_tls *t = tls_get();
  if (t == NULL) return 0;
  if (t->streamed) return stream_pause(t); /* a stream: pause, do not spin */
  if (t->spin_skip > 0) {
    t->spin_skip--;
    return 0;
  }
  int64_t start = ssi_now_us();
  for (;;) {
    int woken;
    if (events_waiting(&woken)) {
      t->spin_backoff = 0;
      return 1;
    }
    if (woken || ssi_now_us() - start > spin_us) break;
    pump_settle();
  }
  back_off(&t->spin_skip, &t->spin_backoff);
  return 0;
}

int ss_spin_events(void) {
  if (ssi_forked) return SS_ERR_FORKED;
  if (!fds_ready()) return SS_ERR_NOMEM;
  return spin_events();
}

/* Waits until events wait (1), or a wake, timeout or signal ends the wait (0),
 * or poll fails (<0). */
static int wait_events(int timeout_ms) {
  int64_t deadline = timeout_ms > 0 ? now_ms() + timeout_ms : 0;
  for (;;) {
    pthread_mutex_lock(&mu);
    if (q_len > 0) {
      pthread_mutex_unlock(&mu);
      return 1;
    }
    pthread_mutex_unlock(&mu);
    /* Input that waits may make events: pump it, then look again. */
    int stream;
    if (pump_ready(&stream) > 0) {
      pthread_mutex_lock(&mu);
      int got = q_len > 0;
      pthread_mutex_unlock(&mu);
      if (got) return 1;
    }
    pthread_mutex_lock(&mu);
    if (timeout_ms == 0) {
      pthread_mutex_unlock(&mu);
      return 0;
    }
    if (wakes > 0) {
      if (--wakes == 0) fd_drain(&wfd);
      pthread_mutex_unlock(&mu);
      return 0;
    }
#if SSI_EPOLL
    void *run = timeout_ms != 0 ? offer_take_locked(deadline) : NULL;
    pthread_mutex_unlock(&mu);
    if (run != NULL) {
      /* The connect this wait is for: run it here, quietly (its events
       * need no wake-up of this thread), then look again. */
      quiet = 1;
      ssgo_run_offer(run);
      quiet = 0;
      pthread_mutex_lock(&mu);
      int got = q_len > 0;
      pthread_mutex_unlock(&mu);
      if (got) return 1; /* ss_dispatch takes them, then settles the fd */
      continue;
    }
#else
    /* A library thread reads every connection: no host-run connects. */
    pthread_mutex_unlock(&mu);
#endif
    if (spin_events()) return 1;

    int left = -1;
    if (timeout_ms > 0) {
      int64_t d = deadline - now_ms();
      if (d <= 0) return 0;
      left = d > 0x7fffffff ? 0x7fffffff : (int)d;
    }
#if SSI_EPOLL
    ssi_evfd host = efd;
    if (epfd >= 0) host.rd = epfd;
    int rc = ssi_evfd_wait2(&host, &wfd, left);
#else
    int rc = ssi_evfd_wait2(&efd, &wfd, left);
#endif
    if (rc <= 0) return rc; /* 0: timeout or signal, < 0: failed */
    /* Readable: loop and look under the lock, which decides. */
  }
}

/* An error event that ss_dispatch() discards because its socket has no
 * callback is not dropped silently: one line on stderr, as AIR's debugger
 * reports an unhandled IOErrorEvent (the header, ss_set_callback). */
static void report_unhandled(const ssi_node *n) {
  fprintf(stderr, "securesocket: unhandled %s (the socket has no callback): %.*s (%.*s)\n", n->type_name,
          (int)(n->text_len < 4096 ? n->text_len : 4096), n->text != NULL ? n->text : "",
          (int)(n->detail_len < 4096 ? n->detail_len : 4096), n->detail != NULL ? n->detail : "");
  fflush(stderr);
}

int ss_dispatch(int timeout_ms) {
  if (ssi_forked) return SS_ERR_FORKED;
  if (!fds_ready()) return SS_ERR_NOMEM;
  int w = wait_events(timeout_ms);
  if (w <= 0) return w < 0 ? SS_ERR_INTERNAL : 0;

  int ran = 0;
  ssi_node *done = NULL;
  pthread_mutex_lock(&mu);
  /* Only what waits now: a socket that keeps sending cannot keep this call
   * running. Merged and purged events only make the queue shorter. */
  for (size_t budget = q_len; budget > 0; budget--) {
    if (done != NULL) node_put_locked(done);
    done = queue_pop_locked();
    if (done == NULL) break;
    ss_callback cb = done->rec->cb;
    void *user = done->rec->user;
    size_t queued = q_len;
    pthread_mutex_unlock(&mu);
    if (cb != NULL) {
      ss_event ev;
      fill_event(&ev, done, queued);
      cb(&ev, user); /* no lock held: it may call anything */
      ran++;
    } else if (done->type == SS_EVENT_IO_ERROR || done->type == SS_EVENT_SECURITY_ERROR) {
      report_unhandled(done);
    }
    node_clear(done);
    pthread_mutex_lock(&mu);
  }
  if (done != NULL) node_put_locked(done);
  settle_locked();
  pthread_mutex_unlock(&mu);
  return ran;
}

int ss_wake(void) {
  if (ssi_forked) return SS_ERR_FORKED;
  if (!fds_ready()) return SS_ERR_NOMEM;
  pthread_mutex_lock(&mu);
  woke_ever = 1;
  if (wakes < 0xffffffffu && wakes++ == 0) fd_signal(&wfd);
  pthread_mutex_unlock(&mu);
  return SS_OK;
}
