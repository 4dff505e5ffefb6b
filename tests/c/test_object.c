/*
 * test_object.c - readObject/writeObject across the ABI: tagged JSON in,
 * AMF on the wire (through the lab's echo server), the same JSON out, in
 * AMF3 and AMF0; EOF with nothing consumed; malformed input and bad JSON.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* Values and the JSON they come back as, in AMF3 and in AMF0 (NULL: the
 * same as sent). AMF0 has only doubles, only XMLDocument, and typed objects
 * without a sealed part, so some values come back in AMF0's terms. */
static const struct {
  const char *json, *amf3, *amf0;
} values[] = {
    {"null", NULL, NULL},
    {"true", NULL, NULL},
    {"-268435456", NULL, "-268435456.0"},
    {"268435456.0", NULL, NULL},
    {"3.5", NULL, NULL},
    {"\"h\u00e9llo w\u00f6rld\"", "\"h\xc3\xa9llo w\xc3\xb6rld\"", "\"h\xc3\xa9llo w\xc3\xb6rld\""},
    {"[1,\"two\",3.5]", NULL, "[1.0,\"two\",3.5]"},
    {"{\"a\":1,\"b\":\"x\"}", NULL, "{\"a\":1.0,\"b\":\"x\"}"},
    {"{\"$amf\":\"undefined\"}", NULL, NULL},
    {"{\"$amf\":\"double\",\"value\":\"NaN\"}", NULL, NULL},
    {"{\"$amf\":\"date\",\"ms\":1764118923004}", NULL, NULL},
    {"{\"$amf\":\"xml\",\"text\":\"<a><b/></a>\"}", NULL, "{\"$amf\":\"xmldoc\",\"text\":\"<a><b/></a>\"}"},
    {"{\"$amf\":\"bytearray\",\"base64\":\"AAEC/w==\"}", NULL, NULL},
    {"{\"$amf\":\"vector-int\",\"items\":[-1,0,1]}", NULL, NULL},
    {"{\"$amf\":\"dictionary\",\"entries\":[[\"k\",1],[2,\"two\"]]}", NULL, NULL},
    {"{\"$amf\":\"object\",\"class\":\"com.example.Point\",\"sealed\":{\"x\":3,\"y\":4}}", NULL,
     "{\"$amf\":\"object\",\"class\":\"com.example.Point\",\"dynamic\":{\"x\":3.0,\"y\":4.0}}"},
    {"{\"$amf\":\"arraycollection\",\"source\":[\"a\",1]}", NULL, NULL},
    {"{\"$$amf\":\"a plain member that looks like a tag\"}", NULL, NULL},
};

static int echo_object(ss_socket *s, const char *json, char **out, size_t *n) {
  uint64_t before = 0;
  ss_get_bytes_pending(s, &before);
  int rc = ss_write_object(s, json, strlen(json));
  if (rc != SS_OK) return rc;
  uint64_t after = 0;
  ss_get_bytes_pending(s, &after);
  CHECK(after > before);
  CHECK_OK(s, ss_flush(s));
  /* Values arrive in pieces: retry on each socketData until complete. */
  for (int tries = 0; tries < 100; tries++) {
    rc = ss_read_object(s, out, n);
    if (rc != SS_ERR_EOF) return rc;
    tu_event ev;
    tu_wait_event(s, SS_EVENT_SOCKET_DATA, 100, &ev);
  }
  return rc;
}

static void round_trips(uint32_t encoding) {
  ss_socket *s = ss_socket_new();
  CHECK(tu_connect(s, "echo"));
  CHECK_OK(s, ss_set_object_encoding(s, encoding));
  for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
    char *out = NULL;
    size_t n = 0;
    const char *want = encoding == 3 ? values[i].amf3 : values[i].amf0;
    if (want == NULL) want = values[i].json;
    CHECK_OK(s, echo_object(s, values[i].json, &out, &n));
    if (out == NULL || strcmp(out, want) != 0 || strlen(out) != n) {
      fprintf(stderr, "AMF%u: sent %s, got %s, want %s\n", encoding, values[i].json, out ? out : "(null)", want);
      tu_failures++;
    }
    ss_free(out);
  }
  uint64_t left = 1;
  ss_get_bytes_available(s, &left);
  CHECK(left == 0);
  ss_socket_free(s);
}

static void test_amf3(void) { round_trips(3); }
static void test_amf0(void) { round_trips(0); }

static void test_errors(void) {
  ss_socket *s = ss_socket_new();
  char *out = NULL;
  size_t n = 0;
  CHECK_RC(s, ss_read_object(s, &out, &n), SS_ERR_INVALID_SOCKET);
  CHECK_RC(s, ss_write_object(s, "1", 1), SS_ERR_INVALID_SOCKET);
  CHECK(tu_connect(s, "echo"));

  /* Half of an AMF3 string: EOF, nothing consumed; the rest completes it. */
  static const uint8_t str[] = {0x06, 0x0B, 'h', 'e', 'l', 'l', 'o'};
  CHECK_OK(s, ss_write_bytes(s, str, 4, 0, 0));
  CHECK_OK(s, ss_flush(s));
  CHECK(tu_wait_available(s, 4, 5000));
  CHECK_RC(s, ss_read_object(s, &out, &n), SS_ERR_EOF);
  uint64_t avail = 0;
  ss_get_bytes_available(s, &avail);
  CHECK(avail == 4);
  CHECK_OK(s, ss_write_bytes(s, str + 4, 3, 0, 0));
  CHECK_OK(s, ss_flush(s));
  CHECK(tu_wait_available(s, 7, 5000));
  CHECK_OK(s, ss_read_object(s, &out, &n));
  CHECK(out && strcmp(out, "\"hello\"") == 0);
  ss_free(out);
  out = NULL;

  /* A trait reference to a trait that does not exist: RangeError, with the
   * offset, nothing consumed. */
  static const uint8_t bad[] = {0x0A, 0x07, 0x00};
  CHECK_OK(s, ss_write_bytes(s, bad, sizeof bad, 0, 0));
  CHECK_OK(s, ss_flush(s));
  CHECK(tu_wait_available(s, 3, 5000));
  CHECK_RC(s, ss_read_object(s, &out, &n), SS_ERR_RANGE);
  CHECK(ss_error_id(s) == 2006 && strstr(ss_error_message(s), "offset") != NULL);
  ss_get_bytes_available(s, &avail);
  CHECK(avail == 3);

  /* Bad JSON and bad tags write nothing. */
  uint64_t pending = 0;
  CHECK_RC(s, ss_write_object(s, "{", 1), SS_ERR_BAD_PARAM);
  CHECK_RC(s, ss_write_object(s, "{\"$amf\":\"nonsense\"}", SS_NTS), SS_ERR_BAD_PARAM);
  ss_get_bytes_pending(s, &pending);
  CHECK(pending == 0);
  CHECK_RC(s, ss_read_object(s, NULL, &n), SS_ERR_NULL);
  CHECK_RC(s, ss_read_object(s, &out, NULL), SS_ERR_NULL);
  CHECK_RC(s, ss_write_object(s, NULL, 0), SS_ERR_BAD_PARAM);
  ss_socket_free(s);
  CHECK_RC(NULL, ss_read_object(s, &out, &n), SS_ERR_HANDLE);
}

/* AMF0 input as other encoders write it: an ECMA array of keys "0","1" with
 * a count of 1 is the Array ["x","y"] (index keys are elements whatever the
 * count says), and an empty member name followed by a value is a member
 * named "". The full set of cases is tests/corpus/amf-json.json (Go, Python
 * and Node run it). */
static void test_amf0_input(void) {
  static const struct {
    uint8_t bytes[32];
    size_t len;
    const char *json;
  } cases[] = {
      {{0x08, 0, 0, 0, 1, 0, 1, '0', 0x02, 0, 1, 'x', 0, 1, '1', 0x02, 0, 1, 'y', 0, 0, 0x09}, 22, "[\"x\",\"y\"]"},
      {{0x08, 0, 0, 0, 0, 0, 1, '0', 0x02, 0, 1, 'x', 0, 1, '5', 0x05, 0, 0, 0x09},
       19,
       "{\"$amf\":\"array\",\"assoc\":{\"5\":null},\"dense\":[\"x\"]}"},
      {{0x03, 0, 0, 0x01, 0x01, 0, 0, 0x09}, 8, "{\"\":true}"},
  };
  ss_socket *s = ss_socket_new();
  CHECK(tu_connect(s, "echo"));
  CHECK_OK(s, ss_set_object_encoding(s, 0));
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *out = NULL;
    size_t n = 0;
    CHECK_OK(s, ss_write_bytes(s, cases[i].bytes, cases[i].len, 0, 0));
    CHECK_OK(s, ss_flush(s));
    CHECK(tu_wait_available(s, cases[i].len, 5000));
    CHECK_OK(s, ss_read_object(s, &out, &n));
    if (out == NULL || strcmp(out, cases[i].json) != 0) {
      fprintf(stderr, "AMF0 case %zu: got %s, want %s\n", i, out ? out : "(null)", cases[i].json);
      tu_failures++;
    }
    ss_free(out);
  }
  ss_socket_free(s);
}

static const tu_test tests[] = {
    {"amf3", test_amf3},
    {"amf0", test_amf0},
    {"amf0_input", test_amf0_input},
    {"errors", test_errors},
    {NULL, NULL},
};

int main(int argc, char **argv) {
  lab_require();
  return tu_main(argc, argv, tests);
}
