/*
 * test_trust.c - trusting more and demanding more: extra anchors and
 * intermediates, public-key pins, revocation modes and results, a client
 * certificate, and the server's certificate chain as JSON and DER.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static const char *status_of(ss_socket *s) {
  const char *st = "?";
  ss_get_server_certificate_status(s, &st);
  return st;
}

/* Connects; returns 1 on connect, 0 on ioError (status and detail then on
 * the socket). */
static int try_connect(ss_socket *s, const char *scenario) { return tu_connect(s, scenario); }

static void test_extra_anchor(void) {
  size_t n = 0;
  uint8_t *root = lab_read_file("untrusted_root_der", &n);
  ss_socket *s = ss_socket_new();
  CHECK(!try_connect(s, "untrustedRoot"));
  CHECK(strcmp(status_of(s), SS_CERT_UNTRUSTED_SIGNERS) == 0);
  CHECK_OK(s, ss_add_binary_chain_building_certificate(s, root, n, 1));
  CHECK(try_connect(s, "untrustedRoot"));
  CHECK(strcmp(status_of(s), SS_CERT_TRUSTED) == 0);
  ss_socket_free(s);
  free(root);

  /* An intermediate completes a chain but trusts nothing by itself. */
  uint8_t *inter = lab_read_file("intermediate_der", &n);
  s = ss_socket_new();
  CHECK(!try_connect(s, "missingIntermediate"));
  CHECK_OK(s, ss_add_binary_chain_building_certificate(s, inter, n, 0));
  CHECK(try_connect(s, "missingIntermediate"));
  ss_socket_free(s);
  free(inter);

  /* A self-signed server certificate added as an anchor. */
  uint8_t *self = lab_read_file("self_signed_der", &n);
  s = ss_socket_new();
  CHECK_OK(s, ss_add_binary_chain_building_certificate(s, self, n, 1));
  CHECK(try_connect(s, "selfSigned"));
  /* ... which never trusts a different server with a bad certificate. */
  CHECK(!try_connect(s, "expired"));
  CHECK(strcmp(status_of(s), SS_CERT_EXPIRED) == 0);

  CHECK_RC(s, ss_add_binary_chain_building_certificate(s, self, n - 1, 1), SS_ERR_BAD_PARAM);
  CHECK(ss_error_id(s) == 2004);
  CHECK_RC(s, ss_add_binary_chain_building_certificate(s, NULL, 0, 1), SS_ERR_NULL);
  CHECK(strstr(ss_error_message(s), "certificate must be non-null") != NULL);
  ss_socket_free(s);
  free(self);
}

static void test_pins(void) {
  size_t n = 0;
  uint8_t *root = lab_read_file("root_der", &n);
  uint8_t pin[32], zero[32] = {0};
  CHECK(ss_public_key_pin(root, n, pin) == SS_OK);
  CHECK(ss_public_key_pin(root, n - 1, pin) == SS_ERR_BAD_PARAM);
  CHECK(ss_public_key_pin(NULL, n, pin) == SS_ERR_NULL);
  CHECK(ss_public_key_pin(root, n, NULL) == SS_ERR_NULL);
  free(root);

  ss_socket *s = ss_socket_new();
  CHECK_OK(s, ss_add_public_key_pin(s, pin, sizeof pin));
  CHECK(try_connect(s, "trusted")); /* the root's key is in the chain */
  CHECK_OK(s, ss_clear_public_key_pins(s));
  CHECK_OK(s, ss_add_public_key_pin(s, zero, sizeof zero));
  CHECK(!try_connect(s, "trusted"));
  CHECK(strcmp(status_of(s), SS_CERT_UNTRUSTED_SIGNERS) == 0);
  char *d = NULL;
  size_t dl = 0;
  CHECK_OK(s, ss_get_failure_detail(s, &d, &dl));
  CHECK(d != NULL && strstr(d, "pin") != NULL);
  ss_free(d);
  CHECK_RC(s, ss_add_public_key_pin(s, pin, 31), SS_ERR_BAD_PARAM);
  CHECK_RC(s, ss_add_public_key_pin(s, NULL, 32), SS_ERR_NULL);
  ss_socket_free(s);
}

static void test_revocation(void) {
  ss_socket *s = ss_socket_new();
  const char *v = NULL;
  CHECK_OK(s, ss_get_revocation_mode(s, &v));
  CHECK(strcmp(v, SS_REVOCATION_SOFT_FAIL) == 0);
  CHECK_OK(s, ss_get_revocation_status(s, &v));
  CHECK(strcmp(v, SS_REVOCATION_NOT_CHECKED) == 0);

  CHECK(!try_connect(s, "revokedOCSP"));
  CHECK(strcmp(status_of(s), SS_CERT_REVOKED) == 0);
  CHECK_OK(s, ss_get_revocation_status(s, &v));
  CHECK(strcmp(v, SS_REVOCATION_REVOKED) == 0);

  CHECK(try_connect(s, "goodOCSP"));
  CHECK_OK(s, ss_get_revocation_status(s, &v));
  CHECK(strcmp(v, SS_REVOCATION_GOOD) == 0);
  char *d = NULL;
  size_t dl = 0;
  CHECK_OK(s, ss_get_revocation_detail(s, &d, &dl));
  CHECK(d != NULL && dl > 0);
  ss_free(d);

  CHECK(!try_connect(s, "revokedStaple"));
  CHECK(strcmp(status_of(s), SS_CERT_REVOKED) == 0);

  CHECK_OK(s, ss_set_revocation_mode(s, SS_REVOCATION_OFF, SS_NTS));
  CHECK_OK(s, ss_get_revocation_mode(s, &v));
  CHECK(strcmp(v, SS_REVOCATION_OFF) == 0);
  CHECK(try_connect(s, "revokedOCSP"));
  CHECK_OK(s, ss_get_revocation_status(s, &v));
  CHECK(strcmp(v, SS_REVOCATION_NOT_CHECKED) == 0);

  CHECK_OK(s, ss_set_revocation_mode(s, "hardFailXYZ", 8));
  CHECK_OK(s, ss_get_revocation_mode(s, &v));
  CHECK(strcmp(v, SS_REVOCATION_HARD_FAIL) == 0);
  CHECK_RC(s, ss_set_revocation_mode(s, "hard", SS_NTS), SS_ERR_BAD_ENUM);
  CHECK(ss_error_id(s) == 2008);
  CHECK_RC(s, ss_set_revocation_mode(s, NULL, 0), SS_ERR_NULL);
  ss_socket_free(s);
}

static void test_client_certificate(void) {
  size_t cl = 0, kl = 0;
  uint8_t *cert = lab_read_file("client_cert_pem", &cl);
  uint8_t *key = lab_read_file("client_key_pem", &kl);
  ss_socket *s = ss_socket_new();
  CHECK_OK(s, ss_set_client_certificate(s, cert, cl, key, kl, NULL, 0));
  CHECK(try_connect(s, "clientCert"));
  /* The server accepted it: echo works. */
  CHECK_OK(s, ss_write_int(s, 77));
  CHECK_OK(s, ss_flush(s));
  CHECK(tu_wait_available(s, 4, 10000));
  int32_t v = 0;
  CHECK_OK(s, ss_read_int(s, &v));
  CHECK(v == 77);

  /* Refused: the key does not match; NULLs. */
  CHECK_RC(s, ss_set_client_certificate(s, cert, cl, cert, cl, NULL, 0), SS_ERR_BAD_PARAM);
  CHECK_RC(s, ss_set_client_certificate(s, NULL, 0, key, kl, NULL, 0), SS_ERR_NULL);
  CHECK_RC(s, ss_set_client_certificate(s, cert, cl, NULL, 0, NULL, 0), SS_ERR_NULL);
  CHECK_RC(s, ss_set_client_certificate(s, cert, cl, key, kl, NULL, 3), SS_ERR_NULL);

  /* Without one, TLS 1.3: connected, then the server's refusal. */
  CHECK_OK(s, ss_clear_client_certificate(s));
  ss_socket_free(s);
  s = ss_socket_new();
  CHECK_OK(s, ss_set_client_certificate(s, cert, cl, key, kl, "", 0));
  CHECK_OK(s, ss_clear_client_certificate(s));
  if (try_connect(s, "clientCert")) {
    tu_event e;
    CHECK(tu_wait_event(s, SS_EVENT_IO_ERROR, 10000, &e));
  }
  ss_socket_free(s);
  free(cert);
  free(key);
}

static void test_server_certificate(void) {
  ss_socket *s = ss_socket_new();
  char *js = NULL;
  size_t n = 0;
  void *der = NULL;
  CHECK_OK(s, ss_get_server_certificate_chain(s, &js, &n));
  CHECK(js != NULL && strcmp(js, "[]") == 0 && n == 2);
  ss_free(js);
  CHECK_RC(s, ss_get_server_certificate_der(s, 0, &der, &n), SS_ERR_RANGE);

  CHECK(try_connect(s, "trusted"));
  CHECK_OK(s, ss_close(s)); /* kept after close */
  CHECK_OK(s, ss_get_server_certificate_chain(s, &js, &n));
  CHECK(js != NULL && js[0] == '[' && strlen(js) == n);
  CHECK(strstr(js, "\"subject\":{\"commonName\":\"localhost\"") != NULL);
  CHECK(strstr(js, "\"encoded\":\"") != NULL && strstr(js, "\"validNotAfter\":\"") != NULL);
  CHECK(strstr(js, "securesocket lab root") != NULL); /* up to the anchor */
  ss_free(js);
  CHECK_OK(s, ss_get_server_certificate_der(s, 0, &der, &n));
  CHECK(der != NULL && n > 100 && ((uint8_t *)der)[0] == 0x30); /* a DER SEQUENCE */
  uint8_t pin[32];
  CHECK(ss_public_key_pin(der, n, pin) == SS_OK);
  ss_free(der);
  der = NULL;
  CHECK_OK(s, ss_get_server_certificate_der(s, 2, &der, &n)); /* leaf, intermediate, root */
  ss_free(der);
  CHECK_RC(s, ss_get_server_certificate_der(s, 3, &der, &n), SS_ERR_RANGE);
  CHECK_RC(s, ss_get_server_certificate_der(s, 0, NULL, &n), SS_ERR_NULL);
  CHECK_RC(s, ss_get_server_certificate_chain(s, &js, NULL), SS_ERR_NULL);
  ss_socket_free(s);
}

static const tu_test tests[] = {
    {"extra_anchor", test_extra_anchor},
    {"pins", test_pins},
    {"revocation", test_revocation},
    {"client_certificate", test_client_certificate},
    {"server_certificate", test_server_certificate},
    {NULL, NULL},
};

int main(int argc, char **argv) {
  lab_require();
  return tu_main(argc, argv, tests);
}
