package core

import (
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// A Queue's host-driven input on Linux (hostread.go): the Queue keeps an
// epoll set of its sockets' TCP descriptors and one eventfd. Wait blocks
// in epoll_wait on that set itself, so a reply wakes the waiting goroutine's
// thread directly, and it decrypts the reply (Pump) before it returns the
// event: one thread woken per reply, as with a blocking crypto/tls read.
// Post writes the eventfd only while a waiter is blocked there.
//
// Ready hands a Queue's sockets back to reader goroutines for good: a
// select on its channel would never see input that nobody pumps.
type queueHost struct {
	once    sync.Once
	ep      int // -1: no epoll set (its creation failed)
	wake    int // eventfd in ep
	mu      sync.Mutex
	byFD    map[int32]*Socket
	fdOf    map[*Socket]int32
	ok      atomic.Bool  // ep and wake are open (init succeeded)
	off     atomic.Bool  // Ready was called
	blocked atomic.Int32 // goroutines blocked in epoll_wait

	// A stream's pause (pause): streamed says that the last pump
	// decrypted a stream's batch; skip and backoff are the back-off after
	// pauses that found nothing; pauses counts them (for tests).
	streamed      atomic.Bool
	skip, backoff atomic.Int32
	pauses        atomic.Int64
}

// pauseTime is how long a Wait pauses in a stream (pause), as the C ABI's
// waits do (capi/queue.c, stream_pause): its spin time, 50 us, or
// SECURESOCKET_SPIN_US microseconds (0 turns it off, at most 1000); none
// with a single processor.
var pauseTime = func() time.Duration {
	us := 50
	if v, err := strconv.Atoi(os.Getenv("SECURESOCKET_SPIN_US")); err == nil {
		us = min(max(v, 0), 1000)
	}
	if runtime.NumCPU() < 2 {
		us = 0
	}
	return time.Duration(us) * time.Microsecond
}()

func (q *Queue) initHost() bool {
	h := &q.host
	h.once.Do(func() {
		h.ep, h.wake = -1, -1
		ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
		if err != nil {
			return
		}
		wake, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
		if err != nil {
			unix.Close(ep)
			return
		}
		ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wake)}
		if unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, wake, &ev) != nil {
			unix.Close(ep)
			unix.Close(wake)
			return
		}
		h.ep, h.wake = ep, wake
		h.byFD, h.fdOf = map[int32]*Socket{}, map[*Socket]int32{}
		h.ok.Store(true)
		// The descriptors live as long as the Queue: a program that makes
		// a Queue per socket (New(nil)) must not leak two per connect.
		// Every use is a method of q, so q is reachable while one runs.
		runtime.AddCleanup(q, func(fds [2]int) {
			unix.Close(fds[0])
			unix.Close(fds[1])
		}, [2]int{ep, wake})
	})
	return h.ok.Load()
}

// WatchInput makes the socket's input the Queue's to pump (InputWatcher).
func (q *Queue) WatchInput(s *Socket, fd uintptr) bool {
	h := &q.host
	if h.off.Load() || !q.initHost() {
		return false
	}
	// A Wait blocked on the channel must now wait on the descriptors.
	defer func() {
		select {
		case q.ready <- struct{}{}:
		default:
		}
	}()
	h.mu.Lock()
	defer h.mu.Unlock()
	if old, ok := h.fdOf[s]; ok {
		unix.EpollCtl(h.ep, unix.EPOLL_CTL_DEL, int(old), nil)
		delete(h.byFD, old)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}
	err := unix.EpollCtl(h.ep, unix.EPOLL_CTL_ADD, int(fd), &ev)
	if err == unix.EEXIST {
		err = unix.EpollCtl(h.ep, unix.EPOLL_CTL_MOD, int(fd), &ev)
	}
	if err != nil {
		delete(h.fdOf, s)
		return false
	}
	h.byFD[int32(fd)], h.fdOf[s] = s, int32(fd)
	return true
}

// UnwatchInput takes the socket's descriptor out of the set.
func (q *Queue) UnwatchInput(s *Socket) {
	h := &q.host
	if !h.ok.Load() {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if fd, ok := h.fdOf[s]; ok {
		unix.EpollCtl(h.ep, unix.EPOLL_CTL_DEL, int(fd), nil)
		delete(h.fdOf, s)
		delete(h.byFD, fd)
	}
}

// hostActive: some socket's input is the Queue's to pump.
func (q *Queue) hostActive() bool {
	h := &q.host
	if !h.ok.Load() || h.off.Load() {
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.fdOf) > 0
}

// signalWaiters wakes goroutines blocked in epoll_wait (Post).
func (q *Queue) signalWaiters() {
	if q.host.blocked.Load() > 0 {
		unix.Write(q.host.wake, []byte{1, 0, 0, 0, 0, 0, 0, 0})
	}
}

// pumpReady waits up to ms milliseconds (0: not at all, -1: without limit)
// for input or a Post, and pumps the sockets whose descriptors are
// readable. It returns how many it pumped.
func (q *Queue) pumpReady(ms int) int {
	h := &q.host
	var evs [32]unix.EpollEvent
	if ms != 0 {
		h.blocked.Add(1)
		if q.Len() > 0 { // a Post may have come before blocked was seen
			h.blocked.Add(-1)
			return 0
		}
	}
	n, err := unix.EpollWait(h.ep, evs[:], ms)
	if ms != 0 {
		h.blocked.Add(-1)
	}
	if err != nil || n <= 0 {
		return 0
	}
	var socks [32]*Socket
	k := 0
	h.mu.Lock()
	for _, ev := range evs[:n] {
		if ev.Fd == int32(h.wake) {
			var b [8]byte
			unix.Read(h.wake, b[:])
			continue
		}
		if s := h.byFD[ev.Fd]; s != nil {
			socks[k] = s
			k++
		}
	}
	h.mu.Unlock()
	stream := false
	for _, s := range socks[:k] {
		if _, st := s.PumpBatch(); st {
			stream = true
		}
	}
	if k > 0 {
		h.streamed.Store(stream)
	}
	return k
}

// pause is a Wait's pause in a stream. A stream arrives as one TLS record
// after another, and a host that reads faster than the server sends is
// woken once per record when it waits on the descriptors: on loopback each
// wake-up costs the sender's processor an interprocessor interrupt too. So
// after a pump that decrypted a stream's batch, a wait that would block
// first sleeps for pauseTime without watching any descriptor, then pumps
// what arrived meanwhile in one batch. True when that made an event. A pause
// that finds nothing makes the next waits skip it, 1, 2, 4 ... up to 64
// waits (docs/benchmarks.md, "Pausing in a stream").
func (q *Queue) pause() bool {
	h := &q.host
	if pauseTime <= 0 || !h.streamed.Load() {
		return false
	}
	if h.skip.Load() > 0 {
		h.skip.Add(-1)
		return false
	}
	// The thread sleeps (not the goroutine): nothing else runs on it
	// meanwhile, as in the C ABI's pause.
	ts := unix.NsecToTimespec(int64(pauseTime))
	for unix.Nanosleep(&ts, &ts) == unix.EINTR {
	}
	h.pauses.Add(1)
	if q.Len() == 0 {
		q.pumpReady(0)
	}
	if q.Len() > 0 {
		h.backoff.Store(0)
		return true
	}
	b := min(max(2*h.backoff.Load(), 1), 64)
	h.backoff.Store(b)
	h.skip.Store(b)
	return false
}

// waitHost is Wait for a Queue that pumps its sockets' input.
func (q *Queue) waitHost(timeout time.Duration) (Event, bool) {
	var deadline time.Time
	if timeout >= 0 {
		deadline = time.Now().Add(timeout)
	}
	for {
		if e, ok := q.tryNext(); ok {
			return e, true
		}
		ms := -1
		if timeout >= 0 {
			left := time.Until(deadline)
			if left <= 0 {
				return q.tryNext()
			}
			ms = int((left + time.Millisecond - 1) / time.Millisecond)
		}
		if !q.hostActive() {
			// The last watched socket went to a reader goroutine or
			// closed: wait on the channel as usual.
			if timeout < 0 {
				return q.waitChan(-1)
			}
			return q.waitChan(max(time.Until(deadline), 0))
		}
		if q.pause() {
			continue
		}
		// Returns at once when a descriptor is already readable.
		q.pumpReady(ms)
	}
}

// leaveHost hands every socket the Queue pumps to a reader goroutine, for
// good (Ready).
func (q *Queue) leaveHost() {
	h := &q.host
	if h.off.Swap(true) || !h.ok.Load() {
		return
	}
	h.mu.Lock()
	var socks []*Socket
	for s := range h.fdOf {
		socks = append(socks, s)
	}
	h.mu.Unlock()
	for _, s := range socks {
		s.leaveHost()
	}
}
