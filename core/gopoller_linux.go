package core

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"
)

// Go's network poller and host-driven links (Linux).
//
// Go's net package registers every connection in the runtime's epoll set,
// edge-triggered for input and output. The runtime waits in that set
// (epoll_wait with a timeout) whenever a scheduler thread is idle while any
// Go timer is pending, and Go always has some pending: the scavenger's, a
// connect's timeout, crypto's one-minute entropy warning. Each packet that
// arrives then wakes that thread, although on a host-driven link no
// goroutine waits for it (the host's own wait sees the descriptor): strace
// and perf stat of a 256 MiB download over the C ABI counted 4,000 to 7,000
// such wake-ups, each a context switch, often on the processor that the
// peer needs, against 9 once the descriptor was out of Go's set (see
// docs/benchmarks.md, "Who reads a connection's input").
//
// So a link whose host drives its input for good leaves Go's set
// (detachGoPoller), and from then on waits on its descriptor with poll(2)
// on the waiting goroutine's thread (flowConn.waitFor). Only two things
// still wait on such a link, both rare: a writer whose peer's window is
// full (an upload, or close_notify behind one), and the reader goroutine a
// link falls back to if its host can no longer watch it. Go's poller never
// hears of the descriptor again; closing it deregisters nothing
// (EPOLL_CTL_DEL's ENOENT is ignored by the runtime).

// goPoller.fd is the runtime's epoll descriptor, found once: Go does not
// export it, but the kernel lists each epoll set's members in
// /proc/self/fdinfo, and Go's registration of a connection is recognisable
// (EPOLLIN|EPOLLOUT|EPOLLRDHUP|EPOLLET, internal/poll's and
// runtime/netpoll_epoll.go's mask since Go 1.9). -1 when not found.
var goPoller struct {
	once sync.Once
	fd   int
}

// goPollerMask is the events mask of Go's registration, as fdinfo shows it.
const goPollerMask = unix.EPOLLIN | unix.EPOLLOUT | unix.EPOLLRDHUP | unix.EPOLLET

// findGoPoller returns the epoll descriptor whose members include fd with
// Go's mask, or -1.
func findGoPoller(fd int) int {
	dir, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	for _, e := range dir {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if link, err := os.Readlink("/proc/self/fd/" + e.Name()); err != nil || link != "anon_inode:[eventpoll]" {
			continue
		}
		if hasMember(n, fd) {
			return n
		}
	}
	return -1
}

// hasMember reads /proc/self/fdinfo/<epfd> for a line
// "tfd: <fd> events: <goPollerMask> ..." (the kernel adds EPOLLERR and
// EPOLLHUP, which it always reports).
func hasMember(epfd, fd int) bool {
	want := []byte("tfd: ")
	f, err := os.Open("/proc/self/fdinfo/" + strconv.Itoa(epfd))
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Bytes()
		if !bytes.HasPrefix(line, want) {
			continue
		}
		fields := bytes.Fields(line[len(want):])
		// <fd> events: <hex> data: <hex> ...
		if len(fields) < 3 || string(fields[1]) != "events:" {
			continue
		}
		n, err1 := strconv.Atoi(string(fields[0]))
		ev, err2 := strconv.ParseUint(string(fields[2]), 16, 32)
		if err1 == nil && err2 == nil && n == fd && uint32(ev)&^(unix.EPOLLERR|unix.EPOLLHUP) == uint32(goPollerMask) {
			return true
		}
	}
	return false
}

// detachGoPoller takes fd, a connection Go's net package registered, out
// of Go's epoll set; false when it cannot (the set was not found).
func detachGoPoller(fd uintptr) bool {
	goPoller.once.Do(func() { goPoller.fd = findGoPoller(int(fd)) })
	if goPoller.fd < 0 || noDetach {
		return false
	}
	return unix.EpollCtl(goPoller.fd, unix.EPOLL_CTL_DEL, int(fd), nil) == nil
}

// noDetach: SECURESOCKET_GOPOLLER=keep leaves host-driven links in Go's
// set (for comparisons).
var noDetach = os.Getenv("SECURESOCKET_GOPOLLER") == "keep"

// pollWait waits until fd is ready for events, or until the deadline
// (Unix nanoseconds, 0: none) passes, or for at most a second (the caller
// looks at its state and waits again). It returns the revents, 0 after a
// timeout.
func pollWait(fd uintptr, events int16, deadline int64, now int64) int16 {
	ms := 1000
	if deadline != 0 {
		left := (deadline - now + 999999) / 1000000
		if left < int64(ms) {
			ms = int(max(left, 0))
		}
	}
	fds := []unix.PollFd{{Fd: int32(fd), Events: events}}
	for {
		n, err := unix.Poll(fds, ms)
		if err == unix.EINTR {
			continue
		}
		if err != nil || n == 0 {
			return 0
		}
		return fds[0].Revents
	}
}

// shutdownFD wakes whatever waits in poll(2) on fd: both directions end.
func shutdownFD(fd uintptr) { unix.Shutdown(int(fd), unix.SHUT_RDWR) }

const pollIn, pollOut int16 = unix.POLLIN, unix.POLLOUT
