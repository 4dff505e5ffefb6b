/*
 * test_net.c - the ABI against the lab's servers: the certificate matrix,
 * the typed payload, typed round trips through the echo server in both
 * endians, EOF and invalid-socket codes, the peer's close, bulk transfer and
 * input back-pressure. Events are taken through the event fd with poll().
 */
#include "portable.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifndef _WIN32
#include <sys/mman.h>
#include <sys/wait.h>
#endif

#include "testutil.h"

static const char *status_of(ss_socket *s) {
  const char *st = "?";
  ss_get_server_certificate_status(s, &st);
  return st;
}

/* Every scenario whose outcome the lab publishes (lab_expect: the one
 * matrix every suite reads) gives that status and detail. */
static void test_cert_matrix(void) {
  lab_expectation cases[32];
  size_t ncases = 0;
  while (ncases < 32 && lab_expect(ncases, &cases[ncases])) ncases++;
  CHECK(ncases >= 10);
  char want_text[300];
  snprintf(want_text, sizeof want_text, "Error #2031: Socket Error. URL: %s", lab_host());
  for (size_t i = 0; i < ncases; i++) {
    int connects = strcmp(cases[i].status, SS_CERT_TRUSTED) == 0;
    ss_socket *s = ss_socket_new();
    if (strcmp(cases[i].scenario, "silent") == 0) ss_set_timeout(s, 1000);
    CHECK_OK(s, ss_connect(s, lab_host(), SS_NTS, lab_port(cases[i].scenario)));
    /* connected turns 1 when the handshake is done, which can be before the
     * connect event is dispatched; checking it here would race. */
    tu_event e;
    if (!tu_wait_event(s, 0, 30000, &e)) {
      fprintf(stderr, "%s: no event\n", cases[i].scenario);
      tu_failures++;
      ss_socket_free(s);
      continue;
    }
    const char *st = status_of(s);
    char *detail = NULL;
    size_t dlen = 0;
    CHECK_OK(s, ss_get_failure_detail(s, &detail, &dlen));
    if (connects) {
      CHECK(e.type == SS_EVENT_CONNECT && strcmp(e.type_name, "connect") == 0);
      CHECK(dlen == 0);
      int c = -1;
      ss_get_connected(s, &c);
      CHECK(c == 1);
    } else {
      int ok = e.type == SS_EVENT_IO_ERROR && e.error_id == 2031 &&
               strcmp(e.type_name, "ioError") == 0 && strcmp(e.text, want_text) == 0 &&
               e.detail[0] != 0 && strcmp(e.detail, detail) == 0 &&
               strstr(e.detail, cases[i].detail) != NULL;
      if (!ok) {
        fprintf(stderr, "%s: event %s %d text=%s detail=%s (failure_detail %s)\n", cases[i].scenario,
                e.type_name, e.error_id, e.text, e.detail, detail);
        tu_failures++;
      }
      int c = -1;
      ss_get_connected(s, &c);
      CHECK(c == 0);
    }
    if (strcmp(st, cases[i].status) != 0) {
      fprintf(stderr, "%s: status %s, want %s (detail: %s)\n", cases[i].scenario, st,
              cases[i].status, e.detail);
      tu_failures++;
    }
    ss_free(detail);
    /* Exactly one event per attempt. */
    CHECK(!tu_wait_event(s, 0, connects ? 0 : 50, &e));
    ss_socket_free(s);
  }
}

/* TLS 1.0 only when the application lowers the minimum. */
static void test_tls10_opt_in(void) {
  ss_socket *s = ss_socket_new();
  CHECK_OK(s, ss_set_min_tls_version(s, SS_TLS1_0));
  CHECK(tu_connect(s, "tls10"));
  const char *v = "";
  CHECK_OK(s, ss_get_tls_version(s, &v));
  CHECK(strcmp(v, "TLSv1.0") == 0);
  CHECK(strcmp(status_of(s), SS_CERT_TRUSTED) == 0);
  ss_socket_free(s);
}

/* ss_describe_connection: the probe's report, JSON and text, after a
 * connect and after a refusal; an unknown format is SS_ERR_BAD_ENUM. */
static void test_describe_connection(void) {
  ss_socket *s = ss_socket_new();
  char *out = NULL;
  size_t n = 0;
  CHECK_OK(s, ss_describe_connection(s, SS_DESCRIBE_JSON, &out, &n));
  CHECK(out != NULL && strstr(out, "\"outcome\":\"none\"") != NULL && strlen(out) == n);
  ss_free(out);
  CHECK(tu_connect(s, "echo"));
  CHECK_OK(s, ss_describe_connection(s, SS_DESCRIBE_JSON, &out, &n));
  CHECK(strstr(out, "{\"outcome\":\"connected\",\"exitCode\":0,\"status\":\"trusted\"") == out);
  CHECK(strstr(out, "\"tlsVersion\":\"TLSv1.3\"") != NULL && strstr(out, "\"pinSha256\":\"") != NULL);
  ss_free(out);
  CHECK_OK(s, ss_describe_connection(s, SS_DESCRIBE_TEXT, &out, &n));
  static const char head[] = "outcome:     connected\nstatus:      trusted\n";
  CHECK(strncmp(out, head, sizeof head - 1) == 0 && strstr(out, "pin-sha256: ") != NULL);
  ss_free(out);
  out = NULL;
  CHECK_RC(s, ss_describe_connection(s, 7, &out, &n), SS_ERR_BAD_ENUM);
  CHECK(out == NULL);
  CHECK_RC(s, ss_describe_connection(s, SS_DESCRIBE_JSON, NULL, &n), SS_ERR_NULL);
  ss_socket_free(s);

  s = ss_socket_new();
  CHECK_OK(s, ss_connect(s, lab_host(), SS_NTS, lab_port("expired")));
  tu_event e;
  CHECK(tu_wait_event(s, SS_EVENT_IO_ERROR, 10000, &e));
  CHECK_OK(s, ss_describe_connection(s, SS_DESCRIBE_JSON, &out, &n));
  CHECK(strstr(out, "{\"outcome\":\"refused\",\"exitCode\":1,\"status\":\"expired\"") == out);
  CHECK(strstr(out, "\"chain\":[]") != NULL);
  ss_free(out);
  ss_socket_free(s);
}

static void test_connection_properties(void) {
  ss_socket *s = ss_socket_new();
  CHECK(tu_connect(s, "echo"));
  char *a = NULL;
  size_t n = 0;
  int port = 0;
  CHECK_OK(s, ss_get_remote_address(s, &a, &n));
  CHECK(a != NULL && strcmp(a, "127.0.0.1") == 0 && n == 9);
  ss_free(a);
  CHECK_OK(s, ss_get_local_address(s, &a, &n));
  CHECK(a != NULL && strcmp(a, "127.0.0.1") == 0);
  ss_free(a);
  CHECK_OK(s, ss_get_remote_port(s, &port));
  CHECK(port == lab_port("echo"));
  CHECK_OK(s, ss_get_local_port(s, &port));
  CHECK(port > 0 && port < 65536);
  const char *v = "";
  CHECK_OK(s, ss_get_tls_version(s, &v));
  CHECK(strcmp(v, "TLSv1.3") == 0 || strcmp(v, "TLSv1.2") == 0);

  /* close: no close event, status kept, second close is #2002. */
  CHECK_OK(s, ss_close(s));
  int c = 1;
  ss_get_connected(s, &c);
  CHECK(c == 0);
  CHECK(strcmp(status_of(s), SS_CERT_TRUSTED) == 0);
  /* No address once closed (AS3 null); bytes_pending works (0) after a
   * connect, where a never-connected socket has #2002. */
  a = (char *)"x";
  CHECK_OK(s, ss_get_remote_address(s, &a, &n));
  CHECK(a == NULL && n == 0);
  uint64_t pend = 9;
  CHECK_OK(s, ss_get_bytes_pending(s, &pend));
  CHECK(pend == 0);
  tu_event e;
  CHECK(!tu_wait_event(s, SS_EVENT_CLOSE, 300, &e));
  CHECK_RC(s, ss_close(s), SS_ERR_INVALID_SOCKET);
  CHECK_OK(s, ss_get_remote_port(s, &port));
  CHECK(port == 0);

  /* The socket can be used again; connecting while connected replaces the
   * connection silently. */
  CHECK(tu_connect(s, "echo"));
  CHECK_OK(s, ss_connect(s, lab_host(), SS_NTS, lab_port("trusted")));
  CHECK(tu_wait_event(s, 0, 30000, &e) && e.type == SS_EVENT_CONNECT);
  CHECK_OK(s, ss_get_remote_port(s, &port));
  CHECK(port == lab_port("trusted"));
  /* An explicit length, and the host cut at its first NUL. */
  CHECK_OK(s, ss_connect(s, "localhost\0junk", 14, lab_port("echo")));
  CHECK(tu_wait_event(s, 0, 30000, &e) && e.type == SS_EVENT_CONNECT);
  ss_socket_free(s);
}

/* The typed server's payload (tests/lab/README.md), big-endian part then
 * little-endian part. */
static void test_typed_payload(void) {
  ss_socket *s = ss_socket_new();
  CHECK(tu_connect(s, "typed"));
  CHECK(tu_wait_available(s, 96, 10000));
  uint64_t av = 0;
  uint8_t big[200];
  size_t n = 0;
  /* More than available: EOF, nothing consumed. */
  CHECK_RC(s, ss_read_bytes(s, big, sizeof big, 97, &n), SS_ERR_EOF);
  CHECK(ss_error_id(s) == 2030);
  CHECK(strcmp(ss_error_message(s), "Error #2030: End of file was encountered.") == 0);
  CHECK_OK(s, ss_get_bytes_available(s, &av));
  CHECK(av == 96);

  int b = -1;
  int8_t i8 = 0;
  uint8_t u8 = 0;
  int16_t i16 = 0;
  uint16_t u16 = 0;
  int32_t i32 = 0;
  uint32_t u32 = 0;
  double f = 0, d = 0;
  char *str = NULL;
  size_t len = 0;

  CHECK_OK(s, ss_read_boolean(s, &b));
  CHECK(b == 1);
  CHECK_OK(s, ss_read_boolean(s, &b));
  CHECK(b == 0);
  CHECK_OK(s, ss_read_byte(s, &i8));
  CHECK(i8 == -1);
  CHECK_OK(s, ss_read_unsigned_byte(s, &u8));
  CHECK(u8 == 200);
  CHECK_OK(s, ss_read_short(s, &i16));
  CHECK(i16 == -30562);
  CHECK_OK(s, ss_read_unsigned_short(s, &u16));
  CHECK(u16 == 65535);
  CHECK_OK(s, ss_read_int(s, &i32));
  CHECK(i32 == -123456789);
  CHECK_OK(s, ss_read_unsigned_int(s, &u32));
  CHECK(u32 == 4000565000u);
  CHECK_OK(s, ss_read_float(s, &f));
  CHECK(f == (double)76.65f && f != 76.65);
  CHECK_OK(s, ss_read_double(s, &d));
  CHECK(d == 3.141592653589793);
  CHECK_OK(s, ss_read_utf(s, &str, &len));
  CHECK(str != NULL && strcmp(str, "h\xc3\xa9llo w\xc3\xb6rld") == 0 && len == 13);
  ss_free(str);
  CHECK_OK(s, ss_read_utf_bytes(s, 7, &str, &len));
  CHECK(str != NULL && strcmp(str, "Text") == 0 && len == 4); /* BOM skipped */
  ss_free(str);
  CHECK_OK(s, ss_read_bytes(s, big, sizeof big, 7, &n));
  CHECK(n == 7 && memcmp(big, "ABC\0DEF", 7) == 0);

  CHECK_OK(s, ss_set_endian(s, SS_LITTLE_ENDIAN, SS_NTS));
  CHECK_OK(s, ss_read_short(s, &i16));
  CHECK(i16 == -30562);
  CHECK_OK(s, ss_read_unsigned_short(s, &u16));
  CHECK(u16 == 65535);
  CHECK_OK(s, ss_read_int(s, &i32));
  CHECK(i32 == -123456789);
  CHECK_OK(s, ss_read_unsigned_int(s, &u32));
  CHECK(u32 == 4000565000u);
  CHECK_OK(s, ss_read_float(s, &f));
  CHECK(f == (double)76.65f);
  CHECK_OK(s, ss_read_double(s, &d));
  CHECK(d == 3.141592653589793);
  CHECK_OK(s, ss_read_utf(s, &str, &len));
  CHECK(str != NULL && strcmp(str, "h\xc3\xa9llo w\xc3\xb6rld") == 0);
  ss_free(str);

  /* Drained: every read is EOF #2030 on an open socket. */
  CHECK_OK(s, ss_get_bytes_available(s, &av));
  CHECK(av == 0);
  CHECK_RC(s, ss_read_boolean(s, &b), SS_ERR_EOF);
  CHECK_RC(s, ss_read_byte(s, &i8), SS_ERR_EOF);
  CHECK_RC(s, ss_read_unsigned_byte(s, &u8), SS_ERR_EOF);
  CHECK_RC(s, ss_read_short(s, &i16), SS_ERR_EOF);
  CHECK_RC(s, ss_read_unsigned_short(s, &u16), SS_ERR_EOF);
  CHECK_RC(s, ss_read_int(s, &i32), SS_ERR_EOF);
  CHECK_RC(s, ss_read_unsigned_int(s, &u32), SS_ERR_EOF);
  CHECK_RC(s, ss_read_float(s, &f), SS_ERR_EOF);
  CHECK_RC(s, ss_read_double(s, &d), SS_ERR_EOF);
  CHECK_RC(s, ss_read_utf(s, &str, &len), SS_ERR_EOF);
  CHECK_RC(s, ss_read_utf_bytes(s, 1, &str, &len), SS_ERR_EOF);
  CHECK_RC(s, ss_read_multi_byte(s, 1, "utf-8", SS_NTS, &str, &len), SS_ERR_EOF);
  CHECK_RC(s, ss_read_bytes(s, big, sizeof big, 1, &n), SS_ERR_EOF);
  /* length 0 with nothing available reads nothing, successfully. */
  n = 99;
  CHECK_OK(s, ss_read_bytes(s, big, sizeof big, 0, &n));
  CHECK(n == 0);
  CHECK_OK(s, ss_read_utf_bytes(s, 0, &str, &len));
  CHECK(len == 0 && str != NULL && str[0] == 0);
  ss_free(str);
  ss_socket_free(s);
}

/* Writes every type, echoes it, reads it back; checks the raw bytes too. */
static void roundtrip(const char *endian) {
  int little = strcmp(endian, SS_LITTLE_ENDIAN) == 0;
  ss_socket *s = ss_socket_new();
  CHECK_OK(s, ss_set_endian(s, endian, SS_NTS));
  CHECK(tu_connect(s, "echo"));

  static const char utf25[] = "0123456789abcdefghijklmno"; /* 25 bytes */
  const uint8_t blob[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  CHECK_OK(s, ss_write_boolean(s, 7));
  CHECK_OK(s, ss_write_boolean(s, 0));
  CHECK_OK(s, ss_write_byte(s, -1));
  CHECK_OK(s, ss_write_byte(s, 256));   /* low 8 bits: 00 */
  CHECK_OK(s, ss_write_byte(s, 200));
  CHECK_OK(s, ss_write_short(s, 65535)); /* FF FF */
  CHECK_OK(s, ss_write_short(s, -30562));
  CHECK_OK(s, ss_write_int(s, 0x01020304));
  CHECK_OK(s, ss_write_int(s, INT32_MIN));
  CHECK_OK(s, ss_write_unsigned_int(s, 4000565000u));
  CHECK_OK(s, ss_write_float(s, 76.65));
  CHECK_OK(s, ss_write_double(s, -0.1));
  CHECK_OK(s, ss_write_double(s, INFINITY));
  CHECK_OK(s, ss_write_utf(s, utf25, SS_NTS));
  CHECK_OK(s, ss_write_utf(s, "", 0));
  CHECK_OK(s, ss_write_utf_bytes(s, "h\xc3\xa9llo", SS_NTS));
  CHECK_OK(s, ss_write_bytes(s, blob, sizeof blob, 2, 3)); /* 02 03 04 */
  CHECK_OK(s, ss_write_bytes(s, blob, sizeof blob, 8, 0)); /* 08 09 */
  CHECK_OK(s, ss_write_multi_byte(s, "h\xc3\xa9llo", SS_NTS, "iso-8859-1", SS_NTS)); /* 5 bytes */
  CHECK_OK(s, ss_write_multi_byte(s, "ok", 2, "no-such-charset", SS_NTS)); /* UTF-8 */
  const uint64_t total = 1 + 1 + 1 + 1 + 1 + 2 + 2 + 4 + 4 + 4 + 4 + 8 + 8 + 27 + 2 + 6 + 3 + 2 + 5 + 2;
  uint64_t pending = 0;
  CHECK_OK(s, ss_get_bytes_pending(s, &pending));
  CHECK(pending == total);
  CHECK_OK(s, ss_flush(s));
  tu_event e;
  int sent = 0;
  while (!sent && tu_wait_event(s, SS_EVENT_OUTPUT_PROGRESS, 10000, &e))
    sent = e.pending == 0 && e.total == total;
  CHECK(sent);
  CHECK(tu_wait_available(s, total, 10000));

  /* Raw bytes of the endian-sensitive values. */
  uint8_t raw[128];
  size_t n = 0;
  CHECK_OK(s, ss_read_bytes(s, raw, sizeof raw, 15, &n));
  CHECK(n == 15);
  static const uint8_t head[] = {1, 0, 0xff, 0, 200, 0xff, 0xff};
  CHECK(memcmp(raw, head, sizeof head) == 0);
  const uint8_t be_short[] = {0x88, 0x9e}, le_short[] = {0x9e, 0x88};
  CHECK(memcmp(raw + 7, little ? le_short : be_short, 2) == 0);
  const uint8_t be_int[] = {1, 2, 3, 4}, le_int[] = {4, 3, 2, 1};
  CHECK(memcmp(raw + 9, little ? le_int : be_int, 4) == 0);
  CHECK(raw[13] == (little ? 0x00 : 0x80) && raw[14] == 0x00);
  /* Skip the rest of INT32_MIN. */
  CHECK_OK(s, ss_read_bytes(s, raw, sizeof raw, 2, &n));

  uint32_t u32 = 0;
  double f = 0, d = 0;
  char *str = NULL;
  size_t len = 0;
  CHECK_OK(s, ss_read_unsigned_int(s, &u32));
  CHECK(u32 == 4000565000u);
  CHECK_OK(s, ss_read_float(s, &f));
  CHECK(f == (double)76.65f);
  CHECK_OK(s, ss_read_double(s, &d));
  CHECK(d == -0.1);
  CHECK_OK(s, ss_read_double(s, &d));
  CHECK(isinf(d) && d > 0);
  /* writeUTF's length prefix follows the endian: 19 00 in little-endian. */
  CHECK_OK(s, ss_read_bytes(s, raw, sizeof raw, 2, &n));
  CHECK(little ? (raw[0] == 25 && raw[1] == 0) : (raw[0] == 0 && raw[1] == 25));
  CHECK_OK(s, ss_read_utf_bytes(s, 25, &str, &len));
  CHECK(str != NULL && strcmp(str, utf25) == 0);
  ss_free(str);
  CHECK_OK(s, ss_read_utf(s, &str, &len));
  CHECK(str != NULL && len == 0);
  ss_free(str);
  CHECK_OK(s, ss_read_utf_bytes(s, 6, &str, &len));
  CHECK(str != NULL && strcmp(str, "h\xc3\xa9llo") == 0);
  ss_free(str);
  CHECK_OK(s, ss_read_bytes(s, raw, sizeof raw, 5, &n));
  CHECK(n == 5 && memcmp(raw, "\x02\x03\x04\x08\x09", 5) == 0);
  CHECK_OK(s, ss_read_multi_byte(s, 5, "ISO-8859-1", SS_NTS, &str, &len));
  CHECK(str != NULL && strcmp(str, "h\xc3\xa9llo") == 0 && len == 6);
  ss_free(str);
  CHECK_OK(s, ss_read_multi_byte(s, 2, "no-such-charset", SS_NTS, &str, &len));
  CHECK(str != NULL && strcmp(str, "ok") == 0);
  ss_free(str);
  uint64_t av = 1;
  CHECK_OK(s, ss_get_bytes_available(s, &av));
  CHECK(av == 0);
  ss_socket_free(s);
}

static void test_roundtrip_big_endian(void) { roundtrip(SS_BIG_ENDIAN); }
static void test_roundtrip_little_endian(void) { roundtrip(SS_LITTLE_ENDIAN); }

/* EOF leaves the input untouched, including readUTF's length prefix; range
 * errors write or read nothing. */
static void test_eof_and_range(void) {
  ss_socket *s = ss_socket_new();
  CHECK(tu_connect(s, "echo"));
  /* A readUTF whose body is short: 00 0A then 5 bytes. */
  CHECK_OK(s, ss_write_bytes(s, "\x00\x0a" "abcde", 7, 0, 0));
  CHECK_OK(s, ss_flush(s));
  /* Sent (the writer has accounted for it: bytes_pending is 0 again), and
   * echoed. */
  tu_event e;
  int sent = 0;
  while (!sent && tu_wait_event(s, SS_EVENT_OUTPUT_PROGRESS, 10000, &e)) sent = e.pending == 0;
  CHECK(sent);
  CHECK(tu_wait_available(s, 7, 10000));
  char *str = NULL;
  size_t len = 0;
  int32_t i32;
  double d;
  uint64_t av = 0;
  CHECK_RC(s, ss_read_utf(s, &str, &len), SS_ERR_EOF);
  CHECK(str == NULL);
  CHECK_RC(s, ss_read_double(s, &d), SS_ERR_EOF);
  CHECK_RC(s, ss_read_utf_bytes(s, 8, &str, &len), SS_ERR_EOF);
  CHECK_OK(s, ss_get_bytes_available(s, &av));
  CHECK(av == 7);
  CHECK_OK(s, ss_read_int(s, &i32));
  CHECK(i32 == 0x000a6162);

  /* ss_read_bytes_alloc: more than available is EOF, nothing consumed. */
  void *ab = (void *)1;
  size_t an = 99;
  CHECK_RC(s, ss_read_bytes_alloc(s, 4, &ab, &an), SS_ERR_EOF);
  CHECK(ab == (void *)1 && an == 99);
  CHECK_OK(s, ss_read_bytes_alloc(s, 0, &ab, &an));
  CHECK(an == 3 && memcmp(ab, "cde", 3) == 0);
  ss_free(ab);
  CHECK_OK(s, ss_read_bytes_alloc(s, 0, &ab, &an)); /* nothing left: empty */
  CHECK(ab != NULL && an == 0);
  ss_free(ab);
  CHECK_OK(s, ss_write_bytes(s, "cde", 3, 0, 0));
  CHECK_OK(s, ss_flush(s));
  CHECK(tu_wait_available(s, 3, 10000));

  /* readBytes: length over cap is RangeError; length 0 takes what fits. */
  uint8_t buf[2];
  size_t n = 0;
  CHECK_RC(s, ss_read_bytes(s, buf, sizeof buf, 3, &n), SS_ERR_RANGE);
  CHECK(ss_error_id(s) == 2006);
  CHECK_OK(s, ss_read_bytes(s, buf, sizeof buf, 0, &n));
  CHECK(n == 2 && buf[0] == 'c' && buf[1] == 'd');
  CHECK_OK(s, ss_read_bytes(s, buf, sizeof buf, 0, &n));
  CHECK(n == 1 && buf[0] == 'e');

  /* writeBytes: AS3's offset/length rules; a failed write writes nothing. */
  uint64_t pending = 0;
  CHECK_RC(s, ss_write_bytes(s, "0123456789", 10, 11, 0), SS_ERR_RANGE);
  CHECK_RC(s, ss_write_bytes(s, "0123456789", 10, 5, 6), SS_ERR_RANGE);
  CHECK_OK(s, ss_write_bytes(s, "0123456789", 10, 10, 0)); /* offset at the end: nothing */
  /* A range of a buffer over 2 GiB (reserved, never touched but for the
   * range); the whole of it at once is RangeError. */
  size_t huge = (size_t)3 << 30;
  char *h = tu_reserve(huge);
  if (h != NULL) {
    memcpy(h + huge - 8, "tail", 4);
    CHECK_OK(s, ss_write_bytes(s, h, huge, (uint32_t)(huge - 8), 4));
    CHECK_RC(s, ss_write_bytes(s, h, huge, 0, 0), SS_ERR_RANGE);
    CHECK_RC(s, ss_write_bytes(s, h, huge, 0, (uint32_t)(huge - 1024)), SS_ERR_RANGE); /* > 2 GiB at once */
    CHECK_RC(s, ss_write_bytes(s, h, huge, (uint32_t)(huge - 8), 9), SS_ERR_RANGE);
    CHECK_OK(s, ss_get_bytes_pending(s, &pending));
    CHECK(pending == 4);
    tu_release(h, huge);
    CHECK_OK(s, ss_flush(s));
    char tail[4];
    size_t got = 0;
    int64_t deadline = tu_now_ms() + 10000;
    uint64_t avail = 0;
    while (avail < 4 && tu_now_ms() < deadline) {
      ss_dispatch(100);
      ss_get_bytes_available(s, &avail);
    }
    CHECK_OK(s, ss_read_bytes(s, tail, sizeof tail, 4, &got));
    CHECK(got == 4 && memcmp(tail, "tail", 4) == 0);
  }
  /* writeUTF over 65535 bytes is RangeError. */
  size_t big = 65536;
  char *long_str = malloc(big);
  memset(long_str, 'x', big);
  CHECK_RC(s, ss_write_utf(s, long_str, big), SS_ERR_RANGE);
  CHECK_OK(s, ss_write_utf(s, long_str, big - 1));
  free(long_str);
  CHECK_OK(s, ss_get_bytes_pending(s, &pending));
  CHECK(pending == 65535 + 2);
  /* Unflushed bytes are discarded by close. */
  CHECK_OK(s, ss_close(s));
  CHECK_OK(s, ss_get_bytes_pending(s, &pending));
  CHECK(pending == 0);
  ss_socket_free(s);
}

/* The server's close: a close event with connected already false; unread
 * input stays readable, then the socket is invalid. */
static void test_peer_close(void) {
  ss_socket *s = ss_socket_new();
  CHECK(tu_connect(s, "closeAfter"));
  tu_event e;
  CHECK(tu_wait_event(s, SS_EVENT_CLOSE, 10000, &e));
  CHECK(strcmp(e.type_name, "close") == 0 && e.error_id == 0);
  int c = 1;
  CHECK_OK(s, ss_get_connected(s, &c));
  CHECK(c == 0);
  uint64_t av = 0;
  CHECK_OK(s, ss_get_bytes_available(s, &av));
  CHECK(av == 1000);
  uint8_t buf[1000];
  size_t n = 0;
  CHECK_OK(s, ss_read_bytes(s, buf, sizeof buf, 0, &n));
  CHECK(n == 1000);
  int pattern_ok = 1;
  for (size_t i = 0; i < n; i++) pattern_ok &= buf[i] == lab_pattern(i);
  CHECK(pattern_ok);
  int32_t v;
  CHECK_RC(s, ss_read_int(s, &v), SS_ERR_INVALID_SOCKET);
  CHECK_RC(s, ss_write_int(s, 1), SS_ERR_INVALID_SOCKET);
  CHECK_RC(s, ss_flush(s), SS_ERR_INVALID_SOCKET);
  CHECK_RC(s, ss_close(s), SS_ERR_INVALID_SOCKET);
  ss_socket_free(s);
}

/* A server that ends TCP without close_notify: the same close event and
 * data, and the failure detail says the input may be cut short. */
static void test_truncated_close(void) {
  const char *scenarios[] = {"closeAfter", "truncated"};
  for (int i = 0; i < 2; i++) {
    ss_socket *s = ss_socket_new();
    CHECK(tu_connect(s, scenarios[i]));
    tu_event e;
    CHECK(tu_wait_event(s, SS_EVENT_CLOSE, 10000, &e));
    uint64_t av = 0;
    CHECK_OK(s, ss_get_bytes_available(s, &av));
    CHECK(av == 1000);
    char *d = NULL;
    size_t dn = 0;
    CHECK_OK(s, ss_get_failure_detail(s, &d, &dn));
    if (i == 0) {
      CHECK(d != NULL && dn == 0);
    } else {
      CHECK(d != NULL && strstr(d, "close_notify") != NULL);
    }
    ss_free(d);
    ss_socket_free(s);
  }
}

/* Asks the lab's source for n pattern bytes (its 8-byte request) and
 * flushes. */
static void request_source(ss_socket *s, uint64_t n) {
  CHECK_OK(s, ss_write_unsigned_int(s, (uint32_t)(n >> 32)));
  CHECK_OK(s, ss_write_unsigned_int(s, (uint32_t)n));
  CHECK_OK(s, ss_flush(s));
}

/* Reads everything available, cap bytes at a time into buf, advancing *got;
 * 0 if a byte was not the lab's pattern. */
static int read_pattern(ss_socket *s, uint8_t *buf, size_t cap, uint64_t *got) {
  int ok = 1;
  size_t n = 0;
  while (ss_read_bytes(s, buf, cap, 0, &n) == SS_OK && n > 0) {
    for (size_t i = 0; i < n; i++) ok &= buf[i] == lab_pattern(*got + i);
    *got += n;
  }
  return ok;
}

/* Bulk: 8 MiB from source into a caller buffer, 4 MiB to sink (less under
 * memcheck). */
static void test_bulk(void) {
  ss_socket *s = ss_socket_new();
  CHECK(tu_connect(s, "source"));
  const uint64_t want = tu_memcheck() ? 1u << 20 : 8u << 20;
  request_source(s, want);
  size_t cap = 256 << 10;
  uint8_t *buf = malloc(cap);
  uint64_t got = 0;
  int pattern_ok = 1;
  int64_t deadline = tu_now_ms() + 60000;
  while (got < want && tu_now_ms() < deadline) {
    tu_event e;
    tu_wait_event(s, SS_EVENT_SOCKET_DATA, 1000, &e);
    pattern_ok &= read_pattern(s, buf, cap, &got);
  }
  CHECK(got == want && pattern_ok);
  ss_socket_free(s);

  s = ss_socket_new();
  CHECK(tu_connect(s, "sink"));
  const uint32_t up = tu_memcheck() ? 512u << 10 : 4u << 20;
  CHECK_OK(s, ss_write_unsigned_int(s, 0));
  CHECK_OK(s, ss_write_unsigned_int(s, up));
  uint8_t *all = malloc(up);
  for (uint32_t i = 0; i < up; i++) all[i] = lab_pattern(i);
  CHECK_OK(s, ss_write_bytes(s, all, up, 0, 0));
  free(all);
  CHECK_OK(s, ss_flush(s));
  CHECK(tu_wait_available(s, 9, 60000));
  uint8_t reply[9];
  size_t n = 0;
  CHECK_OK(s, ss_read_bytes(s, reply, sizeof reply, 9, &n));
  uint64_t count = 0;
  for (int i = 0; i < 8; i++) count = count << 8 | reply[i];
  CHECK(count == up && reply[8] == 1);
  free(buf);
  ss_socket_free(s);
}

/* A host that takes events until none are left (a drain loop) gets one
 * batch of a stream per loop on Linux, where ss_next_event decrypts input
 * itself ("Input on Linux" in the header): the loop ends after that batch's
 * events, while more waits, so the host reads a stream as it arrives
 * instead of ss_next_event pulling it in up to the input limit. The stream
 * still arrives whole and in order. Elsewhere a library thread reads ahead
 * and only the data is checked. */
static void test_drain_takes_one_batch(void) {
  ss_socket *s = ss_socket_new();
  CHECK(tu_connect(s, "source"));
  CHECK_OK(s, ss_set_event_mask(s, 1u << SS_EVENT_SOCKET_DATA));
  const uint64_t want = tu_memcheck() ? 2u << 20 : 16u << 20;
  request_source(s, want);
  /* Reads smaller than 64 KiB take only what the pumps brought in (larger
   * ones would read the kernel too, and their socketData would count). */
  size_t cap = 32 << 10;
  uint8_t *buf = malloc(cap);
  uint64_t got = 0, most = 0;
  int pattern_ok = 1, loops = 0;
  int64_t deadline = tu_now_ms() + 60000;
  while (got < want && tu_now_ms() < deadline) {
    uint64_t loaded = 0;
    ss_event ev;
    while (ss_next_event(&ev) == 1)
      if (ev.socket == s && ev.type == SS_EVENT_SOCKET_DATA) loaded += ev.bytes_loaded;
    /* The first loops may also see what the pump after the connect took
     * (another thread's): only later ones are the drain's own. */
    if (loops >= 2 && loaded > most) most = loaded;
    loops++;
    pattern_ok &= read_pattern(s, buf, cap, &got);
    if (loaded == 0 && got < want) {
      struct pollfd p = {ss_event_fd(), POLLIN, 0};
      poll(&p, 1, 1000);
    }
    if (loops == 1) usleep(200 * 1000); /* let the kernel fill up once */
  }
  CHECK(got == want && pattern_ok);
#ifdef __linux__
  const char *kind = getenv("SS_EXPECT_EVENT_FD");
  if (kind == NULL || strcmp(kind, "epoll") == 0) {
    /* One pump: at most 256 KiB, plus the record it was in. */
    if (most > (320u << 10)) fprintf(stderr, "a drain loop took %llu bytes\n", (unsigned long long)most);
    CHECK(most <= (320u << 10));
  }
#endif
  free(buf);
  ss_socket_free(s);
}

/* Over the input limit the socket stops reading: TCP pushes back, nothing is
 * dropped. */
static void test_input_limit(void) {
  ss_socket *s = ss_socket_new();
  CHECK_OK(s, ss_set_input_limit(s, 64 << 10));
  CHECK(tu_connect(s, "source"));
  const uint32_t want = tu_memcheck() ? 1u << 20 : 4u << 20;
  request_source(s, want);
  CHECK(tu_wait_available(s, 64 << 10, 10000));
  tu_event e;
  tu_wait_event(s, SS_EVENT_SOCKET_DATA, 300, &e); /* time for more to (not) arrive */
  uint64_t av = 0;
  CHECK_OK(s, ss_get_bytes_available(s, &av));
  /* One read of at most 64 KiB may land on top of the limit. */
  CHECK(av >= 64 << 10 && av <= 128 << 10);
  uint8_t *buf = malloc(want);
  uint64_t got = 0;
  int64_t deadline = tu_now_ms() + 60000;
  while (got < want && tu_now_ms() < deadline) {
    size_t n = 0;
    if (ss_read_bytes(s, buf + got, want - got, 0, &n) == SS_OK && n > 0)
      got += n;
    else
      tu_wait_event(s, SS_EVENT_SOCKET_DATA, 1000, &e);
  }
  CHECK(got == want);
  int pattern_ok = 1;
  for (uint64_t i = 0; i < got; i++) pattern_ok &= buf[i] == lab_pattern(i);
  CHECK(pattern_ok);
  free(buf);
  ss_socket_free(s);
}

/* A host that sets SSL_CERT_FILE after it started (Python's os.environ,
 * Node's process.env) is heard: the library reads the C environment at each
 * connect until the store is loaded. The test runs itself again without the
 * variable, and the child sets it before connecting. */
static char *self_path;

static void test_cert_file_set_late(void) {
  const char *ca = getenv("SS_CHILD_CA");
  if (ca != NULL) { /* the child */
    CHECK(getenv("SSL_CERT_FILE") == NULL);
    setenv("SSL_CERT_FILE", ca, 1);
    ss_socket *s = ss_socket_new();
    CHECK(tu_connect(s, "trusted"));
    ss_socket_free(s);
    return;
  }
#ifdef _WIN32
  /* No fork: the child gets the environment the parent has at spawn. */
  char *saved = strdup(getenv("SSL_CERT_FILE"));
  CHECK(_putenv_s("SS_CHILD_CA", saved) == 0 && _putenv_s("SSL_CERT_FILE", "") == 0);
  intptr_t rc = _spawnl(_P_WAIT, self_path, self_path, "cert_file_set_late", (char *)NULL);
  CHECK(_putenv_s("SSL_CERT_FILE", saved) == 0 && _putenv_s("SS_CHILD_CA", "") == 0);
  free(saved);
  CHECK(rc == 0);
#else
  pid_t pid = fork();
  if (pid == 0) {
    setenv("SS_CHILD_CA", getenv("SSL_CERT_FILE"), 1);
    unsetenv("SSL_CERT_FILE");
    /* SS_TEST_RUNNER: what runs this binary in a cross run ("qemu-aarch64
     * -L SYSROOT" from tests/cross/arm64.sh, where the kernel cannot exec an
     * arm64 program itself); its words come before the program. */
    char *argv[16], runner[256];
    int argc = 0;
    const char *r = getenv("SS_TEST_RUNNER");
    if (r != NULL && strlen(r) < sizeof runner) {
      strcpy(runner, r);
      for (char *w = strtok(runner, " "); w != NULL && argc < 13; w = strtok(NULL, " ")) argv[argc++] = w;
    }
    argv[argc++] = self_path;
    argv[argc++] = "cert_file_set_late";
    argv[argc] = NULL;
    execvp(argv[0], argv);
    _exit(127);
  }
  int status = 0;
  CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
#endif
}

/* One echoed byte: the reader also takes the server's session ticket. */
static void echo_one(ss_socket *s) {
  CHECK_OK(s, ss_write_byte(s, 9));
  CHECK_OK(s, ss_flush(s));
  CHECK(tu_wait_available(s, 1, 10000));
  uint8_t b = 0;
  CHECK_OK(s, ss_read_unsigned_byte(s, &b));
  CHECK(b == 9);
}

/* Session resumption is on by default and says so; the switch turns it off. */
static void test_session_resumption(void) {
  int on = -1, resumed = -1;
  ss_socket *a = ss_socket_new();
  CHECK_OK(a, ss_get_session_cache(a, &on));
  CHECK(on == 1);
  CHECK_OK(a, ss_get_session_resumed(a, &resumed));
  CHECK(resumed == 0);
  CHECK(tu_connect(a, "echo"));
  echo_one(a);
  CHECK_OK(a, ss_close(a));

  ss_socket *b = ss_socket_new();
  CHECK(tu_connect(b, "echo"));
  CHECK_OK(b, ss_get_session_resumed(b, &resumed));
  CHECK(resumed == 1);
  CHECK(strcmp(status_of(b), SS_CERT_TRUSTED) == 0);
  echo_one(b);

  ss_socket *c = ss_socket_new();
  CHECK_OK(c, ss_set_session_cache(c, 0));
  CHECK_OK(c, ss_get_session_cache(c, &on));
  CHECK(on == 0);
  CHECK(tu_connect(c, "echo"));
  CHECK_OK(c, ss_get_session_resumed(c, &resumed));
  CHECK(resumed == 0);
  CHECK_OK(c, ss_set_session_cache(c, 7));
  CHECK_OK(c, ss_get_session_cache(c, &on));
  CHECK(on == 1);
  CHECK_RC(c, ss_get_session_resumed(c, NULL), SS_ERR_NULL);
  ss_socket_free(a);
  ss_socket_free(b);
  ss_socket_free(c);
}

/* ss_dispatch returns within its timeout while the only socket connects to
 * a server that never answers (queue.c runs a connect on the waiting thread
 * only when the socket's timeout ends within the wait's), and the connect
 * still ends at the socket's timeout, whoever waits for it. */
static void test_dispatch_within_timeout_while_connecting(void) {
  ss_socket *s = ss_socket_new();
  CHECK_OK(s, ss_set_timeout(s, 1500));
  CHECK_OK(s, ss_set_server_name(s, lab_host(), SS_NTS));
  int64_t start = tu_now_ms();
  CHECK_OK(s, ss_connect(s, "127.0.0.1", SS_NTS, lab_port("silent")));
  CHECK(ss_dispatch(100) == 0);
  int64_t took = tu_now_ms() - start;
  if (took > 1000) {
    fprintf(stderr, "ss_dispatch(100) returned after %lld ms\n", (long long)took);
    tu_failures++;
  }
  tu_event e;
  CHECK(tu_wait_event(s, 0, 30000, &e) && e.type == SS_EVENT_IO_ERROR && strstr(e.detail, "timed out") != NULL);
  took = tu_now_ms() - start;
  if (took < 1400 || took > 10000) {
    fprintf(stderr, "a 1500 ms connect ended after %lld ms\n", (long long)took);
    tu_failures++;
  }
  ss_socket_free(s);
}

static const tu_test tests[] = {
    {"dispatch_within_timeout_while_connecting", test_dispatch_within_timeout_while_connecting},
    {"session_resumption", test_session_resumption},
    {"cert_matrix", test_cert_matrix},
    {"cert_file_set_late", test_cert_file_set_late},
    {"tls10_opt_in", test_tls10_opt_in},
    {"connection_properties", test_connection_properties},
    {"describe_connection", test_describe_connection},
    {"typed_payload", test_typed_payload},
    {"roundtrip_big_endian", test_roundtrip_big_endian},
    {"roundtrip_little_endian", test_roundtrip_little_endian},
    {"eof_and_range", test_eof_and_range},
    {"peer_close", test_peer_close},
    {"truncated_close", test_truncated_close},
    {"bulk", test_bulk},
    {"input_limit", test_input_limit},
    {"drain_takes_one_batch", test_drain_takes_one_batch},
    {NULL, NULL},
};

int main(int argc, char **argv) {
  self_path = argv[0];
  lab_require();
  return tu_main(argc, argv, tests);
}
