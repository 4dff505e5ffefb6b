/*
 * evfd.c - the descriptor behind ss_event_fd(), per platform (compat.h says
 * which and why): an eventfd on Linux, a pipe on other POSIX systems (and on
 * Linux built with -DSS_EVENTFD_PIPE), a connected pair of loopback sockets
 * on Windows. queue.c decides when it is readable; this file only knows how.
 */
#if defined(__linux__) && !defined(SS_EVENTFD_PIPE)
#define SSI_EVFD_EVENTFD 1
#elif defined(_WIN32)
#define SSI_EVFD_SOCKET 1
#else
#define SSI_EVFD_PIPE 1
#endif

#ifndef _WIN32
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>
#endif
#include <stdint.h>

#include "capi.h"

#if SSI_EVFD_EVENTFD
#include <sys/eventfd.h>
#endif

#ifndef _WIN32

/* ---- eventfd / pipe ------------------------------------------------------ */

#if SSI_EVFD_EVENTFD

int ssi_evfd_open(ssi_evfd *e) {
  int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) return errno;
  e->rd = e->wr = fd;
  return 0;
}

void ssi_evfd_signal(const ssi_evfd *e) {
  uint64_t one = 1;
  /* EAGAIN only if the counter would overflow: it is readable then anyway. */
  while (write((int)e->wr, &one, sizeof one) < 0 && errno == EINTR) {
  }
}

void ssi_evfd_drain(const ssi_evfd *e) {
  uint64_t v;
  while (read((int)e->rd, &v, sizeof v) < 0 && errno == EINTR) {
  }
}

#else /* pipe */

static int set_flags(int fd) {
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) return -1;
  fl = fcntl(fd, F_GETFD);
  if (fl < 0 || fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0) return -1;
  return 0;
}

int ssi_evfd_open(ssi_evfd *e) {
  /* pipe2 would set both flags atomically, but macOS lacks it; a host that
   * forks and execs between pipe and fcntl leaks the two ends to the child
   * at worst, which holds them open and nothing else. */
  int p[2];
  if (pipe(p) < 0) return errno;
  if (set_flags(p[0]) < 0 || set_flags(p[1]) < 0) {
    int err = errno;
    close(p[0]);
    close(p[1]);
    return err;
  }
  e->rd = p[0];
  e->wr = p[1];
  return 0;
}

void ssi_evfd_signal(const ssi_evfd *e) {
  char one = 1;
  /* EAGAIN: the pipe is full, so it is readable anyway. */
  while (write((int)e->wr, &one, 1) < 0 && errno == EINTR) {
  }
}

void ssi_evfd_drain(const ssi_evfd *e) {
  char buf[64];
  for (;;) {
    ssize_t n = read((int)e->rd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < (ssize_t)sizeof buf) return; /* empty now (EAGAIN, or short) */
  }
}

#endif

void ssi_evfd_close(ssi_evfd *e) {
  if (e->wr >= 0 && e->wr != e->rd) close((int)e->wr);
  if (e->rd >= 0) close((int)e->rd);
  e->rd = e->wr = -1;
}

int ssi_evfd_wait2(const ssi_evfd *a, const ssi_evfd *b, int timeout_ms) {
  struct pollfd p[2] = {{(int)a->rd, POLLIN, 0}, {(int)b->rd, POLLIN, 0}};
  int rc = poll(p, 2, timeout_ms < 0 ? -1 : timeout_ms);
  if (rc < 0) return errno == EINTR ? 0 : -1;
  return rc;
}

#else /* _WIN32 */

/* ---- Windows: a connected pair of loopback TCP sockets -------------------- */

#include <ws2tcpip.h>

static int wsa_ready(void) {
  /* Reference-counted by Windows: one more than the Go runtime's own is
   * harmless, and makes the library independent of what Go did first. */
  WSADATA d;
  return WSAStartup(MAKEWORD(2, 2), &d) == 0;
}

static SOCKET new_socket(void) {
  /* Not inherited by child processes, like FD_CLOEXEC. */
  return WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0, WSA_FLAG_NO_HANDLE_INHERIT);
}

static int same_addr(const struct sockaddr_in *x, const struct sockaddr_in *y) {
  return x->sin_addr.s_addr == y->sin_addr.s_addr && x->sin_port == y->sin_port;
}

int ssi_evfd_open(ssi_evfd *e) {
  if (!wsa_ready()) return WSAGetLastError();
  SOCKET l = new_socket(), c = INVALID_SOCKET, s = INVALID_SOCKET;
  int err = 0;
  struct sockaddr_in a, ca, peer;
  int alen = sizeof a, clen = sizeof ca, plen = sizeof peer;
  u_long nb = 1;
  BOOL one = TRUE;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  if (l == INVALID_SOCKET) goto fail;
  /* Exclusive: no other socket may bind the port while it listens. */
  setsockopt(l, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, (const char *)&one, sizeof one);
  if (bind(l, (struct sockaddr *)&a, sizeof a) != 0) goto fail;
  if (listen(l, 1) != 0) goto fail;
  if (getsockname(l, (struct sockaddr *)&a, &alen) != 0) goto fail;
  if ((c = new_socket()) == INVALID_SOCKET) goto fail;
  if (connect(c, (struct sockaddr *)&a, sizeof a) != 0) goto fail;
  if (getsockname(c, (struct sockaddr *)&ca, &clen) != 0) goto fail;
  if ((s = accept(l, (struct sockaddr *)&peer, &plen)) == INVALID_SOCKET) goto fail;
  /* Another local process could have connected to the listener first: the
   * accepted socket must be the other end of ours. */
  if (!same_addr(&peer, &ca)) {
    err = WSAECONNREFUSED;
    goto fail;
  }
  closesocket(l);
  l = INVALID_SOCKET;
  SetHandleInformation((HANDLE)s, HANDLE_FLAG_INHERIT, 0);
  if (ioctlsocket(s, FIONBIO, &nb) != 0 || ioctlsocket(c, FIONBIO, &nb) != 0) goto fail;
  /* One byte at a time, at once: no Nagle delay on the signal. */
  setsockopt(c, IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof one);
  e->rd = (intptr_t)s;
  e->wr = (intptr_t)c;
  return 0;
fail:
  if (err == 0) err = WSAGetLastError();
  if (err == 0) err = WSAEINVAL;
  if (l != INVALID_SOCKET) closesocket(l);
  if (c != INVALID_SOCKET) closesocket(c);
  if (s != INVALID_SOCKET) closesocket(s);
  return err;
}

void ssi_evfd_signal(const ssi_evfd *e) {
  char one = 1;
  /* WSAEWOULDBLOCK: the buffers are full, so it is readable anyway. */
  send((SOCKET)e->wr, &one, 1, 0);
}

void ssi_evfd_drain(const ssi_evfd *e) {
  char buf[64];
  for (;;) {
    int n = recv((SOCKET)e->rd, buf, sizeof buf, 0);
    if (n < (int)sizeof buf) return; /* empty now (WSAEWOULDBLOCK, or short) */
  }
}

void ssi_evfd_close(ssi_evfd *e) {
  if (e->wr >= 0) closesocket((SOCKET)e->wr);
  if (e->rd >= 0) closesocket((SOCKET)e->rd);
  e->rd = e->wr = -1;
}

int ssi_evfd_wait2(const ssi_evfd *a, const ssi_evfd *b, int timeout_ms) {
  WSAPOLLFD p[2];
  memset(p, 0, sizeof p);
  p[0].fd = (SOCKET)a->rd;
  p[0].events = POLLRDNORM;
  p[1].fd = (SOCKET)b->rd;
  p[1].events = POLLRDNORM;
  int rc = WSAPoll(p, 2, timeout_ms < 0 ? -1 : timeout_ms);
  return rc == SOCKET_ERROR ? -1 : rc;
}

#endif
