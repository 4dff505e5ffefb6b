/*
 * test_proto.c - the protocol options and connection facts against the lab:
 * ALPN offered and chosen (or not), the server name override (trusted and
 * mismatched, and the SNI the server saw), the cipher suite, TCP_NODELAY read
 * back from the kernel with getsockopt() on ss_get_native_handle(), the
 * SSLKEYLOGFILE key log (written by a child process only when it is set).
 */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

static int connect_to(ss_socket *s, const char *host, const char *scenario, tu_event *e) {
  CHECK_OK(s, ss_connect(s, host, SS_NTS, lab_port(scenario)));
  if (!tu_wait_event(s, 0, 30000, e)) {
    fprintf(stderr, "%s: no event\n", scenario);
    tu_failures++;
    return 0;
  }
  return e->type == SS_EVENT_CONNECT;
}

/* Reads the server's first line (up to LF, without it) into buf. */
static void read_line(ss_socket *s, char *buf, size_t cap) {
  size_t n = 0;
  for (;;) {
    if (!tu_wait_available(s, 1, 10000)) break;
    uint8_t b;
    if (ss_read_unsigned_byte(s, &b) != SS_OK || b == '\n' || n + 1 >= cap) break;
    buf[n++] = (char)b;
  }
  buf[n] = 0;
}

static char *take(ss_socket *s, int (*get)(ss_socket *, char **, size_t *)) {
  char *v = NULL;
  size_t n = 0;
  CHECK_OK(s, get(s, &v, &n));
  CHECK(v != NULL && strlen(v) == n);
  return v;
}

static void test_alpn(void) {
  static const struct {
    const char *scenario, *offer, *chosen;
  } cases[] = {
      {"alpn", "http/1.1,ss-lab/1", "ss-lab/1"},
      {"alpn", "http/1.1", "http/1.1"},
      {"alpn", "", ""},
      {"alpnNone", "ss-lab/1", ""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    ss_socket *s = ss_socket_new();
    CHECK_OK(s, ss_set_alpn_protocols(s, cases[i].offer, SS_NTS));
    char *list = take(s, ss_get_alpn_protocols);
    CHECK(list && strcmp(list, cases[i].offer) == 0);
    ss_free(list);
    tu_event e;
    CHECK(connect_to(s, lab_host(), cases[i].scenario, &e));
    char *p = take(s, ss_get_negotiated_protocol);
    if (!p || strcmp(p, cases[i].chosen) != 0) {
      fprintf(stderr, "offer %s: negotiated %s, want %s\n", cases[i].offer, p, cases[i].chosen);
      tu_failures++;
    }
    ss_free(p);
    char line[200], want[200];
    read_line(s, line, sizeof line);
    snprintf(want, sizeof want, "alpn=%s sni=localhost", cases[i].chosen);
    CHECK(strcmp(line, want) == 0);
    ss_close(s);
    p = take(s, ss_get_negotiated_protocol);
    CHECK(p && p[0] == 0);
    ss_free(p);
    ss_socket_free(s);
  }
  /* Nothing in common: the server refuses. */
  ss_socket *s = ss_socket_new();
  CHECK_OK(s, ss_set_alpn_protocols(s, "imap", 4));
  tu_event e;
  CHECK(!connect_to(s, lab_host(), "alpn", &e));
  CHECK(e.type == SS_EVENT_IO_ERROR && strstr(e.detail, "no application protocol") != NULL);
  /* Bad lists change nothing. */
  CHECK_RC(s, ss_set_alpn_protocols(s, "a,,b", SS_NTS), SS_ERR_BAD_PARAM);
  char big[300];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = 0;
  CHECK_RC(s, ss_set_alpn_protocols(s, big, SS_NTS), SS_ERR_BAD_PARAM);
  CHECK_RC(s, ss_set_alpn_protocols(s, NULL, 3), SS_ERR_NULL);
  char *list = take(s, ss_get_alpn_protocols);
  CHECK(list && strcmp(list, "imap") == 0);
  ss_free(list);
  CHECK_OK(s, ss_set_alpn_protocols(s, NULL, 0));
  list = take(s, ss_get_alpn_protocols);
  CHECK(list && list[0] == 0);
  ss_free(list);
  ss_socket_free(s);
}

static void test_server_name(void) {
  tu_event e;
  const char *st = "";
  /* By address, verified for the certificate's name. */
  ss_socket *s = ss_socket_new();
  CHECK_OK(s, ss_set_server_name(s, "wrong.example", SS_NTS));
  char *n = take(s, ss_get_server_name);
  CHECK(n && strcmp(n, "wrong.example") == 0);
  ss_free(n);
  CHECK(connect_to(s, "127.0.0.1", "wrongHost", &e));
  ss_get_server_certificate_status(s, &st);
  CHECK(strcmp(st, SS_CERT_TRUSTED) == 0);
  ss_socket_free(s);
  /* The server sees the name as SNI. */
  s = ss_socket_new();
  CHECK_OK(s, ss_set_server_name(s, "localhost", 9));
  CHECK(connect_to(s, "127.0.0.1", "alpn", &e));
  char line[200];
  read_line(s, line, sizeof line);
  CHECK(strcmp(line, "alpn= sni=localhost") == 0);
  ss_socket_free(s);
  /* A name the certificate does not carry is a mismatch. */
  s = ss_socket_new();
  CHECK_OK(s, ss_set_server_name(s, "wrong.example", SS_NTS));
  CHECK(!connect_to(s, lab_host(), "trusted", &e));
  ss_get_server_certificate_status(s, &st);
  CHECK(strcmp(st, SS_CERT_PRINCIPAL_MISMATCH) == 0);
  CHECK(strstr(e.detail, "wrong.example") != NULL);
  CHECK_RC(s, ss_set_server_name(s, "a b", SS_NTS), SS_ERR_BAD_PARAM);
  CHECK_OK(s, ss_set_server_name(s, "", 0));
  n = take(s, ss_get_server_name);
  CHECK(n && n[0] == 0);
  ss_free(n);
  ss_socket_free(s);
}

static void test_cipher_suite(void) {
  ss_socket *s = ss_socket_new();
  const char *c = "x";
  CHECK_OK(s, ss_get_cipher_suite(s, &c));
  CHECK(strcmp(c, "") == 0);
  CHECK(tu_connect(s, "trusted"));
  CHECK_OK(s, ss_get_cipher_suite(s, &c));
  CHECK(strncmp(c, "TLS_AES_", 8) == 0 || strcmp(c, "TLS_CHACHA20_POLY1305_SHA256") == 0);
  ss_socket_free(s);
  s = ss_socket_new();
  CHECK_OK(s, ss_set_min_tls_version(s, SS_TLS1_0));
  CHECK(tu_connect(s, "tls10"));
  CHECK_OK(s, ss_get_cipher_suite(s, &c));
  CHECK(strncmp(c, "TLS_ECDHE_ECDSA_WITH_AES_", 25) == 0);
  ss_socket_free(s);
}

static int kernel_nodelay(ss_socket *s) {
  int64_t fd = -1;
  CHECK_OK(s, ss_get_native_handle(s, &fd));
  if (fd < 0) {
    tu_failures++;
    return -1;
  }
  int v = -1;
  socklen_t len = sizeof v;
  CHECK(getsockopt((int)fd, IPPROTO_TCP, TCP_NODELAY, &v, &len) == 0);
  return v != 0;
}

static void test_tcp_no_delay(void) {
  ss_socket *s = ss_socket_new();
  int v = -1;
  int64_t fd = 0;
  CHECK_OK(s, ss_get_native_handle(s, &fd));
  CHECK(fd == -1);
  CHECK_OK(s, ss_get_tcp_no_delay(s, &v));
  CHECK(v == 1);
  CHECK(tu_connect(s, "echo"));
  CHECK(kernel_nodelay(s) == 1);
  CHECK_OK(s, ss_set_tcp_no_delay(s, 0));
  CHECK_OK(s, ss_get_tcp_no_delay(s, &v));
  CHECK(v == 0);
  CHECK(kernel_nodelay(s) == 0);
  CHECK_OK(s, ss_set_tcp_no_delay(s, 1));
  CHECK(kernel_nodelay(s) == 1);
  /* Set before connect: the next connection starts with it. */
  CHECK_OK(s, ss_set_tcp_no_delay(s, 0));
  CHECK(tu_connect(s, "echo"));
  CHECK(kernel_nodelay(s) == 0);
  ss_close(s);
  CHECK_OK(s, ss_get_native_handle(s, &fd));
  CHECK(fd == -1);
  ss_socket_free(s);
}

/* The child of test_keylog: one TLS 1.3 connection. */
static void test_keylog_child(void) {
  if (getenv("SS_KEYLOG_CHILD") == NULL) return;
  ss_socket *s = ss_socket_new();
  CHECK(tu_connect(s, "trusted"));
  ss_socket_free(s);
}

static const char *self_path;

/* Runs this program's keylog_child test with SSLKEYLOGFILE=path (or unset). */
static void run_keylog_child(const char *path) {
  pid_t pid = fork();
  if (pid == 0) {
    setenv("SS_KEYLOG_CHILD", "1", 1);
    if (path) setenv("SSLKEYLOGFILE", path, 1);
    else unsetenv("SSLKEYLOGFILE");
    execl(self_path, self_path, "keylog_child", (char *)NULL);
    _exit(127);
  }
  int status = 0;
  CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Lines of an NSS key log: LABEL <64 hex> <64..128 hex>. Returns the
 * number of lines, or -1 if one is malformed. */
static int nss_lines(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char label[64], random[80], secret[160];
  int n = 0, r;
  while ((r = fscanf(f, "%63s %79s %159s", label, random, secret)) == 3) {
    size_t rl = strlen(random), sl = strlen(secret);
    if (rl != 64 || sl < 64 || sl > 128 || strspn(random, "0123456789abcdef") != rl ||
        strspn(secret, "0123456789abcdef") != sl || strstr(label, "SECRET") == NULL) {
      n = -1;
      break;
    }
    n++;
  }
  if (r != EOF && n >= 0) n = -1;
  fclose(f);
  return n;
}

static void test_keylog(void) {
  char dir[] = "/tmp/ss-keylog-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char path[64];
  snprintf(path, sizeof path, "%s/keys.log", dir);
  run_keylog_child(NULL);
  struct stat st;
  CHECK(stat(path, &st) != 0); /* nothing without the variable */
  run_keylog_child(path);
  CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
  int n = nss_lines(path);
  CHECK(n >= 4); /* TLS 1.3: four traffic secrets */
  run_keylog_child(path);
  CHECK(nss_lines(path) == 2 * n); /* appended */
  unlink(path);
  rmdir(dir);
}

static const tu_test tests[] = {
    {"alpn", test_alpn},
    {"server_name", test_server_name},
    {"cipher_suite", test_cipher_suite},
    {"tcp_no_delay", test_tcp_no_delay},
    {"keylog", test_keylog},
    {"keylog_child", test_keylog_child},
    {NULL, NULL},
};

int main(int argc, char **argv) {
  self_path = argv[0];
  lab_require();
  return tu_main(argc, argv, tests);
}
