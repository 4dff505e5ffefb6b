/*
 * bench.c - the C client of `make bench` (bench/run.py): libsecuresocket
 * (ours) next to OpenSSL's libssl (theirs), one measurement per process.
 *
 *     bench_c METRIC ours|theirs
 *
 * The servers and sizes come from the environment the driver sets
 * (BENCH_HOST, BENCH_PORT_ECHO, BENCH_UPLOAD_BYTES, ...); trust from
 * SSL_CERT_FILE for both sides (SSL_CTX_set_default_verify_paths reads it
 * too). Prints one JSON line: {"values": {...}, "info": {...}}.
 *
 * Ours is used as a C program would: one callback per socket, ss_dispatch()
 * as the event loop, ss_write_bytes + ss_flush, ss_read_bytes. Theirs is
 * blocking OpenSSL for the one-connection metrics, and non-blocking OpenSSL
 * on epoll for the concurrent one.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "securesocket.h"

static const char *host;

static void die(const char *what, const char *detail) {
  fprintf(stderr, "bench_c: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  exit(1);
}

static long env_long(const char *name) {
  const char *v = getenv(name);
  if (v == NULL || *v == '\0') die("missing environment variable", name);
  return strtol(v, NULL, 10);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static double rss_kib(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  long pages = 0, rss = 0;
  if (f == NULL) return 0;
  if (fscanf(f, "%ld %ld", &pages, &rss) != 2) rss = 0;
  fclose(f);
  return (double)rss * (double)sysconf(_SC_PAGESIZE) / 1024.0;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void put_be64(uint8_t *p, uint64_t v) {
  for (int i = 7; i >= 0; i--, v >>= 8) p[i] = (uint8_t)v;
}

static uint64_t get_be64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = v << 8 | p[i];
  return v;
}

/* ---- the two sides behind one face ------------------------------------- */

typedef struct conn conn;
typedef struct {
  conn *(*dial)(int port, int resume);
  void (*write)(conn *c, const void *p, size_t n); /* write and flush */
  void (*read_full)(conn *c, void *p, size_t n);
  int (*resumed)(conn *c);
  void (*close)(conn *c);
  /* n connections at once, each sends msg and reads the echo; latencies. */
  void (*concurrent)(int port, int n, size_t msg, double *lat);
} side;

/* ---- ours: libsecuresocket ---------------------------------------------- */

struct conn {
  ss_socket *s;
  SSL *ssl;
  int fd;
  /* ours, set by the callback */
  int connected, failed;
  char detail[256];
  /* concurrent */
  double start, lat;
  size_t want;
  int done;
};

static void ours_cb(const ss_event *ev, void *user) {
  conn *c = user;
  switch (ev->type) {
  case SS_EVENT_CONNECT: c->connected = 1; break;
  case SS_EVENT_IO_ERROR:
  case SS_EVENT_SECURITY_ERROR:
  case SS_EVENT_CLOSE:
    c->failed = 1;
    snprintf(c->detail, sizeof c->detail, "%s %s", ev->type_name, ev->detail);
    break;
  default: break;
  }
}

/* ss_dispatch() also returns 0 when a signal interrupted its wait (the Go
 * runtime's preemption signals can), so only the clock says it timed out. */
static void ours_wait(conn *c, int *flag) {
  double limit = now_s() + 30;
  while (!*flag) {
    if (c->failed) die("securesocket", c->detail);
    if (ss_dispatch(30000) == 0 && !*flag && !c->failed && now_s() > limit)
      die("securesocket", "no event within 30 s");
  }
}

static conn *ours_start(int port, ss_callback cb) {
  conn *c = calloc(1, sizeof *c);
  c->s = ss_socket_new();
  if (c->s == NULL) die("ss_socket_new", NULL);
  ss_set_callback(c->s, cb, c);
  if (ss_connect(c->s, host, SS_NTS, port) != SS_OK) die("ss_connect", ss_error_message(c->s));
  return c;
}

static conn *ours_dial(int port, int resume) {
  (void)resume; /* ours resumes, or not, by default */
  conn *c = ours_start(port, ours_cb);
  ours_wait(c, &c->connected);
  return c;
}

static void ours_write(conn *c, const void *p, size_t n) {
  if (ss_write_bytes(c->s, p, n, 0, 0) != SS_OK || ss_flush(c->s) != SS_OK)
    die("ss_write_bytes/ss_flush", ss_error_message(c->s));
}

static void ours_read_full(conn *c, void *p, size_t n) {
  size_t got = 0;
  while (got < n) {
    size_t k = 0;
    if (ss_read_bytes(c->s, (uint8_t *)p + got, n - got, 0, &k) != SS_OK)
      die("ss_read_bytes", ss_error_message(c->s));
    got += k;
    if (got < n && k == 0) {
      if (c->failed) die("securesocket", c->detail);
      ss_dispatch(30000);
    }
  }
}

/* ss_get_session_resumed arrives with the session cache; looked up at run
 * time so that this client builds and runs before and after. */
static int ours_resumed(conn *c) {
  static int (*get)(ss_socket *, int *);
  static int looked;
  if (!looked) {
    looked = 1;
    *(void **)&get = dlsym(RTLD_DEFAULT, "ss_get_session_resumed");
  }
  int r = 0;
  if (get != NULL && get(c->s, &r) != SS_OK) r = 0;
  return r;
}

static void ours_close(conn *c) {
  ss_socket_free(c->s);
  free(c);
}

static size_t conc_msg;
static int conc_done;

static void ours_conc_cb(const ss_event *ev, void *user) {
  conn *c = user;
  static uint8_t buf[4096];
  switch (ev->type) {
  case SS_EVENT_CONNECT:
    ss_write_bytes(c->s, buf, conc_msg, 0, 0);
    ss_flush(c->s);
    break;
  case SS_EVENT_SOCKET_DATA: {
    uint64_t av = 0;
    ss_get_bytes_available(c->s, &av);
    if (c->done || av < conc_msg) break;
    size_t k;
    ss_read_bytes(c->s, buf, conc_msg, conc_msg, &k);
    c->lat = now_s() - c->start;
    c->done = 1;
    conc_done++;
    ss_close(c->s);
    break;
  }
  case SS_EVENT_IO_ERROR:
  case SS_EVENT_SECURITY_ERROR:
  case SS_EVENT_CLOSE: die("securesocket (concurrent)", ev->detail);
  default: break;
  }
}

static void ours_concurrent(int port, int n, size_t msg, double *lat) {
  conn **cs = calloc((size_t)n, sizeof *cs);
  conc_msg = msg;
  conc_done = 0;
  for (int i = 0; i < n; i++) {
    double t = now_s();
    cs[i] = ours_start(port, ours_conc_cb);
    cs[i]->start = t;
  }
  double limit = now_s() + 60;
  while (conc_done < n) {
    if (ss_dispatch(60000) > 0)
      limit = now_s() + 60;
    else if (now_s() > limit)
      die("securesocket (concurrent)", "stuck");
  }
  for (int i = 0; i < n; i++) {
    lat[i] = cs[i]->lat;
    ours_close(cs[i]);
  }
  free(cs);
}

static const side ours = {ours_dial, ours_write, ours_read_full, ours_resumed, ours_close, ours_concurrent};

/* ---- theirs: OpenSSL ------------------------------------------------------ */

static SSL_CTX *ctx;
static SSL_SESSION *kept; /* the last session, for the "with resumption" peer */

static void ssl_die(const char *what) {
  char buf[256];
  unsigned long e = ERR_get_error();
  ERR_error_string_n(e, buf, sizeof buf);
  die(what, e ? buf : strerror(errno));
}

static SSL_CTX *theirs_ctx(void) {
  if (ctx == NULL) {
    ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL) ssl_die("SSL_CTX_new");
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (SSL_CTX_set_default_verify_paths(ctx) != 1) ssl_die("SSL_CTX_set_default_verify_paths");
  }
  return ctx;
}

static int tcp_socket(int port, int nonblock) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
  if (fd < 0) die("socket", strerror(errno));
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct sockaddr_in sa = {0};
  sa.sin_family = AF_INET;
  sa.sin_port = htons((uint16_t)port);
  inet_pton(AF_INET, host, &sa.sin_addr);
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0 && !(nonblock && errno == EINPROGRESS))
    die("connect", strerror(errno));
  return fd;
}

static SSL *theirs_ssl(int fd) {
  SSL *ssl = SSL_new(theirs_ctx());
  if (ssl == NULL) ssl_die("SSL_new");
  if (SSL_set1_host(ssl, host) != 1) ssl_die("SSL_set1_host");
  SSL_set_fd(ssl, fd);
  return ssl;
}

static conn *theirs_dial(int port, int resume) {
  conn *c = calloc(1, sizeof *c);
  c->fd = tcp_socket(port, 0);
  c->ssl = theirs_ssl(c->fd);
  if (resume && kept != NULL) SSL_set_session(c->ssl, kept);
  if (SSL_connect(c->ssl) != 1) ssl_die("SSL_connect");
  return c;
}

static void theirs_write(conn *c, const void *p, size_t n) {
  if (SSL_write(c->ssl, p, (int)n) != (int)n) ssl_die("SSL_write");
}

static void theirs_read_full(conn *c, void *p, size_t n) {
  for (size_t got = 0; got < n;) {
    int k = SSL_read(c->ssl, (uint8_t *)p + got, (int)(n - got > 1 << 30 ? 1 << 30 : n - got));
    if (k <= 0) ssl_die("SSL_read");
    got += (size_t)k;
  }
}

static int theirs_resumed(conn *c) {
  /* Keep the newest session (TLS 1.3 tickets arrive after the handshake,
   * and have been read by now) for the next connection. */
  SSL_SESSION *s = SSL_get1_session(c->ssl);
  if (s != NULL) {
    if (kept != NULL) SSL_SESSION_free(kept);
    kept = s;
  }
  return SSL_session_reused(c->ssl);
}

static void theirs_close(conn *c) {
  SSL_shutdown(c->ssl);
  SSL_free(c->ssl);
  close(c->fd);
  free(c);
}

/* Concurrent: every connection non-blocking on one epoll, each driven
 * through TCP connect, handshake, write, read, then closed. */
enum { T_CONNECTING, T_HANDSHAKE, T_WRITE, T_READ };

static void theirs_arm(int ep, conn *c, int want_write, int op) {
  struct epoll_event ev = {0};
  ev.events = want_write ? EPOLLOUT : EPOLLIN;
  ev.data.ptr = c;
  if (epoll_ctl(ep, op, c->fd, &ev) != 0) die("epoll_ctl", strerror(errno));
}

/* Advances c as far as it goes; returns 1 when it finished. */
static int theirs_step(int ep, conn *c, size_t msg) {
  static uint8_t buf[4096];
  for (;;) {
    int r, err;
    switch (c->connected) {
    case T_CONNECTING: {
      socklen_t len = sizeof err;
      getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) die("connect (concurrent)", strerror(err));
      c->connected = T_HANDSHAKE;
      continue;
    }
    case T_HANDSHAKE:
      r = SSL_connect(c->ssl);
      if (r == 1) {
        c->connected = T_WRITE;
        continue;
      }
      break;
    case T_WRITE:
      r = SSL_write(c->ssl, buf, (int)msg);
      if (r > 0) {
        c->connected = T_READ;
        continue;
      }
      break;
    default:
      r = SSL_read(c->ssl, buf, (int)(msg - c->want));
      if (r > 0) {
        c->want += (size_t)r;
        if (c->want < msg) continue;
        c->lat = now_s() - c->start;
        epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
        return 1;
      }
      break;
    }
    err = SSL_get_error(c->ssl, r);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      theirs_arm(ep, c, err == SSL_ERROR_WANT_WRITE, EPOLL_CTL_MOD);
      return 0;
    }
    ssl_die("OpenSSL (concurrent)");
  }
}

static void theirs_concurrent(int port, int n, size_t msg, double *lat) {
  int ep = epoll_create1(EPOLL_CLOEXEC);
  conn **cs = calloc((size_t)n, sizeof *cs);
  for (int i = 0; i < n; i++) {
    conn *c = cs[i] = calloc(1, sizeof *c);
    c->start = now_s();
    c->fd = tcp_socket(port, 1);
    c->ssl = theirs_ssl(c->fd);
    c->connected = T_CONNECTING;
    theirs_arm(ep, c, 1, EPOLL_CTL_ADD);
  }
  struct epoll_event evs[256];
  for (int done = 0; done < n;) {
    int k = epoll_wait(ep, evs, 256, 60000);
    if (k == 0) die("OpenSSL (concurrent)", "stuck");
    if (k < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait", strerror(errno));
    }
    for (int j = 0; j < k; j++) {
      conn *c = evs[j].data.ptr;
      if (theirs_step(ep, c, msg)) {
        done++;
        SSL_shutdown(c->ssl);
        SSL_free(c->ssl);
        close(c->fd);
        c->ssl = NULL;
      }
    }
  }
  for (int i = 0; i < n; i++) {
    lat[i] = cs[i]->lat;
    free(cs[i]);
  }
  free(cs);
  close(ep);
}

static const side theirs = {theirs_dial,    theirs_write, theirs_read_full, theirs_resumed,
                            theirs_close,   theirs_concurrent};

/* ---- the metrics ------------------------------------------------------------ */

/* One connection with a round trip before the clock starts, so that loading
 * the trust store and first-use setup are not timed (and a side that resumes
 * has a session to offer). */
static void warm_up(const side *sd, int port, int resume, size_t msg) {
  uint8_t buf[4096] = {0};
  conn *c = sd->dial(port, resume);
  sd->write(c, buf, msg);
  sd->read_full(c, buf, msg);
  sd->resumed(c);
  sd->close(c);
}

static void print_one(const char *name, double v) { printf("{\"values\": {\"%s\": %.6g}}\n", name, v); }

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "version") == 0) {
    printf("libsecuresocket %s, %s\n", ss_version(), OpenSSL_version(OPENSSL_VERSION));
    return 0;
  }
  if (argc != 3 || (strcmp(argv[2], "ours") != 0 && strcmp(argv[2], "theirs") != 0)) {
    fprintf(stderr, "usage: bench_c METRIC ours|theirs | bench_c version\n");
    return 2;
  }
  const char *metric = argv[1];
  const side *sd = strcmp(argv[2], "ours") == 0 ? &ours : &theirs;
  host = getenv("BENCH_HOST");
  if (host == NULL) die("missing environment variable", "BENCH_HOST");
  size_t msg = (size_t)env_long("BENCH_RTT_SIZE");
  uint8_t small[4096] = {0}, back[4096];
  if (msg > sizeof small) die("BENCH_RTT_SIZE", "over 4096");

  if (strcmp(metric, "upload") == 0) {
    uint64_t n = (uint64_t)env_long("BENCH_UPLOAD_BYTES");
    size_t chunk = (size_t)env_long("BENCH_UPLOAD_CHUNK");
    uint8_t *buf = calloc(1, chunk), hdr[8];
    conn *c = sd->dial((int)env_long("BENCH_PORT_SINK"), 0);
    double t0 = now_s();
    put_be64(hdr, n);
    sd->write(c, hdr, 8);
    for (uint64_t left = n; left > 0;) {
      size_t k = left < chunk ? (size_t)left : chunk;
      sd->write(c, buf, k);
      left -= k;
    }
    sd->read_full(c, hdr, 8);
    if (get_be64(hdr) != n) die("sink", "acknowledged a different count");
    print_one("upload", (double)n / (now_s() - t0) / 1e6);
    sd->close(c);
  } else if (strcmp(metric, "download") == 0) {
    uint64_t n = (uint64_t)env_long("BENCH_DOWNLOAD_BYTES");
    size_t chunk = (size_t)env_long("BENCH_DOWNLOAD_CHUNK");
    uint8_t *buf = malloc(chunk), hdr[8];
    conn *c = sd->dial((int)env_long("BENCH_PORT_SOURCE"), 0);
    double t0 = now_s();
    put_be64(hdr, n);
    sd->write(c, hdr, 8);
    for (uint64_t left = n; left > 0;) {
      size_t k = left < chunk ? (size_t)left : chunk;
      sd->read_full(c, buf, k);
      left -= k;
    }
    print_one("download", (double)n / (now_s() - t0) / 1e6);
    sd->close(c);
  } else if (strcmp(metric, "rtt") == 0) {
    long trips = env_long("BENCH_RTT_TRIPS");
    conn *c = sd->dial((int)env_long("BENCH_PORT_ECHO"), 0);
    double t0 = now_s();
    for (long i = 0; i < trips; i++) {
      sd->write(c, small, msg);
      sd->read_full(c, back, msg);
    }
    print_one("rtt", (double)trips / (now_s() - t0));
    sd->close(c);
  } else if (strcmp(metric, "handshake") == 0) {
    long n = env_long("BENCH_HANDSHAKES");
    int port = (int)env_long("BENCH_PORT_ECHO_FULL");
    warm_up(sd, port, 0, msg);
    double t0 = now_s();
    for (long i = 0; i < n; i++) sd->close(sd->dial(port, 0));
    print_one("handshake", (double)n / (now_s() - t0));
  } else if (strcmp(metric, "reconnect") == 0 || strcmp(metric, "reconnect_full") == 0) {
    /* Theirs offers its kept session only against the peer "with
     * resumption"; ours does what it does by default. */
    int resume = strcmp(metric, "reconnect") == 0;
    long n = env_long("BENCH_RECONNECTS"), resumed = 0;
    int port = (int)env_long("BENCH_PORT_ECHO");
    warm_up(sd, port, resume, msg);
    double t0 = now_s();
    for (long i = 0; i < n; i++) {
      conn *c = sd->dial(port, resume);
      sd->write(c, small, msg); /* one round trip; lets the ticket arrive */
      sd->read_full(c, back, msg);
      resumed += sd->resumed(c);
      sd->close(c);
    }
    printf("{\"values\": {\"%s\": %.6g}, \"info\": {\"resumed\": \"%ld/%ld\"}}\n", metric,
           (double)n / (now_s() - t0), resumed, n);
  } else if (strcmp(metric, "rss") == 0) {
    int n = (int)env_long("BENCH_RSS_CONNS");
    int port = (int)env_long("BENCH_PORT_ECHO_FULL");
    conn *w = sd->dial(port, 0); /* warm up: libraries loaded and initialised */
    sd->write(w, small, msg);
    sd->read_full(w, back, msg);
    sd->close(w);
    int settle = (int)env_long("BENCH_SETTLE_MS");
    sleep_ms(settle);
    double base = rss_kib();
    conn **cs = calloc((size_t)n, sizeof *cs);
    for (int i = 0; i < n; i++) cs[i] = sd->dial(port, 0);
    sleep_ms(settle);
    double idle = rss_kib();
    for (int i = 0; i < n; i++) sd->write(cs[i], small, msg);
    for (int i = 0; i < n; i++) sd->read_full(cs[i], back, msg);
    sleep_ms(settle);
    double after = rss_kib();
    for (int i = 0; i < n; i++) sd->close(cs[i]);
    printf("{\"values\": {\"rss_idle\": %.6g, \"rss_msg\": %.6g}, \"info\": {\"base_kib\": %.0f}}\n",
           (idle - base) / n, (after - base) / n, base);
  } else if (strcmp(metric, "concurrent") == 0) {
    int n = (int)env_long("BENCH_CONC_CONNS");
    double *lat = calloc((size_t)n, sizeof *lat);
    warm_up(sd, (int)env_long("BENCH_PORT_ECHO_FULL"), 0, msg);
    double before = rss_kib();
    double t0 = now_s();
    sd->concurrent((int)env_long("BENCH_PORT_ECHO_FULL"), n, msg, lat);
    double total = now_s() - t0;
    double done = rss_kib();
    sleep_ms((int)env_long("BENCH_FREE_SETTLE_MS"));
    double freed = rss_kib();
    qsort(lat, (size_t)n, sizeof *lat, cmp_double);
    printf("{\"values\": {\"conc_total\": %.6g, \"conc_p50\": %.6g, \"conc_p99\": %.6g, "
           "\"conc_rss_freed\": %.6g}, \"info\": {\"rss_before_kib\": %.0f, \"rss_done_kib\": %.0f, "
           "\"rss_freed_kib\": %.0f}}\n",
           total, lat[n / 2] * 1e3, lat[(size_t)n * 99 / 100] * 1e3, freed / before, before, done, freed);
  } else {
    die("unknown metric", metric);
  }
  return 0;
}
