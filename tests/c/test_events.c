/*
 * test_events.c - event delivery: the fd is readable exactly while events
 * wait (poll), one fd for every socket, callbacks on the dispatching thread
 * with the user pointer, re-entrant callbacks, freeing a socket inside its
 * own callback, and no event of a freed socket ever delivered.
 */
#define _GNU_SOURCE
#include "portable.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* Whether the event fd becomes readable within timeout_ms; a signal that
 * interrupts poll (valgrind routes the runtime's here) is not an answer. */
static int fd_readable(int timeout_ms) {
  int64_t deadline = tu_now_ms() + timeout_ms;
  for (;;) {
    struct pollfd p = {ss_event_fd(), POLLIN, 0};
    int64_t left = deadline - tu_now_ms();
    int rc = poll(&p, 1, left > 0 ? (int)left : 0);
    if (rc >= 0 || errno != EINTR) return rc == 1 && (p.revents & POLLIN);
  }
}

static void test_fd_level(void) {
  CHECK(!fd_readable(0));
  ss_socket *s = ss_socket_new();
  CHECK_OK(s, ss_connect(s, lab_host(), SS_NTS, lab_port("typed")));
  CHECK(fd_readable(10000)); /* connect */
  ss_event ev;
  int types[8], n = 0;
  int64_t deadline = tu_now_ms() + 10000;
  /* Take events until connect and the payload's socketData arrived. */
  while (tu_now_ms() < deadline && n < 2) {
    if (!fd_readable(1000)) continue;
    while (n < 8 && ss_next_event(&ev) == 1) {
      CHECK(ev.socket == s);
      types[n++] = ev.type;
    }
  }
  CHECK(n >= 2 && types[0] == SS_EVENT_CONNECT && types[1] == SS_EVENT_SOCKET_DATA);
  /* Drained, and the server sends nothing more: the fd is no longer
   * readable. (Checked only now: between connect and the payload's arrival
   * a new event may come at any moment.) */
  CHECK(ss_next_event(&ev) == 0);
  CHECK(!fd_readable(0));
  CHECK(!fd_readable(200));
  ss_socket_free(s);
}

/* A reply that ss_spin_events decrypts leaves the event fd readable while
 * its event waits: a host that polls the fd (Node's loop, asyncio) sees it. */
static void test_spin_leaves_fd_readable(void) {
  ss_socket *s = ss_socket_new();
  CHECK_OK(s, ss_connect(s, lab_host(), SS_NTS, lab_port("echo")));
  ss_event ev;
  CHECK(fd_readable(10000));
  CHECK(ss_next_event(&ev) == 1 && ev.type == SS_EVENT_CONNECT);
  for (int round = 0; round < 20; round++) {
    CHECK_OK(s, ss_write_bytes(s, "ping", 4, 0, 0));
    CHECK_OK(s, ss_flush(s));
    /* Spin until the reply's socketData was taken (the spins back off after
     * a miss, and outputProgress comes first): whenever a spin says an event
     * waits, the event fd says so too. */
    int data = 0;
    for (int64_t deadline = tu_now_ms() + 10000; !data && tu_now_ms() < deadline;) {
      int got = ss_spin_events();
      CHECK(got >= 0);
      if (got == 1) {
        CHECK(fd_readable(0));
        while (ss_next_event(&ev) == 1) data |= ev.type == SS_EVENT_SOCKET_DATA;
      }
    }
    CHECK(data);
    uint8_t back[4];
    size_t n = 0;
    CHECK_OK(s, ss_read_bytes(s, back, sizeof back, 0, &n));
    CHECK(n == 4 && memcmp(back, "ping", 4) == 0);
    CHECK(!fd_readable(0));
  }
  ss_socket_free(s);
}

#ifdef __linux__
static uint8_t pause_pat(size_t i) { return (uint8_t)(i * 7 + (i >> 9)); }

/* Reads want bytes of the echo in 4 KiB reads, which take only what a pump
 * decrypted (a read of 64 KiB or more would take input straight from the
 * connection), pumping on this thread with ss_next_event. */
static void read_echo(ss_socket *s, size_t want, size_t start) {
  uint8_t buf[4096];
  size_t got = 0;
  int same = 1;
  for (int64_t deadline = tu_now_ms() + 20000; got < want && tu_now_ms() < deadline;) {
    size_t n = 0;
    CHECK_OK(s, ss_read_bytes(s, buf, sizeof buf, 0, &n));
    for (size_t i = 0; i < n; i++) same &= buf[i] == pause_pat(start + got + i);
    got += n;
    ss_event ev;
    if (n == 0 && ss_next_event(&ev) == 0) fd_readable(1000);
  }
  CHECK(got == want && same);
}

static void *wake_later(void *arg) {
  usleep(100 * 1000);
  __atomic_store_n((int *)arg, 1, __ATOMIC_SEQ_CST);
  ss_wake();
  return NULL;
}

/* After a pump that decrypted a stream's batch, a wait pauses instead of
 * spinning: ss_spin_events sleeps for the spin time without watching the
 * descriptors, then pumps what arrived meanwhile and says that an event
 * waits. Nothing is lost or held back by it, and a wait after a pause that
 * found nothing still sleeps until input or a wake comes. */
static void test_stream_pause(void) {
  if (!tu_spins_here()) {
    TU_SKIP("no spin or pause here (one processor or no host-driven input)");
    return;
  }
  ss_socket *s = ss_socket_new();
  /* Only socketData: the flushes' outputProgress would make ss_spin_events
   * say 1 by itself. */
  CHECK_OK(s, ss_set_event_mask(s, SS_MASK_ALL & ~SS_MASK_OF(SS_EVENT_OUTPUT_PROGRESS)));
  CHECK(tu_connect(s, "echo"));
  /* TLS sends a connection's first 128 KiB in small records (crypto/tls's
   * dynamic record sizing), and the echo mirrors them: full records only
   * after M. */
  enum { M = 192 << 10, N = 64 << 10 };
  static uint8_t out[M + N];
  for (size_t i = 0; i < sizeof out; i++) out[i] = pause_pat(i);
  CHECK_OK(s, ss_write_bytes(s, out, M, 0, 0));
  CHECK_OK(s, ss_flush(s));
  read_echo(s, M, 0); /* this thread's last pumps decrypted whole records: a stream */
  ss_event ev;
  while (ss_next_event(&ev) == 1) {
  }
  /* The next 64 KiB come back while this thread neither waits nor pumps. */
  CHECK_OK(s, ss_write_bytes(s, out + M, N, 0, 0));
  CHECK_OK(s, ss_flush(s));
  usleep(300 * 1000);
  /* A spin would return 0 at once for a thread in a stream; the pause
   * pumps the input that waits. */
  CHECK(ss_spin_events() == 1);
  uint64_t avail = 0;
  CHECK_OK(s, ss_get_bytes_available(s, &avail));
  CHECK(avail > 0);
  read_echo(s, N, M);
  while (ss_next_event(&ev) == 1) {
  }
  /* Nothing more comes: a pause finds nothing (0), and the wait after it
   * sleeps until a wake from another thread ends it. */
  CHECK(ss_spin_events() == 0);
  pthread_t th;
  int woke = 0, waits = 0;
  CHECK(pthread_create(&th, NULL, wake_later, &woke) == 0);
  /* A signal (the Go runtime's) may end a wait early too: count them. */
  for (int64_t deadline = tu_now_ms() + 20000; !__atomic_load_n(&woke, __ATOMIC_SEQ_CST) && tu_now_ms() < deadline;
       waits++)
    CHECK(ss_dispatch(20000) == 0);
  pthread_join(th, NULL);
  CHECK(woke && waits < 100);
  ss_socket_free(s);
}
#else
static void test_stream_pause(void) { TU_SKIP("host-driven input is Linux's"); }
#endif

/* One fd and one loop serve every socket. */
static void test_many_sockets(void) {
  enum { N = 6 };
  ss_socket *s[N];
  for (int i = 0; i < N; i++) {
    s[i] = ss_socket_new();
    CHECK_OK(s[i], ss_connect(s[i], lab_host(), SS_NTS, lab_port(i % 2 ? "echo" : "expired")));
  }
  int seen[N] = {0};
  int total = 0;
  int64_t deadline = tu_now_ms() + 30000;
  while (total < N && tu_now_ms() < deadline) {
    if (!fd_readable(1000)) continue;
    ss_event ev;
    while (ss_next_event(&ev) == 1) {
      for (int i = 0; i < N; i++) {
        if (ev.socket == s[i]) {
          int want = i % 2 ? SS_EVENT_CONNECT : SS_EVENT_IO_ERROR;
          CHECK(ev.type == want);
          seen[i]++;
          total++;
        }
      }
    }
  }
  for (int i = 0; i < N; i++) CHECK(seen[i] == 1);
  for (int i = 0; i < N; i++) ss_socket_free(s[i]);
}

typedef struct {
  ss_socket *s;
  int connects, data, progress, errors;
  int32_t echoed;
  int reentered;
  int order_ok;
} echo_state;

static void echo_cb(const ss_event *ev, void *user) {
  echo_state *st = user;
  if (ev->socket != st->s) st->order_ok = 0;
  switch (ev->type) {
  case SS_EVENT_CONNECT:
    if (st->data || st->progress) st->order_ok = 0;
    st->connects++;
    ss_write_int(ev->socket, 424242);
    ss_flush(ev->socket);
    /* Callbacks may re-enter: nothing else is waiting for this socket. */
    if (ss_dispatch(0) >= 0) st->reentered++;
    break;
  case SS_EVENT_SOCKET_DATA: {
    st->data++;
    uint64_t av = 0;
    ss_get_bytes_available(ev->socket, &av);
    if (av >= 4) ss_read_int(ev->socket, &st->echoed);
    break;
  }
  case SS_EVENT_OUTPUT_PROGRESS:
    st->progress++;
    break;
  default:
    st->errors++;
  }
}

static void test_dispatch_callbacks(void) {
  echo_state st = {0};
  st.order_ok = 1;
  st.s = ss_socket_new();
  CHECK_OK(st.s, ss_set_callback(st.s, echo_cb, &st));
  CHECK_OK(st.s, ss_connect(st.s, lab_host(), SS_NTS, lab_port("echo")));
  int64_t deadline = tu_now_ms() + 10000;
  while (st.echoed == 0 && tu_now_ms() < deadline) CHECK(ss_dispatch(1000) >= 0);
  CHECK(st.connects == 1 && st.echoed == 424242 && st.errors == 0 && st.order_ok);
  CHECK(st.reentered == 1);
  ss_socket_free(st.s);
}

/* The event mask: without the outputProgress bit none is queued, data still
 * is; the events that decide outcomes cannot be masked. */
static void test_event_mask(void) {
  echo_state st = {0};
  st.order_ok = 1;
  st.s = ss_socket_new();
  uint32_t m = 0;
  CHECK_OK(st.s, ss_get_event_mask(st.s, &m));
  CHECK(m == SS_MASK_ALL);
  CHECK_OK(st.s, ss_set_event_mask(st.s, SS_MASK_ALL & ~SS_MASK_OF(SS_EVENT_OUTPUT_PROGRESS)));
  CHECK_OK(st.s, ss_get_event_mask(st.s, &m));
  CHECK(m == (SS_MASK_ALL & ~SS_MASK_OF(SS_EVENT_OUTPUT_PROGRESS)));
  CHECK_OK(st.s, ss_set_callback(st.s, echo_cb, &st));
  CHECK_OK(st.s, ss_connect(st.s, lab_host(), SS_NTS, lab_port("echo")));
  int64_t deadline = tu_now_ms() + 10000;
  while (st.echoed == 0 && tu_now_ms() < deadline) CHECK(ss_dispatch(1000) >= 0);
  CHECK(st.connects == 1 && st.echoed == 424242 && st.data >= 1 && st.progress == 0);
  /* Masking everything keeps connect, close and the errors. */
  CHECK_OK(st.s, ss_set_event_mask(st.s, 0));
  CHECK_OK(st.s, ss_get_event_mask(st.s, &m));
  CHECK((m & SS_MASK_OF(SS_EVENT_CONNECT)) && (m & SS_MASK_OF(SS_EVENT_IO_ERROR)) &&
        !(m & SS_MASK_OF(SS_EVENT_SOCKET_DATA)));
  ss_socket_free(st.s);
}

/* A socket without a callback: ss_dispatch discards its events. */
static void test_no_callback_discards(void) {
  ss_socket *s = ss_socket_new();
  CHECK_OK(s, ss_connect(s, lab_host(), SS_NTS, lab_port("echo")));
  CHECK(fd_readable(10000));
  CHECK(ss_dispatch(0) == 0); /* consumed, no callback ran */
  CHECK(!fd_readable(0));
  ss_socket_free(s);
}

/* Runs ss_dispatch with stderr sent to a file until the event fd is quiet;
 * returns what was written to stderr (malloc'd). */
static char *dispatch_capturing_stderr(int wait_ms) {
  char path[] = "/tmp/ss-stderr-XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  fflush(stderr);
  int saved = dup(2);
  dup2(fd, 2);
  CHECK(fd_readable(wait_ms));
  CHECK(ss_dispatch(0) == 0); /* no callback ran */
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  char *out = calloc(1, 8192);
  lseek(fd, 0, SEEK_SET);
  ssize_t n = read(fd, out, 8191);
  (void)n;
  close(fd);
  unlink(path);
  return out;
}

static void cb_ignore(const ss_event *ev, void *user) { (void)ev, (void)user; }

/* An ioError that ss_dispatch discards (no callback) is reported on stderr
 * with its text and detail; with a callback, even one that ignores it,
 * nothing is printed. */
static void test_unhandled_error_reported(void) {
  ss_socket *s = ss_socket_new();
  CHECK_OK(s, ss_connect(s, lab_host(), SS_NTS, lab_port("refused")));
  char *out = dispatch_capturing_stderr(10000);
  char want[300];
  snprintf(want, sizeof want, "securesocket: unhandled ioError (the socket has no callback): "
           "Error #2031: Socket Error. URL: %s (", lab_host());
  if (strstr(out, want) == NULL || strstr(out, "refused") == NULL) {
    fprintf(stderr, "stderr was: %s\n", out);
    tu_failures++;
  }
  free(out);
  CHECK_OK(s, ss_set_callback(s, cb_ignore, NULL));
  CHECK_OK(s, ss_connect(s, lab_host(), SS_NTS, lab_port("refused")));
  CHECK(fd_readable(10000));
  fflush(stderr);
  char path[] = "/tmp/ss-stderr-XXXXXX";
  int fd = mkstemp(path);
  int saved = dup(2);
  dup2(fd, 2);
  CHECK(ss_dispatch(0) == 1);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  CHECK(lseek(fd, 0, SEEK_END) == 0);
  close(fd);
  unlink(path);
  ss_socket_free(s);
}

typedef struct {
  ss_socket *s;
  ss_socket *other;
  int calls;
  int after_free_rc;
} free_state;

static void free_self_cb(const ss_event *ev, void *user) {
  free_state *st = user;
  st->calls++;
  if (ss_socket_free(ev->socket) != SS_OK) st->after_free_rc = 1;
  /* The event record stays valid until the callback returns. */
  if (ev->type_name == NULL || strlen(ev->type_name) == 0) st->after_free_rc = 2;
  int c;
  if (st->after_free_rc == 0) st->after_free_rc = ss_get_connected(ev->socket, &c);
  if (st->other != NULL) {
    ss_socket_free(st->other);
    st->other = NULL;
  }
}

/* Waits, without taking events, until s has n unread bytes. */
static void wait_queued(ss_socket *s, uint64_t n) {
  uint64_t av = 0;
  for (int64_t deadline = tu_now_ms() + 10000; av < n && tu_now_ms() < deadline;) {
    usleep(10 * 1000);
    ss_get_bytes_available(s, &av);
  }
  CHECK(av >= n);
}

/* A callback frees its own socket and another one that has events waiting:
 * neither delivers another event. */
static void test_free_in_own_callback(void) {
  free_state st = {0}, vst = {0};
  st.s = ss_socket_new();
  ss_socket *victim = ss_socket_new();
  st.other = victim;
  CHECK_OK(st.s, ss_set_callback(st.s, free_self_cb, &st));
  CHECK_OK(victim, ss_set_callback(victim, free_self_cb, &vst));
  /* The typed server sends at once, so connect and socketData queue up:
   * first st.s's, then the victim's. */
  CHECK_OK(st.s, ss_connect(st.s, lab_host(), SS_NTS, lab_port("typed")));
  wait_queued(st.s, 96);
  CHECK_OK(victim, ss_connect(victim, lab_host(), SS_NTS, lab_port("typed")));
  wait_queued(victim, 96);
  int ran = 0;
  for (int i = 0; i < 3; i++) ran += ss_dispatch(100);
  CHECK(ran == 1);
  CHECK(st.calls == 1);  /* freed itself on its first event */
  CHECK(vst.calls == 0); /* freed by the other callback: its events dropped */
  CHECK(st.after_free_rc == SS_ERR_HANDLE);
  CHECK(ss_socket_free(st.s) == SS_ERR_HANDLE);
  CHECK(ss_socket_free(victim) == SS_ERR_HANDLE);
  CHECK(!fd_readable(0));
}

/* Freeing a socket drops its waiting events at once, and a connect in
 * flight never reports. */
static void test_free_drops_events(void) {
  ss_socket *s = ss_socket_new();
  CHECK_OK(s, ss_connect(s, lab_host(), SS_NTS, lab_port("trusted")));
  CHECK(fd_readable(10000));
  ss_socket_free(s);
  ss_event ev;
  CHECK(ss_next_event(&ev) == 0);
  CHECK(!fd_readable(0));

  s = ss_socket_new();
  CHECK_OK(s, ss_connect(s, lab_host(), SS_NTS, lab_port("trusted")));
  ss_socket_free(s); /* before the handshake ends */
  CHECK(!fd_readable(500));
  CHECK(ss_next_event(&ev) == 0);
}

static const tu_test tests[] = {
    {"unhandled_error_reported", test_unhandled_error_reported},
    {"fd_level", test_fd_level},
    {"spin_leaves_fd_readable", test_spin_leaves_fd_readable},
    {"stream_pause", test_stream_pause},
    {"many_sockets", test_many_sockets},
    {"dispatch_callbacks", test_dispatch_callbacks},
    {"event_mask", test_event_mask},
    {"no_callback_discards", test_no_callback_discards},
    {"free_in_own_callback", test_free_in_own_callback},
    {"free_drops_events", test_free_drops_events},
    {NULL, NULL},
};

int main(int argc, char **argv) {
  lab_require();
  return tu_main(argc, argv, tests);
}
