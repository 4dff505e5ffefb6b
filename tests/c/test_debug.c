/*
 * test_debug.c - paths the network cannot drive on demand, through the
 * ss_debug_* hooks of the ssdebug build (capi/debug.go): coalescing, a Go
 * panic turned into SS_ERR_PANIC, the dispatch budget, purging on free, and
 * event types newer than the header.
 */
#include "portable.h"

#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* Only in the ssdebug build of the library. */
int ss_debug_post(ss_socket *s, int type, uint32_t count);
int ss_debug_panic(ss_socket *s);
int64_t ss_debug_offers_run(void);

typedef struct {
  int connected, failed;
} outcome;

static void on_outcome(const ss_event *ev, void *user) {
  outcome *o = user;
  if (ev->type == SS_EVENT_CONNECT) o->connected = 1;
  if (ev->type == SS_EVENT_IO_ERROR || ev->type == SS_EVENT_SECURITY_ERROR) o->failed = 1;
}

/* Connects s to the lab's trusted server by its address (the connects that
 * ss_dispatch may run itself are those to an IP address), dispatching with
 * wait_ms until the outcome; 1 on a connect event. */
static int connect_by_address(ss_socket *s, int wait_ms) {
  outcome o = {0, 0};
  ss_set_callback(s, on_outcome, &o);
  CHECK_OK(s, ss_set_server_name(s, lab_host(), SS_NTS));
  CHECK_OK(s, ss_connect(s, "127.0.0.1", SS_NTS, lab_port("trusted")));
  int64_t end = tu_now_ms() + 20000;
  while (!o.connected && !o.failed && tu_now_ms() < end) ss_dispatch(wait_ms);
  ss_set_callback(s, NULL, NULL);
  return o.connected;
}

/* ss_dispatch runs a connect on its own thread when the host waits for it
 * anyway: the only socket, a wait that covers the socket's timeout, no
 * ss_wake() ever (core's offer.go, queue.c's offer_take_locked). It never
 * does otherwise: another socket's events would wait behind the handshake,
 * the wait would outlast its timeout, or a wake would come late. Runs
 * first: the other tests leave sockets, and the ss_wake() at its end is
 * for good. */
static void test_connect_offers(void) {
  lab_require();
  const char *fdkind = getenv("SS_EXPECT_EVENT_FD");
  int pipe = fdkind != NULL && strcmp(fdkind, "pipe") == 0;
  int slow = getenv("SS_MEMCHECK") != NULL; /* every wait of a host loses its race there */
  int64_t ran = 0;
  for (int i = 0; i < 5; i++) {
    ss_socket *s = ss_socket_new();
    int64_t before = ss_debug_offers_run();
    CHECK(connect_by_address(s, -1));
    ran += ss_debug_offers_run() - before;
    ss_socket_free(s);
  }
  /* The first may lose its race with the library's thread; after one the
   * host took, the library's thread waits for the host. */
  if (pipe) {
    CHECK(ran == 0); /* a library thread reads every connection there */
  } else if (!slow) {
    CHECK(ran >= 1);
  }

  int64_t before = ss_debug_offers_run();
  /* A wait shorter than the socket's timeout. */
  ss_socket *s = ss_socket_new();
  CHECK_OK(s, ss_set_timeout(s, 20000));
  CHECK(connect_by_address(s, 50));
  ss_socket_free(s);
  /* Another socket exists. */
  s = ss_socket_new();
  ss_socket *other = ss_socket_new();
  CHECK(connect_by_address(s, -1));
  ss_socket_free(s);
  ss_socket_free(other);
  /* ss_wake() was called: from now on, for good. */
  CHECK(ss_wake() == SS_OK);
  CHECK(ss_dispatch(1000) == 0); /* takes the wake */
  s = ss_socket_new();
  CHECK(connect_by_address(s, -1));
  ss_socket_free(s);
  CHECK(ss_debug_offers_run() == before);
}

static int take_all(ss_event *evs, int cap) {
  int n = 0;
  while (n < cap && ss_next_event(&evs[n]) == 1) {
    /* Keep nothing that points into the library across calls. */
    evs[n].text = evs[n].detail = NULL;
    n++;
  }
  return n;
}

static void test_coalescing(void) {
  ss_socket *s = ss_socket_new();
  ss_event ev[16];
  /* A burst of socketData becomes one event; bytes_loaded adds up. */
  CHECK_OK(s, ss_debug_post(s, SS_EVENT_SOCKET_DATA, 1000));
  int n = take_all(ev, 16);
  CHECK(n == 1 && ev[0].type == SS_EVENT_SOCKET_DATA && ev[0].bytes_loaded == 1000);
  /* outputProgress is updated in place. */
  CHECK_OK(s, ss_debug_post(s, SS_EVENT_OUTPUT_PROGRESS, 50));
  n = take_all(ev, 16);
  CHECK(n == 1 && ev[0].bytes_pending == 2 && ev[0].bytes_total == 3);
  /* Interleaved data and progress: one of each. */
  for (int i = 0; i < 100; i++) {
    ss_debug_post(s, SS_EVENT_SOCKET_DATA, 1);
    ss_debug_post(s, SS_EVENT_OUTPUT_PROGRESS, 1);
  }
  n = take_all(ev, 16);
  CHECK(n == 2 && ev[0].type == SS_EVENT_SOCKET_DATA && ev[0].bytes_loaded == 100 &&
        ev[1].type == SS_EVENT_OUTPUT_PROGRESS);
  /* The rule shared with core.Queue: data, progress, data is two events,
   * the socketData first with both amounts. */
  ss_debug_post(s, SS_EVENT_SOCKET_DATA, 1);
  ss_debug_post(s, SS_EVENT_OUTPUT_PROGRESS, 1);
  ss_debug_post(s, SS_EVENT_SOCKET_DATA, 2);
  n = take_all(ev, 16);
  CHECK(n == 2 && ev[0].type == SS_EVENT_SOCKET_DATA && ev[0].bytes_loaded == 3 &&
        ev[1].type == SS_EVENT_OUTPUT_PROGRESS);
  /* Never across another event: data, connect, data stays three events. */
  ss_debug_post(s, SS_EVENT_SOCKET_DATA, 3);
  ss_debug_post(s, SS_EVENT_CONNECT, 1);
  ss_debug_post(s, SS_EVENT_SOCKET_DATA, 4);
  n = take_all(ev, 16);
  CHECK(n == 3 && ev[0].type == SS_EVENT_SOCKET_DATA && ev[0].bytes_loaded == 3 &&
        ev[1].type == SS_EVENT_CONNECT && ev[2].bytes_loaded == 4);
  /* Per socket: another socket's data does not merge. */
  ss_socket *t = ss_socket_new();
  ss_debug_post(s, SS_EVENT_SOCKET_DATA, 2);
  ss_debug_post(t, SS_EVENT_SOCKET_DATA, 5);
  ss_debug_post(s, SS_EVENT_SOCKET_DATA, 2);
  n = take_all(ev, 16);
  CHECK(n == 2 && ev[0].socket == s && ev[0].bytes_loaded == 4 && ev[1].socket == t &&
        ev[1].bytes_loaded == 5);
  /* Connect events are never merged. */
  ss_debug_post(s, SS_EVENT_CONNECT, 5);
  CHECK(take_all(ev, 16) == 5);
  ss_socket_free(t);
  ss_socket_free(s);
}

static void test_event_strings(void) {
  ss_socket *s = ss_socket_new();
  ss_debug_post(s, SS_EVENT_IO_ERROR, 1);
  ss_event ev;
  CHECK(ss_next_event(&ev) == 1);
  CHECK(ev.type == SS_EVENT_IO_ERROR && ev.error_id == 2031);
  CHECK(strcmp(ev.type_name, "ioError") == 0);
  CHECK(strcmp(ev.text, "Error #2031: Socket Error. URL: debug") == 0 && ev.text_len == strlen(ev.text));
  CHECK(strcmp(ev.detail, "posted by ss_debug_post") == 0 && ev.detail_len == strlen(ev.detail));
  CHECK(ev.queued == 0);
  for (int i = 0; i < 3; i++) CHECK(ev.reserved[i] == 0);
  /* An event type newer than the header: type 0, the AS3 name kept. */
  ss_debug_post(s, 99, 1);
  CHECK(ss_next_event(&ev) == 1);
  CHECK(ev.type == 0 && strcmp(ev.type_name, "futureEvent") == 0);
  CHECK(ev.text != NULL && ev.text[0] == 0 && ev.detail != NULL && ev.detail[0] == 0);
  ss_socket_free(s);
}

static void test_panic_recovered(void) {
  ss_socket *s = ss_socket_new();
  CHECK_RC(s, ss_debug_panic(s), SS_ERR_PANIC);
  CHECK(ss_error_id(s) == 0);
  CHECK(strstr(ss_error_message(s), "panic") != NULL);
  /* The process and the socket carry on. */
  uint32_t t = 0;
  CHECK_OK(s, ss_get_timeout(s, &t));
  CHECK(t == 20000);
  ss_socket_free(s);
}

static void test_free_purges(void) {
  ss_socket *s = ss_socket_new(), *t = ss_socket_new();
  ss_debug_post(s, SS_EVENT_CONNECT, 10);
  ss_debug_post(t, SS_EVENT_CONNECT, 1);
  ss_debug_post(s, SS_EVENT_IO_ERROR, 3);
  ss_socket_free(s);
  ss_event ev;
  CHECK(ss_next_event(&ev) == 1 && ev.socket == t);
  CHECK(ss_next_event(&ev) == 0);
  struct pollfd p = {ss_event_fd(), POLLIN, 0};
  CHECK(poll(&p, 1, 0) == 0);
  /* Posting to a freed handle queues nothing. */
  CHECK(ss_debug_post(s, SS_EVENT_CONNECT, 1) == SS_ERR_HANDLE);
  ss_socket_free(t);
}

/* ss_event.queued counts the events that waited behind the one taken, so a
 * loop can stop at 0 without a last call; in a callback as well. */
static void queued_cb(const ss_event *ev, void *user) {
  uint64_t *seen = user;
  seen[seen[0]++ + 1] = ev->queued;
}

static void test_queued_count(void) {
  ss_socket *s = ss_socket_new();
  ss_debug_post(s, SS_EVENT_CONNECT, 3);
  ss_event ev;
  CHECK(ss_next_event(&ev) == 1 && ev.queued == 2);
  CHECK(ss_next_event(&ev) == 1 && ev.queued == 1);
  CHECK(ss_next_event(&ev) == 1 && ev.queued == 0);
  CHECK(ss_next_event(&ev) == 0);
  uint64_t seen[4] = {0};
  ss_set_callback(s, queued_cb, seen);
  ss_debug_post(s, SS_EVENT_CONNECT, 2);
  CHECK(ss_dispatch(0) == 2);
  CHECK(seen[0] == 2 && seen[1] == 1 && seen[2] == 0);
  ss_socket_free(s);
}

typedef struct {
  ss_socket *s;
  int calls;
} budget_state;

static void repost_cb(const ss_event *ev, void *user) {
  budget_state *st = user;
  st->calls++;
  ss_debug_post(ev->socket, SS_EVENT_CONNECT, 2); /* more than it took */
}

/* ss_dispatch runs only what waited when it started, so a callback that
 * keeps producing events cannot keep it running. */
static void test_dispatch_budget(void) {
  budget_state st = {0};
  st.s = ss_socket_new();
  ss_set_callback(st.s, repost_cb, &st);
  ss_debug_post(st.s, SS_EVENT_CONNECT, 3);
  CHECK(ss_dispatch(0) == 3);
  CHECK(st.calls == 3);
  CHECK(ss_dispatch(0) == 6);
  ss_set_callback(st.s, NULL, NULL);
  ss_socket_free(st.s);
  CHECK(ss_dispatch(0) == 0);
}

static void self_free_cb(const ss_event *ev, void *user) {
  int *calls = user;
  (*calls)++;
  ss_socket_free(ev->socket);
}

static void test_free_in_callback_with_queue(void) {
  ss_socket *s = ss_socket_new();
  int calls = 0;
  ss_set_callback(s, self_free_cb, &calls);
  ss_debug_post(s, SS_EVENT_CONNECT, 5);
  CHECK(ss_dispatch(0) == 1);
  CHECK(calls == 1);
  CHECK(ss_dispatch(0) == 0);
}

static const tu_test tests[] = {
    {"connect_offers", test_connect_offers},
    {"coalescing", test_coalescing},
    {"event_strings", test_event_strings},
    {"queued_count", test_queued_count},
    {"panic_recovered", test_panic_recovered},
    {"free_purges", test_free_purges},
    {"dispatch_budget", test_dispatch_budget},
    {"free_in_callback_with_queue", test_free_in_callback_with_queue},
    {NULL, NULL},
};

int main(int argc, char **argv) { return tu_main(argc, argv, tests); }
