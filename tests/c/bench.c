/*
 * bench.c - the C benchmark (make bench-c), side by side in one run:
 *   - nanoseconds per call: plain C in the library, the C -> Go crossing, a
 *     typed read (ss_read_int), a getter, and a Go call from a foreign stack
 *     on the main thread (the koffi case the pthread_getattr_np wrap fixes);
 *   - bulk download into a caller buffer against plain Go crypto/tls (the
 *     gotls command, run by this program);
 *   - events per second: pushed from Go, dispatched with callbacks, pulled
 *     with ss_next_event, and a producer thread racing a dispatcher;
 *   - memory kept per freed socket (the stale-handle tombstones).
 *
 *     bench GOTLS_BINARY      (with SS_LAB_JSON and SSL_CERT_FILE set)
 *
 * Linked against the ssdebug build of the library, which is the release
 * build plus the two ss_debug_* exports used to inject events.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "testutil.h"

int ss_debug_post(ss_socket *s, int type, uint32_t count);

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static volatile int64_t sink_v;

static void die(const char *what) {
  fprintf(stderr, "bench: %s\n", what);
  exit(1);
}

static const char *verdict(int ok) { return ok ? "ok" : "MISSED"; }

/* ---- call costs ----------------------------------------------------------- */

enum { CALLS = 10 * 1000 * 1000 };

static double ns_per_call_version(void) {
  double t0 = now_s();
  int64_t acc = 0;
  for (int i = 0; i < CALLS; i++) acc += ss_version_number();
  sink_v = acc;
  return (now_s() - t0) / CALLS * 1e9;
}

static double ns_per_call_supported(int n) {
  double t0 = now_s();
  int64_t acc = 0;
  for (int i = 0; i < n; i++) acc += ss_is_supported();
  sink_v = acc;
  return (now_s() - t0) / n * 1e9;
}

static ucontext_t main_ctx, foreign_ctx;
static double foreign_ns;

static void on_foreign_stack(void) { foreign_ns = ns_per_call_supported(20000); }

/* What koffi does: call into the library from a stack the thread did not
 * start with, on the main thread. */
static double ns_per_call_foreign_stack(void) {
  size_t size = 1 << 20;
  void *stack = malloc(size);
  getcontext(&foreign_ctx);
  foreign_ctx.uc_stack.ss_sp = stack;
  foreign_ctx.uc_stack.ss_size = size;
  foreign_ctx.uc_link = &main_ctx;
  makecontext(&foreign_ctx, on_foreign_stack, 0);
  swapcontext(&main_ctx, &foreign_ctx);
  free(stack);
  return foreign_ns;
}

static ss_socket *open_source(uint64_t input_limit) {
  ss_socket *s = ss_socket_new();
  if (input_limit) ss_set_input_limit(s, input_limit);
  if (!tu_connect(s, "source")) die("cannot connect to the lab's source server");
  return s;
}

static void request(ss_socket *s, uint64_t n) {
  ss_write_unsigned_int(s, (uint32_t)(n >> 32));
  ss_write_unsigned_int(s, (uint32_t)n);
  ss_flush(s);
}

static void bench_calls(void) {
  printf("call costs (%d calls each)                         ns/call   target\n", CALLS);
  double c = ns_per_call_version();
  printf("  ss_version_number: plain C, never enters Go   %8.1f\n", c);
  double cross = ns_per_call_supported(CALLS);
  printf("  ss_is_supported: the C -> Go crossing alone   %8.1f\n", cross);

  ss_socket *s = open_source(64u << 20);
  request(s, (uint64_t)CALLS * 4);
  if (!tu_wait_available(s, (uint64_t)CALLS * 4, 60000)) die("source did not deliver");
  int32_t v;
  int64_t acc = 0;
  double t0 = now_s();
  for (int i = 0; i < CALLS; i++) {
    ss_read_int(s, &v);
    acc += v;
  }
  double rd = (now_s() - t0) / CALLS * 1e9;
  sink_v = acc;
  printf("  ss_read_int, 4 bytes buffered                 %8.1f   <= 100   %s\n", rd, verdict(rd <= 100));
  uint64_t av;
  t0 = now_s();
  for (int i = 0; i < CALLS; i++) ss_get_bytes_available(s, &av);
  printf("  ss_get_bytes_available                        %8.1f\n", (now_s() - t0) / CALLS * 1e9);
  t0 = now_s();
  for (int i = 0; i < CALLS / 10; i++) ss_read_int(s, &v); /* input is empty now */
  printf("  ss_read_int failing with EOF (#2030)          %8.1f\n", (now_s() - t0) / (CALLS / 10) * 1e9);
  ss_socket_free(s);
  tu_forget(NULL);

  double fs = ns_per_call_foreign_stack();
  printf("  ss_is_supported, main thread, foreign stack   %8.1f   < 2000   %s\n", fs, verdict(fs < 2000));
  printf("    (koffi's case: ~45000 ns without the pthread_getattr_np wrap, capi/stackwrap.c)\n");
}

/* ---- bulk ------------------------------------------------------------------ */

/* One round on a connected socket: request n bytes from source, read them
 * all into buf (cap bytes), waking on the fd. MB/s. */
static double c_download(ss_socket *s, uint64_t n, uint8_t *buf, size_t cap) {
  int fd = ss_event_fd();
  double t0 = now_s();
  request(s, n);
  uint64_t got = 0;
  while (got < n) {
    size_t k = 0;
    while (ss_read_bytes(s, buf, cap, 0, &k) == SS_OK && k > 0) got += k;
    if (got >= n) break;
    /* Nothing buffered: wait for socketData on the fd, drop the records. */
    struct pollfd p = {fd, POLLIN, 0};
    poll(&p, 1, 5000);
    ss_event ev;
    while (ss_next_event(&ev) == 1) {
      if (ev.type == SS_EVENT_IO_ERROR || ev.type == SS_EVENT_CLOSE) die("source failed");
    }
  }
  return (double)n / (now_s() - t0) / 1e6;
}

/* The gotls baseline as a child process on pipes: one line with a byte
 * count in, one line with MB/s out, per round. */
typedef struct {
  FILE *to, *from;
  pid_t pid;
} baseline;

static baseline start_baseline(const char *gotls, int via_core) {
  int in[2], out[2];
  /* Close-on-exec, so that a later baseline does not inherit this one's
   * stdin and keep it from seeing end of file. */
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) die("pipe");
  char port[16];
  snprintf(port, sizeof port, "%d", lab_port("source"));
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    close(in[1]);
    close(out[0]);
    if (via_core)
      execl(gotls, gotls, "-core", lab_host(), port, (char *)NULL);
    else
      execl(gotls, gotls, lab_host(), port, (char *)NULL);
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  baseline b = {fdopen(in[1], "w"), fdopen(out[0], "r"), pid};
  return b;
}

static double go_download(baseline *b, uint64_t n) {
  double mbps = 0;
  fprintf(b->to, "%llu\n", (unsigned long long)n);
  fflush(b->to);
  if (fscanf(b->from, "%lf", &mbps) != 1) die("the gotls baseline failed");
  return mbps;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void stop_baseline(baseline *b) {
  fclose(b->to);
  fclose(b->from);
  waitpid(b->pid, NULL, 0);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof v[0], cmp_double);
  return v[n / 2];
}

static void bench_bulk(const char *gotls) {
  enum { ROUNDS = 9 };
  const uint64_t n = 64u << 20;
  size_t cap = 1 << 20;
  uint8_t *buf = malloc(cap);
  ss_socket *s = open_source(0);
  baseline tls = start_baseline(gotls, 0), gocore = start_baseline(gotls, 1);
  /* Warm all three, then rotate the order round by round, so that a change
   * in the machine's load hits every side alike; medians are the figures. */
  c_download(s, n, buf, cap);
  go_download(&tls, n);
  go_download(&gocore, n);
  double c[ROUNDS], g[ROUNDS], k[ROUNDS], vs_tls[ROUNDS], vs_core[ROUNDS];
  for (int r = 0; r < ROUNDS; r++) {
    for (int step = 0; step < 3; step++) {
      switch ((r + step) % 3) {
      case 0: c[r] = c_download(s, n, buf, cap); break;
      case 1: g[r] = go_download(&tls, n); break;
      default: k[r] = go_download(&gocore, n); break;
      }
    }
    vs_tls[r] = c[r] / g[r];
    vs_core[r] = c[r] / k[r];
  }
  stop_baseline(&tls);
  stop_baseline(&gocore);
  ss_socket_free(s);
  free(buf);
  double lo = 0, hi = 0;
  qsort(vs_tls, ROUNDS, sizeof vs_tls[0], cmp_double);
  lo = vs_tls[0];
  hi = vs_tls[ROUNDS - 1];
  double ratio = vs_tls[ROUNDS / 2];
  printf("\nbulk download into a caller buffer (64 MiB x %d rounds, rotating, warm)  median MB/s\n",
         ROUNDS);
  printf("  securesocket from C: ss_read_bytes into 1 MiB, fd + ss_next_event  %8.1f\n", median(c, ROUNDS));
  printf("  core from Go: ReadBytesInto 1 MiB, Queue.Wait (no C ABI)           %8.1f\n", median(k, ROUNDS));
  printf("  plain Go crypto/tls: Read into 1 MiB                               %8.1f\n", median(g, ROUNDS));
  printf("  C ABI / core from Go, median of rounds                             %8.2fx\n", median(vs_core, ROUNDS));
  printf("  C ABI / crypto/tls, median of rounds (min %.2f, max %.2f)          %8.2fx  >= 0.9x  %s\n", lo, hi,
         ratio, verdict(ratio >= 0.9));
}

/* ---- events ---------------------------------------------------------------- */

enum { EVENTS = 1000 * 1000 };
static int64_t counted;

static void count_cb(const ss_event *ev, void *user) {
  (void)user;
  counted += ev->type;
}

typedef struct {
  ss_socket *s;
  int batches;
} producer_arg;

static void *producer(void *arg) {
  producer_arg *a = arg;
  for (int i = 0; i < a->batches; i++) ss_debug_post(a->s, SS_EVENT_CONNECT, 1000);
  return NULL;
}

static void bench_events(void) {
  ss_socket *s = ss_socket_new();
  ss_set_callback(s, count_cb, NULL);
  printf("\nevents (%d; connect events, which never coalesce)        M events/s   target\n", EVENTS);

  double t0 = now_s();
  ss_debug_post(s, SS_EVENT_CONNECT, EVENTS);
  double push = EVENTS / (now_s() - t0) / 1e6;
  printf("  pushed from Go into the C queue (Go -> C call each)   %8.2f\n", push);

  counted = 0;
  int got = 0;
  t0 = now_s();
  while (got < EVENTS) got += ss_dispatch(0);
  double disp = EVENTS / (now_s() - t0) / 1e6;
  printf("  ss_dispatch: taken, callback run                      %8.2f     >= 2     %s\n", disp,
         verdict(disp >= 2));

  ss_debug_post(s, SS_EVENT_CONNECT, EVENTS);
  ss_event ev;
  got = 0;
  t0 = now_s();
  while (ss_next_event(&ev) == 1) got++;
  double pull = got / (now_s() - t0) / 1e6;
  printf("  ss_next_event: taken into a record                    %8.2f\n", pull);

  /* A Go producer and a C dispatcher at the same time, woken through the
   * fd: what a busy host sees end to end. */
  producer_arg a = {s, EVENTS / 1000};
  pthread_t th;
  got = 0;
  t0 = now_s();
  pthread_create(&th, NULL, producer, &a);
  while (got < EVENTS) got += ss_dispatch(-1);
  pthread_join(th, NULL);
  double both = EVENTS / (now_s() - t0) / 1e6;
  printf("  producer thread and ss_dispatch(-1) together          %8.2f\n", both);
  ss_socket_free(s);
}

/* ---- handles ---------------------------------------------------------------- */

static long rss_bytes(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  long pages = 0, rss = 0;
  if (f == NULL) return 0;
  if (fscanf(f, "%ld %ld", &pages, &rss) != 2) rss = 0;
  fclose(f);
  return rss * sysconf(_SC_PAGESIZE);
}

static void bench_handles(void) {
  enum { N = 200000 };
  /* A first round lets the Go heap reach its steady size; the second round's
   * growth is what freed handles keep. */
  for (int round = 0; round < 2; round++) {
    long before = rss_bytes();
    double t0 = now_s();
    for (int i = 0; i < N; i++) ss_socket_free(ss_socket_new());
    double ns = (now_s() - t0) / N * 1e9;
    long after = rss_bytes();
    if (round == 1) {
      printf("\nhandles (%d new + free)\n", N);
      printf("  ss_socket_new + ss_socket_free                 %8.0f ns\n", ns);
      printf("  resident memory kept per freed socket          %8.0f bytes\n", (double)(after - before) / N);
    }
  }
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: bench GOTLS_BINARY\n");
    return 2;
  }
  lab_require();
  printf("securesocket C benchmark (libsecuresocket %s)\n\n", ss_version());
  bench_calls();
  bench_bulk(argv[1]);
  bench_events();
  bench_handles();
  return 0;
}
