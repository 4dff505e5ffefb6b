/*
 * test_port.c - the event descriptor of each platform (capi/evfd.c): what
 * kind it is, and that it is readable exactly while events wait, through
 * many empty <-> non-empty transitions (a pipe or a socket must be drained
 * completely, an eventfd reset). Needs the ssdebug build (ss_debug_post).
 *
 * SS_EXPECT_EVENT_FD names the kind the library under test must give:
 * "epoll" (Linux: an epoll set holding an eventfd and the watched
 * connections, capi/queue.c), "pipe" (capi/build.sh --pipe, macOS, the BSDs) or
 * "socket" (Windows). Unset, the kind is not checked.
 */
#if !defined(_WIN32)
#define _GNU_SOURCE
#endif
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <winsock2.h>
#else
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

#include "testutil.h"

/* Only in the ssdebug build of the library. */
int ss_debug_post(ss_socket *s, int type, uint32_t count);

/* 1 if the event fd is readable within timeout_ms, else 0. */
static int readable(int fd, int timeout_ms) {
#ifdef _WIN32
  WSAPOLLFD p;
  memset(&p, 0, sizeof p);
  p.fd = (SOCKET)(intptr_t)fd;
  p.events = POLLRDNORM;
  return WSAPoll(&p, 1, timeout_ms) == 1 && (p.revents & POLLRDNORM) != 0;
#else
  struct pollfd p = {fd, POLLIN, 0};
  return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN) != 0;
#endif
}

static const char *fd_kind(int fd) {
#ifdef _WIN32
  int type = 0, len = sizeof type;
  if (getsockopt((SOCKET)(intptr_t)fd, SOL_SOCKET, SO_TYPE, (char *)&type, &len) == 0 &&
      type == SOCK_STREAM)
    return "socket";
  return "unknown";
#else
  struct stat st;
  if (fstat(fd, &st) != 0) return "unknown";
  if (S_ISFIFO(st.st_mode)) return "pipe";
  if (S_ISSOCK(st.st_mode)) return "socket";
#ifdef __linux__
  char path[64], link[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(path, link, sizeof link - 1);
  if (n > 0) {
    link[n] = 0;
    if (strcmp(link, "anon_inode:[eventfd]") == 0) return "eventfd";
    if (strcmp(link, "anon_inode:[eventpoll]") == 0) return "epoll";
  }
#endif
  return "unknown";
#endif
}

static void test_kind(void) {
  int fd = ss_event_fd();
  CHECK(fd >= 0);
  CHECK(ss_event_fd() == fd); /* the same for the life of the process */
  const char *want = getenv("SS_EXPECT_EVENT_FD");
  const char *got = fd_kind(fd);
  printf("     event fd %d is a %s\n", fd, got);
  if (want != NULL && strcmp(want, got) != 0) {
    fprintf(stderr, "event fd is a %s, want a %s\n", got, want);
    tu_failures++;
  }
#ifndef _WIN32
  /* Not leaked to programs the host executes, never blocks the library. */
  CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
  CHECK((fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
#endif
}

static void test_level(void) {
  int fd = ss_event_fd();
  ss_socket *s = ss_socket_new();
  ss_event ev;
  while (ss_next_event(&ev) == 1) {
  }
  CHECK(!readable(fd, 0));
  /* Many transitions: each post makes it readable, taking the last event
   * makes it unreadable again, whatever the kind (nothing accumulates). */
  int bad_on = 0, bad_off = 0;
  for (int i = 0; i < 2000; i++) {
    int n = 1 + i % 3;
    ss_debug_post(s, SS_EVENT_CONNECT, (uint32_t)n);
    if (!readable(fd, 1000)) bad_on++;
    for (int k = 0; k < n; k++) {
      if (ss_next_event(&ev) != 1) bad_on++;
      /* Still readable while one more waits. */
      if (k + 1 < n && !readable(fd, 0)) bad_on++;
    }
    if (readable(fd, 0)) bad_off++;
  }
  CHECK(bad_on == 0);
  CHECK(bad_off == 0);
  /* Freeing a socket purges its events: not readable afterwards. */
  ss_debug_post(s, SS_EVENT_CONNECT, 3);
  CHECK(readable(fd, 1000));
  ss_socket_free(s);
  CHECK(!readable(fd, 0));
  CHECK(ss_next_event(&ev) == 0);
}

static void test_dispatch_and_wake(void) {
  /* ss_dispatch waits on the same descriptors (plus its private wake one). */
  ss_socket *s = ss_socket_new();
  CHECK(ss_dispatch(0) == 0);
  CHECK(ss_dispatch(20) == 0); /* times out: nothing waits */
  for (int i = 0; i < 200; i++) {
    CHECK_OK(NULL, ss_wake());
    CHECK(ss_dispatch(-1) == 0); /* returns, woken, though nothing waits */
  }
  CHECK(ss_dispatch(0) == 0); /* every wake consumed */
  ss_debug_post(s, SS_EVENT_CONNECT, 2);
  /* No callback set: the events are taken, none run. */
  CHECK(ss_dispatch(-1) == 0);
  CHECK(!readable(ss_event_fd(), 0));
  ss_socket_free(s);
}

int main(int argc, char **argv) {
  static const tu_test tests[] = {
      {"kind", test_kind},
      {"level", test_level},
      {"dispatch_and_wake", test_dispatch_and_wake},
      {NULL, NULL},
  };
  return tu_main(argc, argv, tests);
}
