/*
 * testutil.h - what the C tests share: checks, the lab's description, and
 * waiting for events through the event fd with poll().
 */
#ifndef SS_TESTUTIL_H
#define SS_TESTUTIL_H

#include <stdint.h>
#include <stdio.h>

#include "securesocket.h"

extern int tu_failures;

#define CHECK(cond)                                                          \
  do {                                                                       \
    if (!(cond)) {                                                           \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      tu_failures++;                                                         \
    }                                                                        \
  } while (0)

/* Checks a return code; on a mismatch prints the handle's last message. */
#define CHECK_RC(s, expr, want)                                              \
  do {                                                                       \
    int rc_ = (expr);                                                        \
    if (rc_ != (want)) {                                                     \
      fprintf(stderr, "%s:%d: %s returned %d, want %d (%s)\n", __FILE__,     \
              __LINE__, #expr, rc_, (int)(want), ss_error_message(s));       \
      tu_failures++;                                                         \
    }                                                                        \
  } while (0)

#define CHECK_OK(s, expr) CHECK_RC(s, expr, SS_OK)

/* A test: name and function. tu_main runs those named on the command line
 * (all if none), prints one line each, and returns the exit status. */
typedef struct {
  const char *name;
  void (*fn)(void);
} tu_test;

int tu_main(int argc, char **argv, const tu_test *tests);

/* ---- the lab (tests/lab), described by $SS_LAB_JSON ---------------------- */

/* Aborts unless SS_LAB_JSON and SSL_CERT_FILE are set (tests/c/lab.sh). */
void lab_require(void);
const char *lab_host(void);
int lab_port(const char *scenario);
/* A path from "files" (e.g. "root_der"), or NULL. */
const char *lab_file(const char *key);

/* The contents of a lab file (see lab_file), malloc'd; *len set. Aborts if
 * it cannot be read. */
uint8_t *lab_read_file(const char *key, size_t *len);

/* The outcome the lab publishes for a scenario ("expect" in its JSON: the
 * one certificate matrix every suite reads). */
typedef struct lab_expectation {
  char scenario[64];
  char status[64];  /* a CertificateStatus; "trusted" means a connect event */
  char detail[256]; /* a substring of the ioError's detail; "" for a connect */
} lab_expectation;

/* The i-th published expectation into *out: 1, or 0 past the last. */
int lab_expect(size_t i, lab_expectation *out);

/* Byte i of the lab's bulk pattern. */
static inline uint8_t lab_pattern(uint64_t i) { return (uint8_t)(i % 251); }

/* ---- events -------------------------------------------------------------- */

/* A copy of an event that outlives ss_next_event. */
typedef struct {
  int type;
  ss_socket *socket;
  int error_id;
  char type_name[32];
  char text[256];
  char detail[512];
  uint64_t loaded, pending, total;
} tu_event;

void tu_copy_event(tu_event *dst, const ss_event *ev);

/* Waits (poll on ss_event_fd) up to timeout_ms for an event of socket s of
 * the given type (0: any type), taking events with ss_next_event. Events of
 * other sockets or types are kept and returned by later calls. Returns 1 and
 * fills *out, or 0 on timeout. */
int tu_wait_event(ss_socket *s, int type, int timeout_ms, tu_event *out);

/* Forgets kept events of s (all sockets if s is NULL). */
void tu_forget(ss_socket *s);

/* Connects s to the lab scenario and waits for connect (returns 1) or
 * ioError (returns 0). */
int tu_connect(ss_socket *s, const char *scenario);

/* Waits until s has at least n unread bytes, taking socketData events. */
int tu_wait_available(ss_socket *s, uint64_t n, int timeout_ms);

/* 1 under valgrind (ctest's memcheck_* tests set SS_MEMCHECK): tests then
 * move less data and skip timing assertions, since memcheck runs the Go
 * runtime some 20-50 times slower. */
int tu_memcheck(void);

/* Milliseconds on a monotonic clock. */
int64_t tu_now_ms(void);

/* 1 where the library spins and pauses in its waits (ss_spin_events):
 * host-driven input (the event fd is an epoll set, not the pipe build) and
 * more than one processor. */
int tu_spins_here(void);

#endif
