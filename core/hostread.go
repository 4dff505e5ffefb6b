package core

import (
	"errors"
	"net"
	"os"
	"sync"
)

// Host-driven reading. A socket normally has a reader goroutine that
// decrypts input as it arrives and posts socketData; the host learns of it
// from its sink (a Queue, or the C ABI's event descriptor), so every
// message crosses two threads: the reader's, then the host's. A sink that
// implements InputWatcher lets the host's own wait watch the connection's
// descriptor instead (the C ABI puts it in the epoll set behind
// ss_event_fd on Linux): when the descriptor is readable, the host's
// thread calls Pump, which decrypts what the kernel already holds on that
// thread, without waiting, and posts the events it then dispatches. A
// reply reaches the callback with one wake-up, the host thread's, as with
// a blocking read on a plain TLS socket, and an idle connection has no
// goroutine at all.
//
// Every AS3 rule holds as with a reader goroutine: input is bounded by the
// input limit (the pump stops reading and stops watching at the limit, and
// reading below it resumes), the end of the stream and errors give the same
// close and ioError, and unread input stays readable after a peer close.
// What differs is when input is read: when the host waits for or takes
// events (ss_dispatch, ss_next_event, or its poll of ss_event_fd), which is
// when a host can see it anyway.

// InputWatcher is implemented by a Sink whose host waits on descriptors
// itself. WatchInput starts watching fd (the connection's TCP descriptor)
// for readability on s's behalf, until UnwatchInput; when it is readable
// the host calls s.Pump. WatchInput returns false when it cannot watch;
// the socket then reads with a goroutine. Both are called with the
// socket's lock held and must not call back into the socket.
type InputWatcher interface {
	WatchInput(s *Socket, fd uintptr) bool
	UnwatchInput(s *Socket)
}

// GoPollerDetacher is implemented by an InputWatcher whose host watches
// its sockets' descriptors for as long as they are open (the C ABI's
// sink): DetachGoPoller true lets a host-driven link leave Go's network
// poller, whose thread would otherwise wake for every packet that arrives
// while any Go timer is pending (gopoller_linux.go).
type GoPollerDetacher interface {
	DetachGoPoller() bool
}

// hostReads: sockets whose sink is an InputWatcher use it. The environment
// variable SECURESOCKET_READER=goroutine turns it off (for comparisons).
var hostReads = os.Getenv("SECURESOCKET_READER") != "goroutine"

// startReaderLocked starts reading a new link: host-driven when the sink
// can watch its descriptor, else with a reader goroutine. It returns true
// when the caller must pump the link once after unlocking: the handshake
// may have left whole records in TLS's buffer, which the descriptor's
// readiness will never announce.
func (s *Socket) startReaderLocked(l *link) bool {
	if w, ok := s.sink.(InputWatcher); ok && hostReads && l.tc != nil && l.flow != nil && l.flow.tryRead != nil {
		if fd, ok := descriptor(l.flow.Conn); ok && w.WatchInput(s, fd) {
			l.hostDriven, l.watching = true, true
			if d, ok := w.(GoPollerDetacher); ok && d.DetachGoPoller() && l.flow.detachGoPoller(fd) {
				// A reader goroutine this link may fall back to reads
				// in poll(2) too (flowConn.readWait).
				l.readable = nil
			}
			return true
		}
	}
	go s.readLoop(l)
	return false
}

// hostDetaches says whether a link of this socket will be host-driven and
// leave Go's network poller (startReaderLocked), as far as the sink tells.
func (s *Socket) hostDetaches() bool {
	_, watches := s.sink.(InputWatcher)
	d, ok := s.sink.(GoPollerDetacher)
	return hostReads && watches && ok && d.DetachGoPoller()
}

// descriptor returns the descriptor of a TCP connection itself (not of a
// wrapper that may hold bytes of its own).
func descriptor(c net.Conn) (uintptr, bool) {
	switch c.(type) {
	case *net.TCPConn, *sockConn:
	default:
		return 0, false
	}
	return handleOf(c)
}

// unwatchLocked stops watching a host-driven link's descriptor, before it
// is closed.
func (s *Socket) unwatchLocked(l *link) {
	if l.watching {
		l.watching = false
		if w, ok := s.sink.(InputWatcher); ok {
			w.UnwatchInput(s)
		}
	}
}

// resumeLocked watches a host-driven link again after its input went back
// under the limit, and pumps it once (without the lock, on a goroutine):
// TLS may hold whole records that no readiness will announce.
func (s *Socket) resumeLocked() {
	l := s.link
	if l == nil || !l.hostDriven || !l.paused {
		return
	}
	l.paused = false
	if w, ok := s.sink.(InputWatcher); ok && w.WatchInput(s, l.fd()) {
		l.watching = true
		go s.pumpLink(l)
		return
	}
	// The host no longer watches (a Queue's Ready): a reader goroutine
	// takes over once the pump that paused has let go.
	l.hostDriven = false
	go func() {
		l.pumpMu.Lock()
		l.pumpMu.Unlock()
		s.readLoop(l)
	}()
}

// leaveHost hands a host-driven link to a reader goroutine for good: its
// host stops watching descriptors (a Queue's Ready).
func (s *Socket) leaveHost() {
	s.mu.Lock()
	l := s.link
	host := l != nil && l.hostDriven
	s.mu.Unlock()
	if !host {
		return
	}
	l.pumpMu.Lock() // no pump runs meanwhile
	s.mu.Lock()
	// A paused link goes to a goroutine when its input drains: its sink
	// no longer watches (resumeLocked).
	moved := s.link == l && l.hostDriven && !l.paused
	if moved {
		l.hostDriven = false
		s.unwatchLocked(l)
	}
	s.mu.Unlock()
	l.pumpMu.Unlock()
	if moved {
		go s.readLoop(l)
	}
}

func (l *link) fd() uintptr {
	fd, _ := descriptor(l.flow.Conn)
	return fd
}

// Pump reads what the kernel holds for a host-driven connection, on the
// calling thread and without waiting, and posts its events. The host
// calls it when the descriptor it watches for the socket is readable. It
// reports false when the socket no longer wants that descriptor watched
// (no host-driven connection, or its input is at the limit): a host that
// still watches it stops.
func (s *Socket) Pump() bool {
	keep, _ := s.PumpBatch()
	return keep
}

// PumpBatch is Pump that also reports stream when the pump decrypted a
// stream's batch (a full record's worth or more): a host that takes events
// in a loop should let the application read it before it pumps again, or
// a stream is pulled in up to the input limit ahead of the reads. Replies
// smaller than a record do not count.
func (s *Socket) PumpBatch() (keep, stream bool) {
	s.mu.Lock()
	l := s.link
	host := l != nil && l.hostDriven
	s.mu.Unlock()
	if !host {
		return false, false
	}
	return s.pumpLink(l)
}

// pumpBufs lend the pump its buffer: an idle connection holds none.
var pumpBufs = sync.Pool{New: func() any { return new([maxRecordPlaintext]byte) }}

// pumpLink decrypts the records the kernel (and TLS's own buffer) hold,
// until the kernel has nothing more, the input reaches its limit, the
// stream ends, or the pump has decrypted pumpBudget while more waits. One
// pump at a time per link. Its results are PumpBatch's.
//
// A small message is read through a pooled buffer and appended to the
// input. A stream (a full record's worth and more) is decrypted straight
// into a stream buffer (streamBufs). A pump that stops at its budget leaves
// the descriptor readable, and the host comes back after it has taken the
// events (and usually read the input): the host's reads and the pump
// alternate on one thread, as with a blocking read on a plain TLS socket,
// and the batch is still in the cache when it is read. The host is never
// raced by a goroutine that reads ahead: on two cores the peer needs the
// other one, and read-ahead costs fresh memory up to the input limit.
func (s *Socket) pumpLink(l *link) (keep, stream bool) {
	l.pumpMu.Lock()
	defer l.pumpMu.Unlock()
	defer s.recoverLink(l)
	return s.pumpLocked(l)
}

// pumpLocked is pumpLink's work, with l.pumpMu held.
func (s *Socket) pumpLocked(l *link) (keep, stream bool) {
	l.flow.nonblock.Store(true)
	defer l.flow.nonblock.Store(false)
	// A pump after one that streamed decrypts straight into a stream
	// buffer; otherwise the first read, through a small pooled buffer,
	// tells a message from a stream.
	total := 0
	bulk := l.streamed
	defer func() { l.streamed = bulk && total >= maxRecordPlaintext }()
	for {
		if !s.pumpRoom(l) {
			return false, false
		}
		var n int
		var drained, ok bool
		if bulk {
			dst, live := s.pumpReserve(l, min(pumpBudget-total, readChunk))
			if !live {
				return false, false
			}
			var err error
			n, drained, err = readWaiting(l, dst)
			ok = s.readerGot(l, n, err)
		} else {
			buf := pumpBufs.Get().(*[maxRecordPlaintext]byte)
			var err error
			n, drained, err = readWaiting(l, buf[:])
			ok = s.readerAppend(l, buf[:n], err)
			pumpBufs.Put(buf)
			bulk = n == len(buf)
		}
		if !ok {
			return false, false
		}
		if drained {
			return true, total+n >= maxRecordPlaintext
		}
		if total += n; total >= pumpBudget && l.waiting() > 0 {
			// The kernel holds more: the descriptor stays readable.
			return true, true
		}
	}
}

// directReadMin is the smallest destination that ReadBytesInto fills
// straight from the connection (readDirect): a bulk read. Smaller reads
// (a reply's few bytes) take only what was already pumped, so that they
// never cost a read(2) that finds nothing.
const directReadMin = 64 << 10

// readDirect is ReadBytesInto of everything available into a large dst on
// a host-driven link whose input buffer is empty: what the kernel holds is
// decrypted straight into dst, as BytesAvailable would pump it but without
// the copy through the input buffer, and announced with socketData as
// always. ok is false when the link cannot (the caller reads the input
// buffer as usual).
func (s *Socket) readDirect(l *link, dst []byte) (n int, ok bool) {
	l.pumpMu.Lock()
	defer l.pumpMu.Unlock()
	defer s.recoverLink(l)
	s.mu.Lock()
	ok = s.link == l && l.hostDriven && l.watching && s.inR == len(s.in) && !s.inReserved
	s.mu.Unlock()
	if !ok {
		return 0, false
	}
	l.flow.nonblock.Store(true)
	n, drained, err := readWaiting(l, dst)
	l.flow.nonblock.Store(false)
	s.mu.Lock()
	if s.link == l {
		if n > 0 {
			s.post(Event{Type: EventSocketData, BytesLoaded: uint64(n)})
		}
		if err != nil {
			s.peerClosedLocked(l, err)
		}
	}
	s.mu.Unlock()
	if err == nil && !drained {
		// dst is full while more waits: TLS may hold the rest of a
		// record, and whole records it read ahead, which no readiness of
		// the descriptor would announce. The pump takes those into the
		// input buffer, and only those: what the kernel holds keeps the
		// descriptor readable, and the next large read takes it straight
		// into its destination (a pump of a stream's batch here copied a
		// fifth of a download twice).
		l.flow.heldOnly = true
		s.pumpLocked(l)
		l.flow.heldOnly = false
	}
	return n, true
}

// readWaiting fills p with what the link can return without waiting (the
// pump's flowConn is non-blocking); drained when it ran out of input first.
// err is the stream's end or failure, nil when drained.
//
// Input runs out when a read(2) finds the kernel empty, which costs a
// failed system call per message. A message that came alone needs none:
// when the reads under one TLS Read came back short (the kernel had no
// more), ended on a record boundary after completing exactly one record,
// and TLS returned all of its plaintext, nothing is left in the kernel or
// in TLS (records.drySince). Anything else reads on until the kernel is
// empty.
func readWaiting(l *link, p []byte) (n int, drained bool, err error) {
	rec := &l.flow.rec
	for n < len(p) && err == nil {
		rec.start()
		var m int
		m, err = l.conn.Read(p[n:])
		if err == nil && m > 0 && m < len(p)-n && rec.drySince() {
			return n + m, true, nil
		}
		n += m
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return n, true, nil
	}
	return n, false, err
}

// pumpBudget bounds what one pump decrypts while the kernel holds more.
const pumpBudget = 256 << 10

// pumpReserve reserves room in the input buffer for a streaming pump, at
// most want (at least one record) and up to the input limit; false when the
// link is no longer the socket's.
func (s *Socket) pumpReserve(l *link, want int) ([]byte, bool) {
	want = max(want, maxRecordPlaintext)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.link != l {
		return nil, false
	}
	dst, _ := s.reserveRoomLocked(want)
	return dst[:min(len(dst), want)], true
}

// pumpRoom says whether the pump may read more: the link is still the
// socket's and its unread input is under the limit. At the limit the link
// stops being watched until the input drains (resumeLocked).
func (s *Socket) pumpRoom(l *link) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.link != l || !l.hostDriven {
		return false
	}
	if len(s.in)-s.inR >= s.inLimit {
		l.paused = true
		s.unwatchLocked(l)
		return false
	}
	return true
}
