/* STARTTLS with securesocket in C: an SMTP-like exchange in the clear, then
 * the upgrade to TLS with full certificate verification.
 *     starttls HOST PORT     (exit 0: upgraded and echoed; 1: refused) */
#include <securesocket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum step { GREETING, EHLO, STARTTLS, HANDSHAKE, SECURE, DONE };

struct session {
  const char *host;
  enum step step;
  int status; /* exit status */
  char line[1024];
  size_t len;
};

static void say(ss_socket *s, const char *text) {
  ss_write_utf_bytes(s, text, SS_NTS);
  ss_flush(s);
}

/* One line from the server (CR LF stripped), by step. */
static void on_line(ss_socket *s, struct session *t, const char *line) {
  printf("S: %s\n", line);
  if (t->step == GREETING && strncmp(line, "220", 3) == 0) {
    say(s, "EHLO client.example\r\n");
    t->step = EHLO;
  } else if (t->step == EHLO && strncmp(line, "250", 3) == 0) {
    say(s, "STARTTLS\r\n");
    t->step = STARTTLS;
  } else if (t->step == STARTTLS && strncmp(line, "220", 3) == 0) {
    t->step = HANDSHAKE; /* a second SS_EVENT_CONNECT follows, or an ioError */
    if (ss_start_tls(s, t->host, SS_NTS) != SS_OK) t->step = DONE;
  } else if (t->step == SECURE) {
    t->status = strcmp(line, "hello over TLS") == 0 ? 0 : 1;
    t->step = DONE;
  }
}

static void on_event(const ss_event *ev, void *user) {
  struct session *t = user;
  ss_socket *s = ev->socket;
  const char *status = "";
  switch (ev->type) {
  case SS_EVENT_CONNECT:
    if (t->step == HANDSHAKE) { /* the upgrade: now TLS, verified */
      const char *version = "";
      ss_get_tls_version(s, &version);
      printf("upgraded to %s\n", version);
      t->step = SECURE;
      say(s, "hello over TLS\r\n");
    }
    break;
  case SS_EVENT_SOCKET_DATA: { /* split what arrived into lines */
    uint8_t b;
    while (t->step != DONE && ss_read_unsigned_byte(s, &b) == SS_OK) {
      if (b == '\n') {
        t->line[t->len > 0 && t->line[t->len - 1] == '\r' ? t->len - 1 : t->len] = 0;
        t->len = 0;
        on_line(s, t, t->line);
      } else if (t->len + 1 < sizeof t->line) {
        t->line[t->len++] = (char)b;
      }
    }
    break;
  }
  case SS_EVENT_IO_ERROR: /* refused: the same status and detail as ss_connect */
    ss_get_server_certificate_status(s, &status);
    printf("refused: %s (%s)\n", status, ev->detail);
    t->step = DONE;
    break;
  case SS_EVENT_CLOSE:
    t->step = DONE;
    break;
  default:
    break;
  }
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s HOST PORT\n", argv[0]);
    return 2;
  }
  struct session t = {argv[1], GREETING, 1, {0}, 0};
  ss_socket *s = ss_socket_new_plain(); /* flash.net.Socket: plain TCP */
  if (s == NULL) return 1;
  ss_set_callback(s, on_event, &t);
  if (ss_connect(s, t.host, SS_NTS, atoi(argv[2])) != SS_OK) return 1;
  while (t.step != DONE) {
    if (ss_dispatch(-1) < 0) return 1;
  }
  ss_socket_free(s);
  return t.status;
}
