/*
 * SecureSocketExample, the AS3 reference's example
 * (https://help.adobe.com/en_US/air/reference/html/flash/net/SecureSocket.html),
 * in C:
 *
 *     secureSocket.addEventListener(Event.CONNECT, onConnect);
 *     secureSocket.addEventListener(IOErrorEvent.IO_ERROR, onError);
 *     try { secureSocket.connect(host, port); }
 *     catch (error:Error) { trace(error.toString()); }
 *     onConnect: trace("Connected.");
 *     onError:   trace(error.text + ", " + secureSocket.serverCertificateStatus);
 *
 * It connects to three servers - a trusted one, one with an expired
 * certificate and one whose certificate names another host - and prints
 * what each connection attempt reports.
 *
 *     securesocket_example HOST TRUSTED_PORT EXPIRED_PORT WRONG_HOST_PORT
 *
 * `make demo-c` runs it against the loopback lab (tests/lab), trusting the
 * lab's root through SSL_CERT_FILE.
 */
#include <securesocket.h>
#include <stdio.h>
#include <stdlib.h>

struct example {
  const char *label;
  ss_socket *socket;
  int done;
};

static void on_event(const ss_event *ev, void *user) {
  struct example *ex = user;
  const char *status = "";
  switch (ev->type) {
  case SS_EVENT_CONNECT: /* onConnect */
    printf("%s: Connected.\n", ex->label);
    ex->done = 1;
    break;
  case SS_EVENT_IO_ERROR: /* onError */
    ss_get_server_certificate_status(ev->socket, &status);
    printf("%s: %s, %s\n", ex->label, ev->text, status);
    printf("    why: %s\n", ev->detail);
    ex->done = 1;
    break;
  default: /* socketData, outputProgress, ...: not listened to */
    break;
  }
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s HOST TRUSTED_PORT EXPIRED_PORT WRONG_HOST_PORT\n", argv[0]);
    return 2;
  }
  const char *host = argv[1];
  struct example ex[] = {{"trusted", NULL, 0}, {"expired", NULL, 0}, {"wrongHost", NULL, 0}};
  for (int i = 0; i < 3; i++) {
    ex[i].socket = ss_socket_new();
    if (ex[i].socket == NULL) {
      fprintf(stderr, "secure sockets are not supported here\n");
      return 1;
    }
    ss_set_callback(ex[i].socket, on_event, &ex[i]);
    /* try { connect } catch: failures AS3 throws come back as return codes */
    if (ss_connect(ex[i].socket, host, SS_NTS, atoi(argv[2 + i])) != SS_OK) {
      printf("%s: %s\n", ex[i].label, ss_error_message(ex[i].socket));
      ex[i].done = 1;
    }
    /* The events arrive here, on this thread, inside ss_dispatch. */
    while (!ex[i].done) {
      if (ss_dispatch(-1) < 0) return 1;
    }
    ss_socket_free(ex[i].socket);
  }
  return 0;
}
