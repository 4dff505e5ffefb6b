/*
 * test_api.c - the ABI's contract without a connection: versions, defaults,
 * setters and their AS3 errors, return codes on a socket that is not open,
 * NULL for every pointer argument, NULL / stale / foreign handles, ports out
 * of range, and the event functions with nothing queued.
 */
#include "portable.h"

#include <limits.h>
#include <stdatomic.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#ifndef _WIN32
#include <sys/wait.h>
#include <ucontext.h>
#endif

#include "testutil.h"

static void test_version(void) {
  CHECK(strcmp(ss_version(), SS_VERSION) == 0);
  CHECK(ss_version_number() == SS_VERSION_NUMBER);
  CHECK(SS_VERSION_NUMBER ==
        SS_VERSION_MAJOR * 1000000 + SS_VERSION_MINOR * 1000 + SS_VERSION_PATCH);
  CHECK(ss_is_supported() == 1);
  ss_free(NULL);
  CHECK(ss_socket_free(NULL) == SS_OK);
}

static void test_defaults(void) {
  ss_socket *s = ss_socket_new();
  CHECK(s != NULL);
  int i = -1;
  uint32_t u = 0;
  uint64_t u64 = 1;
  const char *cs = NULL;
  char *str = NULL;
  size_t n = 99;

  CHECK_OK(s, ss_get_connected(s, &i));
  CHECK(i == 0);
  CHECK_OK(s, ss_get_bytes_available(s, &u64));
  CHECK(u64 == 0);
  CHECK_OK(s, ss_get_endian(s, &cs));
  CHECK(cs != NULL && strcmp(cs, SS_BIG_ENDIAN) == 0);
  CHECK_OK(s, ss_get_object_encoding(s, &u));
  CHECK(u == SS_AMF3);
  CHECK_OK(s, ss_get_timeout(s, &u));
  CHECK(u == 20000);
  CHECK_OK(s, ss_get_input_limit(s, &u64));
  CHECK(u64 == 16u << 20);
  CHECK_OK(s, ss_get_min_tls_version(s, &i));
  CHECK(i == SS_TLS1_2);
  CHECK_OK(s, ss_get_server_certificate_status(s, &cs));
  CHECK(strcmp(cs, SS_CERT_UNKNOWN) == 0);
  CHECK_OK(s, ss_get_tls_version(s, &cs));
  CHECK(strcmp(cs, "") == 0);
  /* No address: AS3 null, here NULL with length 0. */
  str = (char *)"x";
  n = 99;
  CHECK_OK(s, ss_get_local_address(s, &str, &n));
  CHECK(str == NULL && n == 0);
  str = (char *)"x";
  n = 99;
  CHECK_OK(s, ss_get_remote_address(s, &str, &n));
  CHECK(str == NULL && n == 0);
  CHECK_OK(s, ss_get_failure_detail(s, &str, &n));
  CHECK(str != NULL && n == 0);
  ss_free(str);
  CHECK_OK(s, ss_get_local_port(s, &i));
  CHECK(i == 0);
  CHECK_OK(s, ss_get_remote_port(s, &i));
  CHECK(i == 0);
  /* No failure yet. */
  CHECK(strcmp(ss_error_message(s), "") == 0);
  CHECK(ss_error_id(s) == 0);
  /* AIR throws #2002 for bytesPending on a never-connected socket. */
  CHECK(ss_get_bytes_pending(s, &u64) == SS_ERR_INVALID_SOCKET);
  CHECK(ss_error_id(s) == 2002);
  CHECK_OK(s, ss_socket_free(s));
}

static void test_setters(void) {
  ss_socket *s = ss_socket_new();
  const char *cs;
  uint32_t u;
  uint64_t u64;
  int i;

  CHECK_OK(s, ss_set_endian(s, SS_LITTLE_ENDIAN, SS_NTS));
  CHECK_OK(s, ss_get_endian(s, &cs));
  CHECK(strcmp(cs, SS_LITTLE_ENDIAN) == 0);
  /* An explicit length takes a prefix. */
  CHECK_OK(s, ss_set_endian(s, "bigEndianXYZ", 9));
  CHECK_OK(s, ss_get_endian(s, &cs));
  CHECK(strcmp(cs, SS_BIG_ENDIAN) == 0);
  /* AS3 compares exactly: #2008, and nothing changes. */
  CHECK_RC(s, ss_set_endian(s, "LittleEndian", SS_NTS), SS_ERR_BAD_ENUM);
  CHECK(ss_error_id(s) == 2008);
  CHECK(strcmp(ss_error_message(s), "Error #2008: Parameter endian must be one of the accepted values.") == 0);
  CHECK_RC(s, ss_set_endian(s, "", 0), SS_ERR_BAD_ENUM);
  CHECK_RC(s, ss_set_endian(s, "littleEndian\0", 13), SS_ERR_BAD_ENUM);
  CHECK_OK(s, ss_get_endian(s, &cs));
  CHECK(strcmp(cs, SS_BIG_ENDIAN) == 0);

  CHECK_OK(s, ss_set_object_encoding(s, SS_AMF0));
  CHECK_OK(s, ss_get_object_encoding(s, &u));
  CHECK(u == 0);
  CHECK_RC(s, ss_set_object_encoding(s, 1), SS_ERR_BAD_ENUM);
  CHECK_RC(s, ss_set_object_encoding(s, 0xffffffffu), SS_ERR_BAD_ENUM);
  CHECK_OK(s, ss_get_object_encoding(s, &u));
  CHECK(u == 0);

  CHECK_OK(s, ss_set_timeout(s, 100));
  CHECK_OK(s, ss_get_timeout(s, &u));
  CHECK(u == 250);
  CHECK_OK(s, ss_set_timeout(s, 0xffffffffu));
  CHECK_OK(s, ss_get_timeout(s, &u));
  CHECK(u == 0xffffffffu);

  CHECK_OK(s, ss_set_input_limit(s, 10));
  CHECK_OK(s, ss_get_input_limit(s, &u64));
  CHECK(u64 == 1024);
  CHECK_OK(s, ss_set_input_limit(s, UINT64_MAX));
  CHECK_OK(s, ss_get_input_limit(s, &u64));
  CHECK(u64 == (uint64_t)INT64_MAX);

  CHECK_OK(s, ss_set_min_tls_version(s, SS_TLS1_0));
  CHECK_OK(s, ss_get_min_tls_version(s, &i));
  CHECK(i == SS_TLS1_0);
  CHECK_OK(s, ss_set_min_tls_version(s, SS_TLS1_3));
  CHECK_RC(s, ss_set_min_tls_version(s, 0x0300), SS_ERR_BAD_ENUM); /* SSL 3.0: never */
  CHECK_RC(s, ss_set_min_tls_version(s, 0x0305), SS_ERR_BAD_ENUM);
  CHECK_RC(s, ss_set_min_tls_version(s, -1), SS_ERR_BAD_ENUM);
  CHECK_RC(s, ss_set_min_tls_version(s, 0x10303), SS_ERR_BAD_ENUM);
  CHECK_OK(s, ss_get_min_tls_version(s, &i));
  CHECK(i == SS_TLS1_3);
  ss_socket_free(s);
}

/* Every call that needs an open socket, with valid arguments. */
static char buf[64];
static int r_bool(ss_socket *s) { int v; return ss_read_boolean(s, &v); }
static int r_byte(ss_socket *s) { int8_t v; return ss_read_byte(s, &v); }
static int r_ubyte(ss_socket *s) { uint8_t v; return ss_read_unsigned_byte(s, &v); }
static int r_short(ss_socket *s) { int16_t v; return ss_read_short(s, &v); }
static int r_ushort(ss_socket *s) { uint16_t v; return ss_read_unsigned_short(s, &v); }
static int r_int(ss_socket *s) { int32_t v; return ss_read_int(s, &v); }
static int r_uint(ss_socket *s) { uint32_t v; return ss_read_unsigned_int(s, &v); }
static int r_float(ss_socket *s) { double v; return ss_read_float(s, &v); }
static int r_double(ss_socket *s) { double v; return ss_read_double(s, &v); }
static int r_bytes(ss_socket *s) { size_t n; return ss_read_bytes(s, buf, sizeof buf, 0, &n); }
static int r_balloc(ss_socket *s) { void *p; size_t n; return ss_read_bytes_alloc(s, 0, &p, &n); }
static int r_utf(ss_socket *s) { char *p; size_t n; return ss_read_utf(s, &p, &n); }
static int r_utfb(ss_socket *s) { char *p; size_t n; return ss_read_utf_bytes(s, 1, &p, &n); }
static int r_mb(ss_socket *s) { char *p; size_t n; return ss_read_multi_byte(s, 1, "utf-8", SS_NTS, &p, &n); }
static int w_bool(ss_socket *s) { return ss_write_boolean(s, 1); }
static int w_byte(ss_socket *s) { return ss_write_byte(s, 1); }
static int w_short(ss_socket *s) { return ss_write_short(s, 1); }
static int w_int(ss_socket *s) { return ss_write_int(s, 1); }
static int w_uint(ss_socket *s) { return ss_write_unsigned_int(s, 1); }
static int w_float(ss_socket *s) { return ss_write_float(s, 1); }
static int w_double(ss_socket *s) { return ss_write_double(s, 1); }
static int w_bytes(ss_socket *s) { return ss_write_bytes(s, "abc", 3, 0, 0); }
static int w_utf(ss_socket *s) { return ss_write_utf(s, "abc", SS_NTS); }
static int w_utfb(ss_socket *s) { return ss_write_utf_bytes(s, "abc", 3); }
static int w_mb(ss_socket *s) { return ss_write_multi_byte(s, "abc", 3, "iso-8859-1", SS_NTS); }
static int c_flush(ss_socket *s) { return ss_flush(s); }
static int c_close(ss_socket *s) { return ss_close(s); }

typedef int (*call_fn)(ss_socket *);
static const struct {
  const char *name;
  call_fn fn;
} needs_open[] = {
    {"read_boolean", r_bool}, {"read_byte", r_byte}, {"read_unsigned_byte", r_ubyte},
    {"read_short", r_short}, {"read_unsigned_short", r_ushort}, {"read_int", r_int},
    {"read_unsigned_int", r_uint}, {"read_float", r_float}, {"read_double", r_double},
    {"read_bytes", r_bytes}, {"read_bytes_alloc", r_balloc}, {"read_utf", r_utf}, {"read_utf_bytes", r_utfb},
    {"read_multi_byte", r_mb}, {"write_boolean", w_bool}, {"write_byte", w_byte},
    {"write_short", w_short}, {"write_int", w_int}, {"write_unsigned_int", w_uint},
    {"write_float", w_float}, {"write_double", w_double}, {"write_bytes", w_bytes},
    {"write_utf", w_utf}, {"write_utf_bytes", w_utfb}, {"write_multi_byte", w_mb},
    {"flush", c_flush}, {"close", c_close}, {NULL, NULL},
};

/* The checklist of docs/as3-semantics.md: on a new socket every read, write,
 * flush and close is IOError #2002. */
static void test_not_open(void) {
  ss_socket *s = ss_socket_new();
  for (int i = 0; needs_open[i].name != NULL; i++) {
    int rc = needs_open[i].fn(s);
    if (rc != SS_ERR_INVALID_SOCKET) {
      fprintf(stderr, "%s on a new socket: %d, want SS_ERR_INVALID_SOCKET\n", needs_open[i].name, rc);
      tu_failures++;
    }
    CHECK(ss_error_id(s) == 2002);
  }
  CHECK(strcmp(ss_error_message(s), "Error #2002: Operation attempted on invalid socket.") == 0);
  /* A success afterwards does not clear the last failure. */
  int c;
  CHECK_OK(s, ss_get_connected(s, &c));
  CHECK(ss_error_id(s) == 2002);
  ss_socket_free(s);
}

/* Every other call with a handle, with valid arguments. */
static void cb_nop(const ss_event *ev, void *user) { (void)ev, (void)user; }
static int g_conn(ss_socket *s) { int v; return ss_get_connected(s, &v); }
static int g_avail(ss_socket *s) { uint64_t v; return ss_get_bytes_available(s, &v); }
static int g_pend(ss_socket *s) { uint64_t v; return ss_get_bytes_pending(s, &v); }
static int g_end(ss_socket *s) { const char *v; return ss_get_endian(s, &v); }
static int s_end(ss_socket *s) { return ss_set_endian(s, SS_BIG_ENDIAN, SS_NTS); }
static int g_oe(ss_socket *s) { uint32_t v; return ss_get_object_encoding(s, &v); }
static int s_oe(ss_socket *s) { return ss_set_object_encoding(s, 3); }
static int g_to(ss_socket *s) { uint32_t v; return ss_get_timeout(s, &v); }
static int s_to(ss_socket *s) { return ss_set_timeout(s, 1000); }
static int g_la(ss_socket *s) { char *v; size_t n; return ss_get_local_address(s, &v, &n); }
static int g_ra(ss_socket *s) { char *v; size_t n; return ss_get_remote_address(s, &v, &n); }
static int g_lp(ss_socket *s) { int v; return ss_get_local_port(s, &v); }
static int g_rp(ss_socket *s) { int v; return ss_get_remote_port(s, &v); }
static int g_st(ss_socket *s) { const char *v; return ss_get_server_certificate_status(s, &v); }
static int g_fd(ss_socket *s) { char *v; size_t n; return ss_get_failure_detail(s, &v, &n); }
static int g_il(ss_socket *s) { uint64_t v; return ss_get_input_limit(s, &v); }
static int s_il(ss_socket *s) { return ss_set_input_limit(s, 4096); }
static int g_mt(ss_socket *s) { int v; return ss_get_min_tls_version(s, &v); }
static int s_mt(ss_socket *s) { return ss_set_min_tls_version(s, SS_TLS1_2); }
static int g_tv(ss_socket *s) { const char *v; return ss_get_tls_version(s, &v); }
static int c_conn(ss_socket *s) { return ss_connect(s, "localhost", SS_NTS, 1); }
static int t_anchor(ss_socket *s) { return ss_add_binary_chain_building_certificate(s, "x", 1, 1); }
static int t_pin(ss_socket *s) { return ss_add_public_key_pin(s, buf, 32); }
static int t_nopins(ss_socket *s) { return ss_clear_public_key_pins(s); }
static int t_client(ss_socket *s) { return ss_set_client_certificate(s, "c", 1, "k", 1, NULL, 0); }
static int t_noclient(ss_socket *s) { return ss_clear_client_certificate(s); }
static int t_srev(ss_socket *s) { return ss_set_revocation_mode(s, SS_REVOCATION_OFF, SS_NTS); }
static int t_grev(ss_socket *s) { const char *v; return ss_get_revocation_mode(s, &v); }
static int t_revst(ss_socket *s) { const char *v; return ss_get_revocation_status(s, &v); }
static int t_revd(ss_socket *s) { char *v; size_t n; return ss_get_revocation_detail(s, &v, &n); }
static int t_chain(ss_socket *s) { char *v; size_t n; return ss_get_server_certificate_chain(s, &v, &n); }
static int t_der(ss_socket *s) { void *v; size_t n; return ss_get_server_certificate_der(s, 0, &v, &n); }
static int p_salpn(ss_socket *s) { return ss_set_alpn_protocols(s, "h2", SS_NTS); }
static int p_galpn(ss_socket *s) { char *v; size_t n; return ss_get_alpn_protocols(s, &v, &n); }
static int p_neg(ss_socket *s) { char *v; size_t n; return ss_get_negotiated_protocol(s, &v, &n); }
static int p_ssn(ss_socket *s) { return ss_set_server_name(s, "localhost", SS_NTS); }
static int p_gsn(ss_socket *s) { char *v; size_t n; return ss_get_server_name(s, &v, &n); }
static int p_cs(ss_socket *s) { const char *v; return ss_get_cipher_suite(s, &v); }
static int p_gnd(ss_socket *s) { int v; return ss_get_tcp_no_delay(s, &v); }
static int p_snd(ss_socket *s) { return ss_set_tcp_no_delay(s, 1); }
static int p_nh(ss_socket *s) { int64_t v; return ss_get_native_handle(s, &v); }
static int p_sp(ss_socket *s) { return ss_set_proxy(s, "", 0); }
static int p_gp(ss_socket *s) { char *v; size_t n; return ss_get_proxy(s, &v, &n); }
static int p_stls(ss_socket *s) { return ss_start_tls(s, "localhost", SS_NTS); }
static int p_sec(ss_socket *s) { int v; return ss_get_secure(s, &v); }
static int p_pl(ss_socket *s) { int v; return ss_get_plain(s, &v); }
static int c_cb(ss_socket *s) { return ss_set_callback(s, cb_nop, NULL); }
static int g_sc(ss_socket *s) { int v; return ss_get_session_cache(s, &v); }
static int s_sc(ss_socket *s) { return ss_set_session_cache(s, 1); }
static int g_sr(ss_socket *s) { int v; return ss_get_session_resumed(s, &v); }
static int g_em(ss_socket *s) { uint32_t v; return ss_get_event_mask(s, &v); }
static int s_em(ss_socket *s) { return ss_set_event_mask(s, SS_MASK_ALL); }
static int c_free(ss_socket *s) { return ss_socket_free(s); }

static const struct {
  const char *name;
  call_fn fn;
} other_calls[] = {
    {"get_connected", g_conn}, {"get_bytes_available", g_avail}, {"get_bytes_pending", g_pend},
    {"get_endian", g_end}, {"set_endian", s_end}, {"get_object_encoding", g_oe},
    {"set_object_encoding", s_oe}, {"get_timeout", g_to}, {"set_timeout", s_to},
    {"get_local_address", g_la}, {"get_remote_address", g_ra}, {"get_local_port", g_lp},
    {"get_remote_port", g_rp}, {"get_server_certificate_status", g_st},
    {"get_failure_detail", g_fd}, {"get_input_limit", g_il}, {"set_input_limit", s_il},
    {"get_min_tls_version", g_mt}, {"set_min_tls_version", s_mt}, {"get_tls_version", g_tv},
    {"connect", c_conn}, {"set_callback", c_cb},
    {"add_binary_chain_building_certificate", t_anchor}, {"add_public_key_pin", t_pin},
    {"clear_public_key_pins", t_nopins}, {"set_client_certificate", t_client},
    {"clear_client_certificate", t_noclient}, {"set_revocation_mode", t_srev},
    {"get_revocation_mode", t_grev}, {"get_revocation_status", t_revst},
    {"get_revocation_detail", t_revd}, {"get_server_certificate_chain", t_chain},
    {"get_server_certificate_der", t_der}, {"get_session_cache", g_sc},
    {"set_session_cache", s_sc}, {"get_session_resumed", g_sr}, {"get_event_mask", g_em},
    {"set_event_mask", s_em},
        {"set_alpn_protocols", p_salpn}, {"get_alpn_protocols", p_galpn},
    {"get_negotiated_protocol", p_neg}, {"set_server_name", p_ssn}, {"get_server_name", p_gsn},
    {"get_cipher_suite", p_cs}, {"get_tcp_no_delay", p_gnd}, {"set_tcp_no_delay", p_snd},
    {"get_native_handle", p_nh}, {"set_proxy", p_sp}, {"get_proxy", p_gp},
    {"start_tls", p_stls}, {"get_secure", p_sec}, {"get_plain", p_pl}, {NULL, NULL},
};

static void expect_handle_error(ss_socket *s, const char *what) {
  for (int i = 0; needs_open[i].name != NULL; i++) {
    int rc = needs_open[i].fn(s);
    if (rc != SS_ERR_HANDLE) {
      fprintf(stderr, "%s with %s handle: %d, want SS_ERR_HANDLE\n", needs_open[i].name, what, rc);
      tu_failures++;
    }
  }
  for (int i = 0; other_calls[i].name != NULL; i++) {
    int rc = other_calls[i].fn(s);
    if (rc != SS_ERR_HANDLE) {
      fprintf(stderr, "%s with %s handle: %d, want SS_ERR_HANDLE\n", other_calls[i].name, what, rc);
      tu_failures++;
    }
  }
  CHECK(ss_error_id(s) == 0);
  CHECK(strstr(ss_error_message(s), "invalid handle") != NULL);
}

static void test_null_handle(void) {
  expect_handle_error(NULL, "a NULL");
  CHECK(ss_socket_free(NULL) == SS_OK);
}

static void test_stale_handle(void) {
  ss_socket *s = ss_socket_new();
  CHECK_OK(s, ss_set_callback(s, cb_nop, NULL));
  CHECK_OK(s, ss_socket_free(s));
  expect_handle_error(s, "a freed");
  CHECK_RC(s, c_free(s), SS_ERR_HANDLE); /* double free */

  /* A freed handle value is never handed out again, so it can never reach
   * another socket: go-pointer's malloc'd address stays allocated. */
  enum { N = 2000 };
  static ss_socket *freed[N];
  for (int i = 0; i < N; i++) {
    freed[i] = ss_socket_new();
    CHECK(freed[i] != NULL && freed[i] != s);
    for (int j = 0; j < i; j++)
      if (freed[j] == freed[i]) {
        fprintf(stderr, "handle %p reused after free\n", (void *)freed[i]);
        tu_failures++;
      }
    ss_socket_free(freed[i]);
  }
  for (int i = 0; i < N; i += 97) CHECK(ss_get_timeout(freed[i], &(uint32_t){0}) == SS_ERR_HANDLE);
}

static void test_foreign_handle(void) {
  long not_a_socket[4] = {0};
  expect_handle_error((ss_socket *)not_a_socket, "a foreign");
  ss_socket *h = (ss_socket *)malloc(1);
  expect_handle_error(h, "a malloc'd");
  CHECK(ss_socket_free(h) == SS_ERR_HANDLE);
  free(h);
}

#define NULL_CASE(call, param)                                                     \
  do {                                                                             \
    int rc_ = (call);                                                              \
    if (rc_ != SS_ERR_NULL) {                                                      \
      fprintf(stderr, "%s:%d: %s returned %d, want SS_ERR_NULL\n", __FILE__, __LINE__, \
              #call, rc_);                                                         \
      tu_failures++;                                                               \
    } else if (strcmp(ss_error_message(s), "Error #2007: Parameter " param          \
                                           " must be non-null.") != 0) {           \
      fprintf(stderr, "%s:%d: %s: message %s\n", __FILE__, __LINE__, #call,         \
              ss_error_message(s));                                                \
      tu_failures++;                                                               \
    }                                                                              \
    CHECK(ss_error_id(s) == 2007);                                                 \
  } while (0)

/* NULL for every pointer argument: TypeError #2007 naming the parameter,
 * checked before the socket's state. */
static void test_null_arguments(void) {
  ss_socket *s = ss_socket_new();
  char *p = NULL;
  size_t n = 0;
  uint8_t b[8];

  /* A NULL host is AIR's connect(null, port): TypeError #1009, whatever len. */
  CHECK(ss_connect(s, NULL, SS_NTS, 443) == SS_ERR_NULL_OBJECT);
  CHECK(ss_error_id(s) == 1009);
  CHECK(strcmp(ss_error_message(s),
               "Error #1009: Cannot access a property or method of a null object reference. (host is NULL)") == 0);
  CHECK(ss_connect(s, NULL, 0, 443) == SS_ERR_NULL_OBJECT);
  CHECK(ss_connect(s, NULL, 9, 443) == SS_ERR_NULL_OBJECT);
  NULL_CASE(ss_get_connected(s, NULL), "out");
  NULL_CASE(ss_get_bytes_available(s, NULL), "out");
  NULL_CASE(ss_get_bytes_pending(s, NULL), "out");
  NULL_CASE(ss_get_endian(s, NULL), "out");
  NULL_CASE(ss_set_endian(s, NULL, SS_NTS), "endian");
  NULL_CASE(ss_set_endian(s, NULL, 0), "endian");
  NULL_CASE(ss_get_object_encoding(s, NULL), "out");
  NULL_CASE(ss_get_timeout(s, NULL), "out");
  NULL_CASE(ss_get_local_address(s, NULL, &n), "out");
  NULL_CASE(ss_get_local_address(s, &p, NULL), "out_len");
  NULL_CASE(ss_get_remote_address(s, NULL, &n), "out");
  NULL_CASE(ss_get_remote_address(s, &p, NULL), "out_len");
  NULL_CASE(ss_get_local_port(s, NULL), "out");
  NULL_CASE(ss_get_remote_port(s, NULL), "out");
  NULL_CASE(ss_get_server_certificate_status(s, NULL), "out");
  NULL_CASE(ss_get_failure_detail(s, NULL, &n), "out");
  NULL_CASE(ss_get_failure_detail(s, &p, NULL), "out_len");
  NULL_CASE(ss_get_input_limit(s, NULL), "out");
  NULL_CASE(ss_get_min_tls_version(s, NULL), "out");
  NULL_CASE(ss_get_tls_version(s, NULL), "out");
  NULL_CASE(ss_read_boolean(s, NULL), "out");
  NULL_CASE(ss_read_byte(s, NULL), "out");
  NULL_CASE(ss_read_unsigned_byte(s, NULL), "out");
  NULL_CASE(ss_read_short(s, NULL), "out");
  NULL_CASE(ss_read_unsigned_short(s, NULL), "out");
  NULL_CASE(ss_read_int(s, NULL), "out");
  NULL_CASE(ss_read_unsigned_int(s, NULL), "out");
  NULL_CASE(ss_read_float(s, NULL), "out");
  NULL_CASE(ss_read_double(s, NULL), "out");
  NULL_CASE(ss_read_bytes(s, NULL, sizeof b, 0, &n), "buf");
  NULL_CASE(ss_read_bytes(s, b, sizeof b, 0, NULL), "out_n");
  NULL_CASE(ss_read_utf(s, NULL, &n), "out");
  NULL_CASE(ss_read_utf(s, &p, NULL), "out_len");
  NULL_CASE(ss_read_utf_bytes(s, 1, NULL, &n), "out");
  NULL_CASE(ss_read_utf_bytes(s, 1, &p, NULL), "out_len");
  NULL_CASE(ss_read_multi_byte(s, 1, NULL, SS_NTS, &p, &n), "charset");
  NULL_CASE(ss_read_multi_byte(s, 1, "utf-8", SS_NTS, NULL, &n), "out");
  NULL_CASE(ss_read_multi_byte(s, 1, "utf-8", SS_NTS, &p, NULL), "out_len");
  NULL_CASE(ss_write_bytes(s, NULL, 4, 0, 0), "bytes");
  NULL_CASE(ss_write_utf(s, NULL, 3), "utf8");
  NULL_CASE(ss_write_utf(s, NULL, SS_NTS), "utf8");
  NULL_CASE(ss_write_utf_bytes(s, NULL, 3), "utf8");
  NULL_CASE(ss_write_multi_byte(s, NULL, 3, "utf-8", SS_NTS), "utf8");
  NULL_CASE(ss_write_multi_byte(s, "abc", 3, NULL, SS_NTS), "charset");
  NULL_CASE(ss_add_binary_chain_building_certificate(s, NULL, 0, 1), "certificate");
  NULL_CASE(ss_add_public_key_pin(s, NULL, 32), "pin");
  NULL_CASE(ss_set_client_certificate(s, NULL, 0, "k", 1, NULL, 0), "certificate");
  NULL_CASE(ss_set_client_certificate(s, "c", 1, NULL, 0, NULL, 0), "key");
  NULL_CASE(ss_set_client_certificate(s, "c", 1, "k", 1, NULL, 2), "password");
  NULL_CASE(ss_set_revocation_mode(s, NULL, 0), "mode");
  NULL_CASE(ss_get_revocation_mode(s, NULL), "out");
  NULL_CASE(ss_get_revocation_status(s, NULL), "out");
  NULL_CASE(ss_get_revocation_detail(s, NULL, &n), "out");
  NULL_CASE(ss_get_revocation_detail(s, &p, NULL), "out_len");
  NULL_CASE(ss_get_server_certificate_chain(s, NULL, &n), "out");
  NULL_CASE(ss_get_server_certificate_chain(s, &p, NULL), "out_len");
  NULL_CASE(ss_get_server_certificate_der(s, 0, NULL, &n), "out");
  NULL_CASE(ss_get_server_certificate_der(s, 0, (void **)&p, NULL), "out_len");
  CHECK(ss_public_key_pin(NULL, 1, b) == SS_ERR_NULL);
  CHECK(ss_public_key_pin("x", 1, NULL) == SS_ERR_NULL);
  CHECK(p == NULL); /* nothing was allocated */

  /* NULL with length 0 is the empty value: past the pointer checks, the
   * socket is not open. */
  CHECK_RC(s, ss_read_bytes(s, NULL, 0, 0, &n), SS_ERR_INVALID_SOCKET);
  CHECK_RC(s, ss_write_bytes(s, NULL, 0, 0, 0), SS_ERR_INVALID_SOCKET);
  CHECK_RC(s, ss_write_utf(s, NULL, 0), SS_ERR_INVALID_SOCKET);
  CHECK_RC(s, ss_write_utf_bytes(s, NULL, 0), SS_ERR_INVALID_SOCKET);

  /* The C-only functions. */
  CHECK(ss_next_event(NULL) == SS_ERR_NULL);
  CHECK_OK(s, ss_set_callback(s, NULL, NULL)); /* NULL removes the callback */
  CHECK(ss_error_message(NULL) != NULL);
  CHECK(ss_error_id(NULL) == 0);
  ss_socket_free(s);
}

/* Ports outside 0..65535 are SecurityError #2003 before anything starts. */
static void test_ports_out_of_range(void) {
  ss_socket *s = ss_socket_new();
  const int bad[] = {-1, 65536, 70000, INT_MAX, INT_MIN};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    CHECK_RC(s, ss_connect(s, "localhost", SS_NTS, bad[i]), SS_ERR_BAD_PORT);
    CHECK(ss_error_id(s) == 2003);
    CHECK(strncmp(ss_error_message(s), "Error #2003: Invalid socket port number specified.", 50) == 0);
  }
  CHECK_RC(s, ss_connect(s, "", 0, 443), SS_ERR_BAD_PARAM);
  CHECK(ss_error_id(s) == 2004);
  CHECK_RC(s, ss_connect(s, "\0localhost", 10, 443), SS_ERR_BAD_PARAM); /* cut at NUL */
  /* Nothing started: no event follows. */
  tu_event e;
  CHECK(!tu_wait_event(s, 0, 100, &e));
  int c;
  CHECK_OK(s, ss_get_connected(s, &c));
  CHECK(c == 0);
  ss_socket_free(s);
}

/* ss_dispatch returns 0 early when a signal interrupts its wait (documented,
 * for hosts like Python). The timed waits below block signals on this
 * thread, so that one that valgrind or the runtime routes here cannot end
 * them early; blocked signals wait and are delivered after. */
#ifdef _WIN32
static void signals_off(void) {} /* no signals interrupt a wait there */
static void signals_on(void) {}
#else
static sigset_t saved_mask;
static void signals_off(void) {
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &saved_mask);
}
static void signals_on(void) { pthread_sigmask(SIG_SETMASK, &saved_mask, NULL); }
#endif

static void test_no_events(void) {
  int fd = ss_event_fd();
  CHECK(fd >= 0);
  CHECK(ss_event_fd() == fd);
  ss_event ev;
  CHECK(ss_next_event(&ev) == 0);
  CHECK(ss_dispatch(0) == 0);
  struct pollfd p = {fd, POLLIN, 0};
  CHECK(poll(&p, 1, 0) == 0); /* not readable while nothing waits */
  signals_off();
  int64_t t0 = tu_now_ms();
  CHECK(ss_dispatch(60) == 0);
  int64_t dt = tu_now_ms() - t0;
  signals_on();
  CHECK(dt >= 55 && dt < 2000);
}

static void *wake_later(void *arg) {
  (void)arg;
  usleep(100 * 1000);
  ss_wake();
  return NULL;
}

static void test_wake(void) {
  /* A wake ends a wait without a limit, from another thread. */
  pthread_t th;
  int64_t t0 = tu_now_ms(); /* before the thread starts its 100 ms */
  pthread_create(&th, NULL, wake_later, NULL);
  signals_off();
  CHECK(ss_dispatch(-1) == 0);
  int64_t dt = tu_now_ms() - t0;
  signals_on();
  CHECK(dt >= 80 && dt < 5000);
  pthread_join(th, NULL);
  /* A wake with no waiter is kept for the next wait, and used once. */
  CHECK(ss_wake() == SS_OK);
  t0 = tu_now_ms();
  CHECK(ss_dispatch(5000) == 0);
  CHECK(tu_now_ms() - t0 < 1000);
  CHECK(ss_dispatch(0) == 0); /* no wait: does not consume */
  signals_off();
  t0 = tu_now_ms();
  CHECK(ss_dispatch(50) == 0);
  dt = tu_now_ms() - t0;
  signals_on();
  CHECK(dt >= 45);
  /* It does not make the event fd readable. */
  ss_wake();
  struct pollfd p = {ss_event_fd(), POLLIN, 0};
  CHECK(poll(&p, 1, 0) == 0);
  CHECK(ss_dispatch(1000) == 0);
}

#ifdef __linux__
static int64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* On a thread of its own (the back-off is per thread): how long its first
 * spin took, and then 200 more. */
static void *spin_times(void *arg) {
  int64_t *us = arg;
  int64_t t0 = now_us();
  ss_spin_events();
  us[0] = now_us() - t0;
  t0 = now_us();
  for (int i = 0; i < 200; i++) ss_spin_events();
  us[1] = now_us() - t0;
  return NULL;
}

#endif

/* ss_spin_events polls without sleeping for the spin time (1 ms in this
 * process, set in main), backs off after spins that found nothing, says 1
 * at once while an event waits, and leaves a wake for the wait it ends. */
static void test_spin(void) {
  ss_event ev;
  while (ss_next_event(&ev) > 0) {
  }
#ifdef __linux__
  if (tu_spins_here()) {
    /* A first spin lasts the spin time; 200 more that find nothing cost
     * about 9 spins (skipping 1, 2, 4 ... 64 calls between them), not 200
     * (200 ms). */
    int64_t us[2];
    pthread_t th;
    CHECK(pthread_create(&th, NULL, spin_times, us) == 0);
    pthread_join(th, NULL);
    CHECK(us[0] >= 900);
    CHECK(us[1] < 100000);
  }
#endif
  int64_t t0 = tu_now_ms();
  for (int i = 0; i < 200; i++) CHECK(ss_spin_events() == 0);
  CHECK(tu_now_ms() - t0 < 1000);
  CHECK(ss_wake() == SS_OK);
  CHECK(ss_spin_events() == 0);
  t0 = tu_now_ms();
  CHECK(ss_dispatch(5000) == 0); /* the wake is still there for the wait */
  CHECK(tu_now_ms() - t0 < 1000);
  /* An event that waits: 1, however the thread's spins backed off. */
  ss_socket *s = ss_socket_new();
  CHECK(s != NULL);
  CHECK_OK(s, ss_connect(s, "127.0.0.1", SS_NTS, 1)); /* refused: one ioError */
  struct pollfd p = {ss_event_fd(), POLLIN, 0};
  CHECK(poll(&p, 1, 10000) == 1);
  CHECK(ss_spin_events() == 1);
  CHECK(ss_next_event(&ev) == 1 && ev.type == SS_EVENT_IO_ERROR);
  CHECK_OK(s, ss_socket_free(s));
}

#ifdef _WIN32
/* Linux only: the wrap exists for glibc's pthread_getattr_np, and Windows
 * has no fork() (so no fork guard to test). */
static void test_foreign_stack_cost(void) { TU_SKIP("capi/stackwrap.c is for glibc only"); }
static void test_fork_child(void) { TU_SKIP("Windows has no fork()"); }
static void test_fork_child_under_load(void) { TU_SKIP("Windows has no fork()"); }
#else
/* A Go call from a stack the thread did not start with, on the main thread,
 * is what koffi does for every call from Node. Without the library's
 * pthread_getattr_np wrap (capi/stackwrap.c) the runtime re-reads
 * /proc/self/maps on each such call: ~45 us instead of ~0.5 us. This keeps a
 * build change from bringing that back silently. */
static ucontext_t main_ctx, foreign_ctx;
static double foreign_us;

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The median of 7 rounds of 2000 calls: one preemption on a busy machine
 * moves one round, not the result. */
static void on_foreign_stack(void) {
  double rounds[7];
  int ok = 1;
  for (int r = 0; r < 7; r++) {
    int64_t t0 = tu_now_ms();
    for (int i = 0; i < 2000; i++) ok &= ss_is_supported();
    rounds[r] = (double)(tu_now_ms() - t0) * 1000.0 / 2000;
  }
  qsort(rounds, 7, sizeof rounds[0], cmp_double);
  foreign_us = rounds[3];
  CHECK(ok);
}

static void test_foreign_stack_cost(void) {
  if (getpid() != gettid()) return; /* only the main thread has the problem */
  size_t size = 1 << 20;
  void *stack = malloc(size);
  getcontext(&foreign_ctx);
  foreign_ctx.uc_stack.ss_sp = stack;
  foreign_ctx.uc_stack.ss_size = size;
  foreign_ctx.uc_link = &main_ctx;
  makecontext(&foreign_ctx, on_foreign_stack, 0);
  swapcontext(&main_ctx, &foreign_ctx);
  free(stack);
  if (!tu_memcheck() && foreign_us > 10.0) {
    fprintf(stderr, "a Go call from a foreign stack on the main thread costs %.1f us (want < 10)\n",
            foreign_us);
    tu_failures++;
  }
}

/* After fork() the child has none of the runtime's threads: every function
 * fails fast with SS_ERR_FORKED instead of hanging. */
static void test_fork_child(void) {
  ss_socket *s = ss_socket_new();
  pid_t pid = fork();
  if (pid == 0) {
    int bad = 0;
    int32_t v;
    ss_event ev;
    bad |= ss_socket_new() != NULL;
    bad |= ss_is_supported() != 0;
    bad |= ss_read_int(s, &v) != SS_ERR_FORKED;
    bad |= ss_connect(s, "localhost", SS_NTS, 443) != SS_ERR_FORKED;
    bad |= ss_set_callback(s, NULL, NULL) != SS_ERR_FORKED;
    bad |= ss_next_event(&ev) != SS_ERR_FORKED;
    bad |= ss_dispatch(-1) != SS_ERR_FORKED;
    bad |= ss_event_fd() != SS_ERR_FORKED;
    bad |= ss_wake() != SS_ERR_FORKED;
    bad |= ss_spin_events() != SS_ERR_FORKED;
    bad |= ss_socket_free(s) != SS_ERR_FORKED;
    bad |= strstr(ss_error_message(s), "fork") == NULL;
    bad |= strstr(ss_error_text(SS_ERR_EOF), "fork") == NULL;
    _exit(bad);
  }
  int status = -1;
  CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  /* The parent is unaffected. */
  uint32_t t = 0;
  CHECK_OK(s, ss_get_timeout(s, &t));
  CHECK_OK(s, ss_socket_free(s));
}

/* The same while other threads keep the Go runtime busy, many times over:
 * a child must never enter Go (a lock a vanished runtime thread held at fork
 * time would hang it), so every call fails fast with SS_ERR_FORKED. Before
 * the guard moved into C (capi/guard.c) this hung within a few hundred
 * forks. */
static atomic_int fork_busy_stop;

static void *fork_busy(void *arg) {
  (void)arg;
  while (!atomic_load(&fork_busy_stop)) {
    ss_socket *s = ss_socket_new();
    int32_t v;
    for (int i = 0; i < 200; i++) ss_read_int(s, &v);
    ss_socket_free(s);
  }
  return NULL;
}

static void test_fork_child_under_load(void) {
  /* Not under memcheck: it follows each child and, at its _exit, counts
   * what the parent's busy threads held as lost. */
  if (tu_memcheck()) return;
  const int forks = 500;
  pthread_t busy[2];
  atomic_store(&fork_busy_stop, 0);
  for (int i = 0; i < 2; i++) CHECK(pthread_create(&busy[i], NULL, fork_busy, NULL) == 0);
  int hung = 0, bad = 0;
  for (int n = 0; n < forks && !hung; n++) {
    ss_socket *s = ss_socket_new();
    pid_t pid = fork();
    if (pid == 0) {
      int32_t v;
      alarm(10); /* a hang ends the child with SIGALRM */
      int b = ss_socket_new() != NULL || ss_is_supported() != 0 || ss_read_int(s, &v) != SS_ERR_FORKED ||
              ss_connect(s, "localhost", SS_NTS, 443) != SS_ERR_FORKED || ss_flush(s) != SS_ERR_FORKED ||
              ss_socket_free(s) != SS_ERR_FORKED;
      _exit(b);
    }
    int status = -1;
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    if (WIFSIGNALED(status)) hung++;
    else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) bad++;
    ss_socket_free(s);
  }
  atomic_store(&fork_busy_stop, 1);
  for (int i = 0; i < 2; i++) pthread_join(busy[i], NULL);
  CHECK(hung == 0);
  CHECK(bad == 0);
}

#endif

/* ss_error_text: the library's texts without a socket, the same as the
 * messages it records on a socket. */
static void test_error_text(void) {
  CHECK(strcmp(ss_error_text(SS_ERR_EOF), "Error #2030: End of file was encountered.") == 0);
  CHECK(strcmp(ss_error_text(2030), ss_error_text(SS_ERR_EOF)) == 0);
  CHECK(strcmp(ss_error_text(SS_ERR_NULL), "Error #2007: Parameter %1 must be non-null.") == 0);
  CHECK(strcmp(ss_error_text(2031), "Error #2031: Socket Error.") == 0);
  CHECK(strncmp(ss_error_text(SS_ERR_HANDLE), "securesocket: ", 14) == 0);
  CHECK(strcmp(ss_error_text(SS_OK), "securesocket: no error") == 0);
  CHECK(strcmp(ss_error_text(-123456), "securesocket: not a code of this library") == 0);
  CHECK(strcmp(ss_error_text(-2037), "securesocket: not a code of this library") == 0);
  /* Static: the same pointer each time. */
  CHECK(ss_error_text(SS_ERR_RANGE) == ss_error_text(SS_ERR_RANGE));
  /* Every code the header names has a text of its own, and a socket's
   * message for that code starts with it. */
  static const int codes[] = {SS_ERR_HANDLE, SS_ERR_PANIC, SS_ERR_NOMEM, SS_ERR_FORKED, SS_ERR_INTERNAL,
                              SS_ERR_NULL_OBJECT, SS_ERR_INVALID_SOCKET, SS_ERR_BAD_PORT, SS_ERR_BAD_PARAM,
                              SS_ERR_RANGE, SS_ERR_NULL, SS_ERR_BAD_ENUM, SS_ERR_EOF};
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    const char *t = ss_error_text(codes[i]);
    CHECK(t != NULL && strstr(t, "not a code") == NULL);
  }
  ss_socket *s = ss_socket_new();
  int32_t v;
  CHECK(ss_read_int(s, &v) == SS_ERR_INVALID_SOCKET);
  CHECK(strcmp(ss_error_message(s), ss_error_text(SS_ERR_INVALID_SOCKET)) == 0);
  CHECK(ss_connect(s, "localhost", SS_NTS, 70000) == SS_ERR_BAD_PORT);
  const char *t = ss_error_text(SS_ERR_BAD_PORT);
  CHECK(strncmp(ss_error_message(s), t, strlen(t)) == 0);
  ss_socket_free(s);
  /* The socket-less call that needs it. */
  uint8_t pin[32];
  CHECK(ss_public_key_pin("nope", 4, pin) == SS_ERR_BAD_PARAM);
  CHECK(strcmp(ss_error_text(SS_ERR_BAD_PARAM), "Error #2004: One of the parameters is invalid.") == 0);
}

static const tu_test tests[] = {
    {"error_text", test_error_text},
    {"version", test_version},
    {"defaults", test_defaults},
    {"setters", test_setters},
    {"not_open", test_not_open},
    {"null_handle", test_null_handle},
    {"stale_handle", test_stale_handle},
    {"foreign_handle", test_foreign_handle},
    {"null_arguments", test_null_arguments},
    {"ports_out_of_range", test_ports_out_of_range},
    {"no_events", test_no_events},
    {"wake", test_wake},
    {"spin", test_spin},
    {"foreign_stack_cost", test_foreign_stack_cost},
    {"fork_child", test_fork_child},
    {"fork_child_under_load", test_fork_child_under_load},
    {NULL, NULL},
};

int main(int argc, char **argv) {
  /* A spin time long enough to measure (test_spin); read at the first wait. */
  setenv("SECURESOCKET_SPIN_US", "1000", 0);
  return tu_main(argc, argv, tests);
}
