/*
 * test_threads.c - several threads calling at once: one dispatcher thread
 * delivering events while workers run echo round trips on their own sockets;
 * many threads on one socket while another thread frees it; handle churn
 * against stale handles; per-thread error messages; two dispatchers.
 */
#define _GNU_SOURCE
#include "portable.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

/* ---- workers with a dispatcher ------------------------------------------ */

enum { WORKERS = 4, ROUNDS = 150, MEMCHECK_ROUNDS = 30 };

typedef struct {
  ss_socket *s;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  int connected, failed, data; /* guarded by mu */
} worker;

static atomic_int stop_dispatch;

static void worker_cb(const ss_event *ev, void *user) {
  worker *w = user;
  pthread_mutex_lock(&w->mu);
  if (ev->type == SS_EVENT_CONNECT) w->connected = 1;
  if (ev->type == SS_EVENT_IO_ERROR || ev->type == SS_EVENT_CLOSE) w->failed = 1;
  if (ev->type == SS_EVENT_SOCKET_DATA) w->data++;
  pthread_cond_broadcast(&w->cv);
  pthread_mutex_unlock(&w->mu);
}

static void *dispatcher(void *arg) {
  (void)arg;
  while (!atomic_load(&stop_dispatch)) ss_dispatch(-1);
  return NULL;
}

static void *worker_main(void *arg) {
  worker *w = arg;
  pthread_mutex_lock(&w->mu);
  while (!w->connected && !w->failed) pthread_cond_wait(&w->cv, &w->mu);
  pthread_mutex_unlock(&w->mu);
  if (w->failed) return (void *)1;
  int rounds = tu_memcheck() ? MEMCHECK_ROUNDS : ROUNDS;
  for (int i = 0; i < rounds; i++) {
    if (ss_write_int(w->s, i) || ss_write_utf(w->s, "round", SS_NTS) || ss_flush(w->s))
      return (void *)2;
    /* Wait for the echo: socketData from the dispatcher, then read. */
    uint64_t av = 0;
    for (;;) {
      if (ss_get_bytes_available(w->s, &av) != SS_OK) return (void *)3;
      if (av >= 11) break;
      pthread_mutex_lock(&w->mu);
      int seen = w->data;
      ss_get_bytes_available(w->s, &av);
      while (av < 11 && w->data == seen && !w->failed) {
        pthread_cond_wait(&w->cv, &w->mu);
      }
      pthread_mutex_unlock(&w->mu);
      if (w->failed) return (void *)4;
    }
    int32_t v = -1;
    char *str = NULL;
    size_t n = 0;
    if (ss_read_int(w->s, &v) || v != i) return (void *)5;
    if (ss_read_utf(w->s, &str, &n) || strcmp(str, "round") != 0) return (void *)6;
    ss_free(str);
  }
  return NULL;
}

static void test_workers_and_dispatcher(void) {
  static worker w[WORKERS];
  pthread_t d, th[WORKERS];
  atomic_store(&stop_dispatch, 0);
  pthread_create(&d, NULL, dispatcher, NULL);
  for (int i = 0; i < WORKERS; i++) {
    memset(&w[i], 0, sizeof w[i]);
    pthread_mutex_init(&w[i].mu, NULL);
    pthread_cond_init(&w[i].cv, NULL);
    w[i].s = ss_socket_new();
    CHECK_OK(w[i].s, ss_set_callback(w[i].s, worker_cb, &w[i]));
    CHECK_OK(w[i].s, ss_connect(w[i].s, lab_host(), SS_NTS, lab_port("echo")));
    pthread_create(&th[i], NULL, worker_main, &w[i]);
  }
  for (int i = 0; i < WORKERS; i++) {
    void *res;
    pthread_join(th[i], &res);
    if (res != NULL) {
      fprintf(stderr, "worker %d failed at step %ld: %s\n", i, (long)(intptr_t)res, ss_error_message(w[i].s));
      tu_failures++;
    }
  }
  atomic_store(&stop_dispatch, 1);
  ss_wake();
  pthread_join(d, NULL);
  for (int i = 0; i < WORKERS; i++) {
    ss_socket_free(w[i].s);
    pthread_mutex_destroy(&w[i].mu);
    pthread_cond_destroy(&w[i].cv);
  }
}

/* ---- one socket, many threads, then freed under them -------------------- */

static ss_socket *shared;
static atomic_int hammer_stop;
static atomic_int bad_rc;

static void *hammer(void *arg) {
  long k = (long)(intptr_t)arg;
  while (!atomic_load(&hammer_stop)) {
    int rc;
    uint64_t u;
    int32_t v;
    const char *cs;
    switch (k % 4) {
    case 0: rc = ss_get_bytes_available(shared, &u); break;
    case 1: rc = ss_write_int(shared, 7); break;
    case 2: rc = ss_read_int(shared, &v); break;
    default: rc = ss_get_server_certificate_status(shared, &cs); break;
    }
    /* Anything but a crash: OK, EOF, invalid socket after the free's close,
     * or a bad handle after the free. */
    if (rc != SS_OK && rc != SS_ERR_EOF && rc != SS_ERR_INVALID_SOCKET && rc != SS_ERR_HANDLE)
      atomic_store(&bad_rc, rc);
  }
  return NULL;
}

static void test_free_under_load(void) {
  enum { T = 8 };
  shared = ss_socket_new();
  CHECK(tu_connect(shared, "echo"));
  atomic_store(&hammer_stop, 0);
  atomic_store(&bad_rc, 0);
  pthread_t th[T];
  for (long i = 0; i < T; i++) pthread_create(&th[i], NULL, hammer, (void *)(intptr_t)i);
  usleep(100 * 1000);
  CHECK(ss_socket_free(shared) == SS_OK);
  usleep(50 * 1000);
  atomic_store(&hammer_stop, 1);
  for (int i = 0; i < T; i++) pthread_join(th[i], NULL);
  CHECK(atomic_load(&bad_rc) == 0);
  uint64_t u;
  CHECK(ss_get_bytes_available(shared, &u) == SS_ERR_HANDLE);
}

/* ---- handle churn -------------------------------------------------------- */

enum { CHURN = 3000, MEMCHECK_CHURN = 500 };
static ss_socket *graveyard[CHURN * 2];
static atomic_int graveyard_n;

static void *churn(void *arg) {
  (void)arg;
  int n = tu_memcheck() ? MEMCHECK_CHURN : CHURN;
  for (int i = 0; i < n; i++) {
    ss_socket *s = ss_socket_new();
    if (s == NULL) {
      atomic_store(&bad_rc, -100);
      break;
    }
    ss_set_timeout(s, 1000);
    ss_socket_free(s);
    int k = atomic_fetch_add(&graveyard_n, 1);
    graveyard[k] = s;
  }
  return NULL;
}

static void *stale_caller(void *arg) {
  (void)arg;
  while (!atomic_load(&hammer_stop)) {
    int n = atomic_load(&graveyard_n);
    if (n == 0) continue;
    ss_socket *s = graveyard[rand() % n];
    uint32_t t;
    if (ss_get_timeout(s, &t) != SS_ERR_HANDLE) atomic_store(&bad_rc, -200);
    if (ss_set_callback(s, NULL, NULL) != SS_ERR_HANDLE) atomic_store(&bad_rc, -201);
    if (ss_error_id(s) != 0) atomic_store(&bad_rc, -202);
  }
  return NULL;
}

static void test_handle_churn(void) {
  atomic_store(&graveyard_n, 0);
  atomic_store(&bad_rc, 0);
  atomic_store(&hammer_stop, 0);
  pthread_t a, b, c;
  pthread_create(&c, NULL, stale_caller, NULL);
  pthread_create(&a, NULL, churn, NULL);
  pthread_create(&b, NULL, churn, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  atomic_store(&hammer_stop, 1);
  pthread_join(c, NULL);
  CHECK(atomic_load(&bad_rc) == 0);
  CHECK(atomic_load(&graveyard_n) == 2 * (tu_memcheck() ? MEMCHECK_CHURN : CHURN));
}

/* ---- error messages are per thread -------------------------------------- */

static ss_socket *errsock;

static void *other_failures(void *arg) {
  (void)arg;
  for (int i = 0; i < 2000; i++) {
    ss_set_endian(errsock, "nope", SS_NTS); /* #2008 */
    (void)ss_error_message(errsock);
  }
  return NULL;
}

static void test_error_message_per_thread(void) {
  errsock = ss_socket_new();
  int32_t v;
  CHECK_RC(errsock, ss_read_int(errsock, &v), SS_ERR_INVALID_SOCKET);
  const char *mine = ss_error_message(errsock);
  char copy[128];
  snprintf(copy, sizeof copy, "%s", mine);
  pthread_t th;
  pthread_create(&th, NULL, other_failures, NULL);
  pthread_join(th, NULL);
  /* Other threads' failures and ss_error_message calls did not touch it. */
  CHECK(strcmp(mine, copy) == 0);
  CHECK(strstr(ss_error_message(errsock), "#2008") != NULL); /* the handle's last failure */
  ss_socket_free(errsock);
}

/* ---- two dispatchers share the work -------------------------------------- */

static atomic_int delivered;

static void count_cb(const ss_event *ev, void *user) {
  (void)ev, (void)user;
  atomic_fetch_add(&delivered, 1);
}

static void *dispatch_until_stopped(void *arg) {
  (void)arg;
  while (!atomic_load(&stop_dispatch)) ss_dispatch(-1);
  return NULL;
}

static void test_two_dispatchers(void) {
  enum { N = 8 };
  atomic_store(&stop_dispatch, 0);
  atomic_store(&delivered, 0);
  pthread_t d1, d2;
  pthread_create(&d1, NULL, dispatch_until_stopped, NULL);
  pthread_create(&d2, NULL, dispatch_until_stopped, NULL);
  ss_socket *s[N];
  for (int i = 0; i < N; i++) {
    s[i] = ss_socket_new();
    ss_set_callback(s[i], count_cb, NULL);
    CHECK_OK(s[i], ss_connect(s[i], lab_host(), SS_NTS, lab_port("refused")));
  }
  for (int64_t deadline = tu_now_ms() + 10000; atomic_load(&delivered) < N && tu_now_ms() < deadline;)
    usleep(10 * 1000);
  CHECK(atomic_load(&delivered) == N); /* one ioError each, delivered once */
  atomic_store(&stop_dispatch, 1);
  ss_wake();
  ss_wake();
  pthread_join(d1, NULL);
  pthread_join(d2, NULL);
  for (int i = 0; i < N; i++) ss_socket_free(s[i]);
}

static const tu_test tests[] = {
    {"workers_and_dispatcher", test_workers_and_dispatcher},
    {"free_under_load", test_free_under_load},
    {"handle_churn", test_handle_churn},
    {"error_message_per_thread", test_error_message_per_thread},
    {"two_dispatchers", test_two_dispatchers},
    {NULL, NULL},
};

int main(int argc, char **argv) {
  lab_require();
  return tu_main(argc, argv, tests);
}
