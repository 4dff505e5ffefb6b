/*
 * test_proto.c - the protocol options and connection facts against the lab:
 * ALPN offered and chosen (or not), the server name override (trusted and
 * mismatched, and the SNI the server saw), the cipher suite, TCP_NODELAY read
 * back from the kernel with getsockopt() on ss_get_native_handle(), HTTP
 * CONNECT and SOCKS5 proxies with a good and a bad certificate behind,
 * STARTTLS on a plain socket (good, expired, wrong host), the
 * SSLKEYLOGFILE key log (written by a child process only when it is set).
 */
#include "portable.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#ifdef _WIN32
#include <direct.h>
#include <ws2tcpip.h>
#else
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#endif

#include "testutil.h"

static int connect_to_port(ss_socket *s, const char *host, int port, tu_event *e) {
  CHECK_OK(s, ss_connect(s, host, SS_NTS, port));
  if (!tu_wait_event(s, 0, 30000, e)) {
    fprintf(stderr, "%s:%d: no event\n", host, port);
    tu_failures++;
    memset(e, 0, sizeof *e);
    return 0;
  }
  return e->type == SS_EVENT_CONNECT;
}

static int connect_to(ss_socket *s, const char *host, const char *scenario, tu_event *e) {
  return connect_to_port(s, host, lab_port(scenario), e);
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
#ifdef _WIN32
  /* The handle is the connection's SOCKET. Winsock may write TCP_NODELAY
   * as a one-byte BOOLEAN (and say so in len), so v starts at 0. */
  int v = 0;
  int len = sizeof v;
  CHECK(getsockopt((SOCKET)fd, IPPROTO_TCP, TCP_NODELAY, (char *)&v, &len) == 0);
#else
  int v = -1;
  socklen_t len = sizeof v;
  CHECK(getsockopt((int)fd, IPPROTO_TCP, TCP_NODELAY, &v, &len) == 0);
#endif
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

static int get_int(ss_socket *s, int (*get)(ss_socket *, int *)) {
  int v = -1;
  CHECK_OK(s, get(s, &v));
  return v;
}

static void write_text(ss_socket *s, const char *text) {
  CHECK_OK(s, ss_write_utf_bytes(s, text, SS_NTS));
  CHECK_OK(s, ss_flush(s));
}

/* A plain socket connected to a STARTTLS scenario, its greeting read, EHLO
 * and STARTTLS sent and both answers arrived (unread). */
static ss_socket *plain_before_upgrade(const char *scenario) {
  ss_socket *s = ss_socket_new_plain();
  CHECK(get_int(s, ss_get_plain) == 1);
  tu_event e;
  CHECK(connect_to(s, lab_host(), scenario, &e));
  const char *st = "";
  ss_get_server_certificate_status(s, &st);
  CHECK(strcmp(st, SS_CERT_UNKNOWN) == 0 && get_int(s, ss_get_secure) == 0);
  char line[200];
  read_line(s, line, sizeof line);
  CHECK(strcmp(line, "220 securesocket lab ESMTP\r") == 0);
  write_text(s, "EHLO client\r\n");
  write_text(s, "STARTTLS\r\n");
  CHECK(tu_wait_available(s, strlen("250 EHLO client\r\n220 ready\r\n"), 10000));
  return s;
}

/* The outcome of a startTLS: the next connect or ioError event (others are
 * skipped). */
static int upgrade_outcome(ss_socket *s, tu_event *e) {
  int64_t end = tu_now_ms() + 30000;
  while (tu_now_ms() < end) {
    if (!tu_wait_event(s, 0, (int)(end - tu_now_ms()), e)) break;
    if (e->type == SS_EVENT_CONNECT || e->type == SS_EVENT_IO_ERROR) return 1;
  }
  memset(e, 0, sizeof *e);
  return 0;
}

static void test_start_tls(void) {
  ss_socket *s = plain_before_upgrade("starttls");
  CHECK_OK(s, ss_start_tls(s, lab_host(), SS_NTS));
  CHECK_RC(s, ss_start_tls(s, lab_host(), SS_NTS), SS_ERR_INVALID_SOCKET);
  tu_event e;
  CHECK(upgrade_outcome(s, &e) && e.type == SS_EVENT_CONNECT);
  const char *st = "", *v = "";
  ss_get_server_certificate_status(s, &st);
  ss_get_tls_version(s, &v);
  CHECK(strcmp(st, SS_CERT_TRUSTED) == 0 && strcmp(v, "TLSv1.3") == 0 && get_int(s, ss_get_secure) == 1);
  char line[200];
  read_line(s, line, sizeof line);
  CHECK(strcmp(line, "250 EHLO client\r") == 0);
  read_line(s, line, sizeof line);
  CHECK(strcmp(line, "220 ready\r") == 0);
  write_text(s, "secret after the upgrade\n");
  read_line(s, line, sizeof line);
  CHECK(strcmp(line, "secret after the upgrade") == 0);
  ss_socket_free(s);

  /* Misuse: a SecureSocket, an unconnected plain socket, NULL and empty hosts. */
  s = ss_socket_new();
  CHECK(tu_connect(s, "echo"));
  CHECK(get_int(s, ss_get_plain) == 0 && get_int(s, ss_get_secure) == 1);
  CHECK_RC(s, ss_start_tls(s, lab_host(), SS_NTS), SS_ERR_INVALID_SOCKET);
  ss_socket_free(s);
  s = ss_socket_new_plain();
  CHECK_RC(s, ss_start_tls(s, lab_host(), SS_NTS), SS_ERR_INVALID_SOCKET);
  CHECK_RC(s, ss_start_tls(s, NULL, 0), SS_ERR_NULL_OBJECT);
  CHECK_RC(s, ss_start_tls(s, "", 0), SS_ERR_BAD_PARAM);
  ss_socket_free(s);
}

static void test_start_tls_refused(void) {
  static const struct {
    const char *scenario, *status;
  } cases[] = {{"starttlsExpired", SS_CERT_EXPIRED}, {"starttlsWrongHost", SS_CERT_PRINCIPAL_MISMATCH}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    ss_socket *s = plain_before_upgrade(cases[i].scenario);
    CHECK_OK(s, ss_start_tls(s, lab_host(), SS_NTS));
    tu_event e;
    CHECK(upgrade_outcome(s, &e) && e.type == SS_EVENT_IO_ERROR && e.error_id == 2031 && e.detail[0]);
    const char *st = "";
    ss_get_server_certificate_status(s, &st);
    if (strcmp(st, cases[i].status) != 0) {
      fprintf(stderr, "%s: status %s, want %s (%s)\n", cases[i].scenario, st, cases[i].status, e.detail);
      tu_failures++;
    }
    uint64_t n = 1;
    ss_get_bytes_available(s, &n);
    CHECK(n == 0 && get_int(s, ss_get_connected) == 0);
    uint8_t b;
    CHECK_RC(s, ss_read_unsigned_byte(s, &b), SS_ERR_INVALID_SOCKET);
    CHECK(!tu_wait_event(s, 0, 200, &e));
    ss_socket_free(s);
  }
}

/* Percent-encodes src into dst (URL user info). */
static void pct(char *dst, size_t cap, const char *src) {
  size_t n = 0;
  for (; *src && n + 4 < cap; src++) {
    unsigned char c = (unsigned char)*src;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_')
      dst[n++] = (char)c;
    else
      n += (size_t)snprintf(dst + n, cap - n, "%%%02X", c);
  }
  dst[n] = 0;
}

/* Each proxy kind with a good and a bad certificate behind it, and the
 * proxy's own refusals. */
static void test_proxies(void) {
  char user[64], pass[64], good[160], wrong[160];
  pct(user, sizeof user, lab_file("user"));
  pct(pass, sizeof pass, lab_file("password"));
  snprintf(good, sizeof good, "%s:%s@", user, pass);
  snprintf(wrong, sizeof wrong, "%s:nope@", user);
  char trusted[128], expired[128];
  snprintf(trusted, sizeof trusted, "%s", lab_file("trusted_host"));
  snprintf(expired, sizeof expired, "%s", lab_file("expired_host"));
  int port = lab_port("port");
  static const struct {
    const char *scheme, *scenario;
    int creds; /* 0 none, 1 good, 2 wrong */
    int expired;
    const char *status, *detail;
  } cases[] = {
      {"http", "httpProxy", 0, 0, SS_CERT_TRUSTED, NULL},
      {"http", "httpProxy", 0, 1, SS_CERT_EXPIRED, "expired"},
      {"http", "httpProxyAuth", 1, 0, SS_CERT_TRUSTED, NULL},
      {"http", "httpProxyAuth", 1, 1, SS_CERT_EXPIRED, "expired"},
      {"http", "httpProxyAuth", 2, 0, SS_CERT_UNKNOWN, "407 Proxy Authentication Required"},
      {"socks5", "socks5Proxy", 0, 0, SS_CERT_TRUSTED, NULL},
      {"socks5h", "socks5Proxy", 0, 1, SS_CERT_EXPIRED, "expired"},
      {"socks5", "socks5ProxyAuth", 1, 0, SS_CERT_TRUSTED, NULL},
      {"socks5", "socks5ProxyAuth", 1, 1, SS_CERT_EXPIRED, "expired"},
      {"socks5", "socks5ProxyAuth", 2, 0, SS_CERT_UNKNOWN, "authentication failed"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char url[300];
    snprintf(url, sizeof url, "%s://%s127.0.0.1:%d", cases[i].scheme,
             cases[i].creds == 1 ? good : cases[i].creds == 2 ? wrong : "", lab_port(cases[i].scenario));
    ss_socket *s = ss_socket_new();
    CHECK_OK(s, ss_set_proxy(s, url, SS_NTS));
    const char *host = cases[i].expired ? expired : trusted;
    tu_event e;
    int ok = connect_to_port(s, host, port, &e);
    const char *st = "";
    ss_get_server_certificate_status(s, &st);
    if (strcmp(st, cases[i].status) != 0 || ok != (cases[i].detail == NULL) ||
        (cases[i].detail && strstr(e.detail, cases[i].detail) == NULL) || strstr(e.detail, "nope") != NULL) {
      fprintf(stderr, "%s via %s: status %s, event %s, detail %s\n", host, url, st, e.type_name, e.detail);
      tu_failures++;
    }
    if (ok) {
      CHECK_OK(s, ss_write_utf_bytes(s, "hello\n", 6));
      CHECK_OK(s, ss_flush(s));
      char line[64];
      read_line(s, line, sizeof line);
      CHECK(strcmp(line, "hello") == 0);
    }
    ss_socket_free(s);
  }
  /* The setting reads back without the password; bad URLs change nothing. */
  ss_socket *s = ss_socket_new();
  CHECK_OK(s, ss_set_proxy(s, "socks5://u:secret@proxy.example:1080", SS_NTS));
  CHECK_RC(s, ss_set_proxy(s, "https://proxy.example:1", SS_NTS), SS_ERR_BAD_PARAM);
  CHECK_RC(s, ss_set_proxy(s, "http://proxy.example", SS_NTS), SS_ERR_BAD_PARAM);
  char *v = take(s, ss_get_proxy);
  CHECK(v && strcmp(v, "socks5://u:xxxxx@proxy.example:1080") == 0);
  ss_free(v);
  CHECK_OK(s, ss_set_proxy(s, NULL, 0));
  v = take(s, ss_get_proxy);
  CHECK(v && v[0] == 0);
  ss_free(v);
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

#ifdef _WIN32
#define MAX_PATH_LEN (MAX_PATH + 16)
#else
#define MAX_PATH_LEN 64
#endif

/* Runs this program's keylog_child test with SSLKEYLOGFILE=path (or unset). */
static void run_keylog_child(const char *path) {
#ifdef _WIN32
  /* No fork: the child gets the environment the parent has at spawn (an
   * empty value removes a variable). */
  CHECK(_putenv_s("SS_KEYLOG_CHILD", "1") == 0 && _putenv_s("SSLKEYLOGFILE", path ? path : "") == 0);
  intptr_t rc = _spawnl(_P_WAIT, self_path, self_path, "keylog_child", (char *)NULL);
  CHECK(_putenv_s("SS_KEYLOG_CHILD", "") == 0 && _putenv_s("SSLKEYLOGFILE", "") == 0);
  CHECK(rc == 0);
#else
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
#endif
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
#ifdef _WIN32
  char dir[MAX_PATH];
  DWORD dn = GetTempPathA(MAX_PATH - 32, dir);
  CHECK(dn > 0 && dn < MAX_PATH - 32);
  snprintf(dir + dn, sizeof dir - dn, "ss-keylog-%lu", (unsigned long)GetCurrentProcessId());
  CHECK(_mkdir(dir) == 0);
#else
  char dir[] = "/tmp/ss-keylog-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
#endif
  char path[MAX_PATH_LEN];
  snprintf(path, sizeof path, "%s/keys.log", dir);
  run_keylog_child(NULL);
  struct stat st;
  CHECK(stat(path, &st) != 0); /* nothing without the variable */
  run_keylog_child(path);
#ifdef _WIN32
  /* No mode bits: the file has the ACL its directory passes on. */
  CHECK(stat(path, &st) == 0);
#else
  CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
#endif
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
    {"proxies", test_proxies},
    {"start_tls", test_start_tls},
    {"start_tls_refused", test_start_tls_refused},
    {"keylog", test_keylog},
    {"keylog_child", test_keylog_child},
    {NULL, NULL},
};

int main(int argc, char **argv) {
  self_path = argv[0];
  lab_require();
  return tu_main(argc, argv, tests);
}
